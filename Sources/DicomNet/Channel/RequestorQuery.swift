import DicomCore
import NIOCore

extension DIMSECommand {
    /// C-FIND-RQ (PS3.7 9.3.2.1): an identifier follows.
    public static func findRQ(messageID: UInt16, sopClassUID: String, priority: UInt16 = priorityMedium) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cFindRQ, hasDataSet: true)
        c.affectedSOPClassUID = sopClassUID
        c.messageID = messageID
        c.priority = priority
        return c
    }

    /// C-CANCEL-RQ (PS3.7 9.3.2.3) for the operation `messageID`: a command set alone.
    public static func cancelRQ(respondingTo messageID: UInt16) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cCancelRQ, hasDataSet: false)
        c.messageIDBeingRespondedTo = messageID
        return c
    }
}

/// How a C-FIND ended: its final response, and whether we had asked for a cancel.
public struct FindEnd: Sendable {
    public var response: DIMSECommand
    public var cancelled: Bool
    /// Pending responses the peer sent after the C-CANCEL-RQ (dropped, not matches).
    public var droppedAfterCancel: Int
}

extension AssociationSession {
    /// C-FIND (PS3.7 9.1.2) on the accepted context of `sopClassUID`: sends `identifier` (already in
    /// the context's transfer syntax), then hands each pending response (0xFF00, 0xFF01) to
    /// `onPending` as it arrives, so a caller writes matches out and holds none. When `onPending`
    /// returns false, a C-CANCEL-RQ goes out and the matches that still come are dropped.
    ///
    /// Bounds: an identifier longer than `maxIdentifierLength` ends the association (A-ABORT); each
    /// wait for a response lasts the DIMSE time-out at most; after a cancel, the final response
    /// must come within one DIMSE time-out in all, however many pending responses the peer keeps
    /// sending. Responses that are not C-FIND-RSPs to this request break the protocol.
    public mutating func find(sopClassUID: String, identifier: [UInt8], maxIdentifierLength: Int,
                              onPending: (DIMSECommand, [UInt8]?) async throws -> Bool) async throws -> FindEnd {
        guard let context = negotiated?.context(abstractSyntax: sopClassUID) else {
            let why = negotiated?.contexts.first { $0.abstractSyntax == sopClassUID }.map { $0.result.description } ?? "not proposed"
            throw NetError(.rejected, "the peer accepted no presentation context for \(sopClassUID) (\(why))")
        }
        let id = nextMessageID
        nextMessageID &+= 1
        let request = DIMSECommand.findRQ(messageID: id, sopClassUID: sopClassUID)
        try await send(PDVFragmenter.dataTFs(command: request, dataSet: identifier, contextID: context.id, maxPDULength: maxSendLength))
        var cancelled = false, dropped = 0
        // After the cancel one deadline covers the rest: pending responses do not extend it.
        var cancelDeadline: Scheduled<Void>?
        defer { cancelDeadline?.cancel() }
        while true {
            // Until a cancel, the DIMSE time-out bounds each wait for a PDU: a long identifier that
            // keeps arriving is not cut.
            let idle = cancelDeadline == nil
                ? (seconds: options.dimseTimeoutSeconds, waitingFor: "the next response to C-FIND message \(id) (DIMSE)") : nil
            let (message, status) = try await nextResponse(to: id, field: .cFindRSP, maxIdentifierLength: maxIdentifierLength, idle: idle)
            let response = message.command
            guard DIMSEStatus.kind(status) == .pending else {
                return FindEnd(response: response, cancelled: cancelled, droppedAfterCancel: dropped)
            }
            if cancelled {
                dropped += 1
                continue
            }
            let wantsMore = try await onPending(response, message.dataSet)
            if !wantsMore {
                cancelled = true
                cancelDeadline = try await cancel(id, contextID: context.id)
            }
        }
    }

    /// Sends C-CANCEL-RQ for the operation `id` (C-FIND, C-GET, C-MOVE) and arms the one wait
    /// (DIMSE time-out) its final response must come within, whatever the peer sends meanwhile.
    mutating func cancel(_ id: UInt16, contextID: UInt8) async throws -> Scheduled<Void> {
        try await send(PDVFragmenter.dataTFs(command: .cancelRQ(respondingTo: id), dataSet: nil, contextID: contextID, maxPDULength: maxSendLength))
        return deadline.arm(options.dimseTimeoutSeconds, waitingFor: "the final response after C-CANCEL of message \(id) (DIMSE)")
    }
}
