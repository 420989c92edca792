import DicomCore
import DicomIO

/// What the dicomdir flags set.
public struct DicomdirOptions: Sendable {
    public var profile: MediaProfile = .cd
    public var invent = false
    public var rename = false
    public var strict = false
    public var fileSetID: String?

    public init() {}
}

/// `dicomtool dicomdir create|update|list`, checked.
public struct DicomdirArgs: CommandArgs {
    public enum Action: String, Sendable { case create, update, list }

    public var action: Action
    public var options = DicomdirOptions()
    public var write = WriteArgs()
    /// The file-set's directory (create, update) or the DICOMDIR or its directory (list).
    public var target: String

    public init(_ low: LowArgs) throws(DicomError) {
        guard let name = low.subcommand, let action = Action(rawValue: name) else {
            throw DicomError(.usage, "dicomdir needs a subcommand: create, update or list")
        }
        self.action = action
        try low.update(&options)
        write = try WriteArgs(low)
        guard low.positionals.count == 1, let target = low.positionals.first else {
            throw DicomError(.usage, action == .list ? "list takes one DICOMDIR (or the directory holding it)"
                                                     : "\(name) takes one directory: the root of the file-set")
        }
        self.target = target
        if low.isGiven(.shard) || low.isGiven(.filesFrom) {
            throw DicomError(.usage, "a DICOMDIR describes the whole file-set: dicomdir takes neither --shard nor --files-from "
                             + "(run it once, after the shards; update refreshes what they changed)")
        }
        if options.rename && write.output == nil {
            throw DicomError(.usage, "--rename writes a renamed copy of the file-set: give it -o DIRECTORY (inputs are never renamed)")
        }
        if action == .create, let output = write.output, output == "-" {
            throw DicomError(.usage, "-o takes the directory the file-set is copied to, not '-'")
        }
    }

    public func run(global: GlobalArgs) -> ExitStatus {
        switch action {
        case .list: return DicomdirCommand.list(self, global: global)
        case .create, .update: return DicomdirCommand.build(self, global: global)
        }
    }
}
