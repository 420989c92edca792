import DicomCore
import Foundation
import Testing

/// scripts/lint-conversions keeps integer conversions that could trap on file data out of
/// Sources (issue 13, "No trapping conversions"): the tree passes, and the lint flags what it must.
@Suite struct ConversionLintTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func lint(_ paths: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", root.appendingPathComponent("scripts/lint-conversions").path] + paths
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, stdout, stderr)
    }

    @Test func sourcesHaveNoUnexplainedConversion() throws {
        let r = try Self.lint([])
        #expect(r.status == 0, "scripts/lint-conversions:\n\(r.stdout)\(r.stderr)")
    }

    @Test func theLintFlagsWhatCouldTrap() throws {
        let lines = [
            "let a = Int(someDouble)",                          // 1 flagged
            "let b = Int(exactly: someDouble)",
            "let c = UInt32(truncatingIfNeeded: big)",
            "let d = Int(bytes[0])  // conversion: a byte widens",
            "// conversion: a byte widens",
            "let e = Int(bytes[1])",
            "guard let f = Int(text) else { return }",
            "let g = Int(0x7F)",
            "let h = Int.init(someUInt64)",                     // 9 flagged
            "let i = numericCast(x) as Int",                    // 10 flagged
            "let j = UInt8(ascii: \"a\")",
            "let k = Int(widening: byte)",
            "let l = UInt32(s, radix: 16)",
            "let m = \"Int(in a string)\"",
            "let n = \"\\(Int(interpolated))\"",                // 15 flagged
            "let o = [UInt8](repeating: 0, count: 4)",
            "let p = Int64(v)  // a comment that is no reason", // 17 flagged
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lint-sample-\(getpid()).swift")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Self.lint([file.path])
        #expect(r.status == 1)
        let flagged = r.stdout.split(separator: "\n").compactMap { $0.split(separator: ":").dropFirst().first.flatMap { Int($0) } }
        #expect(flagged == [1, 9, 10, 15, 17], "\(r.stdout)")
    }

    /// Int(widening:) exists only from narrower types, so it never traps; the values survive.
    @Test func wideningKeepsValues() {
        #expect(Int(widening: UInt8.max) == 255)
        #expect(Int(widening: Int32.min) == -2_147_483_648)
        #expect(Int(widening: UInt32.max) == 4_294_967_295)
        #expect(UInt64(widening: UInt32.max) == 4_294_967_295)
        #expect(Int32(widening: Int16.min) == -32768)
        #expect(UInt16(widening: UInt8(200)) == 200)
    }
}
