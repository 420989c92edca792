import DicomCodecs
import DicomCore
import DicomIO
import DicomPixels
import FoundationEssentials

/// `dicomtool transcode`: any image to any transfer syntax that can hold it, file to file,
/// directory to mirrored directory, or `-` to `-`.
public enum TranscodeCommand {
    struct Result: Sendable {
        var output: String?
        /// What was done to an instance; nil for a DICOMDIR, which `directory` describes.
        var report: TranscodeReport?
        var warnings: [ReadWarning]
        var directory: DirectoryOutcome?
    }

    public static func run(_ args: TranscodeArgs, global: GlobalArgs) -> ExitStatus {
        let options = args.options
        let outputs: OutputPlan
        do { outputs = try OutputPlan(output: args.write.output, global: global) } catch { return usageFailure("transcode", error) }
        let json = global.format == .json
        let written = WrittenFiles()
        return runOverInputs(command: "transcode", global: global, smallResults: true, outputs: outputs, followsFiles: true,
                             work: { item throws(DicomError) -> Result in
            let destination = outputs.destination(for: item)
            return try transcode(item, options: options, plan: args.write.plan, destination: destination, sync: args.write.sync,
                                 written: written)
        }, emit: { item, result, reporter in
            for w in result.warnings { reporter.warning(w.asError, input: item.displayName) }
            if let d = result.directory {
                return emitDirectory("transcode", item, d, json: json, plan: args.write.plan, reporter: reporter)
            }
            guard let r = result.report else { return }
            if json {
                var fields: [(String, ReporterJSON.Value)] = [
                    ("source", .string(r.source.uid)), ("target", .string(r.target.uid)),
                    ("frames", .int(r.frames)), ("lossy", .bool(r.lossy)),
                    ("changes", .array(r.changes.map { .string($0) })),
                ]
                if let o = result.output { fields.append(("output", .string(o))) }
                if let ratio = r.ratio { fields.append(("ratio", .double(ratio))) }
                if let m = r.maxError { fields.append(("maxError", .int(m))) }
                if let p = r.psnr, p.isFinite { fields.append(("psnr", .double(p))) }
                StandardOutput.write(ReporterJSON.item(command: "transcode", input: item, fields: fields) + "\n")
            } else if args.write.plan {
                var text = "\(ValueText.escaped(item.displayName)): \(r.source.name) -> \(r.target.name)"
                text += r.pixelsReencoded ? ", \(r.frames) frame\(r.frames == 1 ? "" : "s") re-encoded" : ", pixels copied"
                if r.lossy { text += ", LOSSY" + (r.ratio.map { " (ratio \(LossyBookkeeping.formatDS($0)):1)" } ?? "") }
                text += "\n" + r.changes.map { "  " + ValueText.escaped($0) + "\n" }.joined()
                StandardOutput.write(text)
            } else if options.verify, !global.quiet {
                var text = "\(ValueText.escaped(item.displayName)): verified"
                if r.lossy {
                    text += ", max error \(r.maxError ?? 0), RMSE \(NumberText.fixed(r.rmse ?? 0, digits: 3)), PSNR \(NumberText.fixed(r.psnr ?? 0, digits: 2)) dB"
                } else {
                    text += ", bit-exact"
                }
                StandardError.write(text + "\n")
            }
        })
    }

    static func transcode(_ item: InputItem, options: TranscodeOptions, plan: Bool, destination: String?,
                          sync: Bool, written: WrittenFiles) throws(DicomError) -> Result {
        let file = try Part10Reader.read(path: item.path ?? "-")
        var warnings = file.warnings
        if BasicDirectory.isBasicDirectory(file) {
            // A DICOMDIR is never in the target syntax (PS3.10 8.6 wants Explicit VR Little Endian):
            // it is rewritten to follow the files it names.
            let d = try DirectoryFollowing.rewrite(file, input: item, written: written, destination: plan ? nil : destination, sync: sync)
            return Result(output: plan ? nil : destination, report: nil, warnings: warnings, directory: d)
        }
        var options = options
        // A file output can be patched, so lossless multi-frame Pixel Data is streamed frame by frame.
        options.streamToFile = !plan && destination != nil && destination != "-"
        let out = try Transcoder(options).transcode(file)
        if let module = try? PixelModule(file.dataset, syntax: file.transferSyntax) { warnings += module.warnings }
        guard !plan, let destination else { return Result(output: nil, report: out.report, warnings: warnings) }
        let report = try InstanceOutput.write(to: destination, from: item.path.map { [$0] } ?? [], sync: sync) {
            (sink: inout AtomicOutput) throws(DicomError) -> TranscodeReport in
            try DatasetWriter(syntax: options.target, streamed: out.streamed)
                .writeFile(meta: out.meta, dataset: out.dataset, preamble: file.preamble, to: &sink)
            // Streamed totals (ratio, --verify results) are complete once every frame is written;
            // a --min-psnr failure still discards the output.
            return try out.totals?.complete(out.report) ?? out.report
        }
        written.record(input: item.path, dataset: out.dataset, syntax: options.target)
        return Result(output: destination, report: report, warnings: warnings)
    }
}
