import DicomCodecs
import DicomCore
import Foundation

/// Shared helpers of the Swift codec suites (RLE, JPEG lossless, JPEG extended).
enum SwiftCodecSupport {
    struct CorpusResult {
        var path: String
        var passed: Bool
        var detail: String
    }

    /// Decodes every frame of each corpus file of `syntaxes` and compares the MD5 of the
    /// concatenated output with the manifest's golden hashes (native, values or alt).
    static func decodeCorpus(_ syntaxes: Set<String>, with decoder: any PixelDecoder) -> [CorpusResult] {
        var results: [CorpusResult] = []
        for row in Corpus.rows(transferSyntaxes: syntaxes) {
            let path = row["path"] ?? ""
            guard let golden = row["native_pixels_md5"], !golden.isEmpty else { continue }
            do {
                let frames = try Corpus.frames(of: path)
                var all: [UInt8] = []
                var last: PixelDescription?
                for stream in frames.codestreams {
                    let decoded = try decoder.decode(stream, description: frames.description)
                    all += decoded.bytes
                    last = decoded.description
                }
                let hashBytes = Int(row["hash_bytes"] ?? "") ?? all.count
                let hash = md5Hex(Array(all.prefix(hashBytes)))
                let accepted = [golden, row["values_md5"] ?? "", row["alt_pixels_md5"] ?? ""].filter { !$0.isEmpty }
                let photometricOK = row["hash_photometric"].map { $0.isEmpty || $0 == last?.photometricInterpretation } ?? true
                results.append(CorpusResult(path: path, passed: accepted.contains(hash) && photometricOK,
                                            detail: "\(hash) vs \(golden), \(last?.description ?? "-")"))
            } catch {
                results.append(CorpusResult(path: path, passed: false, detail: "\(error)"))
            }
        }
        for r in results { print("\(r.passed ? "PASS" : "FAIL") \(r.path): \(r.detail)") }
        return results
    }

    /// A deterministic pseudo-random generator (xorshift), so noise images are reproducible.
    struct Noise {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    /// A synthetic frame: `fill(index)` gives the raw container value of sample `index`.
    static func frame(rows: Int, columns: Int, samples: Int = 1, bits: Int, stored: Int? = nil, signed: Bool = false,
                      photometric: String? = nil, planar: Int = 0, fill: (Int) -> UInt64) -> DecodedFrame {
        let d = PixelDescription(rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits,
                                 bitsStored: stored ?? bits, pixelRepresentation: signed ? 1 : 0,
                                 photometricInterpretation: photometric ?? (samples == 3 ? "RGB" : "MONOCHROME2"),
                                 planarConfiguration: planar)
        let bytesPerSample = bits / 8
        var bytes = [UInt8](repeating: 0, count: rows * columns * samples * bytesPerSample)
        for i in 0..<(rows * columns * samples) {
            let v = fill(i)
            for b in 0..<bytesPerSample { bytes[i * bytesPerSample + b] = UInt8(truncatingIfNeeded: v >> UInt64(8 * b)) }
        }
        return DecodedFrame(bytes: bytes, description: d)
    }

    /// Corpus rows of the syntaxes that hold an image with a golden hash.
    static func imageRows(_ syntaxes: Set<String>) -> [[String: String]] {
        Corpus.rows(transferSyntaxes: syntaxes).filter { !($0["native_pixels_md5"] ?? "").isEmpty }
    }

    /// Largest corpus file of the syntaxes that has a golden hash.
    static func biggest(_ syntaxes: Set<String>) -> String? {
        Corpus.rows(transferSyntaxes: syntaxes).filter { !($0["native_pixels_md5"] ?? "").isEmpty }
            .max { (Int($0["hash_bytes"] ?? "") ?? 0) < (Int($1["hash_bytes"] ?? "") ?? 0) }?["path"]
    }

    /// Seconds per call of `body`, best of `repeats`.
    static func time(repeats: Int = 3, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }
}
