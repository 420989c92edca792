import DicomCore
import DicomIO
import Foundation

/// Standard output for results: whole writes, one at a time, so records from the ordered
/// emitter and the reporter's JSON Lines never interleave.
enum StandardOutput {
    private static let lock = NSLock()

    static func write(_ text: String) {
        lock.withLock { FileHandle.standardOutput.write(Data(text.utf8)) }
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
func runOverInputs<R: Sendable>(command: String, global: GlobalArgs,
                                work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
                                emit: (InputItem, R, Reporter) -> Void) -> ExitStatus {
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
    let summary = walker.run(reporter: reporter, work: work) { item, result in
        switch result {
        case .success(let value): emit(item, value, reporter)
        case .failure(let error):
            if json { StandardOutput.write(ReporterJSON.item(command: command, input: item, error: error) + "\n") }
        }
    }
    if summary.interrupted { AtomicOutput.removeAllPending() }
    return summary.exitStatus
}

extension ReadWarning {
    var asError: DicomError { DicomError(.invalidInput, message, offset: offset, tag: tag) }
}
