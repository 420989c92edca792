import DicomCore
import DicomIO
import DicomAnonymize
import FoundationEssentials

/// `dicomtool anonymize`: the PS3.15 Basic Profile and its options, keyed and shard-safe, each
/// output checked by the anonymizer (DicomAnonymize) for the original's identifiers before it is
/// written, and named by the output layout (`AnonymizeLayout`).
public enum AnonymizeCommand {
    struct Result: Sendable {
        var output: String?
        var report: AnonymizeReport
        var directory: DirectoryOutcome?
    }

    public static func run(_ args: AnonymizeArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "anonymize")
        let options: AnonymizeOptions
        do { options = try makeOptions(args) } catch { return failure(error, reporter) }
        if args.check { return check(global.inputs[0], global.inputs[1], options: options, reporter: reporter) }
        if args.secretFile == nil {
            reporter.warning("no --secret-file: a random secret is used, so UIDs and dates will not agree with any other run or shard")
        }
        let run: WritingRun
        do { run = try WritingRun("anonymize", args.write, global: global) } catch { return failure(error, reporter) }
        let outputs = run.outputs
        if let map = args.mapOut, let root = outputs.root, !outputs.isSingleTarget {
            let a = URL(fileURLWithPath: map).standardizedFileURL.path, b = URL(fileURLWithPath: root).standardizedFileURL.path + "/"
            if a.hasPrefix(b) {
                return failure(DicomError(.usage, "--map-out \(map) is inside the output tree; keep the audit apart from what leaves"),
                               reporter)
            }
        }
        // One anonymizer for the run: its keyed mapping (the HMAC key) is set up once.
        let anonymizer = Anonymizer(options: options)
        var audit: [String] = []
        var inputsRead: [String] = []  // for --map-out, which must not replace one of them either
        var status = runOverInputs(command: "anonymize", global: global, reporter: reporter, smallResults: true, outputs: outputs,
                                   followsFiles: true, work: { item throws(DicomError) -> Result in
            let file = try run.read(item)
            let isDirectory = BasicDirectory.isBasicDirectory(file)
            if isDirectory, !outputs.isSingleTarget { try args.layout.checkHoldsBasicDirectory() }
            // Anonymized and self-checked by the library: a file that still identifies the
            // patient fails here, and nothing is written.
            let anonymized = try anonymizer.anonymize(file)
            let report = anonymized.report
            if isDirectory {
                let d = try run.rewriteDirectory(file, item, meta: anonymized.meta, dataset: anonymized.dataset)
                return Result(output: run.destination(for: item), report: report, directory: d)
            }
            guard !args.write.plan, let root = outputs.root else { return Result(output: nil, report: report) }
            let destination = outputs.isSingleTarget
                ? root : args.layout.path(of: anonymized.dataset, under: root) ?? outputs.destination(for: item) ?? root
            try run.write(item, to: destination, syntax: report.outputSyntax ?? file.transferSyntax,
                          meta: anonymized.meta, dataset: anonymized.dataset)
            return Result(output: destination, report: report)
        }, emit: { item, result, reporter in
            for w in result.report.warnings { reporter.warning(w, input: item.displayName) }
            for w in result.directory?.warnings ?? [] { reporter.warning(w, input: item.displayName) }
            if args.mapOut != nil {
                audit += result.report.auditLines
                if let path = item.path { inputsRead.append(path) }
            }
            if global.format == .json {
                var fields: [(String, ReporterJSON.Value)] = [("changes", .int(result.report.changes.count))]
                if let o = result.output { fields.append(("output", .string(o))) }
                fields.append(("actions", .object(result.report.counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })))
                StandardOutput.write(ReporterJSON.item(command: "anonymize", input: item, fields: fields) + "\n")
            } else if args.write.plan {
                var text = "\(ValueText.escaped(item.displayName)): \(result.report.changes.count) changes\n"
                for c in result.report.changes {
                    text += "  \(c.action) \(c.path) \(c.keyword)"
                    if let o = c.oldValue { text += ": " + ValueText.escaped(o) }
                    if let n = c.newValue { text += " -> " + ValueText.escaped(n) }
                    text += "\n"
                }
                StandardOutput.write(text)
            }
        })
        if let map = args.mapOut, !args.write.plan {
            do {
                let text = (["kind\toriginal\tnew"] + Array(Set(audit)).sorted()).joined(separator: "\n") + "\n"
                try InstanceOutput.write(to: map, from: inputsRead) { (sink: inout AtomicOutput) throws(DicomError) in
                    try sink.write(Array(text.utf8))
                }
            } catch {
                reporter.error(error)
                if status == .ok { status = .cannotWriteOutput }
            }
        }
        return status
    }

    /// The options of the run: the args' with the secret read from --secret-file (or made at random)
    /// and the --set values checked against their attributes' VR and VM before any file is read.
    static func makeOptions(_ args: AnonymizeArgs) throws(DicomError) -> AnonymizeOptions {
        var options = args.options
        options.secret = AnonymizeOptions.randomSecret()
        if let path = args.secretFile {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw DicomError(.cannotRead, "cannot read the secret, or it is empty", file: path)
            }
            options.secret = [UInt8](data)
        }
        try SetValues.check(options.set)
        return options
    }

    /// `--check ORIGINAL ANONYMIZED`: the self-check alone, the same function as before each
    /// write, with the options given plus those the anonymized file declares in its
    /// De-identification Method Code Sequence (0012,0064), so a file made with, e.g.,
    /// --retain-device-identity is checked as that run checked it.
    static func check(_ original: String, _ anonymized: String, options: AnonymizeOptions, reporter: Reporter) -> ExitStatus {
        do {
            let a = try Part10Reader.read(path: original), b = try Part10Reader.read(path: anonymized)
            let residuals = IdentityScanner.residuals(of: b, from: a, options: options)
            for r in residuals { StandardOutput.write("\(ValueText.escaped(anonymized)): residual: \(ValueText.escaped(r))\n") }
            if residuals.isEmpty {
                reporter.note("no identifying value of \(original) found", input: anonymized)
                return .ok
            }
            return failure(DicomError(.nonconformant, "\(residuals.count) identifying value(s) of \(original) found", file: anonymized),
                           reporter)
        } catch {
            return failure(error, reporter)
        }
    }

}
