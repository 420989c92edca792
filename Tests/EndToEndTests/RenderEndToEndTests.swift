import DicomTestSupport
import Foundation
import Testing

/// `dicomtool render` run as a user runs it: the comparison with dcmj2pnm and pydicom over the
/// bundled fixtures and the synthetic images of scripts/render-compare (the corpus-wide run is the
/// script itself), and the output rules over a tree.
@Suite struct RenderEndToEndTests {
    static let fixtures = CorpusIndex.fixtures

    @Test func picturesMatchDcmj2pnmAndPydicom() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CorpusIndex.packageRoot.appendingPathComponent("scripts/render-compare").path,
                       "--bin", CorpusIndex.binary.path, "--corpus", Self.fixtures.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let summary = text.split(separator: "\n").last.map(String.init) ?? ""
        print(summary)
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(summary.contains(" 0 unexplained differences"), "\(text)")
    }

    @Test func treeMirrorsNamesFramesAndReportsJSON() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let tree = work.appendingPathComponent("in/sub")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for name in ["native/MR_small.dcm", "jpeg/baseline/SC_rgb_dcmtk_+eb+cy+s2.dcm", "native/liver_1frame.dcm"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name),
                                             to: tree.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent))
        }
        try Data("not DICOM".utf8).write(to: tree.appendingPathComponent("README"))
        let out = work.appendingPathComponent("out")
        let r = try Tool.run(["render", "-j", "2", "--format", "json", "--size", "32", work.appendingPathComponent("in").path, "-o", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["MR_small.png", "SC_rgb_dcmtk_+eb+cy+s2.png", "liver_1frame.png"] {
            let path = out.appendingPathComponent("sub/\(name)").path
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "\(name)")
            // IHDR: the longer side is 32.
            let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(max(width, height) == 32, "\(name): \(width)x\(height)")
        }
        let records = r.stdout.split(separator: "\n").filter { $0.contains("\"pictures\"") }
        #expect(records.count == 3, "\(r.stdout)")
        #expect(r.stdout.contains("\"function\":\"LINEAR\"") || r.stdout.contains("\"function\": \"LINEAR\""), "\(r.stdout)")
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: out.path).filter { $0.contains(".dicomtool-tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func framesMontageAndJPEG() throws {
        // A 30-frame YBR_FULL_422 JPEG of the full corpus, else a one-frame fixture (then only the montage and errors).
        let cine = CorpusIndex.root?.appendingPathComponent("jpeg/baseline/examples_ybr_color.dcm").path
        let multi = cine.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let input = multi ?? Self.fixtures.appendingPathComponent("native/MR_small.dcm").path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let r1 = try Tool.run(["render", "--frames", "1,2", input, "-o", work.appendingPathComponent("f.png").path])
        if multi != nil {
            #expect(r1.status == 0, "\(r1.stderr)")
            #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("f_f0001.png").path))
            #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("f_f0002.png").path))
        }
        let r2 = try Tool.run(["render", "--montage", "2x2", "--size", "16x16", input, "-o", work.appendingPathComponent("m.jpg").path])
        #expect(r2.status == 0, "\(r2.stderr)")
        let jpeg = try Data(contentsOf: work.appendingPathComponent("m.jpg"))
        #expect(jpeg.prefix(2) == Data([0xFF, 0xD8]))
        let r3 = try Tool.run(["render", "--frame", "999", input, "-o", work.appendingPathComponent("x.png").path])
        #expect(r3.status == 1, "\(r3.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("x.png").path))
    }
}
