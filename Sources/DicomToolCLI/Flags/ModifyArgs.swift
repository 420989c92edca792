import DicomCore
import DicomEdit

/// `dicomtool modify`, checked: the edits in command-line order (each flag's update records its
/// occurrences with their positions), the UIDs to renew, the secret file, --backup and the
/// writing flags. In place unless -o or --plan.
public struct ModifyArgs: CommandArgs {
    /// One edit and where it was typed.
    struct PositionedEdit: Sendable {
        var position: Int
        var operation: EditOperation
    }

    /// The edits and renewals; the secret and the value files are read when the command runs.
    public var options = ModifyOptions()
    public var secretFile: String?
    public var backup = false
    public var write = WriteArgs()
    var positionedEdits: [PositionedEdit] = []

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
        write = try WriteArgs(low)
        options.operations = positionedEdits.sorted { $0.position < $1.position }.map(\.operation)
        positionedEdits = []
        if options.operations.isEmpty && options.renew.isEmpty {
            throw DicomError(.usage, "nothing to do: give an edit (--set, --replace, --erase, --erase-all, --erase-private) "
                             + "or a new UID (--new-sop-uid, --new-series-uid, --new-study-uid)")
        }
        if write.output != nil, write.plan { throw DicomError(.usage, "--plan writes nothing, so -o/--output cannot be given with it") }
        if backup, write.output != nil || write.plan {
            throw DicomError(.usage, "--backup keeps the old content of a file modified in place: not with -o or --plan")
        }
        if write.output == nil, !write.plan, low.positionals.contains("-") {
            throw DicomError(.usage, "standard input cannot be modified in place: give -o FILE or -o -")
        }
        try options.check()
    }

    public func run(global: GlobalArgs) -> ExitStatus { ModifyCommand.run(self, global: global) }
}
