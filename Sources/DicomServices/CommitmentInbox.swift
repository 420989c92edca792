import DicomCore
import DicomNet

/// What became of one instance a commit asked about.
public enum CommitmentOutcome: Sendable, Equatable {
    /// The peer's report lists it in the Referenced SOP Sequence.
    case committed
    /// The report lists it in the Failed SOP Sequence with this Failure Reason.
    case failed(reason: UInt16)
    /// The peer's report for its transaction does not name it.
    case missingFromReport
    /// No report for its transaction came within the report time-out.
    case noReport
    /// Its N-ACTION was not accepted (a failure status, or the association failed before the
    /// response): the words say why.
    case notRequested(String)

    public var isCommitted: Bool { self == .committed }
}

/// One instance's result, with the transaction it travelled in.
public struct CommitmentResult: Sendable, Equatable {
    public var reference: CommitmentReference
    public var transactionUID: String
    public var outcome: CommitmentOutcome
    /// The report's Retrieve AE Title, when it gave one.
    public var retrieveAETitle: String?
}

/// Reports as they arrive, from the association of the request or from the listener, checked
/// against the transactions asked for. The first report of a transaction counts; later ones, and
/// reports of transactions never asked for, are noted and ignored.
final class CommitmentInbox: @unchecked Sendable {
    private let lock = Lock()
    private var expected: [String: [CommitmentReference]] = [:]
    private var reports: [String: CommitmentReport] = [:]
    let notice: @Sendable (String) -> Void

    init(notice: @escaping @Sendable (String) -> Void) { self.notice = notice }

    func expect(_ request: CommitmentRequest) {
        lock.withLock { expected[request.transactionUID] = request.references }
    }

    /// Stops waiting for a transaction whose request failed.
    func forget(_ transactionUID: String) {
        _ = lock.withLock { expected.removeValue(forKey: transactionUID) }
    }

    /// Takes a report. One for no transaction of ours is noted and dropped (the peer is answered
    /// with success all the same: the report was received, it just is not ours to act on).
    func deliver(_ report: CommitmentReport, from peer: String) {
        let verdict = lock.withLock { () -> String? in
            guard let asked = expected[report.transactionUID] else {
                return "a storage commitment report from \(peer) for transaction \(report.transactionUID), which this run did not ask for: ignored"
            }
            guard reports[report.transactionUID] == nil else {
                return "a second storage commitment report from \(peer) for transaction \(report.transactionUID): the first one counts"
            }
            reports[report.transactionUID] = report
            let askedSet = Set(asked)
            let named = report.committed + report.failed.map(\.reference)
            let strangers = named.filter { !askedSet.contains($0) }
            if let first = strangers.first {
                return "the report from \(peer) for transaction \(report.transactionUID) names \(strangers.count) instance(s) not asked for"
                    + " in it (first: \(first.sopInstanceUID)): ignored"
            }
            return nil
        }
        if let verdict { notice(verdict) }
    }

    /// Whether every transaction still expected has its report.
    var isComplete: Bool { lock.withLock { expected.keys.allSatisfy { reports[$0] != nil } } }

    var hasPending: Bool { lock.withLock { !expected.isEmpty } }

    /// Each instance of `request` as its report (if any) says.
    func results(for request: CommitmentRequest) -> [CommitmentResult] {
        let report = lock.withLock { reports[request.transactionUID] }
        guard let report else {
            return request.references.map { CommitmentResult(reference: $0, transactionUID: request.transactionUID, outcome: .noReport) }
        }
        let committed = Set(report.committed)
        var failures: [CommitmentReference: UInt16] = [:]
        for f in report.failed where failures[f.reference] == nil { failures[f.reference] = f.reason }
        return request.references.map { ref in
            let outcome: CommitmentOutcome
            // A peer listing an instance in both sequences has not committed it for sure.
            if let reason = failures[ref] { outcome = .failed(reason: reason) }
            else if committed.contains(ref) { outcome = .committed }
            else { outcome = .missingFromReport }
            return CommitmentResult(reference: ref, transactionUID: request.transactionUID, outcome: outcome,
                                    retrieveAETitle: outcome == .committed ? report.retrieveAETitle : nil)
        }
    }
}

/// The service the listener gives each association the peer opens to report: N-EVENT-REPORT-RQ of
/// storage commitment, its data set collected (at most `maxDataSetLength` bytes), decoded and
/// handed to the inbox; everything else answered as not recognized.
final class CommitmentReportService: AssociationService {
    static let maxDataSetLength = 1 << 24
    let inbox: CommitmentInbox
    let info: AcceptedAssociation
    var notice: @Sendable (String) -> Void { inbox.notice }
    private var request: DIMSERequest?
    private var bytes: [UInt8] = []
    private var overflow = false

    init(inbox: CommitmentInbox, info: AcceptedAssociation) {
        self.inbox = inbox
        self.info = info
    }

    func begin(_ request: DIMSERequest) async -> DIMSECommand? {
        let command = request.command
        guard command.field == .nEventReportRQ else { return .unrecognizedOperationRSP(to: command) }
        guard command.affectedSOPClassUID?.trimmingTrailingSpaces() == StorageCommitment.sopClassUID else {
            notice("N-EVENT-REPORT from \(info.callingAETitle) for SOP class \(command.affectedSOPClassUID ?? "none"), not storage commitment: refused")
            return .eventReportRSP(to: command, status: CommitmentStatus.noSuchSOPClass)
        }
        guard command.hasDataSet else {
            notice("N-EVENT-REPORT from \(info.callingAETitle) without Event Information: refused")
            return .eventReportRSP(to: command, status: CommitmentStatus.missingAttribute)
        }
        self.request = request
        bytes = []
        overflow = false
        return nil
    }

    func dataSetFragment(_ fragment: PDVData) async {
        guard !overflow else { return }
        guard fragment.count <= Self.maxDataSetLength - bytes.count else {
            overflow = true
            bytes = []
            return
        }
        bytes += fragment
    }

    func endDataSet() async -> DIMSECommand {
        guard let request else { return DIMSECommand(commandField: .nEventReportRSP, hasDataSet: false) }
        self.request = nil
        defer { bytes = [] }
        let rq = request.command
        if overflow {
            notice("N-EVENT-REPORT from \(info.callingAETitle): Event Information over \(Self.maxDataSetLength) bytes: refused")
            return .eventReportRSP(to: rq, status: CommitmentStatus.processingFailure)
        }
        return StorageCommitment.answerReport(rq, bytes: bytes, transferSyntax: request.transferSyntax, peer: info.callingAETitle,
                                              inbox: inbox)
    }

    func end(_ how: AssociationEnd) async {}
}

/// DIMSE-N status values used here (PS3.7 C.4, PS3.4 J.3.2).
enum CommitmentStatus {
    static let processingFailure: UInt16 = 0x0110
    static let noSuchSOPClass: UInt16 = 0x0118
    static let missingAttribute: UInt16 = 0x0120
    static let invalidArgumentValue: UInt16 = 0x0115
    static let noSuchEventType: UInt16 = 0x0113
    static let noSuchActionType: UInt16 = 0x0123
    static let noSuchObjectInstance: UInt16 = 0x0112
}

extension StorageCommitment {
    /// The response to an N-EVENT-REPORT-RQ carrying `bytes`: decoded and delivered, or refused
    /// with the reason noticed (a malformed report proves nothing and commits nothing).
    static func answerReport(_ rq: DIMSECommand, bytes: [UInt8], transferSyntax: String, peer: String,
                             inbox: CommitmentInbox) -> DIMSECommand {
        let notice = inbox.notice
        guard let event = rq.eventTypeID, event == eventAllCommitted || event == eventSomeFailed else {
            notice("N-EVENT-REPORT from \(peer) with Event Type ID \(rq.eventTypeID.map(String.init) ?? "none"): refused")
            return .eventReportRSP(to: rq, status: CommitmentStatus.noSuchEventType)
        }
        let report: CommitmentReport
        do throws(DicomError) {
            report = try StorageCommitment.report(from: decode(bytes, transferSyntax: transferSyntax, name: "N-EVENT-REPORT data set"))
        } catch {
            notice("malformed storage commitment report from \(peer): \(error.message)\(error.offset.map { " (byte \($0))" } ?? ""): refused")
            return .eventReportRSP(to: rq, status: CommitmentStatus.invalidArgumentValue)
        }
        inbox.deliver(report, from: peer)
        return .eventReportRSP(to: rq, status: DIMSEStatus.success)
    }
}
