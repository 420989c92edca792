import DicomCodecs
import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// A --verify comparison of one frame with what its codestream decodes back to.
struct FrameComparison: Sendable {
    var maxError: Int
    var sumSquares: Double
    var samples: Int
}

/// The running totals of an encoded image, in frame order: sizes for the ratio, errors for --verify.
struct EncodeTotals: Sendable {
    var compressed = 0, uncompressed = 0
    var lossy = false
    var method: String?
    var maxError = 0, sumSquares = 0.0, samples = 0

    /// Uncompressed size / compressed size over the frames so far.
    var ratio: Double? { compressed > 0 ? Double(uncompressed) / Double(compressed) : nil }

    mutating func add(_ c: FrameComparison) {
        maxError = max(maxError, c.maxError)
        sumSquares += c.sumSquares
        samples += c.samples
    }

    /// The totals in the report, and --min-psnr checked on the whole image; `bitsStored` is the output's.
    func finish(_ report: inout TranscodeReport, pixelsReencoded: Bool, bitsStored: Int?, _ options: TranscodeOptions) throws(DicomError) {
        report.pixelsReencoded = pixelsReencoded
        report.lossy = lossy
        report.method = method
        report.ratio = ratio
        guard options.verify else { return }
        report.maxError = maxError
        let rmse = samples > 0 ? (sumSquares / Double(samples)).squareRoot() : 0
        report.rmse = rmse
        let peak = Double((1 << (bitsStored ?? 8)) - 1)
        report.psnr = rmse > 0 ? 20 * log10(peak / rmse) : .infinity
        if let limit = options.minPSNR, let psnr = report.psnr, psnr < limit {
            throw DicomError(.encodeFailed, "--verify: PSNR \(NumberText.fixed(psnr, digits: 2)) dB is below --min-psnr \(limit)")
        }
    }
}

/// One frame encoded and, with --verify, decoded back and compared.
enum FrameCoding {
    static func encode(_ source: DecodedFrame, frame k: Int, with encoder: any PixelEncoder,
                       _ options: TranscodeOptions) throws(DicomError) -> (encoded: EncodedFrame, comparison: FrameComparison?) {
        if k == 0 {
            // The target's encoding profile (PS3.5 8.2), checked once for every codec: a refusal
            // names each offending (0028,xxxx) value and is "unsupported", not an encoder failure.
            try EncodingProfiles.check(source.description, for: options.target.uid)
        }
        let encoded: EncodedFrame
        do {
            encoded = try encoder.encode(source, options: options.encode)
        } catch {
            var e = error
            if e.code != .unsupported && e.code != .usage { e.code = .encodeFailed }
            e.message = "frame \(k + 1): " + e.message
            throw e
        }
        guard options.verify else { return (encoded, nil) }
        guard let check = CodecRegistry.decoder(for: options.target) else {
            throw DicomError(.unsupported, "--verify: no decoder for \(options.target.name)")
        }
        var d = encoded.description
        d.numberOfFrames = 1
        let back = SampleLayout.normalized(SampleLayout.interleaved(try check.decode(encoded.bytes, description: d)))
        return (encoded, try compare(source, back, lossy: encoded.outcome.isLossy, frame: k))
    }

    /// Sample-wise comparison of two decoded frames; lossless encodings must match bit for bit.
    static func compare(_ a: DecodedFrame, _ b: DecodedFrame, lossy: Bool, frame k: Int) throws(DicomError) -> FrameComparison {
        guard a.bytes.count == b.bytes.count else {
            throw DicomError(.encodeFailed, "--verify: frame \(k + 1) decodes to \(b.bytes.count) bytes, expected \(a.bytes.count)")
        }
        if !lossy {
            guard a.bytes == b.bytes else {
                throw DicomError(.encodeFailed, "--verify: frame \(k + 1) is not bit-exact after a lossless encoding; nothing written")
            }
            return FrameComparison(maxError: 0, sumSquares: 0, samples: a.bytes.count)
        }
        let d = a.description
        let bps = d.bytesPerSample
        let n = a.bytes.count / bps
        var maxE = 0, sum = 0.0
        let bits = d.bitsStored, signed = d.isSigned
        func sample(_ x: [UInt8], _ i: Int) -> Int {
            var v = 0
            for k in 0..<bps { v |= Int(widening: x[i * bps + k]) << (8 * k) }
            v &= (1 << bits) - 1
            if signed && v & (1 << (bits - 1)) != 0 { v -= 1 << bits }
            return v
        }
        for i in 0..<n {
            let e = abs(sample(a.bytes, i) - sample(b.bytes, i))
            maxE = max(maxE, e)
            sum += Double(e * e)
        }
        return FrameComparison(maxError: maxE, sumSquares: sum, samples: n)
    }
}
