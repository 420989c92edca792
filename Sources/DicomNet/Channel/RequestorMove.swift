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

/// A C-MOVE's final response and the identifier it carried (the Failed SOP Instance UID List).
public struct MoveEnd: Sendable {
    public var response: DIMSECommand
    public var identifier: [UInt8]?
}

extension AssociationSession {
    /// C-MOVE (PS3.7 9.1.4) on the accepted context of `sopClassUID`: sends `identifier` (in the
    /// context's transfer syntax) asking the peer to store what it names at `destination`, then
    /// hands each pending response (its sub-operation counts) to `onPending` until the final one.
    /// Each wait lasts the DIMSE time-out at most; responses other than C-MOVE-RSPs to this
    /// request, or an identifier over `maxIdentifierLength`, break the protocol.
    public mutating func move(sopClassUID: String, destination: String, identifier: [UInt8], maxIdentifierLength: Int = 1 << 22,
                              onPending: (DIMSECommand) async throws -> Void) async throws -> MoveEnd {
        guard let context = negotiated?.context(abstractSyntax: sopClassUID) else {
            let why = negotiated?.contexts.first { $0.abstractSyntax == sopClassUID }.map { $0.result.description } ?? "not proposed"
            throw NetError(.rejected, "the peer accepted no presentation context for \(sopClassUID) (\(why))")
        }
        let id = nextMessageID
        nextMessageID &+= 1
        let request = DIMSECommand.moveRQ(messageID: id, sopClassUID: sopClassUID, destination: destination)
        try await send(PDVFragmenter.dataTFs(command: request, dataSet: identifier, contextID: context.id, maxPDULength: maxSendLength))
        var collector = DIMSEMessageCollector(acceptedContextIDs: Set(negotiated?.accepted.map(\.id) ?? []),
                                              maxDataSetLength: maxIdentifierLength)
        while true {
            let wait = deadline.arm(options.dimseTimeoutSeconds, waitingFor: "the next response to C-MOVE message \(id) (DIMSE)")
            let pdu = try await receive()
            wait.cancel()
            guard case .dataTF(let tf) = pdu else {
                if case .abort(let reason) = pdu { throw NetError(.aborted, "the peer aborted the association: \(reason)") }
                throw NetError(.unexpectedPDU, "\(pdu.type) while waiting for a C-MOVE response")
            }
            for pdv in tf.values {
                guard let message = try collector.append(pdv) else { continue }
                let response = message.command
                guard response.field == .cMoveRSP, response.messageIDBeingRespondedTo == id else {
                    throw NetError(.unexpectedPDU, "a command 0x\(hex4(response.commandField)) answering message "
                                   + "\(response.messageIDBeingRespondedTo.map(String.init) ?? "none") where a C-MOVE-RSP to \(id) was expected",
                                   abortReason: .unexpectedPDUParameter)
                }
                guard let status = response.status else {
                    throw NetError(.malformedPDU, "a C-MOVE-RSP without a Status", abortReason: .invalidPDUParameterValue)
                }
                guard DIMSEStatus.kind(status) == .pending else { return MoveEnd(response: response, identifier: message.dataSet) }
                try await onPending(response)
            }
        }
    }
}
