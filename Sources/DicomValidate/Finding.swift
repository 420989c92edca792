import DicomCore
import FoundationEssentials

/// One validation finding: what rule, where (tag path), why, and which clause of the standard.
public struct Finding: Sendable, Codable, Hashable {
    public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
        case info, warning, error

        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// Stable rule id, e.g. "iod.type1.missing", "vr.ui.syntax".
    public var rule: String
    /// Keyword path, e.g. "SourceImageSequence[0]>ReferencedSOPInstanceUID"; "" for the whole file.
    public var path: String
    /// "(GGGG,EEEE)" of the element concerned, "" when none.
    public var tag: String
    public var message: String
    /// The clause enforced, e.g. "PS3.5 6.2".
    public var reference: String
    /// Byte offset of the element in the input, when known.
    public var offset: Int?

    public init(_ severity: Severity, _ rule: String, path: String, tag: String, message: String,
                reference: String, offset: Int? = nil) {
        self.severity = severity; self.rule = rule; self.path = path; self.tag = tag
        self.message = message; self.reference = reference; self.offset = offset
    }
}

/// The findings of one input, as the renderers take them.
public struct FileFindings: Sendable, Codable {
    /// The input as the user named it (the file identity in reports).
    public var file: String
    /// The path relative to the input root (the directory argument it was found under, or the
    /// file name of a file argument): the file identity in baselines, so that a baseline matches
    /// in another checkout or a copy of the tree. nil: `file` is used.
    public var relativePath: String?
    public var findings: [Finding]
    /// The input could not be read or is not DICOM: `findings` is that one error (`input.*`),
    /// which JUnit reports as an <error> rather than a <failure>.
    public var unreadable: Bool
    /// The run stopped before this input (--fail-fast, SIGINT): a JUnit <skipped/> case, a SARIF artifact.
    public var skipped: Bool

    public init(file: String, relativePath: String? = nil, findings: [Finding], unreadable: Bool = false, skipped: Bool = false) {
        self.file = file; self.relativePath = relativePath; self.findings = findings
        self.unreadable = unreadable; self.skipped = skipped
    }

    /// The report entry of an input that could not be validated: one error whose rule says why
    /// (`input.unreadable` for exit status 20, `input.invalid` for 22, `input.<code>` otherwise),
    /// so that every input of a run is in the JUnit, SARIF and JSON reports.
    public static func unreadable(file: String, relativePath: String?, error: DicomError) -> FileFindings {
        var inner = error
        inner.file = nil
        let rule: String
        let reference: String
        switch error.code {
        case .cannotRead: rule = "input.unreadable"; reference = "dicomtool exit status 20"
        case .invalidInput: rule = "input.invalid"; reference = "PS3.10 7"
        default: rule = "input.\(error.code.rawValue)"; reference = "dicomtool exit status \(error.code.exitStatus.rawValue)"
        }
        let finding = Finding(.error, rule, path: "", tag: error.tag?.description ?? "", message: inner.description,
                              reference: reference, offset: error.offset)
        return FileFindings(file: file, relativePath: relativePath, findings: [finding], unreadable: true)
    }
}

/// Exit semantics of `dicomtool validate` (the runner maps these to the process status).
/// 0 clean; 83 findings at or above the failing level; an unreadable input keeps the reader's status
/// (20 cannot read, 22 invalid input) through `DicomError.Code.exitStatus`.
public enum ValidationOutcome {
    public static func exitStatus(for files: [FileFindings], failOn: Finding.Severity) -> ExitStatus {
        files.contains { $0.findings.contains { $0.severity >= failOn } } ? .nonconformant : .ok
    }
}

public enum FindingFormat: String, Sendable, CaseIterable {
    case text, json, junit, sarif

    /// Renders the findings of all files in this format. Text and JSON are also valid per file
    /// (concatenate the outputs); JUnit and SARIF are documents covering the whole run.
    public func render(_ files: [FileFindings], toolVersion: String = "0") -> String {
        switch self {
        case .text: return files.map(FindingRenderer.text).joined()
        case .json: return files.map { FindingRenderer.jsonLine($0) + "\n" }.joined()
        case .junit: return FindingRenderer.junit(files)
        case .sarif: return FindingRenderer.sarif(files, toolVersion: toolVersion)
        }
    }
}

public enum FindingRenderer {
    /// `file: severity rule path: message (reference)`, one line per finding.
    public static func text(_ file: FileFindings) -> String {
        var out = ""
        for f in file.findings {
            let location = f.path.isEmpty ? "" : " " + f.path
            out += "\(file.file): \(f.severity.rawValue) \(f.rule)\(location): \(f.message) (\(f.reference))\n"
        }
        return out
    }

    /// Schema "dicomtool.validate/1": one JSON object per file and line:
    /// {"schema", "file", "errors", "warnings", "findings": [{severity, rule, path, tag, message, reference, offset?}]}.
    public static let jsonSchema = "dicomtool.validate/1"

    public static func jsonLine(_ file: FileFindings) -> String {
        var obj: [String: Any] = ["schema": jsonSchema, "file": file.file,
                                  "errors": file.findings.count { $0.severity == .error },
                                  "warnings": file.findings.count { $0.severity == .warning }]
        obj["findings"] = file.findings.map { f -> [String: Any] in
            var d: [String: Any] = ["severity": f.severity.rawValue, "rule": f.rule, "path": f.path, "tag": f.tag,
                                    "message": f.message, "reference": f.reference]
            if let o = f.offset { d["offset"] = o }
            return d
        }
        return jsonString(obj)
    }

    /// Compact JSON with sorted keys and unescaped slashes, written as Foundation's
    /// `JSONSerialization` (options `.sortedKeys, .withoutEscapingSlashes`) writes it, which is not
    /// in FoundationEssentials. Values are the strings, integers, dictionaries and arrays built
    /// above; anything else makes the document "{}", as a serialisation failure did.
    static func jsonString(_ obj: Any) -> String {
        var out = ""
        return appendJSON(obj, to: &out) ? out : "{}"
    }

    private static func appendJSON(_ value: Any, to out: inout String) -> Bool {
        switch value {
        case let string as String:
            appendJSONString(string, to: &out)
        case let bool as Bool:
            out += bool.description
        case let int as Int:
            out += int.description
        case let array as [Any]:
            out += "["
            for (i, element) in array.enumerated() {
                if i > 0 { out += "," }
                guard appendJSON(element, to: &out) else { return false }
            }
            out += "]"
        case let object as [String: Any]:
            // JSONSerialization orders keys case-insensitively (and digit runs numerically; no key
            // here has digits).
            let keys = object.keys.sorted { a, b in
                let (la, lb) = (a.lowercased(), b.lowercased())
                return la != lb ? la < lb : a < b
            }
            out += "{"
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                appendJSONString(key, to: &out)
                out += ":"
                guard let element = object[key], appendJSON(element, to: &out) else { return false }
            }
            out += "}"
        default:
            return false
        }
        return true
    }

    /// Strings through the one JSON escaper every dicomtool output uses.
    private static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        out += TextEscaping.json(s)
        out += "\""
    }

    static func xmlEscape(_ s: String) -> String { TextEscaping.xml(s) }

    /// JUnit XML (the Jenkins/Ant schema): one testsuite, one testcase per file, one <failure> per
    /// error (warnings go to <system-out> so that they are visible without failing the case).
    /// An input that could not be read is a test case with an <error> (not a <failure>); one the
    /// run never reached (--fail-fast, SIGINT) has <skipped/>.
    public static func junit(_ files: [FileFindings]) -> String {
        let errors = files.count { $0.unreadable }
        let failures = files.count { !$0.unreadable && $0.findings.contains { $0.severity == .error } }
        let skipped = files.count { $0.skipped }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"dicomtool validate\" tests=\"\(files.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        out += "  <testsuite name=\"dicomtool validate\" tests=\"\(files.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\">\n"
        for file in files {
            out += "    <testcase classname=\"dicomtool.validate\" name=\"\(xmlEscape(file.file))\">\n"
            if file.skipped {
                out += "      <skipped message=\"not validated: the run stopped before this input (--fail-fast or interrupted)\"/>\n"
            }
            let element = file.unreadable ? "error" : "failure"
            for f in file.findings where f.severity == .error {
                let location = f.path.isEmpty ? "" : f.path + ": "
                out += "      <\(element) type=\"\(xmlEscape(f.rule))\" message=\"\(xmlEscape(location + f.message))\">"
                let head = f.tag.isEmpty ? f.rule : "\(f.rule) \(f.tag)"
                out += xmlEscape("\(head) \(location)\(f.message) (\(f.reference))") + "</\(element)>\n"
            }
            let others = file.findings.filter { $0.severity != .error }
            if !others.isEmpty {
                out += "      <system-out>"
                out += xmlEscape(others.map { "\($0.severity.rawValue) \($0.rule) \($0.path): \($0.message) (\($0.reference))" }
                    .joined(separator: "\n"))
                out += "</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// SARIF 2.1.0: one run, the rules seen as reportingDescriptors, every input as an artifact,
    /// one result per finding with the file as artifact location and the tag path as a logical
    /// location (an input that could not be read: one error result, rule `input.*`).
    public static func sarif(_ files: [FileFindings], toolVersion: String) -> String {
        var ruleIDs: [String] = []
        var ruleRefs: [String: String] = [:]
        for file in files {
            for f in file.findings where ruleRefs[f.rule] == nil {
                ruleIDs.append(f.rule); ruleRefs[f.rule] = f.reference
            }
        }
        let rules: [[String: Any]] = ruleIDs.map { id in
            ["id": id, "shortDescription": ["text": id], "help": ["text": "Enforces " + (ruleRefs[id] ?? "")]]
        }
        var results: [[String: Any]] = []
        for file in files {
            for f in file.findings {
                var location: [String: Any] = ["physicalLocation": ["artifactLocation": ["uri": sarifURI(file.file)]]]
                if let o = f.offset {
                    location["physicalLocation"] = ["artifactLocation": ["uri": sarifURI(file.file)],
                                                    "region": ["byteOffset": o]]
                }
                if !f.path.isEmpty {
                    location["logicalLocations"] = [["fullyQualifiedName": f.path, "name": f.tag.isEmpty ? f.path : f.tag,
                                                     "kind": "member"]]
                }
                let level = f.severity == .error ? "error" : f.severity == .warning ? "warning" : "note"
                results.append(["ruleId": f.rule, "level": level,
                                "message": ["text": "\(f.message) (\(f.reference))"],
                                "locations": [location]])
            }
        }
        // Every input is an artifact of the run, those without findings too.
        let artifacts: [[String: Any]] = files.map { ["location": ["uri": sarifURI($0.file)]] }
        let doc: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [[
                "tool": ["driver": ["name": "dicomtool", "version": toolVersion,
                                    "informationUri": "https://www.dicomstandard.org/current", "rules": rules]],
                "artifacts": artifacts,
                "results": results,
            ]],
        ]
        return jsonString(doc) + "\n"
    }

    /// A relative URI reference for a path (SARIF artifactLocation.uri).
    static func sarifURI(_ path: String) -> String {
        TextEscaping.uriPath(path, keepingColon: false)
    }
}
