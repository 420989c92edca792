import DicomCore
import DicomCreate
import DicomIO
import DicomPixels
import FoundationEssentials

/// `dicomtool create`: a Part 10 file from the DICOM JSON or XML model. DicomCreate reads the
/// model and builds the checked data set; it is written through the transcoder (any target
/// syntax, lossy bookkeeping in its one place) into `InstanceOutput` (temporary file, rename).
public enum CreateCommand {
    /// What `prepare` makes: an instance planned by the transcoder, or a DICOMDIR's bytes (its
    /// record offsets computed for them by BasicDirectory's encoder, in Explicit VR Little Endian).
    enum Prepared {
        case instance(Transcoder.Output)
        case directory([UInt8])

        var syntax: TransferSyntax {
            if case .instance(let output) = self { return output.syntax }
            return .explicitVRLittleEndian
        }

        var pixelWarnings: [ReadWarning] {
            if case .instance(let output) = self { return output.pixelWarnings }
            return []
        }

        func write(to sink: inout some OutputSink, preamble: [UInt8]?) throws(DicomError) {
            switch self {
            case .instance(let output): _ = try output.write(to: &sink, preamble: preamble)
            case .directory(let bytes): try sink.write(bytes)
            }
        }
    }

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
            try output.write(to: &sink, preamble: nil)
        }
        return (output.syntax, warnings)
    }

    /// The model read and checked (DicomCreate), then planned by the transcoder into the target
    /// syntax: what `create` writes, before any byte is written (the fuzz entries stop here and
    /// write into memory).
    static func prepare(_ bytes: [UInt8], _ args: CreateArgs) throws(DicomError) -> (CreatedInstance, Prepared) {
        var options = args.options
        if args.input != "-" {
            let slash = args.input.lastIndex(of: "/")
            options.baseDirectory = slash.map { $0 == args.input.startIndex ? "/" : String(args.input[..<$0]) } ?? "."
        }
        let instance = try Creator.make(bytes, format: args.format, options: options,
                                        inventUIDs: args.inventUIDs, sourceSyntax: args.sourceSyntax)
        if instance.isBasicDirectory {
            // PS3.10 8.6: a DICOMDIR is Explicit VR Little Endian; offsets count its bytes.
            guard args.transcode.target == .explicitVRLittleEndian else {
                throw DicomError(.usage, "a DICOMDIR is written in Explicit VR Little Endian (PS3.10 8.6), not \(args.transcode.target.name)")
            }
            return (instance, .directory(try BasicDirectory.encode(model: instance.dataset, meta: instance.meta)))
        }
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
        return (instance, .instance(try Transcoder(args.transcode).transcode(file)))
    }
}
