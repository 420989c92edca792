import DicomCore
import DicomIO
import DicomRender

/// `dicomtool render`: pictures (PNG, JPEG) of images, one file at a time through DicomRender,
/// each written through AtomicOutput (a temporary file renamed into place; a PNG is not an
/// instance, so not InstanceOutput, but never over an input either).
public enum RenderCommand {
    struct Written: Sendable {
        var path: String
        var frame: Int?
        var columns: Int
        var rows: Int
        var voi: GreyPipeline.ResolvedVOI?
    }

    struct Result: Sendable {
        var written: [Written]
        var summary: RenderSummary
    }

    public static func run(_ args: RenderArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "render")
        let plan: OutputPlan
        do { plan = try OutputPlan(output: args.write.output, global: global) } catch { return failure(error, reporter) }
        let options = args.options, sync = args.write.sync
        let json = global.format == .json
        return runOverInputs(command: "render", global: global, reporter: reporter, smallResults: true, outputs: plan,
                             work: { item throws(DicomError) -> Result in
            try render(item, options: options, plan: plan, sync: sync)
        }, emit: { item, result, reporter in
            for w in result.summary.warnings { reporter.warning(w.asError, input: item.displayName) }
            guard json else { return }
            let s = result.summary
            let pictures: [ReporterJSON.Value] = result.written.map { w in
                var fields: [(String, ReporterJSON.Value)] = [("output", .string(w.path)), ("columns", .int(w.columns)), ("rows", .int(w.rows))]
                if let f = w.frame { fields.append(("frame", .int(f))) }
                if let voi = w.voi { fields.append(("voi", describe(voi))) }
                return .object(fields)
            }
            StandardOutput.write(ReporterJSON.item(command: "render", input: item, fields: [
                ("photometric", .string(s.photometric)), ("frames", .int(s.frameCount)),
                ("pictures", .array(pictures)),
            ]) + "\n")
        })
    }

    static func describe(_ voi: GreyPipeline.ResolvedVOI) -> ReporterJSON.Value {
        switch voi {
        case .window(let c, let w, let f):
            return .object([("function", .string(f.rawValue)), ("center", .double(c)), ("width", .double(w))])
        case .lut(let lut):
            return .object([("function", .string("LUT")), ("entries", .int(lut.entries.count)), ("firstMapped", .int(lut.firstMapped)),
                            ("bits", .int(lut.bits))])
        case .range(let lo, let hi):
            return .object([("function", .string("RANGE")), ("low", .double(lo)), ("high", .double(hi))])
        }
    }

    static func render(_ item: InputItem, options: RenderOptions, plan: OutputPlan, sync: Bool) throws(DicomError) -> Result {
        let file = try Part10Reader.read(path: item.path ?? "-")
        guard let destination = plan.destination(for: item) else {
            throw DicomError(.internalError, "render has no output")
        }
        let base = plan.isSingleTarget ? destination : picturePath(destination, options.format)
        var written: [Written] = []
        let several: Bool
        switch options.frames {
        case .all: several = true
        case .list(let l): several = l.count > 1
        case .one, .montage: several = false
        }
        let summary = try Renderer.render(file, options: options) { (picture: Picture) throws(DicomError) in
            let path = several ? DeriveCommand.framePath(base, picture.frame ?? 0) : base
            let bytes = try PictureEncoding.encode(picture.image, as: options.format, quality: options.quality)
            try write(bytes, to: path, input: item.path, sync: sync)
            written.append(Written(path: path, frame: picture.frame, columns: picture.image.columns, rows: picture.image.rows,
                                   voi: picture.voi))
        }
        return Result(written: written, summary: summary)
    }

    /// `scan.dcm` -> `scan.png`; a name whose extension is not a DICOM one keeps it (`1.2.840.5` ->
    /// `1.2.840.5.png`), so names that differ only there stay apart.
    static func picturePath(_ path: String, _ format: RenderOptions.Format) -> String {
        let (directory, name) = PathText.split(path)
        let (base, ext) = PathText.splitExtension(name)
        let stem = ["dcm", "dicom", "dic", "ima"].contains(ext.lowercased()) ? base : name
        let file = stem + "." + format.fileExtension
        return directory.isEmpty ? file : PathText.appending(directory, file)
    }

    /// One picture, through a temporary file renamed into place; never over the input.
    static func write(_ bytes: [UInt8], to path: String, input: String?, sync: Bool) throws(DicomError) {
        if path != "-", let input, let target = FileIdentity(path), FileIdentity(input) == target {
            throw DicomError(.cannotWrite, "output would replace the input \(input); inputs are never modified", file: path)
        }
        let sink = try AtomicOutput(destination: path, sync: sync)
        do throws(DicomError) {
            var failure: DicomError?
            bytes.withUnsafeBytes { raw in
                do throws(DicomError) { try sink.write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
            try sink.commit()
        } catch {
            sink.discard()
            throw error
        }
    }
}
