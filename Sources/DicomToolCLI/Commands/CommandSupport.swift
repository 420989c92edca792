import DicomCore
import DicomIO
import DicomQuery
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
    /// The reporter of one command's run: every diagnostic of the command goes through it, before,
    /// during and after the input walk.
    func reporter(command: String) -> Reporter {
        Reporter(options: inputOptions(command: command), json: format == .json, quiet: quiet,
                 standardOutput: { StandardOutput.write($0) })
    }

    func inputOptions(command: String, excluding excluded: String? = nil) -> InputOptions {
        InputOptions(paths: inputs, filesFrom: filesFrom, nulSeparated: nulSeparated, jobs: jobs, shard: shard,
                     failFast: failFast, progress: progress, command: command,
                     excludedDirectories: excluded.map { [$0] } ?? [],
                     walk: InputOptions.WalkFilter(include: include, exclude: exclude, onlyDicom: !allFiles),
                     selection: selection.isEmpty ? nil : InputSelection(AttributeQuery(selection)))
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
/// `beforeFinish` completes the summary before it is written, given every input of the run that
/// `--where` did not leave out (those never emitted were skipped: --fail-fast or SIGINT).
func runOverInputs<R: Sendable>(command: String, global: GlobalArgs, reporter: Reporter, smallResults: Bool = false,
                                outputs: OutputPlan? = nil,
                                followsFiles: Bool = false,
                                work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
                                emit: (InputItem, R, Reporter) -> Void,
                                failed: ((InputItem, DicomError) -> [(String, ReporterJSON.Value)])? = nil,
                                beforeFinish: (([InputItem], inout RunSummary) -> Void)? = nil) -> ExitStatus {
    let options = global.inputOptions(command: command, excluding: outputs?.excludedFromWalk)
    let json = global.format == .json
    let walker: InputWalker
    do {
        walker = try InputWalker(options)
    } catch {
        reporter.error(error)
        return error.code.exitStatus
    }
    InputWalker.installInterruptHandler()
    // Inputs left out by --where are not the command's: `beforeFinish` gets the others.
    var unmatched: [InputItem: Int] = [:]
    func selected() -> [InputItem] {
        guard !unmatched.isEmpty else { return walker.items }
        var left = unmatched
        return walker.items.filter { item in
            guard let n = left[item], n > 0 else { return true }
            left[item] = n - 1
            return false
        }
    }
    let summary = walker.run(reporter: reporter, aheadPerWorker: smallResults ? 32 : 2,
                             deferred: followsFiles ? DirectoryFollowing.mayBeDirectory : { _ in false }, work: work, emit: { item, result in
        switch result {
        case .success(let value): emit(item, value, reporter)
        case .failure(let error):
            let fields = failed?(item, error) ?? []
            if json { StandardOutput.write(ReporterJSON.item(command: command, input: item, error: error, fields: fields) + "\n") }
        }
    }, notMatching: { unmatched[$0, default: 0] += 1 },
       beforeFinish: beforeFinish.map { finish in { summary in finish(selected(), &summary) } })
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

/// A command's failure before or after its run (a usage error found when it starts, a file it
/// could not read or write): reported through the run's reporter, and its exit status.
func failure(_ error: DicomError, _ reporter: Reporter) -> ExitStatus {
    reporter.error(error)
    return error.code.exitStatus
}
