import DicomCore

/// Reading what the peer sends on a requestor's association. Every wait goes through `nextPDV`,
/// which keeps the PDVs of a P-DATA-TF that the current message did not use: PS3.8 9.3.5 lets one
/// P-DATA-TF carry several PDVs, so the end of one message and the start of the next (a final
/// C-FIND-RSP and nothing else, but also an N-ACTION-RSP and the N-EVENT-REPORT-RQ after it) may
/// share a PDU. Nothing read is ever dropped between two calls.
extension AssociationSession {
    /// The next PDV from the peer: what is left of the last P-DATA-TF first, then the next
    /// P-DATA-TF. The caller's deadline bounds the wait, and `idleSeconds`, when given, each wait
    /// for a PDU (so a long message that keeps arriving is never cut, however slow the machine);
    /// any other PDU ends it (`waitingFor` says what was awaited). A `wakeable` wait may be ended
    /// by the session's `waker` (`SessionWoken`).
    mutating func nextPDV(waitingFor what: String, idleSeconds: Int64? = nil, wakeable: Bool = false) async throws -> PDV {
        while true {
            if let pdv = unread.popFirst() { return pdv }
            let pdu: PDU
            if let idleSeconds {
                let timer = deadline.arm(idleSeconds, waitingFor: what)
                defer { timer.cancel() }
                pdu = try await receive(wakeable: wakeable)
            } else {
                pdu = try await receive(wakeable: wakeable)
            }
            guard case .dataTF(let tf) = pdu else {
                if case .abort(let reason) = pdu { throw NetError(.aborted, "the peer aborted the association: \(reason)") }
                throw NetError(.unexpectedPDU, "\(pdu.type) while waiting for \(what)")
            }
            unread = tf.values[...]
        }
    }

    /// The next whole message, its data set at most `maxDataSetLength` bytes (a longer one is
    /// `dataSetName` "longer than ..."); the PDVs after it stay for the next call. A PDV that
    /// breaks the protocol aborts the association with the reason, then throws. A `wakeable` wait
    /// may be ended by the session's `waker` before the message begins, never half-way through it.
    mutating func nextMessage(maxDataSetLength: Int, dataSetName: String = "a data set", waitingFor what: String,
                              idleSeconds: Int64? = nil, wakeable: Bool = false) async throws -> DIMSEMessage {
        // Between two calls no message is half-read, so each begins with an idle collector.
        var collector = DIMSEMessageCollector(acceptedContextIDs: acceptedContextIDs, maxDataSetLength: maxDataSetLength)
        while true {
            let pdv = try await nextPDV(waitingFor: what, idleSeconds: idleSeconds, wakeable: wakeable && collector.assembler.isIdle)
            do throws(NetError) {
                if let message = try collector.append(pdv) { return message }
            } catch {
                let named = error.code == .pduTooLarge
                    ? NetError(.pduTooLarge, "\(dataSetName) longer than \(maxDataSetLength) bytes", abortReason: error.abortReason ?? .notSpecified)
                    : error
                try await abort(named.abortReason ?? .unexpectedPDUParameter)
                throw named
            }
        }
    }

    /// The next response to message `id` of an operation with several responses (C-FIND, C-MOVE):
    /// it must be a `field` answering `id` and carry a Status, and its identifier may not exceed
    /// `maxIdentifierLength` bytes; anything else aborts the association. The caller arms the wait,
    /// or gives `idle` to bound each wait for a PDU (its seconds, and what the expiry says was awaited).
    mutating func nextResponse(to id: UInt16, field: CommandField, maxIdentifierLength: Int,
                               idle: (seconds: Int64, waitingFor: String)? = nil) async throws -> (DIMSEMessage, status: UInt16) {
        let name = field.name
        let message = try await nextMessage(maxDataSetLength: maxIdentifierLength, dataSetName: "a \(name) identifier",
                                            waitingFor: idle?.waitingFor ?? "a \(name) to message \(id)", idleSeconds: idle?.seconds)
        let response = message.command
        guard response.field == field, response.messageIDBeingRespondedTo == id else {
            try await refuse(NetError(.unexpectedPDU, "a command 0x\(hex4(response.commandField)) answering message "
                                      + "\(response.messageIDBeingRespondedTo.map(String.init) ?? "none") where a \(name) to \(id) was expected",
                                      abortReason: .unexpectedPDUParameter))
        }
        guard let status = response.status else {
            try await refuse(NetError(.malformedPDU, "a \(name) without a Status", abortReason: .invalidPDUParameterValue))
        }
        return (message, status)
    }

    /// Waits (DIMSE time-out) for the next response to any outstanding request; a response to a
    /// request not outstanding aborts the association. A request from the peer is held for
    /// `incomingRequest` (a few at most: more abort the association).
    mutating func nextResponse() async throws -> DIMSEMessage {
        let ids = outstanding.sorted().map(String.init).joined(separator: ", ")
        let timer = deadline.arm(options.dimseTimeoutSeconds, waitingFor: "the response to message \(ids.isEmpty ? "-" : ids) (DIMSE)")
        defer { timer.cancel() }
        var message = try await nextMessage(maxDataSetLength: 1 << 24, waitingFor: "a DIMSE response")
        while !message.command.isResponse {
            guard heldRequests.count < Self.maxHeldRequests else {
                try await refuse(NetError(.unexpectedPDU, "more than \(Self.maxHeldRequests) requests from the peer while waiting for "
                                          + "the response to message \(ids.isEmpty ? "-" : ids)", abortReason: .unexpectedPDU))
            }
            heldRequests.append(message)
            message = try await nextMessage(maxDataSetLength: 1 << 24, waitingFor: "a DIMSE response")
        }
        guard let answered = message.command.messageIDBeingRespondedTo, outstanding.remove(answered) != nil else {
            try await refuse(NetError(.unexpectedPDU, "response to message \(message.command.messageIDBeingRespondedTo.map(String.init) ?? "none"), "
                                      + "expected \(ids.isEmpty ? "none" : ids)", abortReason: .unexpectedPDUParameter))
        }
        return message
    }

    /// Requests from the peer held while we wait for a response: enough for a storage commitment
    /// report per outstanding N-ACTION, bounded so that a peer cannot fill our memory with them.
    static let maxHeldRequests = 16

    /// Aborts the association with the reason `error` names, then throws it.
    mutating func refuse(_ error: NetError) async throws -> Never {
        try await abort(error.abortReason ?? .unexpectedPDUParameter)
        throw error
    }
}

extension CommandField {
    /// The name PS3.7 gives the message: C-FIND-RSP, N-EVENT-REPORT-RQ.
    public var name: String {
        switch self {
        case .cStoreRQ: "C-STORE-RQ"
        case .cStoreRSP: "C-STORE-RSP"
        case .cGetRQ: "C-GET-RQ"
        case .cGetRSP: "C-GET-RSP"
        case .cFindRQ: "C-FIND-RQ"
        case .cFindRSP: "C-FIND-RSP"
        case .cMoveRQ: "C-MOVE-RQ"
        case .cMoveRSP: "C-MOVE-RSP"
        case .cEchoRQ: "C-ECHO-RQ"
        case .cEchoRSP: "C-ECHO-RSP"
        case .nEventReportRQ: "N-EVENT-REPORT-RQ"
        case .nEventReportRSP: "N-EVENT-REPORT-RSP"
        case .nGetRQ: "N-GET-RQ"
        case .nGetRSP: "N-GET-RSP"
        case .nSetRQ: "N-SET-RQ"
        case .nSetRSP: "N-SET-RSP"
        case .nActionRQ: "N-ACTION-RQ"
        case .nActionRSP: "N-ACTION-RSP"
        case .nCreateRQ: "N-CREATE-RQ"
        case .nCreateRSP: "N-CREATE-RSP"
        case .nDeleteRQ: "N-DELETE-RQ"
        case .nDeleteRSP: "N-DELETE-RSP"
        case .cCancelRQ: "C-CANCEL-RQ"
        }
    }
}
