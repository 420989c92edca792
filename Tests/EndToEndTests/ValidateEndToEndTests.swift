import DicomTestSupport
import Foundation
import Testing

/// `dicomtool validate` through the built binary: exit statuses, the machine formats (JSON Lines,
/// JUnit, SARIF) parsed by independent readers, baselines and --ignore. Inputs are the bundled
/// fixtures, so these tests run with or without the full corpus:
/// MR_small_implicit.dcm has no finding, SC_rgb_rle_16bit_2frame.dcm only a warning (Number of
/// Frames foreign to the Secondary Capture IOD), SC_rgb_small_odd.dcm errors (type 1 attributes
/// missing inside an item).
@Suite struct ValidateEndToEndTests {
    static let native = CorpusIndex.fixtures.appendingPathComponent("native")
    static let clean = native.appendingPathComponent("MR_small_implicit.dcm").path
    static let warningOnly = CorpusIndex.fixtures.appendingPathComponent("rle/SC_rgb_rle_16bit_2frame.dcm").path
    static let withErrors = native.appendingPathComponent("SC_rgb_small_odd.dcm").path

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-validate-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Rule ids reported for the inputs, from --format json.
    static func rules(_ inputs: [String], extra: [String] = []) throws -> [String] {
        let r = try Tool.run(["validate", "-q", "--format", "json"] + extra + inputs)
        var rules: [String] = []
        for line in r.stdout.split(separator: "\n") {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let validation = (obj["validation"] as? [String: Any]) ?? obj
            for f in validation["findings"] as? [[String: Any]] ?? [] { rules.append(f["rule"] as? String ?? "?") }
        }
        return rules
    }

    /// Every row of the project's Image Pixel table (scripts/tables/image-pixel-constraints.tsv):
    /// a crafted file that satisfies the row's scope and the same file with the row's attribute
    /// outside its allowed set; validate reports iod.pixel.value on the second only. The script
    /// also prints how dciodvfy judges the same files (95 of 95 rows agreed when the table was made).
    @Test func imagePixelTableRowsAreReported() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-pixel-table-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("pixel_constraints_vs_dciodvfy.py", [CorpusIndex.binary.path, work.path], withStandardError: true)
        print("image pixel table: \(text.split(separator: "\n").last ?? "")")
        #expect(status == 0, "\(text)")
        #expect(text.contains(" 0 not built, 0 dicomtool failures"), "\(text)")
    }

    @Test func exitStatusZeroOnACleanFile() throws {
        let r = try Tool.run(["validate", "-q", Self.clean])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.isEmpty)
        // Also with the strictest level: nothing at all is reported.
        #expect(try Tool.run(["validate", "-q", "--fail-on", "warning", Self.clean]).status == 0)
    }

    @Test func exitStatus83AtTheFailOnLevel() throws {
        let warn = try Tool.run(["validate", "-q", Self.warningOnly])
        #expect(warn.status == 0, "a warning does not fail at the default level 'error': \(warn.stdout)")
        #expect(warn.stdout.contains("warning iod.attribute.foreign"))
        let strict = try Tool.run(["validate", "-q", "--fail-on", "warning", Self.warningOnly])
        #expect(strict.status == 83, "\(strict.stdout)")
        let errors = try Tool.run(["validate", "-q", Self.withErrors])
        #expect(errors.status == 83)
        #expect(errors.stdout.contains("error iod.type1.missing SourceImageSequence[0]>ReferencedSOPInstanceUID"))
    }

    @Test func exitStatusesForUsageMissingAndUnreadableInputs() throws {
        #expect(try Tool.run(["validate", "--fail-on", "bogus", Self.clean]).status == 1)
        #expect(try Tool.run(["validate", "--no-such-flag", Self.clean]).status == 1)
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try Tool.run(["validate", dir.appendingPathComponent("absent.dcm").path])
        #expect(missing.status == 20, "\(missing.stderr)")
        let text = dir.appendingPathComponent("text.dcm")
        try Data(String(repeating: "this is not a DICOM file\n", count: 20).utf8).write(to: text)
        let notDicom = try Tool.run(["validate", text.path])
        #expect(notDicom.status == 22, "\(notDicom.stderr)")
        // A truncated file: the first 200 bytes of a valid one.
        let truncated = dir.appendingPathComponent("truncated.dcm")
        try Data(try Data(contentsOf: URL(fileURLWithPath: Self.clean)).prefix(200)).write(to: truncated)
        #expect(try Tool.run(["validate", truncated.path]).status == 22)
    }

    @Test func jsonLinesParseOneRecordPerLine() throws {
        let r = try Tool.run(["validate", "--format", "json", Self.clean, Self.withErrors])
        #expect(r.status == 83)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(!lines.isEmpty && r.stdout.hasSuffix("\n"))
        var validations: [[String: Any]] = []
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                   "not a JSON object: \(line)")
            if let v = obj["validation"] as? [String: Any] { validations.append(v) }
        }
        #expect(validations.count == 2)
        let bad = try #require(validations.first { ($0["file"] as? String) == Self.withErrors })
        #expect(bad["schema"] as? String == "dicomtool.validate/1")
        #expect((bad["errors"] as? Int ?? 0) >= 2)
        for f in bad["findings"] as? [[String: Any]] ?? [] {
            for key in ["severity", "rule", "path", "tag", "message", "reference"] {
                #expect(f[key] is String, "finding lacks \(key): \(f)")
            }
        }
        #expect(try Self.rules([Self.withErrors]).contains("iod.type1.missing"))
    }

    @Test func junitIsXMLWithOneTestCasePerFile() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run(["validate", "--format", "junit", Self.clean, Self.warningOnly, Self.withErrors])
        #expect(r.status == 83)
        let report = dir.appendingPathComponent("report.xml")
        try r.stdoutBytes.write(to: report)
        let (status, text) = try Tool.script("validate_formats.py", ["junit", report.path, Self.clean, Self.warningOnly, Self.withErrors], withStandardError: true)
        #expect(status == 0, "\(text)")
    }

    @Test func sarifIs210WithRulesLevelsAndLocations() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run(["validate", "--format", "sarif", Self.clean, Self.warningOnly, Self.withErrors])
        #expect(r.status == 83)
        let report = dir.appendingPathComponent("report.sarif")
        try r.stdoutBytes.write(to: report)
        let (status, text) = try Tool.script("validate_formats.py", ["sarif", report.path, Self.warningOnly, Self.withErrors], withStandardError: true)
        #expect(status == 0, "\(text)")
        // The same facts read in Swift: version, driver name, a result per finding.
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        #expect(doc["version"] as? String == "2.1.0")
        let run = try #require((doc["runs"] as? [[String: Any]])?.first)
        #expect(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["name"] as? String == "dicomtool")
        let results = run["results"] as? [[String: Any]] ?? []
        #expect(results.count == (try Self.rules([Self.clean, Self.warningOnly, Self.withErrors]).count))
    }

    /// The schema checks are real: a report the schemas reject fails them (SARIF level outside
    /// the enumeration; JUnit testsuite without its required `tests` attribute).
    @Test func schemaChecksRejectReportsOutsideTheSchemas() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sarif = try Tool.run(["validate", "--format", "sarif", Self.withErrors])
        let badSarif = dir.appendingPathComponent("bad.sarif")
        try Data(String(decoding: sarif.stdoutBytes, as: UTF8.self)
            .replacingOccurrences(of: "\"level\":\"error\"", with: "\"level\":\"fatal\"").utf8).write(to: badSarif)
        let (sarifStatus, sarifText) = try Tool.script("validate_formats.py", ["sarif", badSarif.path, Self.withErrors], withStandardError: true)
        #expect(sarifStatus != 0)
        #expect(sarifText.contains("sarif-schema-2.1.0.json: $.runs[0].results"), "\(sarifText)")
        let junit = try Tool.run(["validate", "--format", "junit", Self.withErrors])
        let badJUnit = dir.appendingPathComponent("bad.xml")
        try Data(String(decoding: junit.stdoutBytes, as: UTF8.self)
            .replacingOccurrences(of: "<testsuite name=\"dicomtool validate\" tests=", with: "<testsuite name=\"dicomtool validate\" count=").utf8)
            .write(to: badJUnit)
        let (junitStatus, junitText) = try Tool.script("validate_formats.py", ["junit", badJUnit.path, Self.withErrors], withStandardError: true)
        #expect(junitStatus != 0)
        #expect(junitText.contains("junit-10.xsd:"), "\(junitText)")
    }

    @Test func baselineRoundTripFailsOnlyOnNewFindings() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = dir.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let a = files.appendingPathComponent("a.dcm"), b = files.appendingPathComponent("b.dcm")
        try FileManager.default.copyItem(atPath: Self.withErrors, toPath: a.path)
        try FileManager.default.copyItem(atPath: Self.clean, toPath: b.path)
        let baseline = dir.appendingPathComponent("baseline.json")

        let first = try Tool.run(["validate", "-q", "--write-baseline", baseline.path, files.path])
        #expect(first.status == 83, "the run that writes the baseline still reports: \(first.stdout)")
        let recorded = String(decoding: try Data(contentsOf: baseline), as: UTF8.self)
        #expect((try? JSONSerialization.jsonObject(with: Data(recorded.utf8))) != nil, "the baseline is JSON")
        #expect(recorded.contains("iod.type1.missing"))
        // A second write is byte-identical (stable, sorted).
        let again = dir.appendingPathComponent("baseline2.json")
        _ = try Tool.run(["validate", "-q", "--write-baseline", again.path, files.path])
        #expect(try Data(contentsOf: baseline) == Data(contentsOf: again))

        let second = try Tool.run(["validate", "-q", "--baseline", baseline.path, files.path])
        #expect(second.status == 0, "recorded findings must not fail: \(second.stdout)")
        #expect(second.stdout.isEmpty, "recorded findings are not reported: \(second.stdout)")
        let strict = try Tool.run(["validate", "-q", "--fail-on", "warning", "--baseline", baseline.path, files.path])
        #expect(strict.status == 0, "warnings were recorded too: \(strict.stdout)")

        // b.dcm now has findings the baseline does not know: the run fails and reports only them.
        try FileManager.default.removeItem(at: b)
        try FileManager.default.copyItem(atPath: Self.withErrors, toPath: b.path)
        let third = try Tool.run(["validate", "-q", "--baseline", baseline.path, files.path])
        #expect(third.status == 83)
        #expect(third.stdout.contains("b.dcm"))
        #expect(!third.stdout.contains("a.dcm: error iod.type1.missing"), "a.dcm's findings are recorded: \(third.stdout)")

        // A baseline that cannot be read is an input error, not a silent pass.
        let bogus = dir.appendingPathComponent("bogus.json")
        try Data("not json".utf8).write(to: bogus)
        #expect(try Tool.run(["validate", "-q", "--baseline", bogus.path, files.path]).status != 0)
        #expect(try Tool.run(["validate", "-q", "--baseline", dir.appendingPathComponent("absent.json").path, files.path]).status == 20)
    }

    @Test func ignoreDropsRulesAndFamilies() throws {
        let rules = Set(try Self.rules([Self.withErrors]))
        #expect(rules.contains("iod.type1.missing") && rules.contains("iod.attribute.foreign"))
        let oneIgnored = try Self.rules([Self.withErrors], extra: ["--ignore", "iod.type1.missing"])
        #expect(!oneIgnored.contains("iod.type1.missing") && oneIgnored.contains("iod.attribute.foreign"))
        // Ignoring every error rule leaves warnings only: exit 0 at the default level, 83 at warning.
        let errorRules = ["iod.type1.missing"]
        let args = errorRules.flatMap { ["--ignore", $0] }
        #expect(try Tool.run(["validate", "-q"] + args + [Self.withErrors]).status == 0)
        #expect(try Tool.run(["validate", "-q", "--fail-on", "warning"] + args + [Self.withErrors]).status == 83)
        // A family prefix ending in '.' drops all of it.
        let family = try Tool.run(["validate", "-q", "--fail-on", "warning", "--ignore", "iod.", Self.withErrors])
        #expect(family.status == 0, "\(family.stdout)")
        #expect(family.stdout.isEmpty)
    }
}
