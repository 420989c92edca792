import DicomCore

/// `dicomtool dump`, checked.
public struct DumpArgs: CommandArgs, Equatable {
    public enum Mode: String, Sendable {
        case text, json, xml
    }

    /// `--json`, `--xml`: the output model (at most one).
    public var json = false, xml = false
    /// Binary values longer than this go out as BulkDataURIs in JSON and XML.
    public var inlineMax: Int = DumpArgs.defaultInlineMax
    /// Filters (table columns) as typed: tags, keywords or paths.
    public var tags: [String] = []
    /// The same, read by `AttributeKeys` (the one path syntax).
    public var tagPaths: [EditPath] = []
    public var metaOnly = false
    public var noMeta = false
    public var full = false

    public static let defaultInlineMax = 4096

    public var mode: Mode { json ? .json : xml ? .xml : .text }

    public init() {}

    /// Stage two: the updates of `FlagTable.dump`, which also refuse the combinations.
    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
    }

    public func run(global: GlobalArgs) -> ExitStatus { DumpCommand.run(self, global: global) }
}
