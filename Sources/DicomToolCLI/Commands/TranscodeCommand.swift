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
        let reporter = global.reporter(command: "transcode")
        let run: WritingRun
        do { run = try WritingRun("transcode", args.write, global: global) } catch { return failure(error, reporter) }
        let options = args.options
        let json = global.format == .json
        return runOverInputs(command: "transcode", global: global, reporter: reporter, smallResults: true, outputs: run.outputs,
                             followsFiles: true, work: { item throws(DicomError) -> Result in
            try transcode(item, options: options, run: run)
        }, emit: { item, result, reporter in
            for w in result.warnings { reporter.warning(w.asError, input: item.displayName) }
            if let d = result.directory { return run.emitDirectory(item, d, json: json, reporter: reporter) }
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
                reporter.message(text)
            }
        })
    }

    static func transcode(_ item: InputItem, options: TranscodeOptions, run: WritingRun) throws(DicomError) -> Result {
        let file = try run.read(item)
        var warnings = file.warnings
        if BasicDirectory.isBasicDirectory(file) {
            // A DICOMDIR is never in the target syntax (PS3.10 8.6 wants Explicit VR Little Endian):
            // it is rewritten to follow the files it names.
            let d = try run.rewriteDirectory(file, item)
            return Result(output: run.destination(for: item), report: nil, warnings: warnings, directory: d)
        }
        let destination = run.destination(for: item)
        var options = options
        // A file output can be patched, so lossless multi-frame Pixel Data is streamed frame by frame.
        options.streamToFile = destination != nil && destination != "-"
        let out = try Transcoder(options).transcode(file)
        warnings += out.pixelWarnings
        guard let destination else { return Result(output: nil, report: out.report, warnings: warnings) }
        // The report is complete once every frame is written (ratio, --verify results); a
        // --min-psnr failure still discards the output.
        let report = try run.write(item, to: destination, recording: (out.dataset, options.target)) {
            (sink: inout AtomicOutput) throws(DicomError) -> TranscodeReport in
            try out.write(to: &sink, preamble: file.preamble)
        }
        return Result(output: destination, report: report, warnings: warnings)
    }
}
