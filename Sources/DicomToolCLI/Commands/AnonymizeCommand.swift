import DicomCore
import DicomIO
import DicomAnonymize
import FoundationEssentials

/// `dicomtool anonymize`: the PS3.15 Basic Profile and its options, keyed and shard-safe, each
/// output scanned for the original's identifiers before it is kept.
public enum AnonymizeCommand {
    struct Result: Sendable {
        var output: String?
        var report: AnonymizeReport
        var residuals: [String]
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
            if isDirectory, args.layout == .uid, !outputs.isSingleTarget {
                throw DicomError(.unsupported, "--layout uid gives the files new names, which the DICOMDIR's records would not "
                                 + "follow (rebuilding a DICOMDIR is not supported yet): use the mirrored layout")
            }
            // The original's identifying values, found once: the anonymizer cleans text of them and
            // the self-check searches for them.
            let identifying = IdentityScanner.identifyingValues(in: file.dataset, anonymizer: anonymizer)
            let (meta, dataset, report) = try anonymizer.anonymize(file, identifyingValues: identifying)
            // The self-check runs on what will be written (meta and data set), through the same
            // function as `--check`; a hit fails the file and nothing is kept.
            let residuals = IdentityScanner.residuals(original: file.dataset, anonymizedMeta: meta, anonymized: dataset,
                                                      anonymizer: anonymizer, identifying: identifying)
            if !residuals.isEmpty {
                // File IDs are kept so that a DICOMDIR's records name the mirrored files: when they
                // hold an identifier, so do the tree's own names.
                let hint = residuals.contains { $0.contains("(0004,1500)") }
                    ? " (the DICOMDIR's file IDs, and so the tree's folder and file names, hold identifying values: "
                      + "rename the tree first, or accept them with --keep ReferencedFileID)" : ""
                throw DicomError(.nonconformant, "identifying values remain after de-identification: "
                                 + residuals.prefix(3).joined(separator: ", ") + (residuals.count > 3 ? ", ..." : "")
                                 + "; nothing written" + hint, file: item.displayName)
            }
            if isDirectory {
                // The Basic Directory IOD has no Patient module (PS3.3 F.3): the de-identification
                // attributes belong in the instances, not in the DICOMDIR's top level.
                var directory = dataset
                for tag in [Tag.patientIdentityRemoved, Tag.deidentificationMethod, Tag.deidentificationMethodCodeSequence] { directory.remove(tag) }
                let d = try run.rewriteDirectory(file, item, meta: meta, dataset: directory)
                return Result(output: run.destination(for: item), report: report, residuals: [], directory: d)
            }
            guard !args.write.plan, let root = outputs.root else { return Result(output: nil, report: report, residuals: []) }
            let destination: String
            if outputs.isSingleTarget {
                destination = root
            } else if args.layout == .uid {
                destination = uidLayoutPath(root: root, dataset)
            } else {
                destination = outputs.destination(for: item) ?? root
            }
            try run.write(item, to: destination, syntax: report.outputSyntax ?? file.transferSyntax, meta: meta, dataset: dataset)
            return Result(output: destination, report: report, residuals: [])
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
            var options = options
            options.enable(AnonymizeOptions.declaredOptions(in: b.dataset))
            let residuals = IdentityScanner.residuals(original: a.dataset, anonymizedMeta: b.meta, anonymized: b.dataset,
                                                      anonymizer: Anonymizer(options: options))
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

    /// `--layout uid`: ROOT/Patient/Study/Series/SOPInstance.dcm from the written values. The patient
    /// level is the written Patient ID: the patient's keyed pseudonym (the same as in the file and in
    /// --map-out), or what --keep or --set made it. An empty one (no ID and no name in the original)
    /// is "unknown".
    static func uidLayoutPath(root: String, _ dataset: Dataset) -> String {
        let parts = [dataset.string(Tag.patientID) ?? "", dataset.string(Tag.studyInstanceUID) ?? "",
                     dataset.string(Tag.seriesInstanceUID) ?? ""].map { safeComponent($0) }
        return ([root] + parts + [safeComponent(dataset.string(Tag.sopInstanceUID) ?? "") + ".dcm"]).joined(separator: "/")
    }

    /// A UID or ID as one path component: no separators, never empty.
    private static func safeComponent(_ s: String) -> String {
        let cleaned = String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
        return cleaned.isEmpty ? "unknown" : cleaned
    }
}
