import Foundation
import Testing

/// The committed Generated/ files must be what scripts/gen-standard makes of ../shared/standard.
@Suite struct GeneratedFilesTests {
    @Test func generatedTablesAreCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let standard = root.appendingPathComponent("../shared/standard").standardized
        guard FileManager.default.fileExists(atPath: standard.appendingPathComponent("dictionary.tsv").path) else {
            print("skipped: ../shared/standard is not present, generated tables not checked")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", root.appendingPathComponent("scripts/gen-standard").path, standard.path, "--check"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(message)")
    }
}
