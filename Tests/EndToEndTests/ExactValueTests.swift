import DicomTestSupport
import Foundation
import Testing

/// The values that used to kill `dump` (SIGILL converting a Double to Int64) or come out rounded:
/// a batch with such a file between ordinary ones must show every file, exactly, and exit 0, in
/// every output format; every other command must end without a signal.
@Suite struct ExactValueTests {
    /// SV/UV at the 64-bit edges, FD/FL NaN and infinities, OL/OV maxima, a defined-length sequence.
    static var edgeFile: [UInt8] {
        let sv: [Int64] = [.max, .min, 1_234_567_890_123_456_789]
        let uv: [UInt64] = [.max, 1 << 63, (1 << 53) + 1]
        let fd: [Double] = [.nan, .infinity, -0.0, .leastNonzeroMagnitude]
        let item = Hostile.element(0x0008, 0x0100, "SH", Hostile.text("121320"))
            + Hostile.element(0x0008, 0x0102, "SH", Hostile.text("DCM"))
        let sequence = Hostile.header(0x0008, 0x9215, "SQ", length: UInt32(item.count + 8))
            + Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(UInt32(item.count)) + item
        let body = Hostile.element(0x0008, 0x0016, "UI", Hostile.text("1.2.840.10008.5.1.4.1.1.7", pad: 0))
            + Hostile.element(0x0008, 0x0018, "UI", Hostile.text("2.25.1234567", pad: 0))
            + sequence
            + Hostile.element(0x0072, 0x0074, "FD", fd.flatMap { Hostile.u64($0.bitPattern) })
            + Hostile.element(0x0072, 0x0075, "OL", Hostile.u32(.max))
            + Hostile.element(0x0072, 0x0076, "FL", Hostile.u32((-Float.infinity).bitPattern))
            + Hostile.element(0x0072, 0x0081, "OV", Hostile.u64(.max))
            + Hostile.element(0x0072, 0x0082, "SV", sv.flatMap { Hostile.u64(UInt64(bitPattern: $0)) })
            + Hostile.element(0x0072, 0x0083, "UV", uv.flatMap { Hostile.u64($0) })
        return Hostile.part10(body)
    }

    static func makeTree() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-exact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(edgeFile).write(to: dir.appendingPathComponent("a-edge.dcm"))
        try FileManager.default.copyItem(at: CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm"),
                                         to: dir.appendingPathComponent("b-mr.dcm"))
        try Data(edgeFile).write(to: dir.appendingPathComponent("c-edge.dcm"))
        return dir
    }

    @Test func everyDumpFormatShowsEveryFileExactly() throws {
        let dir = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exact = ["18446744073709551615", "9223372036854775808", "9007199254740993",
                     "9223372036854775807", "-9223372036854775808", "1234567890123456789"]

        let text = try Tool.run(["dump", dir.path])
        #expect(text.status == 0, "\(text.stderr)")
        for v in exact { #expect(text.stdout.components(separatedBy: v).count >= 3, "\(v) in both edge files") }
        #expect(text.stdout.contains("FD NaN\\Infinity\\-0.0\\5e-324"))
        #expect(text.stdout.contains("OL 4294967295 "))
        #expect(text.stdout.contains("OV 18446744073709551615 "))
        #expect(text.stdout.contains("# 34, 1 DerivationCodeSequence"))
        #expect(text.stdout.contains("b-mr.dcm"))

        let xml = try Tool.run(["dump", "--xml", dir.appendingPathComponent("a-edge.dcm").path])
        #expect(xml.status == 0, "\(xml.stderr)")
        for v in exact { #expect(xml.stdout.contains(">\(v)</Value>")) }

        let json = try Tool.run(["dump", "--json", dir.appendingPathComponent("a-edge.dcm").path])
        #expect(json.status == 0, "\(json.stderr)")
        let model = try #require(try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: Any])
        #expect((model["00720082"] as? [String: Any])?["Value"] as? [Int64] == [.max, .min, 1_234_567_890_123_456_789])
        #expect(json.stdout.contains("\"Value\":[18446744073709551615,9223372036854775808,9007199254740993]"))
        #expect(json.stdout.contains("\"Value\":[\"NaN\",\"Infinity\",-0.0,5e-324]"))
        #expect(json.stderr.contains("(0072,0074)") && json.stderr.contains("written as JSON string"))

        let lines = try Tool.run(["dump", "--json", "--format", "json", dir.path])
        #expect(lines.status == 0, "\(lines.stderr)")
        let records = lines.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.filter { $0["type"] as? String == "item" }.count == 3, "\(lines.stdout.prefix(400))")
        #expect(records.contains { $0["type"] as? String == "summary" })
        #expect(lines.stdout.contains("9223372036854775807"))
    }

    @Test func noCommandEndsBySignalOnEdgeValues() throws {
        let dir = try Self.makeTree()
        let out = dir.appendingPathComponent("out")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs: [[String]] = [
            ["validate", dir.path], ["anonymize", "--burned-in", "allow", dir.path, "-o", out.appendingPathComponent("anon").path],
            ["transcode", "--explicit", dir.path, "-o", out.appendingPathComponent("explicit").path],
            ["transcode", "--implicit", dir.path, "-o", out.appendingPathComponent("implicit").path],
            ["transcode", "--big-endian", dir.path, "-o", out.appendingPathComponent("big").path],
            ["transcode", "--deflate", dir.path, "-o", out.appendingPathComponent("deflate").path],
        ]
        for args in runs {
            let r = try Tool.run(args)
            #expect(r.status < 128 && [0, 83].contains(r.status), "\(args.joined(separator: " ")): \(r.status) \(r.stderr)")
        }
        // What was written keeps the values exactly.
        for syntax in ["explicit", "implicit", "big", "deflate"] {
            let r = try Tool.run(["dump", out.appendingPathComponent("\(syntax)/a-edge.dcm").path])
            #expect(r.status == 0 && r.stdout.contains("18446744073709551615\\9223372036854775808"), "\(syntax): \(r.stderr)")
        }
    }
}
