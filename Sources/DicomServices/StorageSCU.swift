import DicomCore
import DicomIO
import DicomNet
import DicomPixels

/// One input of a send: how to read it (again: a file is surveyed, then read when its turn comes).
public struct StoreItem: Sendable {
    public var index: Int
    public var name: String
    public var open: @Sendable () throws(DicomError) -> DicomFile
    /// The bytes `open` parses, unparsed. With it, a file sent as it is is parsed once, by the
    /// survey: its turn only maps it again and sends the data set from where the survey found it.
    public var load: (@Sendable () throws(DicomError) -> ByteSource)?

    public init(index: Int, name: String, open: @escaping @Sendable () throws(DicomError) -> DicomFile) {
        self.index = index
        self.name = name
        self.open = open
    }
}

/// How a send runs (the command line's flags, as values).
public struct StorageSCUOptions: Sendable {
    public var requestor = RequestorOptions()
    /// Parallel associations (`-j N`); the instances are dealt to them in turn.
    public var associations = 1
    /// The one lossy syntax a file may be converted to when the peer takes nothing lossless.
    public var allowLossy: TransferSyntax?
    /// Further attempts for a transient failure (connection lost, A-ABORT, time-out, 0xA7xx, an
    /// association rejected-transient).
    public var retries = 0
    /// The first back-off; each further attempt waits twice as long, up to `maxRetryDelay`.
    public var retryDelay: Duration = .seconds(1)
    public var maxRetryDelay: Duration = .seconds(30)
    /// Asked before each instance (SIGINT): when it says stop, the instances in flight finish,
    /// the associations are released, and the rest is never started (nor reported).
    public var shouldStop: @Sendable () -> Bool = { false }

    public init() {}
}

/// What became of one instance.
public struct StoreOutcome: Sendable {
    /// none: the file's own bytes; rewritten: its own syntax through the writer (elements not
    /// encoded as the syntax says, an odd length); lossless: decoded or re-encoded bit-exact;
    /// lossy: allowed by --allow-lossy, with the lossy bookkeeping.
    public enum Conversion: String, Sendable { case none, rewritten, lossless, lossy }

    public var index: Int
    public var name: String
    /// The instance's SOP Instance UID in the input, and as sent (new after a lossy conversion).
    public var sourceSOPInstanceUID: String?
    public var sopInstanceUID: String?
    public var sopClassUID: String?
    public var sourceSyntax: TransferSyntax?
    public var sentSyntax: TransferSyntax?
    public var conversion: Conversion = .none
    /// Data set bytes sent.
    public var bytes = 0
    public var seconds = 0.0
    /// The peer's C-STORE response status and comment.
    public var status: UInt16?
    public var errorComment: String?
    public var attempts = 0
    /// Which association carried it (1, 2, ... in the order they opened).
    public var association: Int?
    /// Why it was not stored: read error, refusal, network error, failure status.
    public var error: DicomError?
    /// Listed in the done file: not sent again.
    public var skipped = false

    public init(index: Int, name: String) {
        self.index = index
        self.name = name
    }

    /// Stored: the peer answered success or a warning.
    public var stored: Bool { status.map { DIMSEStatus.kind($0) == .success || DIMSEStatus.kind($0) == .warning } ?? false }
    public var isWarning: Bool { status.map { DIMSEStatus.kind($0) == .warning } ?? false }
}

/// C-STORE as a requestor over many instances: surveys them, proposes contexts from their SOP
/// classes and syntaxes (at most 128 per association, more associations when needed), then sends
/// each as it is, converted losslessly, or (allowed) lossily, on `options.associations` parallel
/// associations, with retries and back-off for transient failures.
public enum StorageSCU {
    /// Sends `items` to `address`. `skip` says which surveyed instances are already done (the done
    /// file); `report` gets every outcome once, from any task, as it is known.
    public static func send(_ items: [StoreItem], to address: AssociationAddress, options: StorageSCUOptions,
                            skip: @escaping @Sendable (StoreCandidate, String) -> Bool = { _, _ in false },
                            report: @escaping @Sendable (StoreOutcome) -> Void) async {
        var candidates: [StoreCandidate] = []
        var files: [Int: StoreItem] = [:]
        for item in items {
            var outcome = StoreOutcome(index: item.index, name: item.name)
            do throws(DicomError) {
                let c = try survey(item)
                if skip(c, item.name) {
                    outcome.skipped = true
                    outcome.sourceSOPInstanceUID = c.sopInstanceUID
                    outcome.sopClassUID = c.sopClassUID
                    outcome.sourceSyntax = c.syntax
                    report(outcome)
                    continue
                }
                candidates.append(c)
                files[item.index] = item
            } catch {
                outcome.error = error
                report(outcome)
            }
        }
        let lanes = max(1, min(options.associations, candidates.count))
        let counter = LockedCounter()
        let frozen = files
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                let mine = candidates.enumerated().filter { $0.offset % lanes == lane }.map(\.element)
                group.addTask {
                    for batch in StoragePlan.associations(for: mine, lossy: options.allowLossy) where !options.shouldStop() {
                        var run = AssociationRun(address: address, options: options, items: frozen, counter: counter, report: report)
                        await run.send(batch)
                    }
                }
            }
        }
    }

    /// SOP class, instance and syntax of an input: from its data set, which is what the peer
    /// receives and checks the C-STORE's UIDs against (a meta that disagrees is not sent), else
    /// from its meta.
    public static func survey(_ item: StoreItem) throws(DicomError) -> StoreCandidate {
        let file = try item.open()
        let sopClass = nonEmpty(file.dataset.string(.sopClassUID)) ?? file.meta.string(.mediaStorageSOPClassUID)
        let sopInstance = nonEmpty(file.dataset.string(.sopInstanceUID)) ?? file.meta.string(.mediaStorageSOPInstanceUID)
        guard let sopClass, !sopClass.isEmpty else {
            throw DicomError(.invalidInput, "no SOP Class UID (0002,0002 or 0008,0016): a C-STORE needs one", tag: .sopClassUID)
        }
        if sopClass == UIDDictionary.entry(forKeyword: "MediaStorageDirectoryStorage")?.uid {
            throw DicomError(.unsupported, "a DICOMDIR is a file-set's index, not an instance: it is never sent with C-STORE (PS3.10 8.6)")
        }
        guard let sopInstance, !sopInstance.isEmpty else {
            throw DicomError(.invalidInput, "no SOP Instance UID (0002,0003 or 0008,0018): a C-STORE needs one", tag: .sopInstanceUID)
        }
        var candidate = StoreCandidate(index: item.index, sopClassUID: sopClass, sopInstanceUID: sopInstance, syntax: file.transferSyntax)
        // A deflated data set is not the file's bytes (and never goes as it is).
        if item.load != nil, file.datasetSource === file.source {
            candidate.layout = StoreCandidate.Layout(datasetOffset: file.datasetOffset, fileSize: file.source.count,
                                                     rewrite: needsRewrite(file))
        }
        return candidate
    }

    /// Whether a file's bytes cannot go as they are even in its own syntax: elements not encoded
    /// as its syntax says, or a data set of odd length (an odd fragment: dcmtk aborts on the odd
    /// last PDV). It then goes through the writer; the peer reads what the syntax promises.
    static func needsRewrite(_ file: DicomFile) -> Bool {
        let encodingMatches = file.datasetEncoding == DatasetEncoding(explicitVR: file.transferSyntax.isExplicitVR,
                                                                      bigEndian: file.transferSyntax.isBigEndian)
        return !encodingMatches || (file.datasetSource.count - file.datasetOffset) % 2 != 0
    }

    static func nonEmpty(_ s: String?) -> String? { s?.isEmpty == false ? s : nil }

    /// The transient failures worth another attempt (PS3.7 C.4.2: 0xA7xx out of resources).
    static func isTransient(status: UInt16) -> Bool { status & 0xFF00 == 0xA700 }

    static func isTransient(_ error: NetError) -> Bool {
        switch error.code {
        case .aborted, .timedOut, .cannotConnect: return true
        case .rejected: return error.isTransientRejection
        default: return false
        }
    }

    /// A network error as the command reports it, with the exit status its code maps to.
    public static func dicomError(_ error: NetError) -> DicomError {
        let code: DicomError.Code
        switch error.code.exitStatus {
        case .cannotConnect: code = .cannotConnect
        case .associationRejected: code = .associationRejected
        case .peerFailure: code = .peerFailure
        case .tlsFailed: code = .tlsFailed
        case .usage: code = .usage
        default: code = .associationAborted
        }
        return DicomError(code, error.description)
    }

    static func backOff(_ attempt: Int, _ options: StorageSCUOptions) -> Duration {
        var delay = options.retryDelay
        for _ in 1..<max(attempt, 1) where delay < options.maxRetryDelay { delay *= 2 }
        return min(delay, options.maxRetryDelay)
    }
}

/// Numbers the associations of a run in the order they open.
final class LockedCounter: @unchecked Sendable {
    private let lock = Lock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}
