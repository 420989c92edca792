import DicomCore
import DicomCreate
import DicomPixels

/// `dicomtool create`, checked: one input (a file or `-`) and its model (--json, --xml or the
/// name's extension), the builder's options, the target and codec options (transcode's), -o.
public struct CreateArgs: CommandArgs {
    public var input: String
    public var format: ModelFormat
    public var options = CreateOptions()
    public var inventUIDs = false
    public var sourceSyntax: TransferSyntax?
    public var transcode: TranscodeOptions
    public var output: String?
    public var sync = false
    var json = false
    var xml = false
    var sourceTSText: String?

    public init(_ low: LowArgs) throws(DicomError) {
        guard low.positionals.count == 1, let input = low.positionals.first else {
            throw DicomError(.usage, "create reads one input (a JSON or XML file, or '-'), \(low.positionals.count) given")
        }
        self.input = input
        // The common input options select among files of a walk; create reads one model, so a
        // selection given to it would be silently ignored: refused instead.
        for id in [FlagID.where, .filesFrom, .shard, .include, .exclude, .allFiles] where low.isGiven(id) {
            throw DicomError(.usage, "\(low.spelling(id)) selects input files; create reads one model (a file or '-')")
        }
        format = .json
        transcode = try TranscodeArgs.options(low, defaultTarget: .explicitVRLittleEndian)
        try low.update(&self)
        if json && xml { throw DicomError(.usage, "--json and --xml cannot be combined: choose the input's model") }
        if xml || (!json && input.lowercased().hasSuffix(".xml")) {
            format = .xml
        } else if !json && !input.lowercased().hasSuffix(".json") {
            throw DicomError(.usage, "say which model the input is in: --json or --xml (or name it .json or .xml)")
        }
        if let text = sourceTSText {
            let syntax = try TranscodeArgs.resolveTransferSyntax(text)
            guard syntax.isEncapsulated else {
                throw DicomError(.usage, "--source-ts \(text): \(syntax.name) has no encapsulated Pixel Data")
            }
            sourceSyntax = syntax
        }
        guard let output, !output.isEmpty else { throw DicomError(.usage, "an output is required: -o FILE or -o -") }
        if input != "-", output != "-", input == output { throw DicomError(.usage, "-o names the input; inputs are never modified") }
    }

    public func run(global: GlobalArgs) -> ExitStatus { CreateCommand.run(self, global: global) }
}
