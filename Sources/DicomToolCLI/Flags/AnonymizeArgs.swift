import DicomCore
import DicomAnonymize

/// `dicomtool anonymize`, checked: the PS3.15 options, --keep, --remove, --set and --burned-in read
/// by their flags' updates straight into the anonymizer's options (`FlagTable.anonymize`); the
/// secret is read from --secret-file when the command runs.
public struct AnonymizeArgs: CommandArgs {
    /// Everything but the secret, which `run` reads from `secretFile` (or makes at random).
    public var options = AnonymizeOptions(secret: [])
    public var secretFile: String?
    public var layout: AnonymizeLayout = .mirror
    public var mapOut: String?
    public var check = false
    public var write = WriteArgs()

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&options)
        try low.update(&self)
        write = try WriteArgs(low)
        if check {
            guard write.output == nil, !write.plan else { throw DicomError(.usage, "--check writes nothing: it takes no -o and no --plan") }
            guard low.positionals.count == 2 else {
                throw DicomError(.usage, "--check takes exactly two inputs: ORIGINAL ANONYMIZED")
            }
        } else {
            try write.requireOutputOrPlan(outputs: "-o FILE or -o DIRECTORY")
        }
        if write.output == "-", layout == .uid { throw DicomError(.usage, "--layout uid needs an output directory, not '-'") }
    }

    public func run(global: GlobalArgs) -> ExitStatus { AnonymizeCommand.run(self, global: global) }
}
