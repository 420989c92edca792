import DicomCore
import Foundation
import Testing
@testable import DicomToolCLI

@Suite struct ReporterTests {
    private func summary(total: Int, ok: Int, failed: Int, skipped: Int = 0, first: DicomError? = nil,
                         interrupted: Bool = false, elapsed: Double = 3.2) -> RunSummary {
        RunSummary(total: total, succeeded: ok, failed: failed, skipped: skipped, firstFailure: first,
                   interrupted: interrupted, elapsed: elapsed)
    }

    private func parse(_ line: String) throws -> [String: Any] {
        #expect(!line.contains("\n"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func diagnosticsAreOneLineWithCommandFileAndSeverity() {
        let error = DicomError(.invalidInput, "fragment length 4294967290 exceeds the 5120 bytes left",
                               offset: 1234, tag: Tag(0x7FE0, 0x0010), file: "scans/ct1.dcm")
        #expect(Reporter.diagnosticLine(command: "transcode", severity: .error, error: error)
                == "dicomtool: transcode: scans/ct1.dcm: error: byte 1234: (7FE0,0010) PixelData: fragment length 4294967290 exceeds the 5120 bytes left")
        let warning = DicomError(.invalidInput, "odd length 7", cause: "padded")
        #expect(Reporter.diagnosticLine(command: "dump", severity: .warning, error: warning, input: "-")
                == "dicomtool: dump: -: warning: odd length 7: padded")
        #expect(Reporter.diagnosticLine(command: "dump", severity: .error, error: DicomError(.noInput, "no input"))
                == "dicomtool: dump: error: no input")
    }

    @Test func controlBytesInNamesAndMessagesAreEscaped() {
        #expect(Reporter.escape("plain/é.dcm") == "plain/é.dcm")
        #expect(Reporter.escape("a\nb\rc\td") == "a\\nb\\rc\\td")
        #expect(Reporter.escape("\u{1B}[31mred\u{7F}\u{0}") == "\\x1B[31mred\\x7F\\x00")
        #expect(Reporter.escape("x\u{9B}y\u{202E}z") == "x\\u{9B}y\\u{202E}z")
        let error = DicomError(.cannotRead, "cannot read input", file: "evil\n\u{1B}]0;title\u{7}.dcm")
        let line = Reporter.diagnosticLine(command: "dump", severity: .error, error: error)
        #expect(line == "dicomtool: dump: evil\\n\\x1B]0;title\\x07.dcm: error: cannot read input")
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func summaryLineSaysCountsFirstFailureAndTime() {
        let first = DicomError(.invalidInput, "truncated", file: "scans/x.dcm")
        #expect(Reporter.summaryLine(command: "dump", summary: summary(total: 1500, ok: 1498, failed: 2, first: first))
                == "dicomtool: dump: 1500 files, 1498 ok, 2 failed (first: scans/x.dcm: exit 22) in 3.2 s")
        #expect(Reporter.summaryLine(command: "dump", summary: summary(total: 3, ok: 3, failed: 0, elapsed: 0.04))
                == "dicomtool: dump: 3 files, 3 ok, 0 failed in 0.0 s")
        #expect(Reporter.summaryLine(command: "validate", summary: summary(
            total: 10, ok: 2, failed: 0, skipped: 8, interrupted: true, elapsed: 1))
                == "dicomtool: validate: 10 files, 2 ok, 0 failed, 8 skipped, interrupted in 1.0 s")
        // A single input that succeeded needs no summary; a single failure gets one.
        #expect(Reporter.summaryLine(command: "dump", summary: summary(total: 1, ok: 1, failed: 0)) == nil)
        #expect(Reporter.summaryLine(command: "dump", summary: summary(total: 1, ok: 0, failed: 1, first: first))
                == "dicomtool: dump: 1 file, 0 ok, 1 failed (first: scans/x.dcm: exit 22) in 3.2 s")
        #expect(summary(total: 1, ok: 0, failed: 1, first: first).exitStatus == .invalidInput)
        #expect(summary(total: 9, ok: 0, failed: 1, first: first, interrupted: true).exitStatus == .interrupted)
    }

    /// validate's summary splits the inputs read into those with and without findings.
    @Test func summaryLineCountsFilesWithFindings() throws {
        let first = DicomError(.invalidInput, "truncated", file: "scans/x.dcm")
        var s = summary(total: 121, ok: 83, failed: 38, first: first, elapsed: 2)
        s.withFindings = 23
        #expect(Reporter.summaryLine(command: "validate", summary: s)
                == "dicomtool: validate: 121 files, 60 without findings, 23 with findings, 38 failed (first: scans/x.dcm: exit 22) in 2.0 s")
        let record = try parse(ReporterJSON.summary(command: "validate", s))
        #expect(record["withFindings"] as? Int == 23)
        #expect(try parse(ReporterJSON.summary(command: "dump", summary(total: 1, ok: 1, failed: 0)))["withFindings"] == nil)
    }

    @Test func progressBarRendersCountsPercentAndRate() {
        #expect(ProgressBar(total: 1500, done: 512, elapsed: 512.0 / 120).render()
                == "[======>             ] 512/1500 files 34% 120 files/s")
        #expect(ProgressBar(total: 4, done: 4, elapsed: 2).render()
                == "[====================] 4/4 files 100% 2 files/s")
        #expect(ProgressBar(total: 0).render() == "[====================] 0/0 files 100% 0 files/s")
    }

    @Test func notesAndMessagesAreWholeLinesWrittenEvenWhenQuiet() {
        let sink = InputsLineSink()
        let reporter = Reporter(command: "anonymize", showsProgress: false, quiet: true, standardError: sink.write)
        reporter.note("no identifying value of a\u{1B}.dcm found", input: "b\n.dcm")
        reporter.message("x.dcm: verified, bit-exact")
        reporter.warning("dropped when quiet")
        #expect(sink.text == "dicomtool: anonymize: b\\n.dcm: no identifying value of a\\x1B.dcm found\n"
                + "x.dcm: verified, bit-exact\n")
        #expect(reporter.errorCount == 0 && reporter.warningCount == 0)
    }

    @Test func progressIsClearedBeforeDiagnosticsAndAtTheEndAndOnlyWhenShown() throws {
        let items = (0..<5).map { InputItem.file(path: "p\($0)", relativePath: "p\($0)") }
        let shown = InputsLineSink()
        let reporter = Reporter(command: "dump", showsProgress: true, standardError: shown.write)
        let result = InputWalker.run(items, jobs: 2, failFast: false, reporter: reporter, work: { item throws(DicomError) in
            if item.relativePath == "p2" { throw DicomError(.decodeFailed, "bad") }
        }, emit: { _, _ in })
        let text = shown.text
        #expect(text.hasPrefix("\r[") )
        #expect(text.contains("\r\u{1B}[Kdicomtool: dump: p2: error: bad\n"))
        #expect(text.contains("5/5 files 100%"))
        #expect(text.hasSuffix("\r\u{1B}[Kdicomtool: dump: 5 files, 4 ok, 1 failed (first: p2: exit 81) in "
                               + String(format: "%.1f", result.elapsed) + " s\n"))
        #expect(reporter.errorCount == 1)

        let hidden = InputsLineSink()
        let quietReporter = Reporter(command: "dump", showsProgress: false, quiet: true, standardError: hidden.write)
        _ = InputWalker.run(items, jobs: 1, failFast: false, reporter: quietReporter, work: { _ throws(DicomError) in },
                            emit: { _, _ in })
        quietReporter.warning("ignored in quiet mode", input: "p0")
        #expect(hidden.text.isEmpty)
        #expect(quietReporter.warningCount == 0)

        let auto = Reporter(options: InputOptions(progress: nil, command: "dump"))
        #expect(auto.showsProgress == (isatty(2) == 1))
        #expect(Reporter(options: InputOptions(progress: false, command: "dump")).showsProgress == false)
    }

    @Test func jsonRecordsParseBackWithTheirSchema() throws {
        let begin = try parse(ReporterJSON.begin(command: "dump", inputs: 3, jobs: 2, shard: (1, 4)))
        #expect(begin["type"] as? String == "begin")
        #expect(begin["schema"] as? String == "dicomtool/1")
        #expect(begin["command"] as? String == "dump")
        #expect(begin["inputs"] as? Int == 3)
        #expect(begin["jobs"] as? Int == 2)
        #expect(begin["shard"] as? String == "1/4")

        let ok = try parse(ReporterJSON.item(command: "dump", input: .file(path: "a/b.dcm", relativePath: "b.dcm"),
                                             fields: [("elements", .int(42)), ("dataset", .raw("{\"00100010\":{\"vr\":\"PN\"}}"))]))
        #expect(ok["type"] as? String == "item")
        #expect(ok["input"] as? String == "a/b.dcm")
        #expect(ok["relativePath"] as? String == "b.dcm")
        #expect(ok["status"] as? String == "ok")
        #expect(ok["exit"] as? Int == 0)
        #expect(ok["error"] == nil)
        #expect(ok["elements"] as? Int == 42)
        #expect((ok["dataset"] as? [String: Any])?["00100010"] != nil)

        let failure = DicomError(.invalidInput, "bad \"quote\"\n\u{1}", offset: 7, tag: Tag(0x0008, 0x0016),
                                 file: "-", cause: "why")
        let bad = try parse(ReporterJSON.item(command: "dump", input: .standardInput, error: failure))
        #expect(bad["status"] as? String == "error")
        #expect(bad["exit"] as? Int == 22)
        #expect(bad["input"] as? String == "-")
        let error = try #require(bad["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalidInput")
        #expect(error["message"] as? String == "bad \"quote\"\n\u{1}")
        #expect(error["offset"] as? Int == 7)
        #expect(error["tag"] as? String == "(0008,0016)")
        #expect(error["cause"] as? String == "why")
        #expect((error["text"] as? String)?.hasPrefix("byte 7: (0008,0016) SOPClassUID: bad") == true)

        let end = try parse(ReporterJSON.end(command: "dump"))
        #expect(end["type"] as? String == "end" && end["schema"] as? String == "dicomtool/1")

        let done = try parse(ReporterJSON.summary(command: "dump", summary(
            total: 3, ok: 2, failed: 1, first: DicomError(.decodeFailed, "x", file: "c.dcm"), elapsed: 1.23456)))
        #expect(done["type"] as? String == "summary")
        #expect(done["total"] as? Int == 3 && done["succeeded"] as? Int == 2)
        #expect(done["failed"] as? Int == 1 && done["skipped"] as? Int == 0)
        #expect(done["exit"] as? Int == 81)
        #expect(done["interrupted"] as? Bool == false)
        #expect(done["elapsed"] as? Double == 1.235)
        let first = try #require(done["firstFailure"] as? [String: Any])
        #expect(first["input"] as? String == "c.dcm" && first["exit"] as? Int == 81)

        let clean = try parse(ReporterJSON.summary(command: "dump", summary(total: 1, ok: 1, failed: 0, elapsed: 2)))
        #expect(clean["firstFailure"] is NSNull)
        #expect(clean["exit"] as? Int == 0)
    }

    @Test func aJSONRunFramesItsItemsWithBeginEndAndSummary() throws {
        let tmp = try InputsTempDirectory()
        try tmp.file("t/1.dcm")
        try tmp.file("t/2.dcm")
        let options = InputOptions(paths: [tmp.path + "/t"], jobs: 2, progress: false, command: "dump")
        let walker = try InputWalker(options)
        let out = InputsLineSink(), err = InputsLineSink()
        let reporter = Reporter(command: options.command, showsProgress: false, json: true, jobs: 2,
                                standardError: err.write, standardOutput: out.write)
        let result = walker.run(reporter: reporter, work: { item throws(DicomError) -> String in
            item.relativePath.uppercased()
        }, emit: { item, result in
            out.write(ReporterJSON.item(command: "dump", input: item, error: nil,
                                        fields: [("name", .string((try? result.get()) ?? ""))]) + "\n")
        })
        let records = try out.lines.map(parse)
        #expect(records.map { $0["type"] as? String } == ["begin", "item", "item", "end", "summary"])
        #expect(records.allSatisfy { $0["schema"] as? String == "dicomtool/1" })
        #expect(records[1]["name"] as? String == "1.DCM" && records[2]["name"] as? String == "2.DCM")
        #expect(records[0]["inputs"] as? Int == 2)
        #expect(records[4]["succeeded"] as? Int == 2)
        #expect(result.exitStatus == .ok)
        #expect(err.lines == ["dicomtool: dump: 2 files, 2 ok, 0 failed in " + String(format: "%.1f", result.elapsed) + " s"])
    }

    @Test func concurrentWarningsNeverInterleave() {
        let sink = InputsLineSink()
        let reporter = Reporter(command: "validate", showsProgress: false, standardError: sink.write)
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            reporter.warning("finding \(index) " + String(repeating: "x", count: 200), input: "f\(index)")
        }
        let lines = sink.lines
        #expect(lines.count == 200)
        #expect(lines.allSatisfy { $0.hasPrefix("dicomtool: validate: f") && $0.hasSuffix(String(repeating: "x", count: 200)) })
        #expect(reporter.warningCount == 200)
    }
}
