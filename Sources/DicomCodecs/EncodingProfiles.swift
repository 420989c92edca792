import DicomCore

/// Checks an image against the encoding profile (PS3.5 section 8.2) of a target syntax's row,
/// before encoding. A mismatch is an error naming every offending (0028,xxxx) value; nothing is changed.
public enum EncodingProfiles {
    /// As `check(_:for:)` with the syntax given by its UID (exactly as in the row).
    public static func check(_ description: PixelDescription, for uid: String) throws(DicomError) {
        guard let syntax = TransferSyntax(uid: uid), syntax.uid == uid else {
            throw DicomError(.unsupported, "no encoding profile for transfer syntax \(uid)")
        }
        try check(description, for: syntax)
    }

    /// Throws `.unsupported` naming every (0028,xxxx) value of `description` that the target
    /// syntax does not allow; returns when some profile entry fits.
    public static func check(_ description: PixelDescription, for syntax: TransferSyntax) throws(DicomError) {
        guard let profile = syntax.encodingProfile else {
            throw DicomError(.unsupported, "no encoding profile for transfer syntax \(syntax.uid)")
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
