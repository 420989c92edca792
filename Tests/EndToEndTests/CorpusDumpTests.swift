import DicomTestSupport
import Foundation
import Testing

/// Every corpus file gets what its manifest's `expect` column says: exit 0 for parseable files, a
/// documented non-zero status with a one-line error for the others, never a signal.
@Suite struct CorpusDumpTests {
    static func isExpectedError(_ row: [String: String]) -> Bool {
        let expect = row["expect"] ?? ""
        return expect.hasPrefix("error") || expect.hasPrefix("not DICOM") || expect.hasPrefix("not an image")
            || (row["path"] ?? "").hasPrefix("codestreams/")
    }

    @Test func everyCorpusFileGetsWhatItsManifestExpects() throws {
        let (dir, rows, isFull) = CorpusIndex.available
        var wrong: [String] = []
        var filesWrong = 0
        for row in rows {
            let before = wrong.count
            defer { if wrong.count > before { filesWrong += 1 } }
            let path = row["path"] ?? ""
            let r = try Tool.run(["dump", dir.appendingPathComponent(path).path])
            // A signal shows as a status above 128 (or the process's own signal code).
            if r.status > 128 { wrong.append("\(path): killed by signal \(r.status - 128)"); continue }
            if Self.isExpectedError(row) {
                let errors = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
                if r.status != 22 && r.status != 20 { wrong.append("\(path): expected an error status, got \(r.status)") }
                if errors.count != 1 { wrong.append("\(path): expected one error line, got \(errors.count): \(r.stderr)") }
                if let line = errors.first, !line.contains(path) { wrong.append("\(path): error line does not name the file") }
            } else if r.status != 0 {
                wrong.append("\(path): expected success, got \(r.status): \(r.stderr.prefix(300))")
            } else if r.stdout.isEmpty {
                wrong.append("\(path): no output")
            }
        }
        print("dump over \(isFull ? "the corpus" : "the bundled subset"): \(rows.count - filesWrong) of \(rows.count) as expected")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test func warningsNameFileOffsetAndTag() throws {
        let (dir, rows, _) = CorpusIndex.available
        guard rows.contains(where: { $0["path"] == "edge/vr/badVR.dcm" }) else { return }
        let r = try Tool.run(["dump", dir.appendingPathComponent("edge/vr/badVR.dcm").path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: byte "))
        #expect(r.stderr.contains("(0028,0008) NumberOfFrames"))
    }

    @Test func jsonEqualsPydicomsReading() throws {
        let (dir, rows, _) = CorpusIndex.available
        let paths = rows.filter { ($0["expect"] ?? "").hasPrefix("parse") }.compactMap { $0["path"] }
        let (status, text) = try Tool.script("compare_json.py", [CorpusIndex.binary.path, dir.path] + paths)
        print(text.split(separator: "\n").suffix(2).joined(separator: "\n"))
        #expect(status == 0, "\(text)")
    }
}
