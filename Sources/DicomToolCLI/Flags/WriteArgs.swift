import DicomCore

/// The flags of every command that writes instances (transcode, anonymize, derive): `--plan`,
/// `-o/--output`, `--sync`, declared once in `FlagTable.writing` and read here once.
public struct WriteArgs: Sendable, Equatable {
    public var plan = false
    /// File, directory or `-`; nil only with `plan` (or anonymize's `--check`).
    public var output: String?
    public var sync = false

    public init() {}

    init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
    }

    /// Either an output or `--plan`, not both. `outputs` says which outputs the command takes.
    func requireOutputOrPlan(outputs: String = "-o FILE, -o DIRECTORY or -o -") throws(DicomError) {
        if output == nil, !plan {
            throw DicomError(.usage, "an output is required: \(outputs) (or --plan to write nothing)")
        }
        if output != nil, plan {
            throw DicomError(.usage, "--plan writes nothing, so -o/--output cannot be given with it")
        }
    }
}
