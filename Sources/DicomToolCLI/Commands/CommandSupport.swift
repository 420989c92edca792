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
    func inputOptions(command: String) -> InputOptions {
        InputOptions(paths: inputs, filesFrom: filesFrom, nulSeparated: nulSeparated, jobs: jobs, shard: shard,
                     failFast: failFast, progress: progress, command: command)
    }
}

/// Runs one command over its inputs through the one input walker and reporter: per-file work in
/// parallel, results emitted in input order, diagnostics and the summary on stderr, JSON Lines
/// records on stdout with --format json. Returns the exit status of the run.
/// `smallResults`: each result is a short summary (not the file's output), so workers may run
/// far ahead of the in-order emission and one large file does not hold the others back.
/// `failed` sees each failed input in order and returns fields for its JSON Lines record;
/// `beforeFinish` completes the summary before it is written, given every input of the run
/// (those after the last one emitted were skipped: --fail-fast or SIGINT).
func runOverInputs<R: Sendable>(command: String, global: GlobalArgs, smallResults: Bool = false,
                                work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
                                emit: (InputItem, R, Reporter) -> Void,
                                failed: ((InputItem, DicomError) -> [(String, ReporterJSON.Value)])? = nil,
                                beforeFinish: (([InputItem], inout RunSummary) -> Void)? = nil) -> ExitStatus {
    let options = global.inputOptions(command: command)
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
    let summary = walker.run(reporter: reporter, aheadPerWorker: smallResults ? 32 : 2, work: work, emit: { item, result in
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

/// Whether two paths name the same existing file (device and inode, symbolic links followed).
/// stat(2) directly: FileManager's attribute values are `as? Int` castable only while full
/// Foundation's NSNumber bridging is loaded; without it both sides were nil and every existing
/// output counted as the input.
func isSameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat(), sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
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
        if !singleFile, let out = output, out != "-", !rootIsDirectory, FileManager.default.fileExists(atPath: out) {
            throw DicomError(.usage, "several inputs need -o DIRECTORY; \(out) is a file")
        }
        if !singleFile, output == "-" {
            throw DicomError(.usage, "-o - takes exactly one input")
        }
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

/// Prints a usage error of a command the way the parser does, and returns its status.
func usageFailure(_ command: String, _ error: DicomError) -> ExitStatus {
    StandardError.write("dicomtool: \(command): error: \(error.message)\n")
    return error.code.exitStatus
}
