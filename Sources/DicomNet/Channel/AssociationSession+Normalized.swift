import DicomCore

extension AssociationSession {
    /// N-ACTION (PS3.7 10.1.4): the request with its Action Information data set (already encoded
    /// in the accepted context's transfer syntax), then the N-ACTION-RSP, whose status the caller
    /// judges.
    public mutating func action(sopClassUID: String, sopInstanceUID: String, actionTypeID: UInt16,
                                dataSet: [UInt8]) async throws -> DIMSECommand {
        let id = nextMessageID
        nextMessageID &+= 1
        let command = DIMSECommand.actionRQ(messageID: id, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID,
                                            actionTypeID: actionTypeID)
        let response = try await request(command, dataSet: dataSet, abstractSyntax: sopClassUID)
        guard response.command.field == .nActionRSP else {
            throw NetError(.unexpectedPDU, "answer to N-ACTION-RQ has command field 0x\(String(response.command.commandField, radix: 16))")
        }
        return response.command
    }

    /// N-EVENT-REPORT (PS3.7 10.1.1) as its invoker: the request with its Event Information, then
    /// the response, whose status the caller judges.
    public mutating func eventReport(sopClassUID: String, sopInstanceUID: String, eventTypeID: UInt16,
                                     dataSet: [UInt8]) async throws -> DIMSECommand {
        let id = nextMessageID
        nextMessageID &+= 1
        let command = DIMSECommand.eventReportRQ(messageID: id, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID,
                                                 eventTypeID: eventTypeID)
        let response = try await request(command, dataSet: dataSet, abstractSyntax: sopClassUID)
        guard response.command.field == .nEventReportRSP else {
            throw NetError(.unexpectedPDU, "answer to N-EVENT-REPORT-RQ has command field 0x\(String(response.command.commandField, radix: 16))")
        }
        return response.command
    }

    /// The transfer syntax of the accepted context `contextID` (how a data set on it is encoded).
    public func transferSyntax(ofContext contextID: UInt8) -> String? {
        negotiated?.context(id: contextID)?.transferSyntax
    }

    /// Waits up to `seconds` for a request the peer invokes on this association (an SCP may send
    /// its N-EVENT-REPORT on the association of the N-ACTION, PS3.4 J.3.3), with its data set of
    /// at most `maxDataSetLength` bytes; nil when the session's `waker` ended the wait first (before
    /// a request began to arrive). When the wait runs out the channel is closed (the association
    /// is over) and `Association.withAssociation` throws the time-out.
    public mutating func incomingRequest(waitingSeconds seconds: Int64, maxDataSetLength: Int = 1 << 24) async throws -> DIMSEMessage? {
        if !heldRequests.isEmpty { return heldRequests.removeFirst() }
        let timer = deadline.arm(seconds, waitingFor: "a request from the peer")
        defer { timer.cancel() }
        let message: DIMSEMessage
        do {
            message = try await nextMessage(maxDataSetLength: maxDataSetLength, waitingFor: "a request from the peer", wakeable: true)
        } catch is SessionWoken {
            return nil
        }
        guard !message.command.isResponse else {
            try await refuse(NetError(.unexpectedPDU, "a response (command field 0x\(String(message.command.commandField, radix: 16))) to no request of ours",
                                      abortReason: .unexpectedPDUParameter))
        }
        return message
    }

    /// Answers a request the peer invoked (no data set in the response).
    public mutating func respond(_ response: DIMSECommand, contextID: UInt8) async throws {
        try await send(PDVFragmenter.dataTFs(command: response, dataSet: nil, contextID: contextID, maxPDULength: maxSendLength))
    }
}
