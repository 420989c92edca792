import DicomTestSupport
import Foundation
import Testing

/// Every parseable uncompressed corpus file rewritten in each uncompressed syntax and deflate is
/// read back by pydicom, dcmtk and GDCM with identical elements and pixel bytes.
@Suite struct ReadbackTests {
    static let nativeSyntaxes: Set<String> = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                                              "1.2.840.10008.1.2.1.99", ""]

    @Test func uncompressedRewritesReadBackInThreePeers() throws {
        let (dir, rows, isFull) = CorpusIndex.available
        // Every parseable file: uncompressed ones compared with the peers' reading of the source,
        // compressed ones (decoded on the way) with the golden hash; files with no golden hash
        // (undecodable by two decoders) are left to the decode tests.
        let paths = rows.filter {
            ($0["expect"] ?? "").hasPrefix("parse") && !($0["path"] ?? "").hasPrefix("dicomdir/TINY_ALPHA")
                && (Self.nativeSyntaxes.contains($0["transfer_syntax_uid"] ?? "-") || !($0["native_pixels_md5"] ?? "").isEmpty)
        }.compactMap { $0["path"] }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-readback-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("readback.py", [CorpusIndex.binary.path, dir.path, work.path] + paths)
        print("readback over \(paths.count) \(isFull ? "corpus" : "bundled") files x 4 syntaxes: \(text.split(separator: "\n").last ?? "")")
        #expect(status == 0, "\(text)")
    }
}
