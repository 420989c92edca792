import DicomCore
import DicomIO
import DicomNet
#if canImport(Glibc)
import Glibc
#endif

/// `receive --commitment`: what this receiver stored, by SOP Instance UID (in this run, and in the
/// earlier runs with --commitment into the same output directory, from its `CommitmentIndex`), and
/// the reports it owes (PS3.4 J.3). An instance is committed when it was stored under the
/// SOP class asked about and its file is still in place; otherwise it fails with 0112 (no such
/// object instance) or 0119 (class/instance conflict). Reports whose association ended before the
/// requester answered go on a new association to `commitmentPeer`; `finish` waits for them.
final class CommitmentSCP: @unchecked Sendable {
    private let lock = Lock()
    private var stored: [String: (sopClassUID: String, path: String)] = [:]
    private var deliveries: [Task<Void, Never>] = []
    let configuration: StorageSCPConfiguration
    let events: @Sendable (StorageEvent) -> Void
    private let index: CommitmentIndex

    init(configuration: StorageSCPConfiguration, events: @escaping @Sendable (StorageEvent) -> Void) {
        self.configuration = configuration
        self.events = events
        index = CommitmentIndex(directory: configuration.outputDirectory)
        let (earlier, problem) = index.load()
        stored = earlier
        events(.commitmentIndex(path: index.path, instances: earlier.count, error: problem))
    }

    func record(sopInstanceUID: String, sopClassUID: String, path: String) {
        let problem = lock.withLock { () -> String? in
            stored[sopInstanceUID] = (sopClassUID, path)
            return index.append(sopInstanceUID: sopInstanceUID, sopClassUID: sopClassUID, path: path)
        }
        if let problem { events(.commitmentIndex(path: index.path, instances: 0, error: problem)) }
    }

    /// The report for `request` as things stand now.
    func report(for request: CommitmentRequest) -> CommitmentReport {
        let known = lock.withLock { stored }
        var committed: [CommitmentReference] = []
        var failed: [(reference: CommitmentReference, reason: UInt16)] = []
        for ref in request.references {
            guard let entry = known[ref.sopInstanceUID], access(entry.path, F_OK) == 0 else {
                failed.append((ref, StorageCommitment.noSuchObjectInstance))
                continue
            }
            if entry.sopClassUID == ref.sopClassUID { committed.append(ref) } else { failed.append((ref, StorageCommitment.classInstanceConflict)) }
        }
        return CommitmentReport(transactionUID: request.transactionUID, committed: committed, failed: failed,
                                retrieveAETitle: configuration.aeTitle)
    }

    /// Sends `report` on a new association to the configured peer (we propose the SCP role of the
    /// Push Model, PS3.4 J.3.3), or says why it cannot.
    func deliverLater(_ report: CommitmentReport) {
        guard let peer = configuration.commitmentPeer else {
            events(.commitmentReported(transactionUID: report.transactionUID, via: "none", status: nil,
                                       error: "the association ended before the report was answered, and no --commitment-peer is configured"))
            return
        }
        let task = Task { [configuration, events] in
            var options = RequestorOptions()
            options.callingAETitle = configuration.aeTitle
            options.connectTimeoutSeconds = configuration.artimSeconds
            options.artimTimeoutSeconds = configuration.artimSeconds
            options.dimseTimeoutSeconds = configuration.dimseSeconds
            options.roleSelections = [RoleSelection(sopClassUID: StorageCommitment.sopClassUID, scuRole: false, scpRole: true)]
            let via = "a new association to \(peer)"
            do {
                // A receiver that speaks TLS reports over TLS too: its certificate as the client's.
                if let settings = configuration.tls { options.tls = try TLSContext.make(settings, role: .requestor) }
                let status = try await Association.withAssociation(to: peer, contexts: [(StorageCommitment.sopClassUID, StorageCommitment.transferSyntaxes)],
                                                                   options: options) { session in
                    guard let syntax = session.acceptedContexts.first(where: { $0.abstractSyntax == StorageCommitment.sopClassUID })?.transferSyntax else {
                        throw NetError(.rejected, "\(peer.aeTitle) did not accept the Storage Commitment Push Model SOP class")
                    }
                    let bytes: [UInt8]
                    do throws(DicomError) {
                        bytes = try StorageCommitment.encode(StorageCommitment.eventInformation(report), transferSyntax: syntax)
                    } catch {
                        throw NetError(.invalidArgument, "N-EVENT-REPORT data set: \(error.message)")
                    }
                    return try await session.eventReport(sopClassUID: StorageCommitment.sopClassUID,
                                                         sopInstanceUID: StorageCommitment.wellKnownInstanceUID,
                                                         eventTypeID: report.eventTypeID, dataSet: bytes).status
                }
                events(.commitmentReported(transactionUID: report.transactionUID, via: via, status: status, error: nil))
            } catch {
                events(.commitmentReported(transactionUID: report.transactionUID, via: via, status: nil, error: "\(error)"))
            }
        }
        lock.withLock { deliveries.append(task) }
    }

    /// Waits for the reports still being delivered.
    func finish() async {
        let pending = lock.withLock { () -> [Task<Void, Never>] in
            defer { deliveries.removeAll() }
            return deliveries
        }
        for task in pending { await task.value }
    }
}

/// One association's part in storage commitment: the N-ACTION being received, and the report owed
/// on this association until the requester answers it.
struct CommitmentExchange {
    var request: DIMSERequest
    var bytes: [UInt8] = []
    var overflow = false
}

extension StorageAssociation {
    /// N-ACTION of storage commitment: checked here, its data set then collected.
    func beginCommitment(_ request: DIMSERequest) -> DIMSECommand? {
        let command = request.command
        guard scp.commitment != nil else { return .unrecognizedOperationRSP(to: command) }
        guard command.requestedSOPClassUID?.trimmingTrailingSpaces() == StorageCommitment.sopClassUID else {
            return .actionRSP(to: command, status: CommitmentStatus.noSuchSOPClass)
        }
        guard command.requestedSOPInstanceUID?.trimmingTrailingSpaces() == StorageCommitment.wellKnownInstanceUID else {
            return .actionRSP(to: command, status: CommitmentStatus.noSuchObjectInstance)
        }
        guard command.actionTypeID == StorageCommitment.requestActionTypeID else {
            return .actionRSP(to: command, status: CommitmentStatus.noSuchActionType)
        }
        guard command.hasDataSet else { return .actionRSP(to: command, status: CommitmentStatus.missingAttribute) }
        commitment = CommitmentExchange(request: request)
        return nil
    }

    func commitmentFragment(_ fragment: PDVData) {
        guard var exchange = commitment, !exchange.overflow else { return }
        if fragment.count > CommitmentReportService.maxDataSetLength - exchange.bytes.count {
            exchange.overflow = true
            exchange.bytes = []
        } else {
            exchange.bytes += fragment
        }
        commitment = exchange
    }

    /// The N-ACTION-RSP; on success the report is owed (`requestsAfterResponse` sends it).
    func endCommitment(_ exchange: CommitmentExchange) -> DIMSECommand {
        commitment = nil
        let rq = exchange.request.command
        guard let scp = scp.commitment else { return .unrecognizedOperationRSP(to: rq) }
        guard !exchange.overflow else { return .actionRSP(to: rq, status: CommitmentStatus.processingFailure, errorComment: "request too large") }
        let request: CommitmentRequest
        do throws(DicomError) {
            request = try StorageCommitment.request(from: StorageCommitment.decode(exchange.bytes, transferSyntax: exchange.request.transferSyntax,
                                                                                   name: "N-ACTION data set"))
        } catch {
            self.scp.emit(.failed(association: id, calling: info.callingAETitle, sopInstanceUID: nil, status: CommitmentStatus.invalidArgumentValue,
                                  message: "storage commitment request: \(error.message)"))
            return .actionRSP(to: rq, status: CommitmentStatus.invalidArgumentValue, errorComment: String(error.message.prefix(64)))
        }
        let report = scp.report(for: request)
        self.scp.emit(.commitmentRequested(association: id, calling: info.callingAETitle, transactionUID: request.transactionUID,
                                           instances: request.references.count, committed: report.committed.count))
        owedReports.append((report, exchange.request.contextID, exchange.request.transferSyntax, false, false))
        return .actionRSP(to: rq, status: DIMSEStatus.success)
    }

    func requestsAfterResponse() async -> [OutgoingRequest] {
        var out: [OutgoingRequest] = []
        for (k, owed) in owedReports.enumerated() where !owed.sent {
            do throws(DicomError) {
                let bytes = try StorageCommitment.encode(StorageCommitment.eventInformation(owed.report), transferSyntax: owed.transferSyntax)
                out.append(OutgoingRequest(command: .eventReportRQ(messageID: 0, sopClassUID: StorageCommitment.sopClassUID,
                                                                   sopInstanceUID: StorageCommitment.wellKnownInstanceUID,
                                                                   eventTypeID: owed.report.eventTypeID),
                                           contextID: owed.contextID, dataSet: bytes))
                owedReports[k].sent = true
            } catch {
                scp.emit(.commitmentReported(transactionUID: owed.report.transactionUID, via: "the request's association", status: nil,
                                             error: error.message))
                owedReports[k].sent = true
                owedReports[k].answered = true
            }
        }
        return out
    }

    /// The requester's N-EVENT-REPORT-RSP: reports are answered in the order they were sent.
    func peerResponse(_ response: DIMSECommand) async {
        guard response.field == .nEventReportRSP, let k = owedReports.firstIndex(where: { $0.sent && !$0.answered }) else { return }
        owedReports[k].answered = true
        scp.emit(.commitmentReported(transactionUID: owedReports[k].report.transactionUID, via: "the request's association",
                                     status: response.status, error: nil))
    }

    /// At the association's end: reports not answered go on a new association.
    func endCommitments() {
        for owed in owedReports where !owed.answered { scp.commitment?.deliverLater(owed.report) }
        owedReports.removeAll()
    }
}
