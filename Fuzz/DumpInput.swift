// Shared by the dump-text, dump-json and dump-xml fuzz entries: one input through the per-file
// work of `dicomtool dump` (DumpCommand.render: read, pixel module warnings, --tag selection,
// the text, PS3.18 JSON or PS3.19 XML rendering) and the JSON Lines record that `--format json`
// makes of its result (as DumpCommand.run's emit does).
@testable import DicomToolCLI
import DicomCore
import DicomIO

struct DumpVariant {
    let args: DumpArgs
    let selectors: [TagSelector]
    /// The `# File:` heading of a run over several inputs (text mode).
    let headed: Bool

    /// `options` are the dump options of a command line; the input path is added.
    init(_ options: [String], headed: Bool = false) {
        args = CommandInput.parse(["dump"] + options + [CommandInput.inputPath], as: DumpArgs.self)
        selectors = args.tags.compactMap { try? TagSelector(parsing: $0) }
        self.headed = headed
    }
}

func fuzzDump(_ data: UnsafePointer<UInt8>, _ count: Int, _ variants: [DumpVariant]) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    let v = variants[CommandInput.variant(data, count, of: variants.count)]
    let item = CommandInput.item
    guard let rendered = try? DumpCommand.render(item, v.args, v.selectors, headed: v.headed) else { return 0 }
    for w in rendered.warnings { _ = w.asError.description }
    var fields: [(String, ReporterJSON.Value)] = [("transferSyntax", .string(rendered.syntax))]
    if !rendered.warnings.isEmpty {
        fields.append(("warnings", .array(rendered.warnings.map { .string($0.description) })))
    }
    let key = v.args.mode == .xml ? "xml" : (v.args.mode == .json ? "dataset" : "text")
    let body = rendered.text.hasSuffix("\n") && v.args.mode == .json ? String(rendered.text.dropLast()) : rendered.text
    fields.append((key, v.args.mode == .json ? .raw(body) : .string(body)))
    _ = ReporterJSON.item(command: "dump", input: item, fields: fields)
    return 0
}
