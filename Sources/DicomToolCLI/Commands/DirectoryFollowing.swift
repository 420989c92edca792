import DicomCore
import DicomIO
import FoundationEssentials

/// What the writing commands (transcode, anonymize, derive) did to each file of a run, so that a
/// DICOMDIR among the inputs is rewritten to follow them: its records keep their File IDs (the
/// mirrored layout keeps names) and get the written files' SOP Class, SOP Instance and Transfer
/// Syntax UIDs. Files are known by device and inode, so any spelling of a path finds them.
final class WrittenFiles: @unchecked Sendable {
    private let lock = Lock()
    private var byInput: [FileIdentity: BasicDirectory.ReferencedFile] = [:]

    /// Records that `input` was written as an instance with these UIDs.
    func record(input: String?, dataset: Dataset, syntax: TransferSyntax) {
        guard let input, let id = FileIdentity(input) else { return }
        let written = BasicDirectory.ReferencedFile(
            sopClassUID: dataset.string(Tag.sopClassUID), sopInstanceUID: dataset.string(Tag.sopInstanceUID),
            transferSyntaxUID: syntax.uid)
        lock.withLock { byInput[id] = written }
    }

    func written(_ path: String) -> BasicDirectory.ReferencedFile? {
        guard let id = FileIdentity(path) else { return nil }
        return lock.withLock { byInput[id] }
    }
}

/// A DICOMDIR rewritten by a writing command.
struct DirectoryOutcome: Sendable {
    /// Where it was written; nil with --plan.
    var output: String?
    var records: Int
    var followed: Int
    var warnings: [String]
}

enum DirectoryFollowing {
    /// Inputs that may be a DICOMDIR (PS3.10 8.6 names it DICOMDIR; copies are often DICOMDIR-x):
    /// they run after the other files, whose outcomes their records follow. Whether one is a
    /// Basic Directory is decided from its content when it runs.
    static func mayBeDirectory(_ item: InputItem) -> Bool {
        guard let path = item.path else { return false }
        return PathText.split(path).name.uppercased().hasPrefix("DICOMDIR")
    }

    /// Rewrites the DICOMDIR `file` (read from `input`) to `destination`: Explicit VR Little
    /// Endian, offsets recomputed, each record's references taken from `written` for the file its
    /// File ID names below the DICOMDIR's directory. `meta`/`dataset` are the command's edit of it
    /// (anonymize), else the file's own.
    static func rewrite(_ file: DicomFile, input: InputItem, meta: Dataset? = nil, dataset: Dataset? = nil,
                        written: WrittenFiles, destination: String?, sync: Bool) throws(DicomError) -> DirectoryOutcome {
        let base = input.path.map { PathText.split($0).directory } ?? ""
        let rewritten = try BasicDirectory.rewrite(file, meta: meta, dataset: dataset) { fileID in
            written.written(base.isEmpty ? fileID.joined(separator: "/") : PathText.appending(base, fileID.joined(separator: "/")))
        }
        let unmatched = rewritten.unmatched
        var warnings: [String] = []
        if !unmatched.isEmpty {
            let shown = unmatched.prefix(3).map { $0.joined(separator: "\\") }.joined(separator: ", ")
            warnings.append("\(unmatched.count) of \(rewritten.referencing) DICOMDIR records name files this run did not write "
                            + "(\(shown)\(unmatched.count > 3 ? ", ..." : "")): their references are kept as they were")
        }
        if let destination {
            try InstanceOutput.write(to: destination, from: input.path.map { [$0] } ?? [], sync: sync) {
                (sink: inout AtomicOutput) throws(DicomError) in
                try sink.write(rewritten.bytes)
            }
        }
        return DirectoryOutcome(output: destination, records: rewritten.records, followed: rewritten.referencing - unmatched.count,
                                warnings: warnings)
    }
}
