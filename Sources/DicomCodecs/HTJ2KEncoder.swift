internal import COpenJPHShim
import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// HTJ2K encoding (ISO/IEC 15444-15) through OpenJPH: 1.2.840.10008.1.2.4.201 (lossless),
/// .202 (lossless, RPCL with TLM) and .203 (lossless or lossy). One tile, one quality layer,
/// 64x64 code blocks; decoding stays with `HTJ2KDecoder` (OpenJPEG).
///
/// Lossless (`EncodeOptions.j2k == .lossless`) uses the reversible 5/3 wavelet, and RGB the
/// reversible colour transform (written as YBR_RCT). Lossy uses the 9/7 wavelet, and RGB the
/// irreversible colour transform (YBR_ICT). OpenJPH has no rate control: it quantises with one
/// base step Δ relative to a unit sample range, so the step is searched for:
/// - `.ratio(R)`: the smallest Δ (best quality) whose codestream reaches R, where R is DICOM's
///   ratio (0028,2112), Bits Allocated container bytes / codestream bytes. Compressed size grows
///   monotonically as Δ shrinks, so a bisection on log2 Δ over [2^-20, 2^-1] finds it.
/// - `.psnr(P)`: the largest Δ (smallest codestream) whose decoded image reaches P dB, with the
///   peak 2^BitsStored - 1. Each candidate is decoded (OpenJPEG) and measured. The search starts
///   from the high-rate model MSE ≈ Δ²/12 (in unit range), i.e. Δ ≈ √12 · 10^(-P/20).
/// A target no step in range can meet is refused rather than silently missed. The ratio in the
/// outcome is always the one measured on the codestream returned.
public struct HTJ2KEncoder: PixelEncoder {
    /// Which of the three HTJ2K transfer syntaxes the codestream is written for.
    public enum Syntax: Sendable, Equatable {
        /// 1.2.840.10008.1.2.4.201: reversible only.
        case lossless
        /// 1.2.840.10008.1.2.4.202: reversible, RPCL, base resolution <= 64, TLM present (PS3.5 10.18).
        case losslessRPCL
        /// 1.2.840.10008.1.2.4.203: reversible or irreversible.
        case unconstrained

        public var transferSyntax: TransferSyntax {
            switch self {
            case .lossless: .htj2kLossless
            case .losslessRPCL: .htj2kLosslessRPCL
            case .unconstrained: .htj2k
            }
        }

        public var uid: String { transferSyntax.uid }
    }

    public var syntax: Syntax

    public init(syntax: Syntax = .unconstrained) { self.syntax = syntax }

    /// OpenJPH's version as compiled against, e.g. "0.9.0".
    public static var libraryVersion: String { String(cString: ojph_shim_version()) }

    /// OpenJPH 0.9's sample path is 32-bit: 16 bits leave room for the wavelet's and the colour
    /// transform's growth; deeper images are refused rather than risked.
    static let maximumBitsStored = 16
    /// Wavelet levels unless RPCL needs more (the JPEG 2000 encoder writes the same).
    static let defaultDecompositions = 5

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        let reversible = options.j2k == .lossless
        if !reversible && syntax != .unconstrained {
            throw DicomError(.usage, "HTJ2K \(syntax == .lossless ? "Lossless" : "Lossless RPCL") (\(syntax.uid)) "
                             + "is lossless only; a ratio or PSNR target needs HTJ2K (\(Syntax.unconstrained.uid))")
        }
        switch options.j2k {
        case .lossless: break
        case .ratio(let r) where r > 1 && r.isFinite: break
        case .psnr(let db) where db > 0 && db.isFinite: break
        default: throw DicomError(.usage, "HTJ2K target \(options.j2k) is out of range (ratio > 1, PSNR > 0 dB)")
        }
        try EncodingProfiles.check(d, for: syntax.transferSyntax)
        try checkFrameLength(frame)
        guard d.bitsStored <= Self.maximumBitsStored else {
            throw DicomError(.unsupported, "HTJ2K encoding through OpenJPH supports at most \(Self.maximumBitsStored) bits: "
                             + "(0028,0101) BitsStored is \(d.bitsStored)")
        }
        guard [8, 16, 32].contains(d.bitsAllocated) else {
            throw DicomError(.unsupported, "HTJ2K encoding takes 8-, 16- or 32-bit containers: (0028,0100) BitsAllocated is \(d.bitsAllocated)")
        }
        guard d.samplesPerPixel == 1 || d.samplesPerPixel == 3 else {
            throw DicomError(.unsupported, "HTJ2K encoding takes 1 or 3 samples per pixel: (0028,0002) SamplesPerPixel is \(d.samplesPerPixel)")
        }
        // Samples already in a JPEG 2000 colour space would be transformed a second time.
        guard d.photometricInterpretation != "YBR_RCT", d.photometricInterpretation != "YBR_ICT" else {
            throw DicomError(.unsupported, "HTJ2K encoding takes RGB, YBR_FULL or monochrome frames: (0028,0004) "
                             + "PhotometricInterpretation is \(d.photometricInterpretation); decode it to RGB first")
        }
        let levels = try decompositions(for: d)
        let samples = sampleValues(samplesByPixel(frame), description: d)
        // The colour transforms decorrelate RGB only; YBR_FULL is already decorrelated.
        let transform = d.samplesPerPixel == 3 && d.photometricInterpretation == "RGB"
        var described = d
        described.planarConfiguration = 0
        described.numberOfFrames = 1
        if transform { described.photometricInterpretation = reversible ? "YBR_RCT" : "YBR_ICT" }

        let run = { (step: Float?) throws(DicomError) -> [UInt8] in
            var codestream = try Self.encodeSamples(samples, description: d, step: step, colourTransform: transform,
                                                    rpcl: syntax == .losslessRPCL, decompositions: levels)
            if syntax == .losslessRPCL { codestream = try Self.insertingTLM(into: codestream) }
            return codestream
        }
        let encoded: [UInt8]
        switch options.j2k {
        case .lossless:
            encoded = try run(nil)
        case .ratio(let target):
            encoded = try searchRatio(target, frameBytes: frame.bytes.count, encode: run)
        case .psnr(let target):
            encoded = try searchPSNR(target, original: samples, description: described, encode: run)
        }
        let ratio = Double(frame.bytes.count) / Double(max(encoded.count, 1))
        return EncodedFrame(bytes: encoded, description: described,
                            outcome: EncodeOutcome(isLossy: !reversible, ratio: ratio,
                                                   method: reversible ? nil : TransferSyntax.htj2k.lossyMethod?.rawValue))
    }

    /// Five levels, fewer when the image is too small for them (each level halves it, and OpenJPEG
    /// refuses levels that leave less than one sample), more for RPCL until the lowest resolution
    /// is at most 64 samples wide and high (PS3.5 10.18).
    private func decompositions(for d: PixelDescription) throws(DicomError) -> Int {
        var fitting = 0
        while fitting < 32 && (min(d.rows, d.columns) >> (fitting + 1)) >= 1 { fitting += 1 }
        guard syntax == .losslessRPCL else { return min(Self.defaultDecompositions, fitting) }
        var needed = 0
        while (max(d.rows, d.columns) + (1 << needed) - 1) >> needed > 64 { needed += 1 }
        guard needed <= fitting else {
            throw DicomError(.unsupported, "HTJ2K Lossless RPCL needs \(needed) wavelet levels for a lowest resolution of at most 64 "
                             + "samples, a \(d.columns)x\(d.rows) image allows \(fitting)")
        }
        return min(max(Self.defaultDecompositions, needed), fitting)
    }

    // MARK: Quantisation step search

    private static let smallestStepLog2 = -20.0, largestStepLog2 = -1.0

    /// The smallest step whose codestream is at least `target` times smaller than the frame.
    private func searchRatio(_ target: Double, frameBytes: Int,
                             encode: (Float?) throws(DicomError) -> [UInt8]) throws(DicomError) -> [UInt8] {
        func ratio(_ c: [UInt8]) -> Double { Double(frameBytes) / Double(max(c.count, 1)) }
        var low = Self.smallestStepLog2, high = Self.largestStepLog2
        let coarsest = try encode(Float(exp2(high)))
        guard ratio(coarsest) >= target else {
            throw DicomError(.unsupported, "HTJ2K cannot reach ratio \(NumberText.fixed(target, digits: 2)) for this image: the coarsest "
                                             + "quantisation gives \(NumberText.fixed(ratio(coarsest), digits: 2))")
        }
        var best = coarsest
        let finest = try encode(Float(exp2(low)))
        if ratio(finest) >= target { return finest }
        // Invariant: the step 2^high reaches the target, 2^low does not. 14 halvings of a 19-octave
        // interval leave about 0.1% of an octave, well under the ratio's own noise.
        for _ in 0..<14 {
            let middle = (low + high) / 2
            let candidate = try encode(Float(exp2(middle)))
            if ratio(candidate) >= target {
                high = middle
                best = candidate
                if ratio(candidate) <= target * 1.01 { break }
            } else {
                low = middle
            }
        }
        return best
    }

    /// The largest step whose decoded image is at least `target` dB from the original.
    private func searchPSNR(_ target: Double, original: [Int32], description: PixelDescription,
                            encode: (Float?) throws(DicomError) -> [UInt8]) throws(DicomError) -> [UInt8] {
        func psnr(_ c: [UInt8]) throws(DicomError) -> Double {
            let decoded = try HTJ2KDecoder(decodeThreads: 1).decode(c, description: description)
            return Self.psnr(original, sampleValues(decoded.bytes, description: description), bitsStored: description.bitsStored)
        }
        let model = log2(12.0.squareRoot()) - target / 20 * log2(10.0)
        var low = max(Self.smallestStepLog2, model - 4), high = min(Self.largestStepLog2, model + 2)
        if low >= high { low = Self.smallestStepLog2; high = Self.largestStepLog2 }
        var best = try encode(Float(exp2(low)))
        var bestPSNR = try psnr(best)
        if bestPSNR < target {
            // The model was optimistic; fall back to the finest step there is.
            low = Self.smallestStepLog2
            best = try encode(Float(exp2(low)))
            bestPSNR = try psnr(best)
            guard bestPSNR >= target else {
                throw DicomError(.unsupported, "HTJ2K cannot reach \(NumberText.fixed(target, digits: 1)) dB for this image: the finest "
                                                 + "quantisation gives \(NumberText.fixed(bestPSNR, digits: 1)) dB; encode losslessly instead")
            }
        }
        // The model's upper guess may still reach the target (flat images compress far better
        // than the high-rate model says); then the search continues up to the coarsest step.
        var upper = try encode(Float(exp2(high)))
        if try psnr(upper) >= target {
            low = high
            best = upper
            high = Self.largestStepLog2
            upper = try encode(Float(exp2(high)))
            if try psnr(upper) >= target { return upper }
        }
        // Invariant: 2^low reaches the target, 2^high does not. 10 halvings leave at most 2% of an
        // octave of the widest interval.
        for _ in 0..<10 {
            let middle = (low + high) / 2
            let candidate = try encode(Float(exp2(middle)))
            if try psnr(candidate) >= target {
                low = middle
                best = candidate
            } else {
                high = middle
            }
            if high - low < 0.02 { break }
        }
        return best
    }

    /// Peak signal to noise ratio in dB over all samples, peak 2^bitsStored - 1; infinity when equal.
    static func psnr(_ a: [Int32], _ b: [Int32], bitsStored: Int) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var sum = 0.0
        for i in 0..<a.count {
            let e = Double(a[i]) - Double(b[i])
            sum += e * e
        }
        guard sum > 0 else { return .infinity }
        let peak = Double((1 << bitsStored) - 1)
        return 10 * log10(peak * peak / (sum / Double(a.count)))
    }

    // MARK: OpenJPH

    /// One call of the shim: `step` nil is reversible, otherwise the irreversible base step.
    private static func encodeSamples(_ samples: [Int32], description d: PixelDescription, step: Float?,
                                      colourTransform: Bool, rpcl: Bool, decompositions: Int) throws(DicomError) -> [UInt8] {
        var message = [CChar](repeating: 0, count: 512)
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = samples.withUnsafeBufferPointer { values in
            message.withUnsafeMutableBufferPointer { text in
                // conversion: rows, columns <= 65535, samples 1...4
                ojph_shim_encode(values.baseAddress, Int32(d.columns), Int32(d.rows), Int32(d.samplesPerPixel),
                                 Int32(d.bitsStored), d.isSigned ? 1 : 0, step == nil ? 1 : 0, step ?? 0,  // conversion: 1...32 (profile)
                                 colourTransform ? 1 : 0, rpcl ? 1 : 0, Int32(decompositions),  // conversion: decompositions <= 32
                                 &output, &length, text.baseAddress, text.count)
            }
        }
        defer { ojph_shim_free(output) }
        guard status == 0, let output, length > 0 else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DicomError(.encodeFailed, "HTJ2K encoding of a \(d.columns)x\(d.rows) \(d.bitsStored)-bit image failed",
                             cause: reason.isEmpty ? "no message from OpenJPH" : reason)
        }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }

    /// Inserts a TLM marker segment (ISO/IEC 15444-1 A.7.1) listing every tile-part's length at the
    /// end of the main header: OpenJPH 0.9 writes none and PS3.5 10.18 requires it for RPCL.
    /// Entries use 16-bit tile indices and 32-bit lengths (Stlm = 0x60).
    static func insertingTLM(into codestream: [UInt8]) throws(DicomError) -> [UInt8] {
        func be16(_ at: Int) -> Int { Int(widening: codestream[at]) << 8 | Int(widening: codestream[at + 1]) }
        func be32(_ at: Int) -> Int { be16(at) << 16 | be16(at + 2) }
        guard codestream.count >= 4, codestream[0] == 0xFF, codestream[1] == 0x4F else {
            throw DicomError(.encodeFailed, "OpenJPH output does not start with SOC", offset: 0)
        }
        // Main header: marker segments after SOC until the first SOT.
        var at = 2
        while true {
            guard at + 4 <= codestream.count, codestream[at] == 0xFF else {
                throw DicomError(.encodeFailed, "OpenJPH main header has no SOT marker", offset: at)
            }
            if codestream[at + 1] == 0x90 { break }
            at += 2 + be16(at + 2)
        }
        let firstTilePart = at
        var entries: [(tile: Int, length: Int)] = []
        while at + 12 <= codestream.count, codestream[at] == 0xFF, codestream[at + 1] == 0x90 {
            let tile = be16(at + 4)
            var length = be32(at + 6)
            // Psot 0: the last tile-part runs to the EOC marker.
            if length == 0 { length = codestream.count - 2 - at }
            guard length >= 14, at + length <= codestream.count else {
                throw DicomError(.encodeFailed, "OpenJPH tile-part length \(length) runs past the codestream", offset: at)
            }
            entries.append((tile, length))
            at += length
        }
        guard !entries.isEmpty, entries.count <= 10_000 else {
            throw DicomError(.encodeFailed, "OpenJPH codestream has \(entries.count) tile-parts", offset: firstTilePart)
        }
        var tlm: [UInt8] = [0xFF, 0x55]
        let segmentLength = 4 + 6 * entries.count
        tlm += [UInt8(segmentLength >> 8), UInt8(segmentLength & 0xFF), 0x00, 0x60]  // conversion: at most 60004 (10,000 entries)
        for e in entries {  // each tile index and tile-part length was read as 16 and 32 bits: they fit
            tlm += [UInt8(truncatingIfNeeded: e.tile >> 8), UInt8(truncatingIfNeeded: e.tile)]
            tlm += [UInt8(truncatingIfNeeded: e.length >> 24), UInt8(truncatingIfNeeded: e.length >> 16),
                    UInt8(truncatingIfNeeded: e.length >> 8), UInt8(truncatingIfNeeded: e.length)]
        }
        var out = [UInt8]()
        out.reserveCapacity(codestream.count + tlm.count)
        out += codestream[0..<firstTilePart]
        out += tlm
        out += codestream[firstTilePart...]
        return out
    }
}

/// Sample values of little-endian colour-by-pixel bytes: the Bits Stored low bits, sign-extended
/// when the description is signed.
func sampleValues(_ bytes: [UInt8], description d: PixelDescription) -> [Int32] {
    let width = d.bytesPerSample
    let count = bytes.count / max(width, 1)
    let shift = UInt32(32 - d.bitsStored)  // conversion: the HTJ2K profile allows Bits Stored 1...32 only
    var out = [Int32](repeating: 0, count: count)
    bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<count {
                let at = i * width
                var raw = UInt32(widening: src[at])
                if width > 1 { raw |= UInt32(widening: src[at + 1]) << 8 }
                if width > 2 { raw |= UInt32(widening: src[at + 2]) << 16 | UInt32(widening: src[at + 3]) << 24 }
                let shifted = raw << shift
                dst[i] = d.isSigned ? Int32(bitPattern: shifted) >> Int32(shift) : Int32(bitPattern: shifted >> shift)  // conversion: shift is 0...31
            }
        }
    }
    return out
}
