import DicomCodecs
import DicomCore
import Foundation

/// What one corpus file gave when decoded and compared with its manifest hashes.
enum CorpusOutcome: Equatable {
    /// Matched `native_pixels_md5`, `values_md5` or `alt_pixels_md5` (the column named).
    case matched(String)
    case mismatched(String)
    /// The codec threw a DicomError (its code and message).
    case failed(DicomError.Code, String)
    /// The file could not be split into frames (python/pydicom missing, not a test of the codec).
    case notSplit
}

struct CorpusReport {
    var outcomes: [(path: String, hasGolden: Bool, outcome: CorpusOutcome)] = []

    var summary: String {
        let golden = outcomes.filter(\.hasGolden)
        let passed = golden.filter { if case .matched = $0.outcome { return true } else { return false } }
        var columns: [String: Int] = [:]
        for o in passed { if case .matched(let c) = o.outcome { columns[c, default: 0] += 1 } }
        let byColumn = columns.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(passed.count)/\(golden.count) golden files match (\(byColumn)); "
            + "\(outcomes.count - golden.count) without golden hash"
    }
}

/// Decodes every frame, concatenates, hashes the first `hash_bytes` bytes, compares.
func decodeAndCompare(_ row: [String: String], frames: [[UInt8]], description: PixelDescription,
                      decoder: some PixelDecoder) -> CorpusOutcome {
    var all: [UInt8] = []
    do {
        for frame in frames {
            all += try decoder.decode(frame, description: description).bytes
        }
    } catch {
        return .failed(error.code, error.description)
    }
    let hashBytes = Int(row["hash_bytes"] ?? "") ?? all.count
    let digest = md5Hex(Array(all.prefix(hashBytes)))
    for column in ["native_pixels_md5", "values_md5", "alt_pixels_md5"] {
        if let expected = row[column], !expected.isEmpty, expected == digest, all.count >= hashBytes {
            return .matched(column)
        }
    }
    return .mismatched("got \(digest) (\(all.count) bytes), native \(row["native_pixels_md5"] ?? "")")
}

/// Runs `decoder` over the DICOM corpus files of `uids`.
func runCorpus(transferSyntaxes uids: Set<String>, decoder: some PixelDecoder) -> CorpusReport {
    var report = CorpusReport()
    for row in Corpus.rows(transferSyntaxes: uids) {
        let path = row["path"] ?? ""
        let golden = !(row["native_pixels_md5"] ?? "").isEmpty
        if ProcessInfo.processInfo.environment["CCODEC_TRACE"] != nil { print("decoding \(path)") }
        guard let frames = try? Corpus.frames(of: path) else {
            report.outcomes.append((path, golden, .notSplit))
            continue
        }
        report.outcomes.append((path, golden, decodeAndCompare(row, frames: frames.codestreams,
                                                               description: frames.description, decoder: decoder)))
    }
    return report
}

/// Runs `decoder` over raw codestreams under `folder` (the description comes from the manifest).
func runCodestreams(under folder: String, decoder: some PixelDecoder) -> CorpusReport {
    var report = CorpusReport()
    let rows = Corpus.manifest.values.filter { ($0["path"] ?? "").hasPrefix(folder) && !($0["rows"] ?? "").isEmpty }
        .sorted { ($0["path"] ?? "") < ($1["path"] ?? "") }
    for row in rows {
        let path = row["path"] ?? ""
        let golden = !(row["native_pixels_md5"] ?? "").isEmpty
        guard let bytes = try? Corpus.bytes(of: path) else {
            report.outcomes.append((path, golden, .notSplit))
            continue
        }
        func int(_ key: String) -> Int { Int(row[key] ?? "") ?? 0 }
        let samples = int("samples_per_pixel")
        let description = PixelDescription(
            rows: int("rows"), columns: int("columns"), samplesPerPixel: samples,
            bitsAllocated: int("bits_allocated"), bitsStored: int("bits_stored"),
            pixelRepresentation: int("pixel_representation"),
            photometricInterpretation: samples == 3 ? "RGB" : "MONOCHROME2")
        report.outcomes.append((path, golden, decodeAndCompare(row, frames: [bytes], description: description, decoder: decoder)))
    }
    return report
}

/// The first frame of a native corpus file, as the encoders' input.
func nativeFrame(_ path: String) throws -> DecodedFrame {
    let frames = try Corpus.frames(of: path)
    var description = frames.description
    description.numberOfFrames = 1
    return DecodedFrame(bytes: Array((frames.codestreams.first ?? []).prefix(description.frameByteCount)),
                        description: description)
}

/// Samples of a little-endian frame as integers (signed per the description).
func sampleValues(_ frame: DecodedFrame) -> [Int] {
    let d = frame.description
    let width = d.bitsAllocated / 8
    var values: [Int] = []
    values.reserveCapacity(frame.bytes.count / max(width, 1))
    var i = 0
    while i + width <= frame.bytes.count {
        var raw = 0
        for b in 0..<width { raw |= Int(frame.bytes[i + b]) << (8 * b) }
        // Only the Bits Stored bits are the value.
        raw &= (1 << d.bitsStored) - 1
        if d.isSigned && raw >= 1 << (d.bitsStored - 1) { raw -= 1 << d.bitsStored }
        values.append(raw)
        i += width
    }
    return values
}

func maxAbsoluteError(_ a: DecodedFrame, _ b: DecodedFrame) -> Int {
    zip(sampleValues(a), sampleValues(b)).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func psnr(_ a: DecodedFrame, _ b: DecodedFrame) -> Double {
    let x = sampleValues(a), y = sampleValues(b)
    let mse = zip(x, y).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(max(x.count, 1))
    let peak = Double((1 << a.description.bitsStored) - 1)
    return mse == 0 ? .infinity : 10 * log10(peak * peak / mse)
}

/// A smooth synthetic frame (gradients plus a ramp), for encoder tests that need no corpus.
func syntheticFrame(rows: Int, columns: Int, samples: Int, bits: Int, signed: Bool = false,
                    photometric: String? = nil) -> DecodedFrame {
    let allocated = bits <= 8 ? 8 : 16
    let description = PixelDescription(rows: rows, columns: columns, samplesPerPixel: samples,
                                       bitsAllocated: allocated, bitsStored: bits,
                                       pixelRepresentation: signed ? 1 : 0,
                                       photometricInterpretation: photometric ?? (samples == 3 ? "RGB" : "MONOCHROME2"))
    let maxValue = (1 << bits) - 1
    var bytes: [UInt8] = []
    for r in 0..<rows {
        for c in 0..<columns {
            for s in 0..<samples {
                var v = ((r * 7 + c * 3 + s * 50) * maxValue) / (rows * 7 + columns * 3 + 100)
                if signed { v -= 1 << (bits - 1) }
                let raw = v & ((1 << allocated) - 1)
                bytes.append(UInt8(raw & 0xFF))
                if allocated == 16 { bytes.append(UInt8(raw >> 8)) }
            }
        }
    }
    return DecodedFrame(bytes: bytes, description: description)
}

import Testing

/// Throughput of the C-library codecs on the biggest corpus images. Runs only with
/// DICOMTOOL_BENCH=1 (use a release build: `swift build -c release --build-tests`).
@Suite struct CCodecBenchmarks {
    static var enabled: Bool { ProcessInfo.processInfo.environment["DICOMTOOL_BENCH"] != nil && Corpus.root != nil }

    func best(_ runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
        var fastest = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }

    func bench(_ path: String, decoder: some PixelDecoder, encoder: some PixelEncoder, options: EncodeOptions, label: String) throws {
        let frames = try Corpus.frames(of: path)
        var decoded: [DecodedFrame] = []
        let decodeTime = try best {
            decoded = try frames.codestreams.map { try decoder.decode($0, description: frames.description) }
        }
        let bytes = Double(decoded.reduce(0) { $0 + $1.bytes.count })
        var encodedBytes = 0
        let encodeTime = try best {
            encodedBytes = try decoded.reduce(0) { $0 + (try encoder.encode($1, options: options)).bytes.count }
        }
        let mb = bytes / 1_048_576
        print(String(format: "BENCH %@ %@ (%@): decode %.1f MB/s (%.3f s), encode %@ %.1f MB/s (%.3f s, ratio %.2f)",
                     label, path, frames.description.description, mb / decodeTime, decodeTime, label,
                     mb / encodeTime, encodeTime, bytes / Double(max(encodedBytes, 1))))
        #expect(decodeTime > 0 && encodeTime > 0)
    }

    @Test(.enabled(if: CCodecBenchmarks.enabled)) func throughput() throws {
        var lossless = EncodeOptions()
        lossless.threads = 2
        try bench("jpegls/near-lossless/RG1_JLSN.dcm", decoder: JPEGLSCodec(), encoder: JPEGLSCodec(), options: lossless, label: "JPEG-LS lossless")
        try bench("jpegls/lossless/RG2_JLSL.dcm", decoder: JPEGLSCodec(), encoder: JPEGLSCodec(), options: lossless, label: "JPEG-LS lossless")
        try bench("j2k/lossless/966_fixed.dcm", decoder: JPEG2000Codec(), encoder: JPEG2000Codec(), options: lossless, label: "J2K lossless")
        try bench("j2k/lossless/JPEG2KLossless_1s_1f_u_16_16.dcm", decoder: JPEG2000Codec(), encoder: JPEG2000Codec(), options: lossless, label: "J2K lossless")
        var ratio = lossless
        ratio.j2k = .ratio(10)
        try bench("j2k/lossless/966_fixed.dcm", decoder: JPEG2000Codec(), encoder: JPEG2000Codec(), options: ratio, label: "J2K 9/7 ratio10")
        var jpeg = EncodeOptions()
        jpeg.subsampling = .s422
        try bench("jpeg/baseline/examples_ybr_color.dcm", decoder: JPEGBaselineCodec(), encoder: JPEGBaselineCodec(), options: jpeg, label: "JPEG q90 422")
        try bench("jpeg/extended/JPEGExtended_3s_1f_u_08_08.dcm", decoder: JPEGBaselineCodec(), encoder: JPEGBaselineCodec(), options: jpeg, label: "JPEG q90 422")
        try bench("jpegls/lossless/RG2_JLSL.dcm", decoder: JPEGLSCodec(), encoder: DeflatedFrameCodec(), options: lossless, label: "Deflate frame")
    }
}
