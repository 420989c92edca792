/// One input of a run, after expansion.
public enum InputItem: Sendable, Hashable {
    /// A file. `path` opens it (as given, or joined to the directory argument it came from);
    /// `relativePath` is relative to that directory argument, or the file name for a file
    /// argument: use it to name outputs in an output directory.
    case file(path: String, relativePath: String)
    /// `-`: the standard input.
    case standardInput

    /// The name for diagnostics and JSON records: the path, or `-` for stdin.
    public var displayName: String {
        switch self {
        case .file(let path, _): return path
        case .standardInput: return "-"
        }
    }

    /// The path to open, or nil for standard input.
    public var path: String? {
        if case .file(let path, _) = self { return path }
        return nil
    }

    /// `relativePath` for a file, `-` for standard input.
    public var relativePath: String {
        switch self {
        case .file(_, let relativePath): return relativePath
        case .standardInput: return "-"
        }
    }
}
