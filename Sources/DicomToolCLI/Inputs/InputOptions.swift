import FoundationEssentials

/// What the command line said about inputs, for every subcommand. The flag parser fills it in;
/// `InputWalker` expands and runs it.
public struct InputOptions: Sendable {
    /// Files, directories (walked recursively) and `-` (standard input, at most once).
    public var paths: [String]
    /// `--files-from FILE`: one path per line (or NUL-separated); `-` reads the list from stdin.
    public var filesFrom: String?
    /// `-0`: the `--files-from` list is NUL-separated (as `find -print0` writes).
    public var nulSeparated: Bool
    /// `-j N`: parallel workers; 0 or less means one per core (`InputOptions.defaultJobs`).
    public var jobs: Int
    /// `--shard I/N`: keep the I-th (1-based) of N deterministic partitions (see `InputShard`).
    public var shard: (index: Int, count: Int)?
    /// `--fail-fast`: stop scheduling inputs after the first failure.
    public var failFast: Bool
    /// `--progress` / `--no-progress`; nil means automatic: only when stderr is a terminal.
    public var progress: Bool?
    /// The subcommand's name, used in diagnostics (`dicomtool: <command>: ...`).
    public var command: String
    /// Directories the walk never enters (a writing command's output tree inside its input tree).
    public var excludedDirectories: [String]
    /// Which files of a directory walk are inputs (files named explicitly always are).
    public var walk: WalkFilter
    /// `--where`: inputs whose attributes do not match are left out by the runner (nil: all taken).
    public var selection: InputSelection?

    /// The files a directory walk takes: by name pattern (`--include`, `--exclude`) and, unless
    /// `--all-files`, only those that are DICOM by their first bytes.
    public struct WalkFilter: Sendable {
        public var include: [String]
        public var exclude: [String]
        public var onlyDicom: Bool

        public init(include: [String] = [], exclude: [String] = [], onlyDicom: Bool) {
            self.include = include
            self.exclude = exclude
            self.onlyDicom = onlyDicom
        }

        /// Every file found (the command line's default is only DICOM files: see GlobalArgs).
        public static let everyFile = WalkFilter(onlyDicom: false)
    }

    public init(paths: [String] = [], filesFrom: String? = nil, nulSeparated: Bool = false,
                jobs: Int = 0, shard: (index: Int, count: Int)? = nil, failFast: Bool = false,
                progress: Bool? = nil, command: String, excludedDirectories: [String] = [],
                walk: WalkFilter = .everyFile, selection: InputSelection? = nil) {
        self.paths = paths
        self.filesFrom = filesFrom
        self.nulSeparated = nulSeparated
        self.jobs = jobs
        self.shard = shard
        self.failFast = failFast
        self.progress = progress
        self.command = command
        self.excludedDirectories = excludedDirectories
        self.walk = walk
        self.selection = selection
    }

    /// One worker per core: the default of `-j`.
    public static var defaultJobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `jobs`, with 0 or less replaced by the default.
    public var effectiveJobs: Int { jobs > 0 ? jobs : InputOptions.defaultJobs }
}
