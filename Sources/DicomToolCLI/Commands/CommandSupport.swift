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

func isDirectory(_ path: String) -> Bool {
    var dir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
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
        return (root as NSString).appendingPathComponent(item.relativePath)
    }
}

/// Prints a usage error of a command the way the parser does, and returns its status.
func usageFailure(_ command: String, _ error: DicomError) -> ExitStatus {
    FileHandle.standardError.write(Data("dicomtool: \(command): error: \(error.message)\n".utf8))
    return error.code.exitStatus
}
