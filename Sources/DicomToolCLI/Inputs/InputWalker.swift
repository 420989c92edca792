import DicomCore
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place that turns a command line's inputs into an ordered list of files and runs a
/// subcommand's work over them (see `run`). Every subcommand goes through it, so `-j`,
/// `--shard`, `--files-from`, `--fail-fast`, progress and exit status behave the same everywhere.
///
/// Expansion is deterministic: arguments in the order given, then `--files-from` entries in
/// list order; a directory contributes every file below it, sorted by the bytes of the path
/// relative to it (as `LC_ALL=C sort` would). Inside directories, names starting with
/// `.dicomtool-tmp` (our own temp files), symbolic links to directories (cycles), and entries
/// that are neither regular files nor links to them (sockets, FIFOs, devices) are skipped; hidden
/// names are kept, since DICOM trees have odd names. A path that does not exist or cannot be
/// listed stays in the list as a per-input failure (`.cannotRead`, exit 20) at its place.
public struct InputWalker: Sendable {
    /// The names we give our own temp files; never treated as inputs.
    public static let temporaryFilePrefix = ".dicomtool-tmp"

    public let options: InputOptions
    /// The expanded inputs of this shard, in input order.
    public let items: [InputItem]
    /// Failures found while expanding, by index in `items`; `run` reports them in order
    /// without calling the work.
    let expansionFailures: [Int: DicomError]
    /// Files of directory walks left out because they are not DICOM (counted in the summary).
    public let notDicom: Int

    /// Expands `options`. Throws `.usage` (stdin given twice, bad shard), `.cannotRead` (the
    /// `--files-from` list cannot be read) or `.noInput` (nothing given, or nothing found).
    /// An empty shard is not an error: `items` is then empty.
    public init(_ options: InputOptions) throws(DicomError) {
        try self.init(options, readStandardInput: InputWalker.readStandardInput)
    }

    /// `readStandardInput` supplies `--files-from -` (tests pass their own).
    init(_ options: InputOptions,
         readStandardInput: () throws(DicomError) -> Data) throws(DicomError) {
        if let shard = options.shard { try InputShard.validate(shard) }
        let stdinArguments = options.paths.filter { $0 == "-" }.count
            + (options.filesFrom == "-" ? 1 : 0)
        guard stdinArguments == 0 || options.selection == nil || options.filesFrom == "-" && stdinArguments == 1 else {
            throw DicomError(.usage, "--where cannot select standard input ('-'): its header would have to be read twice; write it to a file first")
        }
        guard stdinArguments <= 1 else {
            throw DicomError(.usage, "standard input ('-') can be used only once"
                             + (options.filesFrom == "-" ? " (--files-from - reads it)" : ""))
        }

        var arguments = options.paths.map { (path: $0, fromList: false) }
        if let list = options.filesFrom {
            let data: Data
            if list == "-" {
                data = try readStandardInput()
            } else {
                guard let read = FileManager.default.contents(atPath: list) else {
                    throw DicomError(.cannotRead, "cannot read the --files-from list", file: list,
                                     cause: InputWalker.reasonUnreadable(list))
                }
                data = read
            }
            arguments += InputWalker.splitList(data, nulSeparated: options.nulSeparated)
                .map { (path: $0, fromList: true) }
        }
        guard !arguments.isEmpty else {
            throw DicomError(.noInput, options.filesFrom == nil
                ? "no input: give files, directories, '-' for stdin, or --files-from FILE"
                : "no input: the --files-from list is empty")
        }

        var entries: [Entry] = []
        var walk = Walk(filter: options.walk, excluded: Set(options.excludedDirectories.compactMap { FileIdentity($0) }))
        for argument in arguments {
            InputWalker.expand(argument.path, fromList: argument.fromList, walk: &walk, into: &entries)
        }
        self.notDicom = walk.notDicom
        guard !entries.isEmpty else {
            let named = arguments.prefix(3).map { "'\($0.path)'" }.joined(separator: ", ")
            throw DicomError(.noInput, "no input files found in " + named
                             + (arguments.count > 3 ? " and \(arguments.count - 3) more" : "")
                             + (walk.notDicom > 0 ? " (\(walk.notDicom) file\(walk.notDicom == 1 ? " is" : "s are") not DICOM; --all-files takes them)" : ""))
        }
        if let shard = options.shard {
            entries = entries.filter { InputShard.shard(forKey: $0.shardKey, count: shard.count) == shard.index }
        }
        self.options = options
        self.items = entries.map(\.item)
        var failures: [Int: DicomError] = [:]
        for (index, entry) in entries.enumerated() {
            if let failure = entry.failure { failures[index] = failure }
        }
        self.expansionFailures = failures
    }

    /// Runs `work` over `items` with `options.jobs` workers; see the static `run`. `deferred`
    /// inputs run after all the others; inputs that do not match `options.selection` (`--where`)
    /// go to `notMatching` instead of `work` and `emit`.
    public func run<R: Sendable>(
        reporter: Reporter? = nil, aheadPerWorker: Int = 2, deferred: (InputItem) -> Bool = { _ in false },
        work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
        emit: (InputItem, Result<R, DicomError>) -> Void,
        notMatching: (InputItem) -> Void = { _ in },
        beforeFinish: ((inout RunSummary) -> Void)? = nil
    ) -> RunSummary {
        InputWalker.run(items, jobs: options.effectiveJobs, failFast: options.failFast,
                        reporter: reporter, aheadPerWorker: aheadPerWorker, preFailed: expansionFailures, notDicom: notDicom,
                        interruption: InputInterruption.shared, selection: options.selection, deferred: deferred,
                        work: work, emit: emit, notMatching: notMatching, beforeFinish: beforeFinish)
    }

    // MARK: - Expansion

    /// All of standard input (read(2) to end of file: FileHandle is not in FoundationEssentials).
    static func readStandardInput() throws(DicomError) -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n == 0 { return data }
            if n < 0 {
                if errno == EINTR { continue }
                throw DicomError(.cannotRead, "cannot read the --files-from list", file: "-",
                                 cause: String(cString: strerror(errno)))
            }
            data.append(contentsOf: chunk[0..<n])
        }
    }

    struct Entry {
        var item: InputItem
        var shardKey: String
        var failure: DicomError?
    }

    /// Splits a `--files-from` list. Blank entries are ignored; with newlines, a trailing CR is
    /// dropped (lists written on Windows). Entries are taken literally (`-` is a file named `-`).
    static func splitList(_ data: Data, nulSeparated: Bool) -> [String] {
        let separator: UInt8 = nulSeparated ? 0 : 0x0A
        return data.split(separator: separator, omittingEmptySubsequences: true).compactMap { line in
            var bytes = line[...]
            if !nulSeparated, bytes.last == 0x0D { bytes = bytes.dropLast() }
            guard !bytes.isEmpty else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// What a directory walk takes (`--include`, `--exclude`, DICOM content), what it never enters
    /// (an output tree), and how many files it left out as not DICOM.
    struct Walk {
        var filter = InputOptions.WalkFilter.everyFile
        var excluded: Set<FileIdentity> = []
        var notDicom = 0

        /// Whether a file found at `relative` (named `name`) passes the name patterns.
        func takesName(_ name: String, relative: String) -> Bool {
            func matches(_ pattern: String) -> Bool {
                fnmatch(pattern, pattern.contains("/") ? relative : name, 0) == 0
            }
            if !filter.include.isEmpty && !filter.include.contains(where: matches) { return false }
            return !filter.exclude.contains(where: matches)
        }

        /// Whether the file's first bytes start DICOM (Part10Reader.looksLikeDicom); an unreadable
        /// file is taken, so that reading it reports why.
        static func startsLikeDicom(_ path: String) -> Bool {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return true }
            defer { close(fd) }
            var prefix = [UInt8](repeating: 0, count: Part10Reader.recognitionPrefixLength)
            let n = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            guard n >= 0 else { return true }
            return Part10Reader.looksLikeDicom(prefix[0..<n])
        }
    }

    static func expand(_ argument: String, fromList: Bool, walk: inout Walk, into entries: inout [Entry]) {
        if argument == "-" && !fromList {
            entries.append(Entry(item: .standardInput, shardKey: "-"))
            return
        }
        let asFile = InputItem.file(path: argument, relativePath: lastComponent(of: argument))
        var status = stat()
        guard stat(argument, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            entries.append(Entry(item: asFile, shardKey: argument,
                                 failure: DicomError(.cannotRead, "cannot read input",
                                                     file: argument, cause: reason)))
            return
        }
        if isDirectory(status) {
            walkDirectory(root: argument, walk: &walk, into: &entries)
        } else {
            entries.append(Entry(item: asFile, shardKey: argument))
        }
    }

    /// Every file below `root` that `walk` takes, sorted by the bytes of their paths relative to
    /// `root`; `walk.excluded` directories (an output tree) are not entered.
    static func walkDirectory(root: String, walk: inout Walk, into entries: inout [Entry]) {
        var found: [Entry] = []
        var pending: [String] = [""]  // directories relative to root
        while let directory = pending.popLast() {
            let directoryPath = join(root, directory)
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directoryPath)
            } catch {
                let key = directory.isEmpty ? "." : directory
                found.append(Entry(item: .file(path: directoryPath, relativePath: key), shardKey: key,
                                   failure: DicomError(.cannotRead, "cannot list directory",
                                                       file: directoryPath,
                                                       cause: reasonUnreadable(directoryPath))))
                continue
            }
            for name in names where !name.hasPrefix(temporaryFilePrefix) {
                let relative = directory.isEmpty ? name : directory + "/" + name
                let path = join(root, relative)
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }  // vanished meanwhile
                if isDirectory(status) {
                    if walk.excluded.isEmpty
                        || !walk.excluded.contains(FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))) {
                        pending.append(relative)
                    }
                    continue
                }
                if (status.st_mode & S_IFMT) == S_IFLNK {
                    // Follow links to files; never links to directories (cycles).
                    guard stat(path, &status) == 0 else {
                        found.append(Entry(item: .file(path: path, relativePath: relative),
                                           shardKey: relative,
                                           failure: DicomError(.cannotRead, "dangling symbolic link",
                                                               file: path)))
                        continue
                    }
                    if isDirectory(status) { continue }
                }
                guard (status.st_mode & S_IFMT) == S_IFREG, walk.takesName(name, relative: relative) else { continue }
                if walk.filter.onlyDicom && !Walk.startsLikeDicom(path) {
                    walk.notDicom += 1
                    continue
                }
                found.append(Entry(item: .file(path: path, relativePath: relative), shardKey: relative))
            }
        }
        found.sort { $0.shardKey.utf8.lexicographicallyPrecedes($1.shardKey.utf8) }
        entries += found
    }

    static func isDirectory(_ status: stat) -> Bool { (status.st_mode & S_IFMT) == S_IFDIR }

    static func join(_ root: String, _ relative: String) -> String {
        if relative.isEmpty { return root }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }

    static func lastComponent(of path: String) -> String {
        let component = path.split(separator: "/").last.map(String.init) ?? path
        return component.isEmpty ? path : component
    }

    /// errno's text for why `path` cannot be opened or listed.
    static func reasonUnreadable(_ path: String) -> String {
        if access(path, F_OK) != 0 || access(path, R_OK) != 0 {
            return String(cString: strerror(errno))
        }
        return "unreadable"
    }
}
