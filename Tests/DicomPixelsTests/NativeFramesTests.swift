import DicomCore
import DicomIO
import DicomTestSupport
import Foundation
import Testing
@testable import DicomPixels

/// Native (uncompressed) pixel data read through FrameSource must hash to the corpus's golden MD5.
@Suite struct NativeFramesTests {
    static let nativeSyntaxes: Set<String> = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                                              "1.2.840.10008.1.2.1.99", ""]

    static func rows() -> [[String: String]] {
        CorpusIndex.available.rows.filter {
            nativeSyntaxes.contains($0["transfer_syntax_uid"] ?? "-") && !($0["native_pixels_md5"] ?? "").isEmpty
                && ($0["expect"] ?? "").hasPrefix("parse")
        }
    }

    @Test func everyNativeImageHashesToTheGoldenMD5() throws {
        let (dir, _, isFull) = CorpusIndex.available
        var passed = 0, failures: [String] = []
        for row in Self.rows() {
            let path = row["path"]!
            do {
                let file = try Part10Reader.read(path: dir.appendingPathComponent(path).path)
                guard let frames = try FrameSource(dataset: file.dataset, syntax: file.transferSyntax) else {
                    failures.append("\(path): no pixel data found"); continue
                }
                var all: [UInt8] = []
                for k in 0..<frames.frameCount { all += try frames.frame(k) }
                if frames.description.bitsAllocated == 1 {
                    // Frames are bit-contiguous in the hash; rebuild from the raw value instead.
                    all = file.dataset[.pixelData]!.valueBytes!.bytes
                }
                let n = Int(row["hash_bytes"] ?? "") ?? all.count
                let hash = CorpusIndex.md5(Array(all.prefix(n)))
                if [row["native_pixels_md5"], row["values_md5"], row["alt_pixels_md5"]].contains(hash) {
                    passed += 1
                } else {
                    failures.append("\(path): md5 \(hash) != \(row["native_pixels_md5"] ?? "")")
                }
            } catch {
                failures.append("\(path): \(error)")
            }
        }
        print("native frames: \(passed) of \(Self.rows().count) match the golden hash (\(isFull ? "full corpus" : "bundled subset"))")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(passed > 0)
    }

    @Test func shortPixelDataIsAnErrorNamingTheLengths() throws {
        let (dir, rows, _) = CorpusIndex.available
        guard rows.contains(where: { $0["path"] == "edge/truncated/MR_truncated.dcm" }) else { return }
        #expect(throws: DicomError.self) {
            _ = try Part10Reader.read(path: dir.appendingPathComponent("edge/truncated/MR_truncated.dcm").path)
        }
    }
}
