import DicomCore
import DicomValidate

/// `dicomtool validate`, checked: --ignore read straight into the validator's options.
public struct ValidateArgs: CommandArgs {
    public var options = Validator.Options()
    public var failOn: Finding.Severity = .error
    public var baseline: String?
    public var writeBaseline: String?

    public init() {}

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
        try low.update(&options)
        if let b = baseline, b == writeBaseline {
            throw DicomError(.usage, "--baseline and --write-baseline name the same file; read one and write another")
        }
        if options.ignoredRules.contains("") { throw DicomError(.usage, "--ignore expects a rule id such as vr.da.format") }
    }

    public func run(global: GlobalArgs) -> ExitStatus { ValidateCommand.run(self, global: global) }
}
