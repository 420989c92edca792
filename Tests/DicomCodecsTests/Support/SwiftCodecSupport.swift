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

/// Decodes our encoder's output with the peers (dcmtk and GDCM): the frames are wrapped into a
/// Secondary Capture file by pydicom, decompressed by `dcmdjpeg`/`dcmdrle` and `gdcmconv --raw`,
/// and the MD5 of each tool's Pixel Data is returned by tool name ("fail: ..." when a tool fails).
enum PeerDecoders {
    static var available: Bool {
        ["/usr/bin/dcmdjpeg", "/usr/bin/dcmdrle", "/usr/bin/gdcmconv"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let script = #"""
import hashlib, json, subprocess, sys, os
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import generate_uid
workdir, ts, rows, cols, spp, ba, bs, pr, pi, n = sys.argv[1:11]
frames = [open(p, "rb").read() for p in sys.argv[11:]]
meta = FileMetaDataset()
# GDCM will not write a 32-bit Secondary Capture: 32-bit images are labelled RT Dose.
meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.481.2" if int(ba) == 32 else "1.2.840.10008.5.1.4.1.1.7"
meta.MediaStorageSOPInstanceUID = generate_uid()
meta.TransferSyntaxUID = ts
ds = Dataset()
ds.file_meta = meta
ds.SOPClassUID = meta.MediaStorageSOPClassUID
ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid()
ds.Modality = "OT"; ds.PatientName = "Test"; ds.PatientID = "1"
ds.Rows = int(rows); ds.Columns = int(cols); ds.SamplesPerPixel = int(spp)
ds.BitsAllocated = int(ba); ds.BitsStored = int(bs); ds.HighBit = int(bs) - 1
ds.PixelRepresentation = int(pr); ds.PhotometricInterpretation = pi
if int(spp) > 1: ds.PlanarConfiguration = 0
ds.NumberOfFrames = int(n)
ds.PixelData = encapsulate(frames)
ds["PixelData"].VR = "OB"
src = os.path.join(workdir, "enc.dcm")
ds.save_as(src, enforce_file_format=True)
length = int(rows) * int(cols) * int(spp) * (int(ba) // 8) * int(n)
out = {}
tools = {"dcmtk": (["dcmdrle"] if ts == "1.2.840.10008.1.2.5" else ["dcmdjpeg"]) + [src],
         "gdcm": ["gdcmconv", "--raw", src]}
for name, cmd in tools.items():
    dst = os.path.join(workdir, name + ".dcm")
    r = subprocess.run(cmd + [dst], capture_output=True, text=True)
    if r.returncode != 0:
        out[name] = "fail: " + (r.stderr or r.stdout).strip()[:200]
        continue
    d = pydicom.dcmread(dst)
    out[name] = hashlib.md5(bytes(d.PixelData)[:length]).hexdigest()
print(json.dumps(out))
"""#

    static func decode(_ frames: [EncodedFrame], transferSyntax: String) throws -> [String: String] {
        guard let d = frames.first?.description else { return [:] }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcodecs-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, f) in frames.enumerated() {
            let url = dir.appendingPathComponent("frame\(i).bin")
            try Data(f.bytes).write(to: url)
            paths.append(url.path)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir.path, transferSyntax, "\(d.rows)", "\(d.columns)",
                       "\(d.samplesPerPixel)", "\(d.bitsAllocated)", "\(d.bitsStored)", "\(d.pixelRepresentation)",
                       d.photometricInterpretation, "\(frames.count)"] + paths
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (try? JSONSerialization.jsonObject(with: data) as? [String: String]) ?? ["python": "fail"]
    }
}
