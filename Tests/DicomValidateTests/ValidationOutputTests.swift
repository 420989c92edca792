import DicomCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import DicomValidate

@Suite struct ValidationOutputTests {
    static let sample: [FileFindings] = [
        FileFindings(file: "a dir/ct1.dcm", findings: [
            Finding(.error, "iod.type1.missing", path: "SourceImageSequence[0]>ReferencedSOPInstanceUID", tag: "(0008,1155)",
                    message: "Type 1 ReferencedSOPInstanceUID is missing", reference: "PS3.3 C.7.6.1", offset: nil),
            Finding(.warning, "attr.retired", path: "ImageDimensions", tag: "(0028,0005)",
                    message: "ImageDimensions is retired & <old>", reference: "PS3.6 6", offset: 1234),
        ]),
        FileFindings(file: "clean.dcm", findings: []),
    ]

    @Test func textIsOneLinePerFinding() {
        let text = FindingFormat.text.render(Self.sample)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == "a dir/ct1.dcm: error iod.type1.missing SourceImageSequence[0]>ReferencedSOPInstanceUID: Type 1 ReferencedSOPInstanceUID is missing (PS3.3 C.7.6.1)")
    }

    @Test func jsonLinesHaveTheStableSchema() throws {
        let lines = FindingFormat.json.render(Self.sample).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["schema"] as? String == "dicomtool.validate/1")
        #expect(first["file"] as? String == "a dir/ct1.dcm")
        #expect(first["errors"] as? Int == 1 && first["warnings"] as? Int == 1)
        let findings = try #require(first["findings"] as? [[String: Any]])
        #expect(Set(findings[0].keys) == ["severity", "rule", "path", "tag", "message", "reference"])
        #expect(findings[1]["offset"] as? Int == 1234)
        // The Codable form round-trips too (for tools that decode the records).
        let decoded = try JSONDecoder().decode(Finding.self, from: JSONEncoder().encode(Self.sample[0].findings[1]))
        #expect(decoded == Self.sample[0].findings[1])
    }

    /// Collects the element structure of an XML document.
    final class XMLCollector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append((name, attributes))
        }
    }

    @Test func junitIsWellFormedWithOneCasePerFile() throws {
        let xml = FindingFormat.junit.render(Self.sample)
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = XMLCollector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let names = collector.elements.map(\.name)
        #expect(names.first == "testsuites")
        #expect(names.filter { $0 == "testsuite" }.count == 1)
        let cases = collector.elements.filter { $0.name == "testcase" }
        #expect(cases.map { $0.attributes["name"] } == ["a dir/ct1.dcm", "clean.dcm"])
        #expect(cases.allSatisfy { $0.attributes["classname"] != nil })
        let failures = collector.elements.filter { $0.name == "failure" }
        #expect(failures.count == 1 && failures[0].attributes["type"] == "iod.type1.missing")
        let suite = try #require(collector.elements.first { $0.name == "testsuite" })
        #expect(suite.attributes["tests"] == "2" && suite.attributes["failures"] == "1")
    }

    @Test func sarifHasTheRequiredFields() throws {
        let text = FindingFormat.sarif.render(Self.sample, toolVersion: "0.1")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["version"] as? String == "2.1.0")
        #expect((doc["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let runs = try #require(doc["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let driver = try #require((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "dicomtool")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(Set(rules.compactMap { $0["id"] as? String }) == ["iod.type1.missing", "attr.retired"])
        let results = try #require(runs[0]["results"] as? [[String: Any]])
        #expect(results.count == 2)
        for r in results {
            #expect(r["ruleId"] is String)
            #expect(["error", "warning", "note", "none"].contains(r["level"] as? String ?? ""))
            #expect(((r["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let locations = try #require(r["locations"] as? [[String: Any]])
            let physical = try #require(locations.first?["physicalLocation"] as? [String: Any])
            let uri = try #require((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
            #expect(uri == "a%20dir/ct1.dcm")
        }
        let region = ((results[1]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Any]
        #expect(region?["byteOffset"] as? Int == 1234)
    }

    @Test func baselineFiltersRecordedFindings() throws {
        let baseline = Baseline(recording: [Self.sample[0]])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-baseline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("baseline.json").path
        try baseline.save(path: path)
        let loaded = try Baseline.load(path: path)
        #expect(loaded == baseline)
        // A recorded finding is filtered even with a new message; a new one is kept.
        var changed = Self.sample[0]
        changed.findings[0].message = "reworded"
        changed.findings.append(Finding(.error, "vr.da.format", path: "StudyDate", tag: "(0008,0020)", message: "bad",
                                        reference: "PS3.5 6.2"))
        let left = loaded.filter(changed)
        #expect(left.findings.map(\.rule) == ["vr.da.format"])
        #expect(ValidationOutcome.exitStatus(for: [left], failOn: .error) == .nonconformant)
        #expect(ValidationOutcome.exitStatus(for: [loaded.filter(Self.sample[0])], failOn: .warning) == .ok)
        // Same file identity in another file: not filtered.
        #expect(loaded.filter(FileFindings(file: "other.dcm", findings: Self.sample[0].findings)).findings.count == 2)
        // Byte-stable encoding for clean diffs.
        #expect(loaded.encoded() == baseline.encoded())
    }

    @Test func baselineErrors() throws {
        #expect(throws: DicomError.self) { try Baseline.load(path: "/nonexistent/baseline.json") }
        do {
            _ = try Baseline.decode(Data("{\"schema\":\"other\",\"findings\":[]}".utf8))
            Issue.record("wrong schema accepted")
        } catch { #expect(error.code == .invalidInput) }
        do {
            _ = try Baseline.decode(Data("not json".utf8))
            Issue.record("garbage accepted")
        } catch { #expect(error.code == .invalidInput) }
        do { _ = try Baseline.load(path: "/nonexistent/b.json") } catch { #expect(error.code == .cannotRead) }
    }

    @Test func exitStatusFollowsFailOn() {
        let warningsOnly = [FileFindings(file: "w.dcm", findings: [Self.sample[0].findings[1]])]
        #expect(ValidationOutcome.exitStatus(for: warningsOnly, failOn: .error) == .ok)
        #expect(ValidationOutcome.exitStatus(for: warningsOnly, failOn: .warning) == .nonconformant)
        #expect(ValidationOutcome.exitStatus(for: Self.sample, failOn: .error).rawValue == 83)
        #expect(ValidationOutcome.exitStatus(for: [], failOn: .warning) == .ok)
    }
}
