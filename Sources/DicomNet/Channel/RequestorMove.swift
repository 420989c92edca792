import DicomCore
import NIOCore

extension DIMSECommand {
    /// C-MOVE-RQ (PS3.7 9.3.4.1): the instances the identifier names go to `destination`.
    public static func moveRQ(messageID: UInt16, sopClassUID: String, destination: String, priority: UInt16 = priorityMedium) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cMoveRQ, hasDataSet: true)
        c.affectedSOPClassUID = sopClassUID
        c.messageID = messageID
        c.priority = priority
        c.moveDestination = destination
        return c
    }
}

/// A C-MOVE's final response and the identifier it carried (the Failed SOP Instance UID List),
/// and whether we had asked for a cancel.
public struct MoveEnd: Sendable {
    public var response: DIMSECommand
    public var identifier: [UInt8]?
    public var cancelled = false
}

extension AssociationSession {
    /// C-MOVE (PS3.7 9.1.4) on the accepted context of `sopClassUID`: sends `identifier` (in the
    /// context's transfer syntax) asking the peer to store what it names at `destination`, then
    /// hands each pending response (its sub-operation counts) to `onPending` until the final one.
    /// When `onPending` returns false, a C-CANCEL-RQ goes out (the pending responses after it are
    /// still handed over, their answer ignored).
    /// Bounds: the first response, and each pending response after it that counts more sub-operations
    /// done (completed + failed + warning) than any before, must come within the DIMSE time-out;
    /// pending responses that show no progress do not extend the wait; after a cancel the final
    /// response must come within one DIMSE time-out in all. Responses other than C-MOVE-RSPs to
    /// this request, or an identifier over `maxIdentifierLength`, break the protocol.
    public mutating func move(sopClassUID: String, destination: String, identifier: [UInt8], maxIdentifierLength: Int = 1 << 22,
                              onPending: (DIMSECommand) async throws -> Bool) async throws -> MoveEnd {
        guard let context = negotiated?.context(abstractSyntax: sopClassUID) else {
            let why = negotiated?.contexts.first { $0.abstractSyntax == sopClassUID }.map { $0.result.description } ?? "not proposed"
            throw NetError(.rejected, "the peer accepted no presentation context for \(sopClassUID) (\(why))")
        }
        let id = nextMessageID
        nextMessageID &+= 1
        let request = DIMSECommand.moveRQ(messageID: id, sopClassUID: sopClassUID, destination: destination)
        try await send(PDVFragmenter.dataTFs(command: request, dataSet: identifier, contextID: context.id, maxPDULength: maxSendLength))
        // One wait runs until the final response or the next pending response that shows progress:
        // a peer repeating the same counts (or none) for ever is given up after one DIMSE time-out.
        let seconds = options.dimseTimeoutSeconds, deadline = self.deadline
        func armWait(_ progress: SubOperationProgress) -> Scheduled<Void> {
            progress.responses == 0
                ? deadline.arm(seconds, waitingFor: "the next response to C-MOVE message \(id) (DIMSE)")
                : deadline.arm(seconds, expiry: "no progress for \(seconds) s in the C-MOVE of message \(id): \(progress.responses) pending "
                               + "response\(progress.responses == 1 ? "" : "s") but no new completed, failed or warning sub-operation (DIMSE)")
        }
        var progress = SubOperationProgress()
        var wait = armWait(progress)
        defer { wait.cancel() }
        var cancelled = false
        while true {
            let (message, status) = try await nextResponse(to: id, field: .cMoveRSP, maxIdentifierLength: maxIdentifierLength)
            let response = message.command
            guard DIMSEStatus.kind(status) == .pending else {
                return MoveEnd(response: response, identifier: message.dataSet, cancelled: cancelled)
            }
            if progress.advances(response.subOperationCounts), !cancelled {
                wait.cancel()
                wait = armWait(progress)
            }
            let wantsMore = try await onPending(response)
            if !wantsMore, !cancelled {
                cancelled = true
                wait.cancel()
                wait = try await cancel(id, contextID: context.id)
            }
        }
    }
}

/// The pending responses of a retrieve so far, and the most sub-operations done that one counted.
struct SubOperationProgress {
    private(set) var responses = 0
    private var mostDone = -1

    /// Counts one more pending response: true when it counts more sub-operations done than any
    /// before (the first one with counts does). Counts are 16-bit, so a peer can show progress
    /// only so many times.
    mutating func advances(_ counts: SubOperationCounts) -> Bool {
        responses += 1
        guard counts.completed != nil || counts.failed != nil || counts.warning != nil else { return false }
        let done = (counts.completed ?? 0) + (counts.failed ?? 0) + (counts.warning ?? 0)
        guard done > mostDone else { return false }
        mostDone = done
        return true
    }
}
