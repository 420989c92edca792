import DicomCore
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Standard output for results: whole writes, one at a time, so records from the ordered
/// emitter and the reporter's JSON Lines never interleave.
enum StandardOutput {
    private static let lock = Lock()

    static func write(_ text: String) {
        lock.withLock { writeWhole(text, to: STDOUT_FILENO) }
    }
}

/// Standard error for messages: each text in whole, unbuffered (as FileHandle.standardError,
/// which is not in FoundationEssentials).
enum StandardError {
    static func write(_ text: String) { writeWhole(text, to: STDERR_FILENO) }
}

/// Writes all of `text` to `fd`, resuming after partial writes and signals. A stream that fails
/// (closed pipe, full disk) gets nothing more: there is nowhere left to report that.
private func writeWhole(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}

extension GlobalArgs {
    func inputOptions(command: String, excluding excluded: String? = nil) -> InputOptions {
        InputOptions(paths: inputs, filesFrom: filesFrom, nulSeparated: nulSeparated, jobs: jobs, shard: shard,
                     failFast: failFast, progress: progress, command: command,
                     excludedDirectories: excluded.map { [$0] } ?? [],
                     walk: InputOptions.WalkFilter(include: include, exclude: exclude, onlyDicom: !allFiles))
    }
}

/// Runs one command over its inputs through the one input walker and reporter: per-file work in
/// parallel, results emitted in input order, diagnostics and the summary on stderr, JSON Lines
/// records on stdout with --format json. Returns the exit status of the run.
/// `smallResults`: each result is a short summary (not the file's output), so workers may run
/// far ahead of the in-order emission and one large file does not hold the others back.
/// `outputs`: where a writing command puts its outputs (their tree is left out of the walk).
/// `followsFiles`: a DICOMDIR among the inputs runs last, after the files its records name.
/// `failed` sees each failed input in emission order and returns fields for its JSON Lines record;
/// `beforeFinish` completes the summary before it is written, given every input of the run
/// (those never emitted were skipped: --fail-fast or SIGINT).
func runOverInputs<R: Sendable>(command: String, global: GlobalArgs, smallResults: Bool = false, outputs: OutputPlan? = nil,
                                followsFiles: Bool = false,
                                work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
                                emit: (InputItem, R, Reporter) -> Void,
                                failed: ((InputItem, DicomError) -> [(String, ReporterJSON.Value)])? = nil,
                                beforeFinish: (([InputItem], inout RunSummary) -> Void)? = nil) -> ExitStatus {
    let options = global.inputOptions(command: command, excluding: outputs?.excludedFromWalk)
    let json = global.format == .json
    let reporter = Reporter(options: options, json: json, quiet: global.quiet, standardOutput: { StandardOutput.write($0) })
    let walker: InputWalker
    do {
        walker = try InputWalker(options)
    } catch {
        reporter.error(error)
        return error.code.exitStatus
    }
    InputWalker.installInterruptHandler()
    let summary = walker.run(reporter: reporter, aheadPerWorker: smallResults ? 32 : 2,
                             deferred: followsFiles ? DirectoryFollowing.mayBeDirectory : { _ in false }, work: work, emit: { item, result in
        switch result {
        case .success(let value): emit(item, value, reporter)
        case .failure(let error):
            let fields = failed?(item, error) ?? []
            if json { StandardOutput.write(ReporterJSON.item(command: command, input: item, error: error, fields: fields) + "\n") }
        }
    }, beforeFinish: beforeFinish.map { finish in { summary in finish(walker.items, &summary) } })
    if summary.interrupted { AtomicOutput.removeAllPending() }
    return summary.exitStatus
}

extension ReadWarning {
    var asError: DicomError { DicomError(.invalidInput, message, offset: offset, tag: tag) }
}

/// Whether `path` names a directory, symbolic links followed (as FileManager's `fileExists(atPath:isDirectory:)`).
func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

/// Where the writing commands (transcode, anonymize, derive) put each output: `-o FILE` for one
/// input file, `-o DIRECTORY` mirroring the input tree, or `-o -` for standard output.
struct OutputPlan: Sendable {
    let root: String?
    /// One input file (not a directory, no list) and an output that is not a directory: file to file.
    let singleFile: Bool
    let rootIsDirectory: Bool

    init(output: String?, global: GlobalArgs) throws(DicomError) {
        root = output
        singleFile = global.inputs.count == 1 && global.filesFrom == nil && !isDirectory(global.inputs[0])
        rootIsDirectory = output.map { isDirectory($0) || $0.hasSuffix("/") } ?? false
        if !singleFile, output == "-" {
            throw DicomError(.usage, "-o - takes exactly one input")
        }
        guard let out = output, out != "-", !singleFile else { return }
        if !rootIsDirectory, FileManager.default.fileExists(atPath: out) {
            throw DicomError(.usage, "several inputs need -o DIRECTORY; \(out) is a file")
        }
        // cp's rule: several inputs go into an existing directory, or one named with a final '/'
        // (then made); a new name without it is more likely a typo for a file than a wish for a tree.
        let several = global.inputs.count > 1 || global.filesFrom != nil
        if several && !rootIsDirectory {
            throw DicomError(.usage, "several inputs need -o DIRECTORY: \(out) does not exist (write \(out)/ to create it)")
        }
        // A tree written onto itself would replace every input: said once, before any work.
        if let input = global.inputs.first(where: { $0 != "-" && isDirectory($0) && isSameFile($0, out) }) {
            throw DicomError(.cannotWrite, "-o \(out) is the input directory \(input): every output would replace its input; inputs are never modified")
        }
    }

    /// The output tree, when the outputs go into one (a directory that exists now): the input
    /// walk never enters it, so outputs inside the input tree are not taken for inputs.
    var excludedFromWalk: String? {
        guard let root, root != "-", !isSingleTarget, isDirectory(root) else { return nil }
        return root
    }

    /// Whether outputs go to one named file or standard output rather than into a tree.
    var isSingleTarget: Bool { root == "-" || (singleFile && !rootIsDirectory) }

    /// The output path of `item` (its relative path under the root), or nil when nothing is written.
    func destination(for item: InputItem) -> String? {
        guard let root else { return nil }
        if isSingleTarget { return root }
        return PathText.appending(root, item.relativePath)
    }
}

/// Reports a DICOMDIR rewritten by a writing command: its warnings, then its JSON Lines record or,
/// with --plan, one line.
func emitDirectory(_ command: String, _ item: InputItem, _ d: DirectoryOutcome, json: Bool, plan: Bool, reporter: Reporter) {
    for w in d.warnings { reporter.warning(w, input: item.displayName) }
    if json {
        var fields: [(String, ReporterJSON.Value)] = [("directoryRecords", .int(d.records)), ("referencesUpdated", .int(d.followed))]
        if let output = d.output { fields.append(("output", .string(output))) }
        StandardOutput.write(ReporterJSON.item(command: command, input: item, fields: fields) + "\n")
    } else if plan {
        StandardOutput.write("\(ValueText.escaped(item.displayName)): DICOMDIR rewritten in Explicit VR Little Endian, "
            + "\(d.records) records, offsets recomputed, \(d.followed) file reference\(d.followed == 1 ? "" : "s") updated\n")
    }
}

/// Prints a usage error of a command the way the parser does, and returns its status.
func usageFailure(_ command: String, _ error: DicomError) -> ExitStatus {
    StandardError.write("dicomtool: \(command): error: \(error.message)\n")
    return error.code.exitStatus
}
