import DicomCore

/// The image pixel constraints of PS3.5 section 8.2 per target transfer syntax, checked before
/// encoding. A mismatch is an error naming every offending (0028,xxxx) value; nothing is changed.
public enum EncodingProfiles {
    /// One allowed combination for a photometric interpretation.
    struct Entry: Sendable {
        var photometric: String
        var samplesPerPixel: Int
        var bitsAllocated: [Int]
        var bitsStored: ClosedRange<Int>
        var signedAllowed: Bool
    }

    struct Profile: Sendable {
        var name: String
        var entries: [Entry]
        /// JPEG-family codestreams carry no separate high bit: HighBit must be BitsStored - 1.
        var requiresLowAlignedHighBit: Bool = true
    }

    private static let monochrome = ["MONOCHROME1", "MONOCHROME2"]

    private static func mono(_ allocated: [Int], _ stored: ClosedRange<Int>, signed: Bool) -> [Entry] {
        monochrome.map { Entry(photometric: $0, samplesPerPixel: 1, bitsAllocated: allocated, bitsStored: stored, signedAllowed: signed) }
    }

    private static func colour(_ pis: [String], _ allocated: [Int], _ stored: ClosedRange<Int>) -> [Entry] {
        pis.map { Entry(photometric: $0, samplesPerPixel: 3, bitsAllocated: allocated, bitsStored: stored, signedAllowed: false) }
    }

    private static func palette(_ allocated: [Int], _ stored: ClosedRange<Int>) -> [Entry] {
        [Entry(photometric: "PALETTE COLOR", samplesPerPixel: 1, bitsAllocated: allocated, bitsStored: stored, signedAllowed: false)]
    }

    private static let j2kAllocated = [8, 16, 24, 32, 40]

    /// Keyed by transfer syntax UID. The photometric interpretations are those of the image handed
    /// to the encoder (JPEG baseline takes RGB and writes YBR_FULL_422 / YBR_FULL itself).
    static let table: [String: Profile] = {
        var t: [String: Profile] = [:]
        let jpegLossless = mono([8, 16], 1...16, signed: true) + palette([8, 16], 1...16)
            + colour(["YBR_FULL", "RGB"], [8, 16], 1...16)
        t["1.2.840.10008.1.2.4.50"] = Profile(name: "JPEG Baseline", entries:
            mono([8], 8...8, signed: false) + colour(["RGB", "YBR_FULL", "YBR_FULL_422"], [8], 8...8))
        t["1.2.840.10008.1.2.4.51"] = Profile(name: "JPEG Extended", entries:
            mono([8], 8...8, signed: false) + mono([16], 12...12, signed: false))
        t["1.2.840.10008.1.2.4.57"] = Profile(name: "JPEG Lossless", entries: jpegLossless)
        t["1.2.840.10008.1.2.4.70"] = Profile(name: "JPEG Lossless SV1", entries: jpegLossless)
        t["1.2.840.10008.1.2.4.80"] = Profile(name: "JPEG-LS Lossless", entries:
            mono([8, 16], 2...16, signed: true) + palette([8, 16], 2...16)
            + colour(["YBR_FULL"], [8], 2...8) + colour(["RGB"], [8, 16], 2...16))
        t["1.2.840.10008.1.2.4.81"] = Profile(name: "JPEG-LS Near-Lossless", entries:
            mono([8, 16], 2...16, signed: true)
            + colour(["YBR_FULL"], [8], 2...8) + colour(["RGB"], [8, 16], 2...16))
        let j2kLossless = mono(j2kAllocated, 1...38, signed: true) + palette([8, 16], 1...16)
            + colour(["YBR_RCT", "RGB", "YBR_FULL"], j2kAllocated, 1...38)
        let j2kLossy = mono(j2kAllocated, 1...38, signed: true)
            + colour(["YBR_ICT", "RGB", "YBR_FULL"], j2kAllocated, 1...38)
        t["1.2.840.10008.1.2.4.90"] = Profile(name: "JPEG 2000 Lossless", entries: j2kLossless)
        t["1.2.840.10008.1.2.4.91"] = Profile(name: "JPEG 2000", entries: j2kLossless + j2kLossy)
        t["1.2.840.10008.1.2.4.201"] = Profile(name: "HTJ2K Lossless", entries: j2kLossless)
        t["1.2.840.10008.1.2.4.202"] = Profile(name: "HTJ2K Lossless RPCL", entries: j2kLossless)
        t["1.2.840.10008.1.2.4.203"] = Profile(name: "HTJ2K", entries: j2kLossless + j2kLossy)
        t["1.2.840.10008.1.2.5"] = Profile(name: "RLE Lossless", entries:
            mono([8, 16, 32], 1...32, signed: true) + palette([8, 16], 1...16)
            + colour(["YBR_FULL"], [8], 1...8) + colour(["RGB"], [8, 16, 32], 1...32))
        // The two frame-wise uncompressed syntaxes hold any native image (PS3.5 8.2.15, 8.2.16).
        let native = mono([1, 8, 16, 32], 1...32, signed: true) + palette([8, 16], 1...16)
            + colour(["RGB", "YBR_FULL", "YBR_FULL_422"], [8, 16], 1...16)
        t["1.2.840.10008.1.2.1.98"] = Profile(name: "Encapsulated Uncompressed", entries: native,
                                              requiresLowAlignedHighBit: false)
        t["1.2.840.10008.1.2.8.1"] = Profile(name: "Deflated Image Frame Compression", entries: native,
                                             requiresLowAlignedHighBit: false)
        return t
    }()

    /// Throws `.unsupported` naming every (0028,xxxx) value of `description` that the target
    /// syntax does not allow; returns when some profile entry fits.
    public static func check(_ description: PixelDescription, for uid: String) throws(DicomError) {
        guard let profile = table[uid] else {
            throw DicomError(.unsupported, "no encoding profile for transfer syntax \(uid)")
        }
        let pi = description.photometricInterpretation
        var problems: [String] = []
        if description.rows <= 0 || description.columns <= 0 || description.rows > 65535 || description.columns > 65535 {
            problems.append("requires Rows and Columns in 1...65535: (0028,0010) Rows is \(description.rows), "
                            + "(0028,0011) Columns is \(description.columns)")
        }
        let candidates = profile.entries.filter { $0.photometric == pi }
        if candidates.isEmpty {
            let allowed = orderedUnique(profile.entries.map(\.photometric)).joined(separator: ", ")
            problems.append("requires Photometric Interpretation \(allowed): (0028,0004) PhotometricInterpretation is \(pi.isEmpty ? "empty" : pi)")
        } else {
            let samples = Set(candidates.map(\.samplesPerPixel))
            if !samples.contains(description.samplesPerPixel) {
                problems.append("requires Samples per Pixel \(samples.sorted().map(String.init).joined(separator: " or ")) for \(pi): "
                                + "(0028,0002) SamplesPerPixel is \(description.samplesPerPixel)")
            }
            let allocated = orderedUnique(candidates.flatMap(\.bitsAllocated)).sorted()
            if !allocated.contains(description.bitsAllocated) {
                problems.append("requires Bits Allocated \(allocated.map(String.init).joined(separator: ", ")) for \(pi): "
                                + "(0028,0100) BitsAllocated is \(description.bitsAllocated)")
            }
            // Bits Stored is judged against the entries of this Bits Allocated when it is valid.
            let sameAllocation = candidates.filter { $0.bitsAllocated.contains(description.bitsAllocated) }
            let storedRanges = (sameAllocation.isEmpty ? candidates : sameAllocation).map(\.bitsStored)
            if !storedRanges.contains(where: { $0.contains(description.bitsStored) }) {
                problems.append("requires Bits Stored \(storedRanges.map(rangeText).joined(separator: " or ")): "
                                + "(0028,0101) BitsStored is \(description.bitsStored)")
            } else if description.bitsStored > description.bitsAllocated {
                problems.append("requires Bits Stored <= Bits Allocated: (0028,0101) BitsStored is "
                                + "\(description.bitsStored), (0028,0100) BitsAllocated is \(description.bitsAllocated)")
            }
            if description.pixelRepresentation != 0 && !candidates.contains(where: \.signedAllowed) {
                problems.append("requires unsigned samples for \(pi): (0028,0103) PixelRepresentation is \(description.pixelRepresentation)")
            }
        }
        if description.pixelRepresentation != 0 && description.pixelRepresentation != 1 {
            problems.append("requires Pixel Representation 0 or 1: (0028,0103) PixelRepresentation is \(description.pixelRepresentation)")
        }
        if profile.requiresLowAlignedHighBit && description.highBit != description.bitsStored - 1 {
            problems.append("requires High Bit = Bits Stored - 1: (0028,0102) HighBit is \(description.highBit)")
        }
        if description.samplesPerPixel > 1 && description.planarConfiguration != 0 && description.planarConfiguration != 1 {
            problems.append("requires Planar Configuration 0 or 1: (0028,0006) PlanarConfiguration is \(description.planarConfiguration)")
        }
        guard problems.isEmpty else {
            throw DicomError(.unsupported, problems.map { "\(profile.name) \($0)" }.joined(separator: "; "))
        }
    }

    private static func rangeText(_ r: ClosedRange<Int>) -> String {
        r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound)...\(r.upperBound)"
    }

    private static func orderedUnique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}

/// Colour samples in pixel order (R G B R G B ...), whatever the frame's planar configuration:
/// every encapsulated syntax stores colour-by-pixel, so encoders start from this.
func samplesByPixel(_ frame: DecodedFrame) -> [UInt8] {
    let d = frame.description
    guard d.samplesPerPixel > 1, d.planarConfiguration == 1 else { return frame.bytes }
    let sampleBytes = d.bytesPerSample
    let plane = d.pixelsPerFrame * sampleBytes
    var out = [UInt8](repeating: 0, count: frame.bytes.count)
    frame.bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for s in 0..<d.samplesPerPixel {
                for p in 0..<d.pixelsPerFrame {
                    let from = s * plane + p * sampleBytes
                    let to = (p * d.samplesPerPixel + s) * sampleBytes
                    for b in 0..<sampleBytes { dst[to + b] = src[from + b] }
                }
            }
        }
    }
    return out
}
