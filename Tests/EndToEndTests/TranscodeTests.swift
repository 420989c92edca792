import DicomTestSupport
import Foundation
import Testing

/// Lossless targets decode in pydicom, dcmtk and GDCM to the source's golden pixels (and --verify
/// passes); two lossy generations carry the full bookkeeping and add no dciodvfy error.
@Suite struct TranscodeTests {
    @Test func losslessTargetsReadBackAndLossyBookkeepingHolds() throws {
        let (dir, _, isFull) = CorpusIndex.available
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-transcode-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/transcode_check.py").path,
                       CorpusIndex.binary.path, dir.path, work.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let lines = text.split(separator: "\n")
        print("transcode over \(isFull ? "the corpus" : "the bundled subset"): \(lines.suffix(2).joined(separator: "; "))")
        #expect(p.terminationStatus == 0, "\(text)")
    }
}
