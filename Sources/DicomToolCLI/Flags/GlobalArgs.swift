import DicomCore
import DicomQuery
import FoundationEssentials

/// How results and diagnostics are reported (`--format`).
public enum OutputFormat: String, Sendable, CaseIterable {
    case text, json
    /// validate only: one JUnit test case per file, SARIF 2.1.0.
    case junit, sarif
    /// dump (a table of the --tag columns, one row per file) and find (one row per match): RFC 4180
    /// CSV; dump also TSV.
    case csv, tsv
}

/// The flags every command shares: inputs, parallelism, reporting.
public struct GlobalArgs: Sendable {
    /// Files processed at the same time, at least 1.
    public var jobs: Int
    /// The `index`-th (from 1) of `count` partitions of the inputs, or nil for all inputs.
    public var shard: (index: Int, count: Int)?
    /// Path of a list of inputs, or `-` for stdin.
    public var filesFrom: String?
    /// The list in `filesFrom` is NUL-separated.
    public var nulSeparated: Bool
    public var failFast: Bool
    /// true or false when forced; nil: only when stderr is a terminal.
    public var progress: Bool?
    public var quiet: Bool
    public var format: OutputFormat
    /// Files, directories and `-` as given, in order.
    public var inputs: [String]
    /// `--include` / `--exclude`: name patterns for the files of a directory walk.
    public var include: [String] = []
    public var exclude: [String] = []
    /// `--all-files`: a directory walk keeps files that are not DICOM by their content.
    public var allFiles = false
    /// `--where KEY=VALUE`, each checked when parsed: a file is an input when all of them match.
    public var selection: [AttributeCriterion] = []

    public init(jobs: Int = GlobalArgs.defaultJobs, shard: (index: Int, count: Int)? = nil, filesFrom: String? = nil,
                nulSeparated: Bool = false, failFast: Bool = false, progress: Bool? = nil, quiet: Bool = false,
                format: OutputFormat = .text, inputs: [String] = []) {
        self.jobs = jobs
        self.shard = shard
        self.filesFrom = filesFrom
        self.nulSeparated = nulSeparated
        self.failFast = failFast
        self.progress = progress
        self.quiet = quiet
        self.format = format
        self.inputs = inputs
    }

    public static var defaultJobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Stage two for the global flags: their updates (`FlagTable.global`).
    public init(_ low: LowArgs) throws(DicomError) {
        self.init(inputs: low.positionals)
        try low.update(&self)
    }

    /// `I/N` with 1 <= I <= N.
    static func parseShard(_ text: String, spelling: String) throws(DicomError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw DicomError(.usage, "\(spelling) expects I/N such as 2/8, not '\(text)'")
        }
        guard count >= 1, (1...count).contains(index) else {
            throw DicomError(.usage, "\(spelling) \(text): I must be from 1 to N, and N at least 1")
        }
        return (index, count)
    }

    /// The error for a value outside a flag's declared choices, with the choices.
    static func badChoice(_ text: String, for id: FlagID, spelling: String) -> DicomError {
        let choices = FlagTable.flag(id).choices
        var message = "\(spelling) expects one of \(choices.joined(separator: ", ")), not '\(text)'"
        if let hint = Suggestions.didYouMean(text, among: choices) { message += "; " + hint }
        return DicomError(.usage, message)
    }
}
