import DicomCore
import DicomIO
import DicomValidate
import FoundationEssentials

/// `dicomtool validate`: findings per file in input order, then cross-file findings; text, JSON
/// Lines, JUnit or SARIF, in which every input appears (one that could not be read as an error);
/// exit 83 when a finding reaches --fail-on, the input's status (20, 22) when one could not be read.
public enum ValidateCommand {
    public static func run(_ args: ValidateArgs, global: GlobalArgs) -> ExitStatus {
        let validator = Validator(options: args.options)
        let tracker = ConsistencyTracker()
        // junit and sarif are whole documents: collected, written at the end. text and json stream.
        var streamingFormat = global
        let documentFormat: FindingFormat? = global.format == .junit ? .junit : global.format == .sarif ? .sarif : nil
        if documentFormat != nil { streamingFormat.format = .text }
        let reporter = streamingFormat.reporter(command: "validate")
        let baseline: Baseline
        do {
            baseline = try args.baseline.map { (p: String) throws(DicomError) in try Baseline.load(path: p) } ?? Baseline()
        } catch {
            return failure(error, reporter)
        }
        // Every input in input order: the findings kept after the baseline and --ignore, or the
        // error of an input that could not be read (so JUnit, SARIF and JSON list every input).
        var collected: [FileFindings] = []
        var recorded: [FileFindings] = []
        var relativePaths: [String: String] = [:]
        var emitted: [InputItem: Int] = [:]
        let status = runOverInputs(command: "validate", global: streamingFormat, reporter: reporter, smallResults: true, work: { item throws(DicomError) -> FileFindings in
            let file = try Part10Reader.read(path: item.path ?? "-")
            tracker.add(file: item.displayName, dataset: file.dataset)
            return FileFindings(file: item.displayName, relativePath: item.relativePath, findings: validator.validate(file))
        }, emit: { item, findings, _ in
            emitted[item, default: 0] += 1
            recorded.append(findings)
            relativePaths[item.displayName] = item.relativePath
            let kept = Self.filter(baseline.filter(findings), ignore: args.options.ignoredRules)
            collected.append(kept)
            if global.format == .json {
                let line = FindingRenderer.jsonLine(kept)
                StandardOutput.write(ReporterJSON.item(command: "validate", input: item,
                                                       fields: [("validation", .raw(line))]) + "\n")
            } else if documentFormat == nil {
                write(kept, global.format)
            }
        }, failed: { item, error in
            // The text format has the diagnostic on stderr; the reports get an entry.
            emitted[item, default: 0] += 1
            let entry = FileFindings.unreadable(file: item.displayName, relativePath: item.relativePath, error: error)
            collected.append(entry)
            return [("validation", .raw(FindingRenderer.jsonLine(entry)))]
        }, beforeFinish: { items, summary in
            // Inputs never emitted were not validated (--fail-fast or SIGINT): in the reports as skipped.
            for item in items {
                if let n = emitted[item], n > 0 { emitted[item] = n - 1; continue }
                collected.append(FileFindings(file: item.displayName, relativePath: item.relativePath, findings: [], skipped: true))
            }
            for var cross in tracker.finishByFile() {
                // Only inputs whose results were emitted (a worker may have run ahead of --fail-fast).
                guard let relative = relativePaths[cross.file] else { continue }
                cross.relativePath = relative
                recorded.append(cross)
                let kept = Self.filter(baseline.filter(cross), ignore: args.options.ignoredRules)
                guard !kept.findings.isEmpty else { continue }
                // Cross-file findings join their file's entry, so JUnit keeps one test case per file.
                if let i = collected.firstIndex(where: { $0.file == kept.file && !$0.unreadable && !$0.skipped }) {
                    collected[i].findings += kept.findings
                } else {
                    collected.append(kept)
                }
                if documentFormat == nil { write(kept, global.format) }
            }
            summary.withFindings = collected.count { !$0.unreadable && !$0.findings.isEmpty }
        })
        if let format = documentFormat {
            StandardOutput.write(format.render(collected, toolVersion: DicomTool.version))
        }
        if let path = args.writeBaseline {
            do {
                try Baseline(recording: recorded).save(path: path)
            } catch {
                reporter.error(error)
                return .cannotWriteOutput
            }
        }
        if status != .ok { return status }
        return ValidationOutcome.exitStatus(for: collected, failOn: args.failOn)
    }

    private static func filter(_ f: FileFindings, ignore: Set<String>) -> FileFindings {
        guard !ignore.isEmpty else { return f }
        var kept = f
        kept.findings = f.findings.filter { finding in
            !ignore.contains { $0.hasSuffix(".") ? finding.rule.hasPrefix($0) : finding.rule == $0 }
        }
        return kept
    }

    private static func write(_ f: FileFindings, _ format: OutputFormat) {
        if format == .json {
            StandardOutput.write(FindingRenderer.jsonLine(f) + "\n")
        } else if !f.findings.isEmpty {
            StandardOutput.write(FindingRenderer.text(f))
        }
    }
}
