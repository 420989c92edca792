import DicomCore
import DicomIO
import DicomNet

/// How `move` asks: the peer, where the instances go, and (to ourselves) the receiver that takes them.
public struct MoveOptions: Sendable {
    public var requestor = RequestorOptions()
    /// The Move Destination AE title: a third AE the peer knows, or ours with `receiver`.
    public var destination: String
    /// With a receiver, the instances come to this process: a storage SCP run alongside the
    /// C-MOVE (answering to `destination`), writing through receive's writer.
    public var receiver: StorageSCPConfiguration?
    /// Sub-operations done (completed or with a warning, as the pending responses count them) after
    /// which the C-MOVE in progress is cancelled (C-CANCEL) and no further one is sent; nil: all.
    public var limit: Int?

    public init(destination: String) { self.destination = destination }
}

/// The sub-operation counts of a C-MOVE response (PS3.7 9.1.4.1.6-9): nil when the peer left one out.
public struct MoveCounts: Sendable, Equatable {
    public var remaining: Int?
    public var completed: Int?
    public var failed: Int?
    public var warning: Int?

    init(_ c: DIMSECommand) {
        remaining = c.remainingSuboperations.map { Int(widening: $0) }
        completed = c.completedSuboperations.map { Int(widening: $0) }
        failed = c.failedSuboperations.map { Int(widening: $0) }
        warning = c.warningSuboperations.map { Int(widening: $0) }
    }

    /// Sub-operations that stored an instance: completed, with or without a warning.
    public var done: Int { (completed ?? 0) + (warning ?? 0) }
}

/// What the move did.
public struct MoveResult: Sendable {
    public var status: UInt16
    public var errorComment: String?
    public var counts: MoveCounts
    /// The final response's Failed SOP Instance UID List, when it sent one.
    public var failedInstances: [String]
    /// Pending responses seen.
    public var pendingResponses: Int
    /// Why the in-process receiver stopped, when there was one.
    public var receiverOutcome: StorageSCP.Outcome?
    /// The limit was reached: we sent C-CANCEL (the peer may have finished first all the same).
    public var cancelled = false
}

public enum MoveEvent: Sendable {
    case pending(MoveCounts)
    case receiver(StorageEvent)
}

/// C-MOVE SCU (PS3.4 C.4.2): to a third AE, or to this process's own receiver.
public enum MoveSCU {
    static let syntaxes = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

    /// The C-MOVE identifier of `request`: its level and the keys given with a value (C-MOVE takes
    /// unique keys, PS3.4 C.4.2.2.1; return keys mean nothing to it).
    public static func identifier(_ request: QueryRequest) throws(DicomError) -> (dataset: Dataset, sopClassUID: String) {
        guard let sopClass = request.model.moveSOPClassUID else {
            throw DicomError(.usage, "the \(request.model.name) model has no C-MOVE")
        }
        var dataset = try request.identifier().dataset
        dataset.removeAll { element in
            element.tag != .queryRetrieveLevel && element.tag != .specificCharacterSet && (element.valueBytes?.count ?? 1) == 0
        }
        return (dataset, sopClass)
    }

    /// Whether `keys` name what to move at `level` by unique keys alone (PS3.4 C.4.2.2.1): the
    /// level's unique key, and no key with a value but the unique keys of that level and those above
    /// it, none with a wild card. Others are resolved with C-FIND first.
    public static func hasUniqueKeys(_ keys: [QueryKey], level: QueryLevel, model: QueryModel) -> Bool {
        let allowed = Set(model.requiredKeys(at: level))
        var given = Set<Tag>()
        for key in keys where !key.value.isEmpty {
            guard let tag = key.topLevelTag, allowed.contains(tag), !key.value.contains(where: { $0 == "*" || $0 == "?" }) else { return false }
            given.insert(tag)
        }
        return given.contains(level.uniqueKey)
    }

    public static func move(_ request: QueryRequest, at address: AssociationAddress, options: MoveOptions,
                            events: @escaping @Sendable (MoveEvent) -> Void) async throws -> MoveResult {
        let results = MoveResults()
        let outcome = try await move([request], at: address, options: options, events: events) { _, result in results.append(result) }
        guard var result = results.items.first else { throw NetError(.aborted, "the C-MOVE ended without a final response") }
        result.receiverOutcome = outcome
        return result
    }

    /// C-MOVEs `requests` one after the other on one association (and, with a receiver, into one
    /// receiver), each request's result to `onResult` with its index. Returns the receiver's outcome.
    public static func move(_ requests: [QueryRequest], at address: AssociationAddress, options: MoveOptions,
                            events: @escaping @Sendable (MoveEvent) -> Void,
                            onResult: @escaping @Sendable (Int, MoveResult) -> Void) async throws -> StorageSCP.Outcome? {
        var identifiers: [Dataset] = []
        var sopClass = ""
        for request in requests {
            let (dataset, uid) = try identifier(request)
            identifiers.append(dataset)
            sopClass = uid
        }
        guard !identifiers.isEmpty else { return nil }
        var receiver: StorageSCP?
        var serving: Task<StorageSCP.Outcome, any Error>?
        if let configuration = options.receiver {
            let listening = ListeningFlag()
            let scp = StorageSCP(configuration: configuration) { event in
                if case .listening = event { listening.set() }
                events(.receiver(event))
            }
            receiver = scp
            serving = Task {
                defer { listening.end() }
                return try await scp.run()
            }
            // The peer connects as soon as it has matches: the receiver must listen first (one
            // that cannot listen ends at once, with its error).
            while !listening.isSet {
                if listening.hasEnded, let serving { _ = try await serving.value }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        do {
            try await Association.withAssociation(to: address, contexts: [(sopClass, syntaxes)], options: options.requestor) { session in
                guard let used = session.negotiated?.context(abstractSyntax: sopClass)?.transferSyntax.flatMap(TransferSyntax.init(uid:)) else {
                    throw NetError(.rejected, "the peer refused the \(UIDDictionary.entry(for: sopClass)?.name ?? sopClass) context")
                }
                // Sub-operations done by the C-MOVEs that ended, for the limit.
                var doneBefore = 0
                for (index, dataset) in identifiers.enumerated() {
                    if let limit = options.limit, doneBefore >= limit { break }
                    var sink = MemorySink()
                    do throws(DicomError) { try DatasetWriter(syntax: used).writeBare(dataset, to: &sink) } catch {
                        throw NetError(.invalidArgument, "the identifier: \(error.description)")
                    }
                    var pending = 0
                    let end = try await session.move(sopClassUID: sopClass, destination: options.destination, identifier: sink.bytes) { response in
                        pending += 1
                        let counts = MoveCounts(response)
                        events(.pending(counts))
                        return options.limit.map { doneBefore + counts.done < $0 } ?? true
                    }
                    doneBefore += MoveCounts(end.response).done
                    var failed: [String] = []
                    if let bytes = end.identifier,
                       let ds = try? BareDatasetReader.read(bytes, encoding: DatasetEncoding(explicitVR: used.isExplicitVR, bigEndian: used.isBigEndian),
                                                            name: "C-MOVE-RSP identifier") {
                        failed = ds.strings(.failedSOPInstanceUIDList)?.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty } ?? []
                    }
                    onResult(index, MoveResult(status: end.response.status ?? DIMSEStatus.cannotUnderstand, errorComment: end.response.errorComment,
                                               counts: MoveCounts(end.response), failedInstances: failed, pendingResponses: pending,
                                               receiverOutcome: nil, cancelled: end.cancelled))
                }
            }
        } catch {
            receiver?.stop(reason: "the move failed")
            _ = try? await serving?.value
            receiver?.finish()
            throw error
        }
        guard let receiver, let serving else { return nil }
        // The peer stores every instance before its final response: all are in.
        receiver.stop(reason: "the move is complete")
        let outcome = try await serving.value
        receiver.finish()
        return outcome
    }
}

/// The results of the moves, as they end.
final class MoveResults: @unchecked Sendable {
    private let lock = Lock()
    private var stored: [MoveResult] = []
    func append(_ r: MoveResult) { lock.withLock { stored.append(r) } }
    var items: [MoveResult] { lock.withLock { stored } }
}

/// Set by the receiver's `listening` event, and when its run ends.
final class ListeningFlag: @unchecked Sendable {
    private let lock = Lock()
    private var value = false
    private var ended = false
    func set() { lock.withLock { value = true } }
    func end() { lock.withLock { ended = true } }
    var isSet: Bool { lock.withLock { value } }
    var hasEnded: Bool { lock.withLock { ended } }
}
