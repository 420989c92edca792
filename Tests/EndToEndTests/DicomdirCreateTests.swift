import DicomTestSupport
import Foundation
import Testing

/// `dicomtool dicomdir` run as a user runs it: scripts/dicomdir-sweep --quick over the bundled
/// fixtures (each folder a file-set made with --rename, read by pydicom's FileSet, dcmdump and
/// dciodvfy, its records naming every file, compared with dcmmkdir; update adding and dropping a
/// record); the corpus-wide run with a transcoded and an anonymized copy is the script itself.
@Suite struct DicomdirCreateTests {
    @Test func fileSetsAreAcceptedAndMatchDcmmkdir() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CorpusIndex.packageRoot.appendingPathComponent("scripts/dicomdir-sweep").path,
                       "--bin", CorpusIndex.binary.path, "--corpus", CorpusIndex.fixtures.path, "--quick"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let summary = text.split(separator: "\n").last.map(String.init) ?? ""
        print(summary)
        #expect(p.terminationStatus == 0, "\(text.suffix(4000))")
        #expect(summary.hasSuffix(" 0 failed") && !summary.contains(" 0 passed"), "\(summary)")
    }

    @Test func createRefusesToOverwriteAndListsTheTree() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-dicomdir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let tree = work.appendingPathComponent("CD/MR")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm"),
                                         to: tree.appendingPathComponent("IM1"))
        try FileManager.default.copyItem(at: CorpusIndex.fixtures.appendingPathComponent("native/MR_small_implicit.dcm"),
                                         to: tree.appendingPathComponent("IM2"))
        try Data("not DICOM".utf8).write(to: tree.appendingPathComponent("README"))
        let cd = work.appendingPathComponent("CD").path
        let r = try Tool.run(["dicomdir", "create", cd])
        // IM2 is Implicit VR Little Endian, which STD-GEN-CD does not allow: left out with a warning.
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("IM2") && r.stderr.contains("STD-GEN-CD"), "\(r.stderr)")
        #expect(r.stdout.contains("4 records (1 patients, 1 studies, 1 series, 1 instances)"), "\(r.stdout)")
        let again = try Tool.run(["dicomdir", "create", cd])
        #expect(again.status == 40 && again.stderr.contains("update"), "\(again.stderr)")
        let strict = try Tool.run(["dicomdir", "create", "--strict", cd, "-o", work.appendingPathComponent("copy").path])
        #expect(strict.status == 80 && !FileManager.default.fileExists(atPath: work.appendingPathComponent("copy/DICOMDIR").path),
                "\(strict.status) \(strict.stderr)")
        let list = try Tool.run(["dicomdir", "list", cd])
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4 && lines[0].hasPrefix("PATIENT ") && lines[1].hasPrefix("  STUDY ") && lines[2].hasPrefix("    SERIES ")
                && lines[3].hasPrefix("      IMAGE InstanceNumber=") && lines[3].hasSuffix("file=MR\\IM1"), "\(list.stdout)")
    }
}
