import DicomCore
import DicomIO
import DicomPixels
import FoundationEssentials

/// `dicomtool derive`: new instances made from an image's pixels (frames, crop, resampling,
/// window, lossy copy) that say what they are and where they come from.
public enum DeriveCommand {
    struct Result: Sendable {
        var outputs: [(path: String?, report: DeriveReport)]
        var warnings: [ReadWarning]
        var directory: DirectoryOutcome?
    }

    public static func run(_ args: DeriveArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "derive")
        let run: WritingRun
        do { run = try WritingRun("derive", args.write, global: global) } catch { return failure(error, reporter) }
        let options = args.options
        let json = global.format == .json
        return runOverInputs(command: "derive", global: global, reporter: reporter, smallResults: true, outputs: run.outputs,
                             followsFiles: true, work: { item throws(DicomError) -> Result in
            try derive(item, options: options, run: run)
        }, emit: { item, result, reporter in
            for w in result.warnings { reporter.warning(w.asError, input: item.displayName) }
            if let d = result.directory { return run.emitDirectory(item, d, json: json, reporter: reporter) }
            for (path, r) in result.outputs {
                if json {
                    var fields: [(String, ReporterJSON.Value)] = [
                        ("syntax", .string(r.syntax.uid)), ("lossy", .bool(r.lossy)),
                        ("operations", .array(r.operations.map { .string($0) })),
                        ("changes", .array(r.changes.map { .string($0) })),
                    ]
                    if let path { fields.append(("output", .string(path))) }
                    if let frames = r.frames { fields.append(("frames", .array(frames.map { .int($0) }))) }
                    if let ratio = r.ratio { fields.append(("ratio", .double(ratio))) }
                    StandardOutput.write(ReporterJSON.item(command: "derive", input: item, fields: fields) + "\n")
                } else if args.write.plan {
                    var text = "\(ValueText.escaped(item.displayName)): derive -> \(r.syntax.name)"
                    if let frames = r.frames { text += ", frame\(frames.count == 1 ? "" : "s") \(frames.map(String.init).joined(separator: ","))" }
                    if r.lossy { text += ", LOSSY" + (r.ratio.map { " (ratio \(LossyBookkeeping.formatDS($0)):1)" } ?? "") }
                    text += "\n" + r.operations.map { "  do: " + ValueText.escaped($0) + "\n" }.joined()
                    text += r.changes.map { "  " + ValueText.escaped($0) + "\n" }.joined()
                    StandardOutput.write(text)
                }
            }
        })
    }

    static func derive(_ item: InputItem, options: DeriveOptions, run: WritingRun) throws(DicomError) -> Result {
        let file = try run.read(item)
        var warnings = file.warnings
        if BasicDirectory.isBasicDirectory(file) {
            return Result(outputs: [], warnings: warnings, directory: try run.rewriteDirectory(file, item))
        }
        let derivation = try Deriver(options).derivation(of: file)
        warnings += derivation.pixelWarnings
        let outputs = derivation.outputs
        guard let destination = run.destination(for: item) else {
            return Result(outputs: outputs.map { (nil, $0.report) }, warnings: warnings)
        }
        var written: [(path: String?, report: DeriveReport)] = []
        for out in outputs {
            let path = out.frameNumber.map { framePath(destination, $0) } ?? destination
            // A DICOMDIR follows an output that keeps its input's name (not the frames of --split-frames).
            try run.write(item, to: path, recording: out.frameNumber == nil ? (out.dataset, out.syntax) : nil) {
                (sink: inout AtomicOutput) throws(DicomError) in
                try out.write(to: &sink, preamble: file.preamble)
            }
            written.append((path, out.report))
        }
        return Result(outputs: written, warnings: warnings)
    }

    /// `out.dcm` and frame 3 give `out_f0003.dcm`; a name without extension gets the suffix at its end.
    static func framePath(_ path: String, _ frame: Int) -> String {
        let suffix = "_f" + NumberText.decimal(frame, width: 4)
        let (directory, name) = PathText.split(path)
        let (base, ext) = PathText.splitExtension(name)
        let file = (ext.isEmpty ? name : base) + suffix + (ext.isEmpty ? "" : "." + ext)
        return directory.isEmpty ? file : PathText.appending(directory, file)
    }
}
