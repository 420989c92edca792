import DicomTestSupport
import Foundation
import Testing

/// `validate` reports for CI over a tree with inputs that cannot be validated (issue 14, item 6):
/// every input is in the JUnit, SARIF and JSON reports (an unreadable one as an error), baselines
/// key findings on the path relative to the input root, and the summary counts files with findings.
/// The runs take `--all-files`, so the walk keeps the text file as an input (without it the walk
/// leaves files that are not DICOM out and counts them apart).
@Suite struct ValidateReportsTests {
    /// A tree of five inputs: clean, with findings, not DICOM, truncated, a dangling symbolic link.
    /// Returns (scratch directory, tree, the input paths in input order).
    static func tree() throws -> (URL, URL, [String]) {
        let dir = try ValidateEndToEndTests.scratch()
        let tree = dir.appendingPathComponent("tree")
        let fm = FileManager.default
        try fm.createDirectory(at: tree.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: ValidateEndToEndTests.clean, toPath: tree.appendingPathComponent("ok.dcm").path)
        try fm.copyItem(atPath: ValidateEndToEndTests.withErrors, toPath: tree.appendingPathComponent("sub/bad.dcm").path)
        try Data("a README beside the images\n".utf8).write(to: tree.appendingPathComponent("readme.txt"))
        try Data(try Data(contentsOf: URL(fileURLWithPath: ValidateEndToEndTests.clean)).prefix(300))
            .write(to: tree.appendingPathComponent("sub/trunc.dcm"))
        try fm.createSymbolicLink(atPath: tree.appendingPathComponent("dangling.dcm").path, withDestinationPath: "/nonexistent/x.dcm")
        let inputs = ["dangling.dcm", "ok.dcm", "readme.txt", "sub/bad.dcm", "sub/trunc.dcm"].map { tree.appendingPathComponent($0).path }
        return (dir, tree, inputs)
    }

    @Test func junitHasEveryInputAndUnreadableOnesAsErrors() throws {
        let (dir, tree, inputs) = try Self.tree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run(["validate", "--all-files", "--format", "junit", tree.path])
        #expect(r.status == 20, "the first failing input (dangling.dcm, cannot be read) sets the status: \(r.stderr)")
        #expect(r.stdout.contains("tests=\"5\" failures=\"1\" errors=\"3\""), "\(r.stdout)")
        for (input, rule) in [(inputs[0], "input.unreadable"), (inputs[2], "input.invalid"), (inputs[4], "input.invalid")] {
            let entry = try #require(r.stdout.range(of: "name=\"\(input)\""), "\(input) missing from the report")
            #expect(r.stdout[entry.upperBound...].prefix(300).contains("<error type=\"\(rule)\""), "\(input)")
        }
        let report = dir.appendingPathComponent("report.xml")
        try r.stdoutBytes.write(to: report)
        let (status, text) = try Tool.script("validate_formats.py", ["junit", report.path] + inputs, withStandardError: true)
        #expect(status == 0, "\(text)")
    }

    /// --fail-fast stops at the first failing input (dangling.dcm): the others are skipped test cases.
    @Test func junitListsInputsSkippedByFailFast() throws {
        let (dir, tree, inputs) = try Self.tree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run(["validate", "--all-files", "--fail-fast", "--format", "junit", tree.path])
        #expect(r.status == 20)
        #expect(r.stdout.contains("tests=\"5\" failures=\"0\" errors=\"1\" skipped=\"4\""), "\(r.stdout)")
        let report = dir.appendingPathComponent("report.xml")
        try r.stdoutBytes.write(to: report)
        let (status, text) = try Tool.script("validate_formats.py", ["junit", report.path] + inputs, withStandardError: true)
        #expect(status == 0, "\(text)")
    }

    @Test func sarifHasEveryInputAsArtifactAndUnreadableOnesAsErrors() throws {
        let (dir, tree, inputs) = try Self.tree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run(["validate", "--all-files", "--format", "sarif", tree.path])
        #expect(r.status == 20)
        let report = dir.appendingPathComponent("report.sarif")
        try r.stdoutBytes.write(to: report)
        let withResults = [inputs[0], inputs[2], inputs[3], inputs[4]]
        let (status, text) = try Tool.script("validate_formats.py", ["sarif", report.path] + withResults, withStandardError: true)
        #expect(status == 0, "\(text)")
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        let run = try #require((doc["runs"] as? [[String: Any]])?.first)
        let artifacts = (run["artifacts"] as? [[String: Any]] ?? []).compactMap { ($0["location"] as? [String: Any])?["uri"] as? String }
        #expect(artifacts == inputs, "every input, in input order")
        let results = run["results"] as? [[String: Any]] ?? []
        func rules(_ input: String) -> [String] {
            results.filter { result in
                ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
                    .flatMap { $0["artifactLocation"] as? [String: Any] }?["uri"] as? String == input
            }.compactMap { $0["ruleId"] as? String }
        }
        #expect(rules(inputs[0]) == ["input.unreadable"])
        #expect(rules(inputs[2]) == ["input.invalid"] && rules(inputs[4]) == ["input.invalid"])
        #expect(results.filter { ($0["ruleId"] as? String)?.hasPrefix("input.") == true }.allSatisfy { $0["level"] as? String == "error" })
    }

    @Test func jsonHasAValidationRecordForEveryInput() throws {
        let (dir, tree, inputs) = try Self.tree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tool.run(["validate", "--all-files", "--format", "json", tree.path])
        #expect(r.status == 20)
        var validated: [String: [String: Any]] = [:]
        var summary: [String: Any] = [:]
        for line in r.stdout.split(separator: "\n") {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if obj["type"] as? String == "summary" { summary = obj }
            guard obj["type"] as? String == "item" else { continue }
            let v = try #require(obj["validation"] as? [String: Any], "item without validation: \(line)")
            validated[obj["input"] as? String ?? "?"] = v
        }
        #expect(Set(validated.keys) == Set(inputs))
        for input in [inputs[0], inputs[2], inputs[4]] {
            #expect(validated[input]?["errors"] as? Int == 1, "\(input)")
            let rule = ((validated[input]?["findings"] as? [[String: Any]])?.first?["rule"] as? String) ?? ""
            #expect(rule.hasPrefix("input."), "\(input): \(rule)")
        }
        #expect(summary["withFindings"] as? Int == 1, "\(summary)")
    }

    @Test func summaryLineCountsFilesWithFindings() throws {
        let (dir, tree, _) = try Self.tree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let all = try Tool.run(["validate", "--all-files", tree.path])
        #expect(all.stderr.contains("dicomtool: validate: 5 files, 1 without findings, 1 with findings, 3 failed"), "\(all.stderr)")
        let walked = try Tool.run(["validate", tree.path])
        #expect(walked.stderr.contains("dicomtool: validate: 4 files, 1 without findings, 1 with findings, 2 failed"), "\(walked.stderr)")
    }

    /// A baseline recorded in one copy of a tree matches in a copy at another path, and a file
    /// named directly (its name is its relative path) in a copy of the file.
    @Test func baselineMatchesInACopiedTree() throws {
        let dir = try ValidateEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        let first = dir.appendingPathComponent("checkout-a/scans"), second = dir.appendingPathComponent("elsewhere/copy/scans")
        try fm.createDirectory(at: first.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: ValidateEndToEndTests.withErrors, toPath: first.appendingPathComponent("sub/a.dcm").path)
        try fm.copyItem(atPath: ValidateEndToEndTests.clean, toPath: first.appendingPathComponent("b.dcm").path)
        try fm.createDirectory(at: second.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: first, to: second)
        let baseline = dir.appendingPathComponent("baseline.json")
        #expect(try Tool.run(["validate", "-q", "--write-baseline", baseline.path, first.path]).status == 83)
        let recorded = String(decoding: try Data(contentsOf: baseline), as: UTF8.self)
        #expect(recorded.contains("\"sub/a.dcm\"") && !recorded.contains("checkout-a"), "keys are relative: \(recorded)")

        let copy = try Tool.run(["validate", "-q", "--baseline", baseline.path, second.path])
        #expect(copy.status == 0, "the copy's findings are the recorded ones: \(copy.stdout)")
        #expect(copy.stdout.isEmpty)
        // A new finding in the copy still fails (b.dcm now has a warning the baseline does not know).
        try fm.removeItem(at: second.appendingPathComponent("b.dcm"))
        try fm.copyItem(atPath: ValidateEndToEndTests.warningOnly, toPath: second.appendingPathComponent("b.dcm").path)
        let changed = try Tool.run(["validate", "-q", "--fail-on", "warning", "--baseline", baseline.path, second.path])
        #expect(changed.status == 83)
        #expect(changed.stdout.contains("b.dcm: warning") && !changed.stdout.contains("sub/a.dcm"), "\(changed.stdout)")
        // JUnit filters the same way: sub/a.dcm is an empty test case, b.dcm has its warning.
        let junit = try Tool.run(["validate", "--format", "junit", "--baseline", baseline.path, second.path])
        #expect(junit.stdout.contains("tests=\"2\" failures=\"0\" errors=\"0\""), "\(junit.stdout)")
        let a = try #require(junit.stdout.range(of: "sub/a.dcm\">"))
        #expect(junit.stdout[a.upperBound...].hasPrefix("\n    </testcase>"), "\(junit.stdout)")
        #expect(junit.stdout.contains("<system-out>warning iod.attribute.foreign NumberOfFrames"))
    }
}
