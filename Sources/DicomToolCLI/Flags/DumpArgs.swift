import DicomCore
import DicomEdit

/// `dicomtool dump`, checked.
public struct DumpArgs: CommandArgs, Equatable {
    public enum Mode: String, Sendable {
        case text, json, xml
    }

    /// `--json`, `--xml`: the output model (at most one).
    public var json = false, xml = false
    /// Binary values longer than this go out as BulkDataURIs in JSON and XML.
    public var inlineMax: Int = DumpArgs.defaultInlineMax
    /// Filters as typed: tags, keywords or paths, each checked by `TagPath.check`.
    public var tags: [String] = []
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

/// Syntax of `--tag` values: `(0010,0010)`, `0010,0010`, `00100010`, `PatientName`, or a path of
/// such names with optional item indexes, `SourceImageSequence[0].ReferencedSOPInstanceUID`.
/// Checked at parse time so that a typo is a usage error with a suggestion, not an empty dump.
public enum TagPath {
    public static func check(_ text: String) throws(DicomError) {
        guard !text.isEmpty else { throw DicomError(.usage, "--tag expects a tag, keyword or path, not an empty value") }
        // modify's path syntax ([*], private elements by creator) is taken; what it refuses gets
        // the message below, with a keyword suggestion.
        if (try? EditPath(parsing: text)) != nil { return }
        // A tag in parentheses contains a comma but never a dot, so splitting on dots is safe.
        for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
            try checkSegment(segment, in: text)
        }
    }

    private static func checkSegment(_ segment: Substring, in text: String) throws(DicomError) {
        var name = segment
        if let open = segment.firstIndex(of: "["), segment.hasSuffix("]") {
            name = segment[..<open]
            let digits = segment[segment.index(after: open)..<segment.index(before: segment.endIndex)]
            // conversion: parses text: nil when not a number
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), Int(digits) != nil, !digits.hasPrefix("-") else {
                throw DicomError(.usage, "--tag \(text): item index '[\(digits)]' must be a number from 0")
            }
        }
        guard !name.isEmpty else { throw DicomError(.usage, "--tag \(text): empty element name in the path") }
        if Tag(parsing: name) != nil { return }
        if DataDictionary.tag(forKeyword: String(name)) != nil { return }
        var message = "--tag \(text): '\(name)' is neither a tag such as (0010,0010) nor a known keyword"
        if let hint = Suggestions.didYouMean(String(name), among: DataDictionary.keywords) { message += "; " + hint }
        throw DicomError(.usage, message)
    }
}
