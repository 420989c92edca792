import DicomCore
import DicomValidate

/// `dicomtool validate`, checked.
public struct ValidateArgs: CommandArgs, Equatable {
    public var failOn: Finding.Severity = .error
    public var baseline: String?
    public var writeBaseline: String?
    public var ignore: [String] = []

    public init() {}

    public init(_ low: LowArgs) throws(DicomError) {
        if let text = low.text(.failOn) {
            guard let level = Finding.Severity(rawValue: text), level != .info else {
                throw GlobalArgs.badChoice(text, for: .failOn, spelling: low.spelling(.failOn))
            }
            failOn = level
        }
        baseline = low.text(.baseline)
        writeBaseline = low.text(.writeBaseline)
        if let b = baseline, b == writeBaseline {
            throw DicomError(.usage, "--baseline and --write-baseline name the same file; read one and write another")
        }
        ignore = low.texts(.ignore)
        if ignore.contains(where: \.isEmpty) { throw DicomError(.usage, "--ignore expects a rule id such as vr.da.format") }
    }

    public func run(global: GlobalArgs) -> ExitStatus { ValidateCommand.run(self, global: global) }
}
