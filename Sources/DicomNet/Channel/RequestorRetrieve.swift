import DicomCore
import NIOCore

extension DIMSECommand {
    /// C-GET-RQ (PS3.7 9.3.3.1): an identifier follows.
    public static func getRQ(messageID: UInt16, sopClassUID: String, priority: UInt16 = priorityMedium) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cGetRQ, hasDataSet: true)
        c.affectedSOPClassUID = sopClassUID
        c.messageID = messageID
        c.priority = priority
        return c
    }
}

/// The sub-operation counts of a C-GET or C-MOVE response (PS3.7 9.3.3.2).
public struct SubOperationCounts: Sendable, Equatable {
    public var remaining: Int?
    public var completed: Int?
    public var failed: Int?
    public var warning: Int?

    /// Sub-operations that stored an instance: completed, with or without a warning.
    public var done: Int { (completed ?? 0) + (warning ?? 0) }
}

/// How a C-GET ended: its final response, its counts, and the identifier it carried (the Failed
/// SOP Instance UID List, when sub-operations failed).
public struct RetrieveEnd: Sendable {
    public var response: DIMSECommand
    public var counts: SubOperationCounts
    public var identifier: [UInt8]?
    /// Whether we had asked for a cancel.
    public var cancelled = false
}

extension AssociationSession {
    /// C-GET (PS3.7 9.1.3) on the accepted context of `sopClassUID`: sends `identifier` (in the
    /// context's transfer syntax), then serves the C-STORE sub-operations the peer sends on this
    /// association (we are their SCP by role selection) through `storage`, as the acceptor serves
    /// its requests: `begin`, each data set fragment as it arrives, `endDataSet` for the response.
    /// Each pending C-GET-RSP's counts go to `onProgress`; when it returns false a C-CANCEL-RQ goes
    /// out (sub-operations still sent are served, later answers of `onProgress` ignored). Returns
    /// at the final C-GET-RSP.
    ///
    /// Bounds: each wait lasts the DIMSE time-out at most, and pending responses that count no new
    /// sub-operation done do not extend it (only instances and progress do); after a cancel the
    /// final response must come within one DIMSE time-out in all; a response identifier may not exceed
    /// `maxIdentifierLength`; a C-STORE-RQ on a context that is not a storage context we offered,
    /// or a response to another request, breaks the protocol.
    public mutating func get(sopClassUID: String, identifier: [UInt8], maxIdentifierLength: Int, storage: any AssociationService,
                             onProgress: (SubOperationCounts) async -> Bool) async throws -> RetrieveEnd {
        guard let context = negotiated?.context(abstractSyntax: sopClassUID), let negotiated else {
            let why = negotiated?.contexts.first { $0.abstractSyntax == sopClassUID }.map { $0.result.description } ?? "not proposed"
            throw NetError(.rejected, "the peer accepted no presentation context for \(sopClassUID) (\(why))")
        }
        let id = nextMessageID
        nextMessageID &+= 1
        let request = DIMSECommand.getRQ(messageID: id, sopClassUID: sopClassUID)
        try await send(PDVFragmenter.dataTFs(command: request, dataSet: identifier, contextID: context.id, maxPDULength: maxSendLength))
        var assembler = DIMSEAssembler(acceptedContextIDs: Set(negotiated.accepted.map(\.id)))
        // What the data set fragments being received belong to.
        enum Receiving {
            case nothing
            case response(DIMSECommand, [UInt8])
            case store(DIMSERequest, refusal: DIMSECommand?)
        }
        var receiving = Receiving.nothing
        // Each PDU that carries a sub-operation (a C-STORE-RQ or its data) or a pending response
        // with progress re-arms the wait; pending responses repeating the same counts do not.
        let seconds = options.dimseTimeoutSeconds, deadline = self.deadline
        var progress = SubOperationProgress()
        func armWait() -> Scheduled<Void> {
            progress.responses == 0
                ? deadline.arm(seconds, waitingFor: "the peer during C-GET message \(id) (DIMSE)")
                : deadline.arm(seconds, expiry: "no progress for \(seconds) s in the C-GET of message \(id): \(progress.responses) pending "
                               + "response\(progress.responses == 1 ? "" : "s") but no instance and no new completed, failed or warning "
                               + "sub-operation (DIMSE)")
        }
        var wait = armWait()
        defer { wait.cancel() }
        var cancelled = false
        // A pending response's counts to the caller, and the cancel it may ask for.
        func progressed(_ counts: SubOperationCounts, _ session: inout AssociationSession) async throws {
            let wantsMore = await onProgress(counts)
            guard !wantsMore, !cancelled else { return }
            cancelled = true
            wait.cancel()
            wait = try await session.cancel(id, contextID: context.id)
        }
        while true {
            let pdv = try await nextPDV(waitingFor: "a C-GET-RSP to message \(id) or a C-STORE-RQ")
            var advanced = false
            defer {
                if advanced && !cancelled {
                    wait.cancel()
                    wait = armWait()
                }
            }
            let output: DIMSEAssembler.Output?
            do throws(NetError) {
                output = try assembler.append(pdv)
            } catch {
                try await refuse(error)
            }
            switch output {
            case nil:
                continue
            case .command(let contextID, let command)?:
                if command.field == .cGetRSP {
                    guard command.messageIDBeingRespondedTo == id else {
                        try await refuse(NetError(.unexpectedPDU, "a C-GET-RSP to message \(command.messageIDBeingRespondedTo.map(String.init) ?? "none"), "
                                                  + "expected \(id)", abortReason: .unexpectedPDUParameter))
                    }
                    guard let status = command.status else {
                        try await refuse(NetError(.malformedPDU, "a C-GET-RSP without a Status", abortReason: .invalidPDUParameterValue))
                    }
                    if command.hasDataSet {
                        receiving = .response(command, [])
                    } else if DIMSEStatus.kind(status) == .pending {
                        if progress.advances(command.subOperationCounts) { advanced = true }
                        try await progressed(command.subOperationCounts, &self)
                    } else {
                        return RetrieveEnd(response: command, counts: command.subOperationCounts, identifier: nil, cancelled: cancelled)
                    }
                } else if command.field == .cStoreRQ {
                    advanced = true
                    guard let storeContext = negotiated.context(id: contextID), let syntax = storeContext.transferSyntax,
                          storeContext.abstractSyntax != sopClassUID, negotiated.roles(for: storeContext.abstractSyntax).requestorIsSCP else {
                        try await refuse(NetError(.unexpectedPDU, "a C-STORE-RQ on presentation context \(contextID), which is not a storage context "
                                                  + "we offered as SCP", abortReason: .unexpectedPDUParameter))
                    }
                    let store = DIMSERequest(command: command, contextID: contextID, abstractSyntax: storeContext.abstractSyntax,
                                             transferSyntax: syntax)
                    let refusal = await storage.begin(store)
                    if command.hasDataSet {
                        receiving = .store(store, refusal: refusal)
                    } else {
                        let answer = refusal ?? .storeRSP(to: command, status: DIMSEStatus.cannotUnderstand, errorComment: "no data set")
                        try await send(PDVFragmenter.dataTFs(command: answer, dataSet: nil, contextID: contextID, maxPDULength: maxSendLength))
                    }
                } else {
                    try await refuse(NetError(.unexpectedPDU, "a command 0x\(hex4(command.commandField)) during a C-GET",
                                              abortReason: .unexpectedPDUParameter))
                }
            case .dataSetFragment(_, let bytes, let isLast)?:
                switch receiving {
                case .nothing:
                    try await refuse(NetError(.unexpectedPDU, "a data set fragment without its command", abortReason: .unexpectedPDUParameter))
                case .response(let command, var data):
                    guard bytes.count <= maxIdentifierLength - data.count else {
                        try await refuse(NetError(.pduTooLarge, "a C-GET-RSP identifier longer than \(maxIdentifierLength) bytes", abortReason: .notSpecified))
                    }
                    data += bytes
                    receiving = .response(command, data)
                    guard isLast else { continue }
                    receiving = .nothing
                    if DIMSEStatus.kind(command.status ?? 0) == .pending {
                        if progress.advances(command.subOperationCounts) { advanced = true }
                        try await progressed(command.subOperationCounts, &self)
                    } else {
                        return RetrieveEnd(response: command, counts: command.subOperationCounts, identifier: data, cancelled: cancelled)
                    }
                case .store(let store, let refusal):
                    advanced = true
                    if refusal == nil { await storage.dataSetFragment(bytes) }
                    guard isLast else { continue }
                    receiving = .nothing
                    let answer: DIMSECommand
                    if let refusal { answer = refusal } else { answer = await storage.endDataSet() }
                    try await send(PDVFragmenter.dataTFs(command: answer, dataSet: nil, contextID: store.contextID, maxPDULength: maxSendLength))
                }
            }
        }
    }
}

extension DIMSECommand {
    /// The Number of Remaining, Completed, Failed and Warning Sub-operations this response carries.
    public var subOperationCounts: SubOperationCounts {
        SubOperationCounts(remaining: remainingSubOperations.map(Int.init(widening:)), completed: completedSubOperations.map(Int.init(widening:)),
                           failed: failedSubOperations.map(Int.init(widening:)), warning: warningSubOperations.map(Int.init(widening:)))
    }
}
