import DicomCore
import DicomCreate
import DicomIO
import DicomPixels
import FoundationEssentials

/// `dicomtool create`: a Part 10 file from the DICOM JSON or XML model. DicomCreate reads the
/// model and builds the checked data set; it is written through the transcoder (any target
/// syntax, lossy bookkeeping in its one place) into `InstanceOutput` (temporary file, rename).
public enum CreateCommand {
    public static func run(_ args: CreateArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "create")
        do {
            let (written, warnings) = try create(args)
            for w in warnings { reporter.warning(w, input: args.input) }
            if global.format == .json {
                StandardOutput.write(ReporterJSON.record("create", "create", [
                    ("input", .string(args.input)), ("output", .string(args.output ?? "")),
                    ("transferSyntax", .string(written.uid)),
                    ("warnings", .array(warnings.map { .string($0) }))]) + "\n")
            }
            return .ok
        } catch {
            reporter.error(error.file == nil ? error.inFile(args.input) : error)
            return error.code.exitStatus
        }
    }

    /// The input read, the instance built and written; returns the syntax written and the warnings.
    static func create(_ args: CreateArgs) throws(DicomError) -> (TransferSyntax, [String]) {
        let source = args.input == "-" ? try ByteSource.standardInput() : try ByteSource(contentsOfFile: args.input)
        let (instance, output) = try prepare(source.bytes(0..<source.count), args)
        let warnings = instance.warnings + output.pixelWarnings.map(\.description)
        // Inputs are never modified: the files BulkDataURIs name count as inputs too.
        try InstanceOutput.write(to: args.output ?? "-", from: (args.input == "-" ? [] : [args.input]) + instance.bulkDataFiles,
                                 sync: args.sync) { (sink: inout AtomicOutput) throws(DicomError) in
            _ = try output.write(to: &sink, preamble: nil)
        }
        return (output.syntax, warnings)
    }

    /// The model read and checked (DicomCreate), then planned by the transcoder into the target
    /// syntax: what `create` writes, before any byte is written (the fuzz entries stop here and
    /// write into memory).
    static func prepare(_ bytes: [UInt8], _ args: CreateArgs) throws(DicomError) -> (CreatedInstance, Transcoder.Output) {
        var options = args.options
        if args.input != "-" {
            let slash = args.input.lastIndex(of: "/")
            options.baseDirectory = slash.map { $0 == args.input.startIndex ? "/" : String(args.input[..<$0]) } ?? "."
        }
        let instance = try Creator.make(bytes, format: args.format, options: options,
                                        inventUIDs: args.inventUIDs, sourceSyntax: args.sourceSyntax)
        var syntax = TransferSyntax.explicitVRLittleEndian
        if instance.hasEncapsulatedPixelData {
            if let named = instance.encapsulatedSyntax {
                syntax = named
            } else if args.transcode.target.isEncapsulated {
                syntax = args.transcode.target
            } else {
                throw DicomError(.usage, "the input's Pixel Data is encapsulated, and the models do not say in which transfer syntax: "
                                 + "give --source-ts (or a compressed target, which the fragments are then taken to be in)",
                                 tag: .pixelData)
            }
        }
        let file = DicomFile(meta: instance.meta, dataset: instance.dataset, transferSyntax: syntax,
                             source: ByteSource(ownedBytes: [], name: args.input))
        return (instance, try Transcoder(args.transcode).transcode(file))
    }
}
