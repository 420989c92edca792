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
        let options = args.options
        let outputs: OutputPlan
        do { outputs = try OutputPlan(output: args.write.output, global: global) } catch { return usageFailure("derive", error) }
        let json = global.format == .json
        let written = WrittenFiles()
        return runOverInputs(command: "derive", global: global, smallResults: true, outputs: outputs, followsFiles: true,
                             work: { item throws(DicomError) -> Result in
            let destination = outputs.destination(for: item)
            return try derive(item, options: options, destination: destination, sync: args.write.sync, written: written)
        }, emit: { item, result, reporter in
            for w in result.warnings { reporter.warning(w.asError, input: item.displayName) }
            if let d = result.directory {
                return emitDirectory("derive", item, d, json: json, plan: args.write.plan, reporter: reporter)
            }
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

    static func derive(_ item: InputItem, options: DeriveOptions, destination: String?, sync: Bool,
                       written files: WrittenFiles) throws(DicomError) -> Result {
        let file = try Part10Reader.read(path: item.path ?? "-")
        var warnings = file.warnings
        if BasicDirectory.isBasicDirectory(file) {
            let d = try DirectoryFollowing.rewrite(file, input: item, written: files, destination: destination, sync: sync)
            return Result(outputs: [], warnings: warnings, directory: d)
        }
        if let module = try? PixelModule(file.dataset, syntax: file.transferSyntax) { warnings += module.warnings }
        let outputs = try Deriver(options).derive(file)
        guard let destination else { return Result(outputs: outputs.map { (nil, $0.report) }, warnings: warnings) }
        var written: [(path: String?, report: DeriveReport)] = []
        for out in outputs {
            let path = out.frameNumber.map { framePath(destination, $0) } ?? destination
            try InstanceOutput.write(to: path, from: item.path.map { [$0] } ?? [], sync: sync) { (sink: inout AtomicOutput) throws(DicomError) in
                try DatasetWriter(syntax: out.syntax).writeFile(meta: out.meta, dataset: out.dataset, preamble: file.preamble, to: &sink)
            }
            written.append((path, out.report))
            // A DICOMDIR follows an output that keeps its input's name (not the frames of --split-frames).
            if out.frameNumber == nil { files.record(input: item.path, dataset: out.dataset, syntax: out.syntax) }
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
