import DicomTestSupport
import Foundation
import Testing

/// `dicomtool derive --to-8bit` on a file whose stored window is NaN, infinite or narrower than 1:
/// one error line naming the file and the tag, exit status 22, no output (issue 14, item 8; before,
/// an all-black image and exit 0).
@Suite struct DeriveWindowRefusalTests {
    /// MR_small.dcm (explicit VR little endian) with Window Center/Width 600/1600 replaced in place
    /// by 4-byte values.
    static func patched(center: String, width: String, in dir: URL) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm")))
        func replace(_ tag: [UInt8], _ old: String, _ new: String) throws {
            let needle = tag + Array("DS".utf8) + [4, 0] + Array(old.utf8)
            let at = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
            let value = Array(new.padding(toLength: 4, withPad: " ", startingAt: 0).utf8)
            bytes.replaceSubrange((at + 8)..<(at + 12), with: value)
        }
        try replace([0x28, 0x00, 0x50, 0x10], "600 ", center)
        try replace([0x28, 0x00, 0x51, 0x10], "1600", width)
        let url = dir.appendingPathComponent("w_\(center)_\(width).dcm".replacingOccurrences(of: " ", with: ""))
        try Data(bytes).write(to: url)
        return url
    }

    @Test func refusedWithOneLineNamingFileAndTag() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-derive-refusal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (center, width, tag) in [("NaN", "1600", "(0028,1050) WindowCenter"), ("600", "Inf", "(0028,1051) WindowWidth"),
                                     ("600", "0", "(0028,1051) WindowWidth"), ("600", "-5", "(0028,1051) WindowWidth")] {
            let input = try Self.patched(center: center, width: width, in: dir)
            let output = dir.appendingPathComponent("out.dcm")
            let r = try Tool.run(["derive", "-q", "--to-8bit", input.path, "-o", output.path])
            #expect(r.status == 22, "\(center)/\(width): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("dicomtool: derive: \(input.path): error: \(tag): --to-8bit:"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output.path), "nothing is written")
            // The window given on the command line replaces the stored one.
            let given = try Tool.run(["derive", "-q", "--to-8bit", "--window", "600,1600", input.path, "-o", output.path])
            #expect(given.status == 0, "\(given.stderr)")
            try? FileManager.default.removeItem(at: output)
        }
    }
}
