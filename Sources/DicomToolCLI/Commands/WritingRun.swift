import DicomCore
import DicomIO
import FoundationEssentials

/// What the writing commands (transcode, anonymize, derive) share, so that each is its domain step
/// and its report: where the outputs go, the one way an instance is written with every output rule
/// (never over an input, outside the input walk, atomic, committed or discarded), and the DICOMDIR
/// among the inputs that is rewritten to follow what the run wrote.
struct WritingRun: Sendable {
    let command: String
    let args: WriteArgs
    let outputs: OutputPlan
    /// The instances written so far, by input: a DICOMDIR's records follow them.
    let written = WrittenFiles()
    /// The output paths taken so far in this run, with the input each came from.
    let claims = OutputClaims()

    init(_ command: String, _ args: WriteArgs, global: GlobalArgs) throws(DicomError) {
        self.command = command
        self.args = args
        outputs = try OutputPlan(output: args.output, global: global)
    }

    /// Where `item`'s output goes, or nil with --plan.
    func destination(for item: InputItem) -> String? {
        args.plan ? nil : outputs.destination(for: item)
    }

    func read(_ item: InputItem) throws(DicomError) -> DicomFile {
        try Part10Reader.read(path: item.path ?? "-")
    }

    /// Rewrites the DICOMDIR `file` to follow the files written (to its destination; nothing with
    /// --plan). `meta`/`dataset`: the command's own edit of it (anonymize), else the file's.
    func rewriteDirectory(_ file: DicomFile, _ item: InputItem, meta: Dataset? = nil,
                          dataset: Dataset? = nil) throws(DicomError) -> DirectoryOutcome {
        try DirectoryFollowing.rewrite(file, input: item, meta: meta, dataset: dataset, written: written,
                                       destination: destination(for: item), sync: args.sync)
    }

    /// Writes one instance made from `item` to `path` through `body` (the domain's writer of the
    /// instance), and records `recorded` (its data set and syntax) for a DICOMDIR that names `item`;
    /// nil when no DICOMDIR record is to follow it (a frame of --split-frames). What `body` throws
    /// discards the output.
    func write<R>(_ item: InputItem, to path: String, recording recorded: @autoclosure () -> (dataset: Dataset, syntax: TransferSyntax)?,
                  _ body: (inout AtomicOutput) throws(DicomError) -> R) throws(DicomError) -> R {
        try claims.claim(path, for: item)
        let result = try InstanceOutput.write(to: path, from: item.path.map { [$0] } ?? [], sync: args.sync, body)
        if let (dataset, syntax) = recorded() { written.record(input: item.path, dataset: dataset, syntax: syntax) }
        return result
    }

    /// Writes `meta` and `dataset` in `syntax` as the instance made from `item`, recorded for a DICOMDIR.
    func write(_ item: InputItem, to path: String, syntax: TransferSyntax, meta: Dataset, dataset: Dataset) throws(DicomError) {
        try write(item, to: path, recording: (dataset, syntax)) { (sink: inout AtomicOutput) throws(DicomError) in
            try DatasetWriter(syntax: syntax).writeFile(meta: meta, dataset: dataset, to: &sink)
        }
    }

    /// Reports a rewritten DICOMDIR: its warnings, then its JSON Lines record or, with --plan, one line.
    func emitDirectory(_ item: InputItem, _ d: DirectoryOutcome, json: Bool, reporter: Reporter) {
        for w in d.warnings { reporter.warning(w, input: item.displayName) }
        if json {
            var fields: [(String, ReporterJSON.Value)] = [("directoryRecords", .int(d.records)), ("referencesUpdated", .int(d.followed))]
            if let output = d.output { fields.append(("output", .string(output))) }
            StandardOutput.write(ReporterJSON.item(command: command, input: item, fields: fields) + "\n")
        } else if args.plan {
            StandardOutput.write("\(ValueText.escaped(item.displayName)): DICOMDIR rewritten in Explicit VR Little Endian, "
                + "\(d.records) records, offsets recomputed, \(d.followed) file reference\(d.followed == 1 ? "" : "s") updated\n")
        }
    }
}

/// The outputs of one run, so that two inputs that map to one output name (a --files-from list
/// naming x.dcm in two folders, two directory arguments with the same relative paths, copies of
/// one instance under `--layout uid`) do not silently replace each other: the first keeps the
/// name, each later one fails with both inputs named. With -j, "first" is the first to claim.
final class OutputClaims: @unchecked Sendable {
    private let lock = Lock()
    private var owners: [String: String] = [:]

    func claim(_ path: String, for item: InputItem) throws(DicomError) {
        guard path != "-" else { return }
        let mine = item.displayName
        let owner = lock.withLock { () -> String in
            if let owner = owners[path] { return owner }
            owners[path] = mine
            return mine
        }
        guard owner == mine else {
            throw DicomError(.cannotWrite, "not written: its output \(path) is also the output of \(owner) in this run "
                + "(two inputs map to one output name; write them with separate runs or -o folders)")
        }
    }
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
        if output == "-", global.format == .json {
            // Both would write to standard output: the records would corrupt the file and the file the records.
            throw DicomError(.usage, "-o - and --format json both write to standard output: write the output to a file, or drop --format json")
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
