import DicomCore
import FoundationEssentials

/// The JSON Lines records of `--format json`, schema `dicomtool/1`: one object per line, keys in
/// a fixed order, every record carrying `type`, `schema` and `command` so that the outputs of
/// shards can be concatenated and still be read.
///
/// - `{"type":"begin","schema":"dicomtool/1","command":"dump","inputs":N,"jobs":J,"shard":"I/N"|null}`
/// - `{"type":"item",...,"input":"scans/x.dcm","relativePath":"x.dcm","status":"ok"|"error","exit":N,
///    "error":{"code":...,"message":...,"offset":...,"tag":...,"cause":...,"text":...}}` plus the
///   command's own fields (`error` only when status is `error`)
/// - `{"type":"item",...,"input","relativePath","status":"skipped","exit":0,"reason":"not matching"}`: an
///   input left out by `--where` (its header did not match)
/// - `{"type":"end",...}` after the last item
/// - `{"type":"summary",...,"total","succeeded","failed","skipped","notDicom","notMatching","interrupted","exit","elapsed",
///    "firstFailure":{"input","exit","error"}|null}`, and `"withFindings"` for validate (inputs
///    read whose report has findings)
public enum ReporterJSON {
    public static let schema = "dicomtool/1"

    /// A JSON value with ordered object keys. `raw` is inserted verbatim and must be valid JSON
    /// (e.g. a dataset already rendered as PS3.18 JSON).
    public indirect enum Value: Sendable {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case null
        case array([Value])
        case object([(String, Value)])
        case raw(String)
    }

    public static func begin(command: String, inputs: Int, jobs: Int,
                             shard: (index: Int, count: Int)?) -> String {
        record("begin", command, [
            ("inputs", .int(inputs)),
            ("jobs", .int(jobs)),
            ("shard", shard.map { .string("\($0.index)/\($0.count)") } ?? .null),
        ])
    }

    /// One input's record. `fields` are the command's own (e.g. `"findings"`), appended last.
    public static func item(command: String, input: InputItem, error: DicomError? = nil,
                            fields: [(String, Value)] = []) -> String {
        var body: [(String, Value)] = [
            ("input", .string(input.displayName)),
            ("relativePath", .string(input.relativePath)),
            ("status", .string(error == nil ? "ok" : "error")),
            ("exit", .int(Int(widening: error?.code.exitStatus.rawValue ?? ExitStatus.ok.rawValue))),
        ]
        if let error { body.append(("error", errorValue(error))) }
        return record("item", command, body + fields)
    }

    /// The record of an input whose attributes do not match `--where` (left out, not a failure).
    public static func notMatching(command: String, input: InputItem) -> String {
        record("item", command, [
            ("input", .string(input.displayName)),
            ("relativePath", .string(input.relativePath)),
            ("status", .string("skipped")),
            ("exit", .int(Int(widening: ExitStatus.ok.rawValue))),
            ("reason", .string("not matching")),
        ])
    }

    public static func end(command: String) -> String {
        record("end", command, [])
    }

    public static func summary(command: String, _ summary: RunSummary) -> String {
        let first: Value = summary.firstFailure.map { failure in
            .object([
                ("input", failure.file.map(Value.string) ?? .null),
                ("exit", .int(Int(widening: failure.code.exitStatus.rawValue))),
                ("error", errorValue(failure)),
            ])
        } ?? .null
        var body: [(String, Value)] = [
            ("total", .int(summary.total)),
            ("succeeded", .int(summary.succeeded)),
            ("failed", .int(summary.failed)),
            ("skipped", .int(summary.skipped)),
            ("notDicom", .int(summary.notDicom)),
            ("notMatching", .int(summary.notMatching)),
            ("interrupted", .bool(summary.interrupted)),
            ("exit", .int(Int(widening: summary.exitStatus.rawValue))),
            ("elapsed", .double((summary.elapsed * 1000).rounded() / 1000)),
            ("firstFailure", first),
        ]
        if let flagged = summary.withFindings { body.append(("withFindings", .int(flagged))) }
        return record("summary", command, body)
    }

    /// `{"code","message","offset","tag","cause","text"}`; absent parts are null. `text` is the
    /// diagnostic's message (the error's description without the file).
    public static func errorValue(_ error: DicomError) -> Value {
        var withoutFile = error
        withoutFile.file = nil
        return .object([
            ("code", .string(error.code.rawValue)),
            ("message", .string(error.message)),
            ("offset", error.offset.map(Value.int) ?? .null),
            ("tag", error.tag.map { .string($0.description) } ?? .null),
            ("cause", error.cause.map(Value.string) ?? .null),
            ("text", .string(withoutFile.description)),
        ])
    }

    static func record(_ type: String, _ command: String, _ body: [(String, Value)]) -> String {
        render(.object([("type", .string(type)), ("schema", .string(schema)),
                        ("command", .string(command))] + body))
    }

    /// Compact JSON, one line (newlines in strings are escaped).
    public static func render(_ value: Value) -> String {
        var out = ""
        render(value, into: &out)
        return out
    }

    private static func render(_ value: Value, into out: inout String) {
        switch value {
        case .string(let text): quote(text, into: &out)
        case .int(let number): out += String(number)
        case .double(let number):
            if number.isFinite {
                out += number == number.rounded() && abs(number) < 1e15
                    ? String(Int64(number)) : "\(number)"  // conversion: a whole number below 1e15 (checked on the line above)
            } else {
                out += "null"
            }
        case .bool(let flag): out += flag ? "true" : "false"
        case .null: out += "null"
        case .raw(let json): out += json
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                render(element, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, member)) in members.enumerated() {
                if index > 0 { out += "," }
                quote(key, into: &out)
                out += ":"
                render(member, into: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ text: String, into out: inout String) {
        out += "\"" + TextEscaping.json(text) + "\""
    }
}
