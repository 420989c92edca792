import DicomCore
import DicomEdit
import DicomIO
import FoundationEssentials

/// `dicomtool modify`: the edits of DicomEdit (`Modifier`) applied to each input, written in place
/// (`InstanceOutput.replace`, the one writer allowed over an input) or into -o as the other
/// writing commands do; --plan and JSON Lines show the changes.
public enum ModifyCommand {
    struct Result: Sendable {
        var output: String?
        var changes: [ModifyChange]
        var warnings: [String]
        /// False when nothing was written: --plan, or no change to write in place.
        var written: Bool
    }

    public static func run(_ args: ModifyArgs, global given: GlobalArgs) -> ExitStatus {
        // Backups (FILE.bak) are never walked into: a second run over a tree would otherwise
        // modify the first run's backups. Files named explicitly are still inputs.
        var global = given
        global.exclude.append("*.bak")
        let reporter = global.reporter(command: "modify")
        let modifier: Modifier
        let run: WritingRun
        do {
            modifier = Modifier(options: try makeOptions(args))
            run = try WritingRun("modify", args.write, global: global)
        } catch {
            return failure(error, reporter)
        }
        let outputs = run.outputs
        return runOverInputs(command: "modify", global: global, reporter: reporter, smallResults: true, outputs: outputs,
                             work: { item throws(DicomError) -> Result in
            try modify(item, with: modifier, args: args, run: run)
        }, emit: { item, result, reporter in
            for w in result.warnings { reporter.warning(w, input: item.displayName) }
            if global.format == .json {
                StandardOutput.write(ReporterJSON.item(command: "modify", input: item, fields: jsonFields(result)) + "\n")
            } else if args.write.plan {
                StandardOutput.write(planText(item.displayName, result.changes))
            }
        })
    }

    /// One input's work: read, edit (`Modifier`), then write in place (`InstanceOutput.replace`,
    /// only when something changed), into -o through `run`, or nothing with --plan.
    static func modify(_ item: InputItem, with modifier: Modifier, args: ModifyArgs, run: WritingRun) throws(DicomError) -> Result {
        let file = try run.read(item)
        let modified = try modifier.modify(file)
        if args.write.plan {
            return Result(output: nil, changes: modified.changes, warnings: modified.warnings, written: false)
        }
        if args.write.output == nil {
            guard let path = item.path, path != "-" else {
                throw DicomError(.usage, "standard input cannot be modified in place: give -o")
            }
            // Nothing changed: the file is left as it is, not rewritten.
            guard !modified.changes.isEmpty else {
                return Result(output: nil, changes: [], warnings: modified.warnings, written: false)
            }
            try InstanceOutput.replace(path, backup: args.backup ? path + ".bak" : nil, sync: args.write.sync) {
                (sink: inout AtomicOutput) throws(DicomError) in
                try modified.write(to: &sink)
            }
            return Result(output: path, changes: modified.changes, warnings: modified.warnings, written: true)
        }
        guard let destination = run.outputs.destination(for: item) else {
            return Result(output: nil, changes: modified.changes, warnings: modified.warnings, written: false)
        }
        try run.write(item, to: destination, recording: (modified.dataset, modified.syntax)) {
            (sink: inout AtomicOutput) throws(DicomError) in
            try modified.write(to: &sink)
        }
        return Result(output: destination, changes: modified.changes, warnings: modified.warnings, written: true)
    }

    /// The text of --plan for one input: its changes, one a line.
    static func planText(_ input: String, _ changes: [ModifyChange]) -> String {
        var text = "\(ValueText.escaped(input)): \(changes.count) change\(changes.count == 1 ? "" : "s")\n"
        for c in changes {
            text += "  \(c.action) \(c.path)"
            if !c.keyword.isEmpty { text += " \(c.keyword)" }
            if let o = c.oldValue { text += ": " + ValueText.escaped(o) }
            if let n = c.newValue { text += (c.oldValue == nil ? ": " : " -> ") + ValueText.escaped(n) }
            text += "\n"
        }
        return text
    }

    /// The JSON Lines fields of one input's record.
    static func jsonFields(_ result: Result) -> [(String, ReporterJSON.Value)] {
        var fields: [(String, ReporterJSON.Value)] = [("written", .bool(result.written))]
        if let o = result.output { fields.append(("output", .string(o))) }
        fields.append(("changes", .array(result.changes.map { c in
            var change: [(String, ReporterJSON.Value)] = [("action", .string(c.action)), ("path", .string(c.path)),
                                                          ("keyword", .string(c.keyword))]
            change.append(("old", c.oldValue.map(ReporterJSON.Value.string) ?? .null))
            change.append(("new", c.newValue.map(ReporterJSON.Value.string) ?? .null))
            return .object(change)
        })))
        return fields
    }

    /// The options of the run: the args' with the secret and the value files read, checked again
    /// as a whole (the args checked them as typed).
    static func makeOptions(_ args: ModifyArgs) throws(DicomError) -> ModifyOptions {
        var options = try args.options.loadingFiles()
        if let path = args.secretFile {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw DicomError(.cannotRead, "cannot read the secret, or it is empty", file: path)
            }
            options.secret = [UInt8](data)
        }
        return options
    }
}
