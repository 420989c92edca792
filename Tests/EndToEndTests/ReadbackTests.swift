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
        let paths = rows.filter {
            Self.nativeSyntaxes.contains($0["transfer_syntax_uid"] ?? "-") && ($0["expect"] ?? "").hasPrefix("parse")
        }.compactMap { $0["path"] }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-readback-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/readback.py").path,
                       CorpusIndex.binary.path, dir.path, work.path] + paths
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print("readback over \(paths.count) \(isFull ? "corpus" : "bundled") files x 4 syntaxes: \(text.split(separator: "\n").last ?? "")")
        #expect(p.terminationStatus == 0, "\(text)")
    }
}
