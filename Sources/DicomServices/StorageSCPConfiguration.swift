import DicomCore
import DicomNet

/// What `dicomtool receive` is asked to do: where it listens, what it accepts, how it files.
public struct StorageSCPConfiguration: Sendable {
    public enum DuplicatePolicy: String, Sendable, CaseIterable {
        /// Keep both: the second under a suffixed name (`UID_1.dcm`). Nothing a peer sends is lost.
        case keep
        /// The newer file replaces the older (atomically: rename).
        case replace
        /// Refuse the newer with failure 0111 (Duplicate SOP Instance); the older stays.
        case reject
    }

    /// Our AE title; a request calling another is rejected ("called AE title not recognized").
    public var aeTitle = "DICOMTOOL"
    public var host = "0.0.0.0"
    /// 0: any free port (reported in the `listening` event).
    public var port = 11112
    public var outputDirectory: String
    public var layout: StorageLayout
    public var onDuplicate = DuplicatePolicy.keep
    public var execOnFile: ExecHook?
    public var execOnStudy: ExecHook?
    /// A study counts as complete when no instance of it arrived for this long.
    public var studyTimeoutSeconds = 60
    /// Associations served at once; past it, rejected transiently (local limit exceeded).
    public var maxAssociations = 32
    /// Accept any SOP class, not only the storage classes of the standard (private ones).
    public var acceptUnknown = false
    /// Transfer syntaxes in our order of preference, listed first; nil takes the requestor's
    /// order. Every syntax of the standard is accepted: the data set is stored as it comes.
    public var preferredSyntaxes: [String]?
    /// The transfer syntaxes accepted; nil accepts every one of the standard (stored as it comes).
    public var acceptedSyntaxes: [String]?
    /// Stop when no association has been open for this long.
    public var idleTimeoutSeconds: Int?
    /// Stop once the first association has ended.
    public var once = false
    /// fsync each instance before it is renamed into place and acknowledged.
    public var sync = false
    public var artimSeconds: Int64 = 30
    public var dimseSeconds: Int64 = 60
    /// TLS on every connection (receive --tls); nil: plain TCP.
    public var tls: TLSSettings?
    /// Answer storage commitment (N-ACTION of the Push Model) for the instances stored in this run.
    public var commitment = false
    /// Where to send a report whose association has ended (the requester's listener).
    public var commitmentPeer: AssociationAddress?

    /// Placeholders of `--exec-on-file` besides attribute keywords.
    public static let fileHookNames: Set<String> = ["file", "dir", "calling-aet"]
    /// Placeholders of `--exec-on-study` besides attribute keywords (values from the study's last instance).
    public static let studyHookNames: Set<String> = ["dir", "calling-aet", "count"]

    public init(outputDirectory: String, layout: StorageLayout) {
        self.outputDirectory = outputDirectory
        self.layout = layout
    }

    /// The acceptor's policy: every storage SOP class (or any, with `acceptUnknown`) and
    /// Verification; every transfer syntax of the standard (or `acceptedSyntaxes`), ours first when
    /// `preferredSyntaxes`.
    public var acceptorPolicy: Negotiation.AcceptorPolicy {
        let all = acceptedSyntaxes ?? TransferSyntax.all.map(\.uid)
        let preferred = (preferredSyntaxes ?? []).filter { all.contains($0) }
        var policy = Negotiation.AcceptorPolicy(aeTitle: aeTitle, transferSyntaxPreference: preferred + all.filter { !preferred.contains($0) },
                                                implementationClassUID: Implementation.classUID)
        policy.implementationVersionName = Implementation.versionName
        policy.checkCalledAETitle = true
        policy.preferRequestorOrder = preferredSyntaxes == nil
        policy.abstractSyntaxes = acceptUnknown ? nil : StorageSOPClasses.uids.union([verificationSOPClassUID])
        if commitment {
            policy.abstractSyntaxes?.insert(StorageCommitment.sopClassUID)
        } else if acceptUnknown {
            // "Any SOP class" means any we can store: committing needs --commitment.
            policy.userRejectedAbstractSyntaxes.insert(StorageCommitment.sopClassUID)
        }
        // A requestor that proposes the window may have this many requests outstanding: they are
        // served one after the other as always, but each arrives while the previous is filed. We
        // invoke none.
        policy.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: 1, maxPerformed: Self.operationsWindow)
        return policy
    }

    /// Requests a requestor may leave outstanding with us (the asynchronous operations window).
    public static let operationsWindow: UInt16 = 16

    /// Attribute tags any template reads back from a stored instance.
    var tagsRead: Set<Tag> {
        Set(layout.template.tags + (execOnFile?.tags ?? []) + (execOnStudy?.tags ?? []) + [.studyInstanceUID, .sopInstanceUID, .sopClassUID])
    }
}

/// What the receiver reports, in order, as text or JSON Lines.
public enum StorageEvent: Sendable {
    case listening(host: String, port: Int, aeTitle: String)
    case associationAccepted(association: Int, calling: String, called: String, peer: String)
    case associationRejected(calling: String, called: String, peer: String, reason: String)
    case associationEnded(association: Int, calling: String, how: AssociationEnd, stored: Int, failed: Int)
    case connectionFailed(peer: String, reason: String)
    /// A connection refused at the TLS layer (handshake failed, certificate refused, TLS on one
    /// side only); the receiver goes on serving.
    case tlsRefused(peer: String, reason: String)
    case stored(StoredInstance)
    /// An instance already stored under its path: kept as `keptAs` (keep, replace) or refused.
    case duplicate(association: Int, path: String, keptAs: String?, policy: StorageSCPConfiguration.DuplicatePolicy,
                   sopInstanceUID: String)
    /// An instance answered with a failure status; nothing of it was kept.
    case failed(association: Int, calling: String, sopInstanceUID: String?, status: UInt16, message: String)
    /// An instance the peer abandoned (abort, dropped connection): discarded.
    case discarded(association: Int, calling: String, sopInstanceUID: String?, reason: String)
    case exec(hook: String, arguments: [String], status: Int32?, error: String?)
    case stopping(reason: String)
    /// A storage commitment request answered: how many of its instances are committed.
    case commitmentRequested(association: Int, calling: String, transactionUID: String, instances: Int, committed: Int)
    /// Its report sent (`via` says on which association), with the peer's status, or why not.
    case commitmentReported(transactionUID: String, via: String, status: UInt16?, error: String?)
    /// The commitment index of the output directory (`CommitmentIndex`): the instances earlier
    /// runs stored, read at the start, or why it cannot be read or written.
    case commitmentIndex(path: String, instances: Int, error: String?)
}

/// One instance filed.
public struct StoredInstance: Sendable, Equatable {
    public var association: Int
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    /// The file's size: meta header and data set.
    public var bytes: Int
    public var callingAETitle: String
}
