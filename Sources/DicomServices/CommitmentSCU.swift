import DicomCore
import DicomNet

/// How `commit` asks and waits.
public struct CommitmentSCUOptions: Sendable {
    public var requestor = RequestorOptions()
    /// How long to wait for the reports once the last N-ACTION-RSP is in.
    public var reportTimeoutSeconds: Int64 = 60
    /// When set, a listener on this port (0: any free one) also takes the reports, on associations
    /// the peer opens to us (PS3.4 J.3.3: the SCP may report on a new association, as Orthanc
    /// always does, or on the association of the request): the reports are awaited on both until
    /// every transaction has one or the time is up. Without it, on the association of the request.
    public var receivePort: Int?
    public var receiveHost = "0.0.0.0"
    /// TLS on the listener (our certificate and key, acceptor role); nil: plain TCP.
    public var receiveTLS: TLSContext?
    /// The AE title the listener answers to (the calling AE title by default: the peer reports to
    /// the AE that asked).
    public var receiveAETitle: String?
    /// Instances per N-ACTION (one transaction each).
    public var instancesPerRequest = CommitmentSCU.defaultInstancesPerRequest

    public init() {}
}

/// What the run says as it goes, besides the per-instance results.
public enum CommitmentEvent: Sendable, Equatable {
    case listening(host: String, port: Int, aeTitle: String)
    /// An N-ACTION the peer accepted: its transaction and how many instances it names.
    case requested(transactionUID: String, instances: Int, status: UInt16)
    /// Something the peer did that the results do not show (a report for no transaction of ours,
    /// a malformed one refused, a second report).
    case notice(String)
}

/// The whole run's outcome: one result per instance, in input order, and the network error that
/// kept some instances from being asked about, if any.
public struct CommitmentRun: Sendable {
    public var results: [CommitmentResult]
    public var networkError: NetError?

    public init(results: [CommitmentResult], networkError: NetError?) {
        self.results = results
        self.networkError = networkError
    }
}

/// Storage Commitment Push Model SCU (PS3.4 J.3): N-ACTION "Request Storage Commitment" per
/// transaction, then the N-EVENT-REPORTs, on the same association or on those the peer opens to
/// our listener.
public enum CommitmentSCU {
    /// At most this many instances per N-ACTION. PS3.4 sets no limit, but the Action Information
    /// is one data set the SCP must hold whole, and the report comes back as one too: 1,000
    /// references make about 150 KB each way, under the 1 MiB many SCPs accept for a data set and
    /// far under our own 16 MiB cap on a report, and a transaction lost (a report that never
    /// comes) costs at most 1,000 instances to ask about again.
    public static let defaultInstancesPerRequest = 1000

    /// The transactions for `references`, `perRequest` instances each, in order, each with a new
    /// Transaction UID (`newUID` makes them; tests pass a fixed one).
    public static func transactions(_ references: [CommitmentReference], perRequest: Int,
                                    newUID: () -> String = Implementation.newUID) -> [CommitmentRequest] {
        let size = max(1, perRequest)
        return stride(from: 0, to: references.count, by: size).map { start in
            CommitmentRequest(transactionUID: newUID(), references: Array(references[start..<min(references.count, start + size)]))
        }
    }

    public static func commit(_ references: [CommitmentReference], to address: AssociationAddress, options: CommitmentSCUOptions,
                              events: @escaping @Sendable (CommitmentEvent) -> Void) async throws -> CommitmentRun {
        let requests = transactions(references, perRequest: options.instancesPerRequest)
        let inbox = CommitmentInbox(notice: { events(.notice($0)) })
        var listener: CommitmentListener?
        if let port = options.receivePort {
            listener = try await CommitmentListener.start(host: options.receiveHost, port: port,
                                                          aeTitle: options.receiveAETitle ?? options.requestor.callingAETitle,
                                                          tls: options.receiveTLS, inbox: inbox, events: events)
        }
        let phase = await request(requests, to: address, options: options, inbox: inbox, events: events)
        if let listener {
            await waitForReports(inbox, until: phase.reportDeadline ?? .now + .seconds(options.reportTimeoutSeconds))
            await listener.stop()
        }
        var results: [CommitmentResult] = []
        for request in requests {
            if let why = phase.refused[request.transactionUID] ?? (phase.answered.contains(request.transactionUID) ? nil : phase.unanswered) {
                results += request.references.map {
                    CommitmentResult(reference: $0, transactionUID: request.transactionUID, outcome: .notRequested(why))
                }
            } else {
                results += inbox.results(for: request)
            }
        }
        return CommitmentRun(results: results, networkError: phase.networkError)
    }

    /// What the association of the request did: the transactions answered, those refused (and
    /// why), and the error that ended it early.
    struct RequestPhase {
        var answered = Set<String>()
        var refused: [String: String] = [:]
        var networkError: NetError?
        /// When the wait for the reports ends: the report time-out after the last N-ACTION-RSP.
        var reportDeadline: ContinuousClock.Instant?
        /// Why a transaction whose N-ACTION got no response was not asked.
        var unanswered: String { networkError?.description ?? "the association ended before its N-ACTION" }
    }

    /// One association: every N-ACTION, then the reports on it (with a listener, those that come
    /// to the listener as well: whichever path the peer takes).
    static func request(_ requests: [CommitmentRequest], to address: AssociationAddress, options: CommitmentSCUOptions,
                        inbox: CommitmentInbox, events: @escaping @Sendable (CommitmentEvent) -> Void) async -> RequestPhase {
        var phase = RequestPhase()
        var waitingForReports = false
        let sopClass = StorageCommitment.sopClassUID
        do {
            try await Association.withAssociation(to: address, contexts: [(sopClass, StorageCommitment.transferSyntaxes)],
                                                  options: options.requestor) { session in
                guard let context = session.acceptedContexts.first(where: { $0.abstractSyntax == sopClass }),
                      let syntax = context.transferSyntax else {
                    throw NetError(.rejected, "\(address.aeTitle) did not accept the Storage Commitment Push Model SOP class")
                }
                for request in requests {
                    let bytes: [UInt8]
                    do throws(DicomError) {
                        bytes = try StorageCommitment.encode(StorageCommitment.actionInformation(request), transferSyntax: syntax)
                    } catch {
                        throw NetError(.invalidArgument, "N-ACTION data set: \(error.message)")
                    }
                    inbox.expect(request)
                    let response = try await session.action(sopClassUID: sopClass, sopInstanceUID: StorageCommitment.wellKnownInstanceUID,
                                                            actionTypeID: StorageCommitment.requestActionTypeID, dataSet: bytes)
                    phase.answered.insert(request.transactionUID)
                    let status = response.status ?? DIMSEStatus.cannotUnderstand
                    events(.requested(transactionUID: request.transactionUID, instances: request.references.count, status: status))
                    if DIMSEStatus.kind(status) == .failure {
                        inbox.forget(request.transactionUID)
                        phase.refused[request.transactionUID] = "the peer refused the N-ACTION with status 0x\(hex4(status))"
                            + (response.errorComment.map { ": \($0.trimmingWhitespace())" } ?? "")
                    }
                }
                waitingForReports = true
                let deadline = ContinuousClock.now + .seconds(options.reportTimeoutSeconds)
                phase.reportDeadline = deadline
                try await awaitReports(on: &session, inbox: inbox, until: deadline)
            }
        } catch let error as NetError {
            // Running out of time while waiting for the reports is their absence, not a failure
            // of the association: those instances say "no report". With a listener the reports may
            // still come there: the association of the request ending is then only worth a word.
            if waitingForReports && options.receivePort != nil && error.code != .timedOut {
                events(.notice("the association of the request ended while waiting for the reports (\(error.message)); "
                               + "waiting for them on the listener"))
            } else if !(waitingForReports && error.code == .timedOut) {
                phase.networkError = error
            }
        } catch {
            phase.networkError = NetError(.aborted, "\(error)")
        }
        for request in requests where !phase.answered.contains(request.transactionUID) { inbox.forget(request.transactionUID) }
        return phase
    }

    /// Reports on the association of the request, until every transaction has one (on this
    /// association or, with a listener, on another) or `deadline` has passed; the association is
    /// then released. A report half-way in when the time is up may take a few seconds more.
    static func awaitReports(on session: inout AssociationSession, inbox: CommitmentInbox, until deadline: ContinuousClock.Instant) async throws {
        // Ends the wait on the association when the inbox fills from elsewhere or the time is up.
        let waker = session.waker
        let watcher = Task {
            while inbox.hasPending, !inbox.isComplete, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
            }
            waker.wake()
        }
        defer { watcher.cancel() }
        while inbox.hasPending, !inbox.isComplete {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return }
            // The waker ends the wait at the deadline; this bound is for a report still arriving then.
            let bound = left.components.seconds + (left.components.attoseconds > 0 ? 1 : 0) + reportGraceSeconds
            guard let message = try await session.incomingRequest(waitingSeconds: bound) else { continue }
            let command = message.command
            let response: DIMSECommand
            if command.field == .nEventReportRQ, command.affectedSOPClassUID?.trimmingTrailingSpaces() == StorageCommitment.sopClassUID,
               let bytes = message.dataSet {
                response = StorageCommitment.answerReport(command, bytes: bytes, transferSyntax: session.transferSyntax(ofContext: message.contextID) ?? "",
                                                          peer: session.request.calledAETitle, inbox: inbox)
            } else if command.field == .nEventReportRQ {
                response = .eventReportRSP(to: command, status: command.hasDataSet ? CommitmentStatus.noSuchSOPClass : CommitmentStatus.missingAttribute)
            } else {
                response = .unrecognizedOperationRSP(to: command)
            }
            try await session.respond(response, contextID: message.contextID)
        }
    }

    /// How long past the report time-out a report already arriving on the association of the
    /// request may take to arrive whole.
    static let reportGraceSeconds: Int64 = 5

    /// Waits (polling the inbox, which the listener fills) until every transaction has its report
    /// or `deadline` has passed.
    static func waitForReports(_ inbox: CommitmentInbox, until deadline: ContinuousClock.Instant) async {
        while inbox.hasPending, !inbox.isComplete, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
