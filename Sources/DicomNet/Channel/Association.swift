import DicomCore
import DicomIO
import NIOCore
import NIOPosix

/// How a requestor opens an association. Defaults are dcmtk's where a dcmtk user expects them.
public struct RequestorOptions: Sendable {
    public var callingAETitle = "DICOMTOOL"
    public var maxReceiveLength = Negotiation.defaultMaxReceiveLength
    public var connectTimeoutSeconds: Int64 = 30
    /// ARTIM (PS3.8 9.1.5): how long we wait for the A-ASSOCIATE-AC/RJ and for the A-RELEASE-RP.
    /// dcmtk's ACSE time-out is 30 s as well.
    public var artimTimeoutSeconds: Int64 = 30
    /// DIMSE: how long one wait of a request may last, for the peer to take the next PDU we send
    /// (a peer that stopped reading) or to answer. dcmtk waits forever by default; a script
    /// should not, and 60 s is far above a PACS's usual answer to one instance.
    public var dimseTimeoutSeconds: Int64 = 60
    public var implementationClassUID = Implementation.classUID
    public var implementationVersionName = Implementation.versionName
    public var userIdentity: UserIdentityRQ?
    /// SCP/SCU Role Selection items proposed (PS3.7 D.3.3.4): C-GET's storage sub-operations need us as SCP.
    public var roleSelections: [RoleSelection] = []
    /// A-ASSOCIATE-RQ/AC larger than this are refused.
    public var maxAssociateLength = 1 << 20
    /// TLS (PS3.15 B.9): nil for plain TCP. Made once per run and shared by its associations.
    public var tls: TLSContext?
    /// SOP Class Extended Negotiation sub-items proposed (PS3.7 D.3.3.5): the service-class
    /// application information of a SOP class, e.g. C-FIND's relational queries (PS3.4 C.5.1.1).
    public var extendedNegotiations: [ExtendedNegotiation] = []
    /// Requests we may leave unanswered at once (the asynchronous operations window, PS3.7
    /// D.3.3.3), proposed when above 1; the peer's answer decides (none: one at a time).
    public var operationsWindow = 1

    public init() {}
}

/// An association as a requestor over swift-nio: open, use, release (or abort when the body
/// throws). Sockets get TCP_NODELAY. The state machine decides what every PDU means.
public enum Association {
    /// Connects to `address`, negotiates `contexts`, runs `body`, then releases the association.
    /// Errors are `NetError`s: cannotConnect, rejected, aborted, timedOut, or a protocol error.
    public static func withAssociation<Result: Sendable>(
        to address: AssociationAddress,
        contexts: [(abstractSyntax: String, transferSyntaxes: [String])],
        options: RequestorOptions = RequestorOptions(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (inout AssociationSession) async throws -> Result
    ) async throws -> Result {
        var info = UserInformation(maxLength: options.maxReceiveLength, implementationClassUID: options.implementationClassUID,
                                   implementationVersionName: options.implementationVersionName)
        info.userIdentityRQ = options.userIdentity
        info.roleSelections = options.roleSelections
        info.extendedNegotiations = options.extendedNegotiations
        if options.operationsWindow > 1 {
            // We invoke up to the window and perform none of the peer's (it sends us no requests).
            info.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: UInt16(clamping: options.operationsWindow), maxPerformed: 1)
        }
        let rq = AssociateRQ(calledAETitle: address.aeTitle, callingAETitle: options.callingAETitle,
                             presentationContexts: try Negotiation.propose(contexts), userInformation: info)
        _ = try PDUEncoder.encode(.associateRQ(rq))  // argument errors before any connection
        let limits = PDULimits(maxDataTFLength: Int(widening: options.maxReceiveLength), maxAssociateLength: options.maxAssociateLength)
        // The pipeline's idle-read guard is the acceptor's; a requestor's waits have deadlines of
        // their own (ARTIM, DIMSE), armed only while it waits, so a long upload is never cut.
        let readTimeout: Int64 = 7 * 86_400
        let channel: NIOAsyncChannel<PDU, PDU>
        let tlsFailure = TLSFailureRecord()
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(options.connectTimeoutSeconds))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)  // TCP level: .socketOption would be SO_DEBUG
                .channelOption(.writeBufferWaterMark, value: PDUChannel.writeWaterMark)
                .connect(host: address.host, port: address.port) { channel in
                    channel.pipeline.addHandler(QuickAcknowledgement(), position: .first).flatMap {
                        PDUChannel.configure(channel, limits: limits, readTimeout: readTimeout, tls: options.tls,
                                             peer: address.description, host: address.host, tlsFailure: tlsFailure)
                    }
                }
        } catch {
            throw NetError(.cannotConnect, "cannot connect to \(address): \(error)")
        }
        let noDelay = try? await channel.channel.getOption(.tcpOption(.tcp_nodelay)).get()
        return try await channel.executeThenClose { inbound, outbound in
            var session = AssociationSession(request: rq, inbound: inbound.makeAsyncIterator(), outbound: outbound,
                                             channel: channel.channel, options: options)
            session.tcpNoDelay = noDelay.map { $0 != 0 } ?? false
            do {
                try await session.associate()
                let result = try await body(&session)
                try await session.release()
                return result
            } catch {
                // A wait that ran out closed the channel: that, not the closure, is the error.
                if let expired = session.deadline.expiry { throw expired }
                // A failed TLS handshake closes the channel: a pending write may fail first.
                if let failed = tlsFailure.error { throw failed }
                // Closed or reset with no answer to the A-ASSOCIATE-RQ: dcmtk's TLS ports do that to plain DICOM.
                if session.negotiated == nil, options.tls == nil, !(error is NetError) {
                    throw NetError(.aborted, "connection to \(address) lost before any answer to the association request "
                                   + "(\(error)); if that port expects TLS, use TLS")
                }
                await session.abortIfOpen()
                // The body's own reasons to give up reach the caller as they are.
                if error is any AssociationBodyError { throw error }
                throw Self.netError(error)
            }
        }
    }

    /// Errors from NIO (a peer that closed, a reset) as the network error they mean; the body's
    /// `AssociationBodyError`s are passed through (the association is aborted all the same).
    static func netError(_ error: any Error) -> NetError {
        if let e = error as? NetError { return e }
        return NetError(.aborted, "connection lost: \(error)")
    }
}

/// An error a `withAssociation` body throws to end the association (it is aborted) and that the
/// caller wants back as it is, not as a network error: e.g. a data set that could not be finished.
public protocol AssociationBodyError: Error {}

/// An open association, used inside `Association.withAssociation`.
public struct AssociationSession {
    public let request: AssociateRQ
    public private(set) var negotiated: NegotiatedAssociation?
    public internal(set) var machine = AssociationStateMachine(role: .requestor)
    /// Whether the socket has TCP_NODELAY set, read back from it.
    public internal(set) var tcpNoDelay = false
    var inbound: NIOAsyncChannelInboundStream<PDU>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<PDU>
    var nextMessageID: UInt16 = 1
    /// Requests sent and not answered yet, by message ID.
    var outstanding: Set<UInt16> = []
    /// PDVs received and not yet read: the rest of the last P-DATA-TF, which may carry the end of
    /// one message and the start of the next (see `nextPDV`).
    var unread: ArraySlice<PDV> = []
    /// Requests the peer invoked while we waited for a response (a storage commitment SCP may send
    /// its N-EVENT-REPORT-RQ before its N-ACTION-RSP): `incomingRequest` takes them first.
    var heldRequests: [DIMSEMessage] = []
    /// The presentation contexts the peer accepted: a PDV on any other breaks the protocol.
    var acceptedContextIDs: Set<UInt8> = []
    let deadline: WaitDeadline
    let options: RequestorOptions
    /// Ends a wait for a request from the peer from another task (see `SessionWaker`).
    public let waker: SessionWaker

    init(request: AssociateRQ, inbound: NIOAsyncChannelInboundStream<PDU>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<PDU>,
         channel: any Channel, options: RequestorOptions) {
        self.request = request
        self.inbound = inbound
        self.outbound = outbound
        self.deadline = WaitDeadline(channel: channel)
        self.waker = SessionWaker(channel: channel)
        self.options = options
    }

    mutating func associate() async throws {
        _ = try machine.handle(.associateRequest)
        _ = try machine.handle(.transportConnected)
        let timer = deadline.arm(options.artimTimeoutSeconds, waitingFor: "an answer to the A-ASSOCIATE-RQ (ARTIM)")
        defer { timer.cancel() }
        try await outbound.write(.associateRQ(request))
        let pdu = try await receive()
        switch pdu {
        case .associateAC(let ac):
            do {
                let negotiated = try Negotiation.negotiated(requested: request, answered: ac, asRequestor: true)
                self.negotiated = negotiated
                acceptedContextIDs = Set(negotiated.accepted.map(\.id))
            } catch {
                try await abort(error.abortReason ?? .invalidPDUParameterValue)
                throw error
            }
        case .associateRJ(let rj):
            var rejected = NetError(.rejected, "\(request.calledAETitle) \(rj)")
            rejected.isTransientRejection = rj.result == RejectResult.transient.rawValue
            throw rejected
        case .abort(let reason):
            throw NetError(.aborted, "the peer aborted the association: \(reason)")
        default:
            throw NetError(.unexpectedPDU, "\(pdu.type) where an A-ASSOCIATE-AC or -RJ was expected")
        }
    }

    /// C-ECHO (PS3.7 9.1.5): the response's status.
    public mutating func echo() async throws -> UInt16 {
        let id = nextMessageID
        nextMessageID &+= 1
        let response = try await request(.echoRQ(messageID: id), dataSet: nil, abstractSyntax: verificationSOPClassUID)
        guard response.command.field == .cEchoRSP else {
            throw NetError(.unexpectedPDU, "answer to C-ECHO-RQ has command field 0x\(String(response.command.commandField, radix: 16))")
        }
        return response.command.status ?? DIMSEStatus.cannotUnderstand
    }

    /// Sends one request and waits for its response (synchronous operation).
    mutating func request(_ command: DIMSECommand, dataSet: [UInt8]?, abstractSyntax: String) async throws -> DIMSEMessage {
        guard let context = negotiated?.context(abstractSyntax: abstractSyntax) else {
            let why = negotiated?.contexts.first { $0.abstractSyntax == abstractSyntax }.map { $0.result.description } ?? "not proposed"
            throw NetError(.rejected, "no presentation context accepted for \(abstractSyntax) (\(why))")
        }
        for tf in try PDVFragmenter.dataTFs(command: command, dataSet: dataSet, contextID: context.id, maxPDULength: maxSendLength) {
            try await send(tf)
        }
        return try await response(to: command)
    }

    /// The largest P-DATA-TF we may send.
    public var maxSendLength: Int { negotiated?.maxSendLength ?? Negotiation.sendLengthWhenUnlimited }

    /// One P-DATA-TF, through the state machine, within the DIMSE time-out: a peer that stops
    /// reading stalls the write (back-pressure), and the deadline ends the wait.
    mutating func send(_ tf: DataTF) async throws {
        try await send([tf])
    }

    /// Several P-DATA-TFs in one write (one hop to the event loop, one deadline armed): how a
    /// small instance's command and data set go out together.
    mutating func send(_ tfs: [DataTF]) async throws {
        guard !tfs.isEmpty else { return }
        for _ in tfs { _ = try machine.handle(.dataRequest) }
        let timer = deadline.arm(options.dimseTimeoutSeconds, waitingFor: "the peer to take the data we send (DIMSE)")
        defer { timer.cancel() }
        try await outbound.write(contentsOf: tfs.map(PDU.dataTF))
    }

    /// Waits (DIMSE time-out) for the response to `command`, the one request outstanding.
    mutating func response(to command: DIMSECommand) async throws -> DIMSEMessage {
        guard let id = command.messageID else { throw NetError(.invalidArgument, "request without a message ID") }
        outstanding.insert(id)
        let message = try await nextResponse()
        guard message.command.messageIDBeingRespondedTo == id else {
            throw NetError(.unexpectedPDU, "response to message \(message.command.messageIDBeingRespondedTo.map(String.init) ?? "none"), expected \(id)",
                           abortReason: .unexpectedPDUParameter)
        }
        return message
    }

    /// A-RELEASE: waits for the A-RELEASE-RP, answering a release collision as PS3.8 says.
    mutating func release() async throws {
        _ = try machine.handle(.releaseRequest)
        let timer = deadline.arm(options.artimTimeoutSeconds, waitingFor: "the A-RELEASE-RP (ARTIM)")
        defer { timer.cancel() }
        try await outbound.write(.releaseRQ)
        while machine.state != .idle {
            let pdu = try await receive()
            if case .abort(let reason) = pdu { throw NetError(.aborted, "the peer aborted the release: \(reason)") }
            if machine.state == .collisionRequestorAwaitingLocalResponse {
                _ = try machine.handle(.releaseResponse)
                try await outbound.write(.releaseRP)
            }
        }
    }

    /// Sends A-ABORT (service user) unless the association is already closed or closing.
    mutating func abortIfOpen() async {
        guard machine.state != .idle, machine.state != .awaitingTransportClose else { return }
        try? await abort(.serviceUser)
    }

    mutating func abort(_ reason: AbortReason) async throws {
        if machine.state != .awaitingTransportClose { _ = try? machine.handle(.abortRequest) }
        try await outbound.write(.abort(reason))
    }

    /// The next PDU, run through the state machine (which may answer it with an abort). A
    /// `SessionWaker`'s marker ends a `wakeable` wait (`SessionWoken`) and is skipped otherwise.
    mutating func receive(wakeable: Bool = false) async throws -> PDU {
        var next: PDU?
        repeat {
            do {
                next = try await inbound.next()
            } catch let error as NetError {
                // A PDU the codec refused: Evt19, AA-8 answers with the reason the codec named.
                if error.abortReason != nil, (try? machine.handle(.invalidPDUReceived)) != nil {
                    try? await outbound.write(.abort(error.abortReason ?? .notSpecified))
                }
                throw error
            }
            guard WakeHandler.isMarker(next) else { break }
            if wakeable { throw SessionWoken() }
        } while true
        guard let pdu = next else {
            _ = try? machine.handle(.transportClosed)
            throw NetError(.aborted, "the peer closed the connection (\(machine.state.name))")
        }
        var fromUser = true
        if case .abort(let reason) = pdu { fromUser = reason.source == 0 }
        let transition = try machine.handle(AssociationEvent.received(pdu), abortFromUser: fromUser)
        for case .sendAbort(let asProvider) in transition.effects {
            try? await outbound.write(.abort(asProvider ? .unexpectedPDU : .serviceUser))
        }
        if transition.action == .aa8 || transition.action == .aa1 {
            throw NetError(.unexpectedPDU, "unexpected \(pdu.type) (\(machine.state.name)); association aborted", abortReason: .unexpectedPDU)
        }
        return pdu
    }
}
