import DicomCore
import NIOCore
import NIOPosix

/// The acceptor side over swift-nio: listens, answers each A-ASSOCIATE-RQ with `Negotiation.answer`
/// (rejecting transiently past `maxAssociations`), answers C-ECHO, and hands every other request to
/// the association's `AssociationService` as it arrives: the command set, then the data set a PDV at
/// a time. Accepted sockets get TCP_NODELAY. ARTIM and DIMSE timers are separate
/// (`AcceptorConnectionHandler`); `stop()` ends it gracefully.
public struct AssociationAcceptor: Sendable {
    public var policy: Negotiation.AcceptorPolicy
    /// ARTIM (PS3.8 9.1.5): how long a connection may take to send its A-ASSOCIATE-RQ, and how long
    /// we wait for the peer to close after a rejection or release. dcmtk's default, 30 s.
    public var artimSeconds: Int64 = 30
    /// How long an association may stay silent (between PDUs of a request, or between requests).
    public var dimseSeconds: Int64 = 60
    public var maxAssociateLength = 1 << 20
    /// Associations served at once; the next A-ASSOCIATE-RQ is rejected transiently, reason
    /// "local limit exceeded" (PS3.8 Table 9-21). nil: no limit.
    public var maxAssociations: Int?
    /// Makes the service of each accepted association; nil answers every request but C-ECHO with
    /// 0211 (unrecognized operation).
    public var service: AssociationServiceFactory?
    /// Rejections and connections lost before acceptance.
    public var onEvent: (@Sendable (AcceptorEvent) -> Void)?
    /// TLS (PS3.15 B.9) on every connection; nil for plain TCP.
    public var tls: TLSContext?
    let state = AcceptorState()

    public init(policy: Negotiation.AcceptorPolicy) { self.policy = policy }

    /// How long a receive waits for the peer's next PDU (old name: DIMSE and ARTIM alike).
    public var readTimeoutSeconds: Int64 {
        get { dimseSeconds }
        set { dimseSeconds = newValue; artimSeconds = newValue }
    }

    /// Binds `host:port` (port 0: any free port) and returns the listening channel; `serve` then
    /// answers its connections until `stop()` or cancellation.
    public func bind(host: String, port: Int,
                     group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never> {
        let limits = PDULimits(maxDataTFLength: Int(widening: policy.maxReceiveLength), maxAssociateLength: maxAssociateLength)
        let artim = artimSeconds, dimse = dimseSeconds, tls = tls
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                // At the TCP level: .socketOption(.tcp_nodelay) would be SOL_SOCKET option 1, SO_DEBUG
                // (refused with EACCES without CAP_NET_ADMIN, as in a user namespace).
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: PDUChannel.writeWaterMark)
                .childChannelOption(.recvAllocator, value: PDUChannel.receiveAllocator)
                .bind(host: host, port: port) { channel in
                    AcceptorChannel.configure(channel, limits: limits, artimSeconds: artim, dimseSeconds: dimse, tls: tls)
                }
        } catch {
            throw NetError(.cannotConnect, "cannot listen on \(host):\(port): \(error)")
        }
    }

    /// Serves every connection of `server`, each in its own task, until `stop()` (then returns once
    /// every association has ended) or cancellation.
    public func serve(_ server: NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never>) async throws {
        state.setServer(server.channel)
        let listening = server.channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "the listening socket"
        // An error reaching the listener's async stream ends it, and with it every association: a
        // connection that could not be set up (its options, its pipeline, its registration) or an
        // accept error NIO does not count as an IOError. Caught just before the stream, reported,
        // and the listener goes on (EMFILE and the like are backed off by NIO's own handler).
        let onEvent = onEvent
        try await server.channel.eventLoop.submit {
            let pipeline = server.channel.pipeline.syncOperations
            let accept = try pipeline.context(name: "AcceptHandler")
            try pipeline.addHandler(AcceptFailureHandler(onEvent: onEvent), position: .after(accept.handler))
        }.get()
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { tasks in
                for try await connection in inbound {
                    tasks.addTask { await self.handle(connection) }
                }
            }
        }
        // The listening socket closed without stop() or cancellation (NIO closed it): no peer can
        // reach us any more, so a receiver must not end as if it had been stopped (exit 0).
        if !state.isStopping && !Task.isCancelled {
            throw NetError(.cannotConnect, "stopped listening on \(listening): the socket was closed")
        }
    }

    /// Stops listening, and ends each association once its request in flight is answered (an
    /// instance being received is stored first): A-ABORT, since an acceptor cannot release.
    public func stop() { state.stop() }

    /// Associations being served now.
    public var activeAssociations: Int { state.active }

    /// One connection from the first PDU to the close.
    func handle(_ connection: NIOAsyncChannel<PDU, PDU>) async {
        let channel = connection.channel
        let peer = AcceptorChannel.peerName(channel)
        guard state.register(channel) else {
            try? await channel.close()
            return
        }
        var session = AcceptorSession(acceptor: self, peer: peer)
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await session.run(inbound: inbound, outbound: outbound)
            }
        } catch {
            if session.end == nil { session.end = .aborted((error as? NetError)?.description ?? "connection lost: \(error)") }
            if let net = error as? NetError, net.code == .tlsFailed { session.tlsFailure = net }
        }
        state.unregister(channel)
        if session.counted { state.leave() }
        if let refused = session.tlsFailure {
            onEvent?(.tlsRefused(peer: peer, reason: refused.message))
        } else if let service = session.service {
            await service.end(session.end ?? .aborted("the connection closed"))
        } else if session.rejection == nil, let end = session.end, case .aborted(let why) = end {
            onEvent?(.failed(peer: peer, reason: why))
        }
    }
}

/// The acceptor's shared state: the listening channel, live connections, the association count.
final class AcceptorState: @unchecked Sendable {
    private let lock = Lock()
    private var server: (any Channel)?
    private var connections: [ObjectIdentifier: any Channel] = [:]
    private var stopping = false
    private var count = 0

    var active: Int { lock.withLock { count } }
    var isStopping: Bool { lock.withLock { stopping } }

    func setServer(_ channel: any Channel) {
        let stopNow = lock.withLock { () -> Bool in
            server = channel
            return stopping
        }
        if stopNow { channel.close(promise: nil) }
    }

    /// False once stopping: the connection is closed unserved.
    func register(_ channel: any Channel) -> Bool {
        lock.withLock {
            guard !stopping else { return false }
            connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func unregister(_ channel: any Channel) {
        lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Counts an association in unless `limit` are already served.
    func tryEnter(limit: Int?) -> Bool {
        lock.withLock {
            if let limit, count >= limit { return false }
            count += 1
            return true
        }
    }

    func leave() { lock.withLock { count -= 1 } }

    func stop() {
        let (server, live) = lock.withLock { () -> ((any Channel)?, [any Channel]) in
            stopping = true
            return (self.server, Array(connections.values))
        }
        server?.close(promise: nil)
        for channel in live { channel.pipeline.fireUserInboundEventTriggered(StopWhenIdle()) }
    }
}

/// One connection's association, driven by the state machine.
struct AcceptorSession {
    let acceptor: AssociationAcceptor
    let peer: String
    var machine = AssociationStateMachine(role: .acceptor)
    var service: (any AssociationService)?
    var end: AssociationEnd?
    var rejection: String?
    /// The TLS handshake failed (or the client spoke TLS to a plain port): reported as a refusal.
    var tlsFailure: NetError?
    /// Counted against `maxAssociations`.
    var counted = false
    var negotiated: NegotiatedAssociation?
    var assembler: DIMSEAssembler?
    var maxSend = Negotiation.sendLengthWhenUnlimited

    /// What happens to the data set fragments of the request in progress.
    enum DataSetRoute {
        case toService
        /// Refused at its command set: drained, then this response.
        case drained(DIMSECommand)
        /// A response's data set: drained, nothing answered.
        case discarded
        /// C-ECHO carries none; anything else the acceptor answers itself.
        case none
    }
    var route = DataSetRoute.none
    /// Message IDs of the requests we invoke (on a service's behalf).
    var nextMessageID: UInt16 = 1

    init(acceptor: AssociationAcceptor, peer: String) {
        self.acceptor = acceptor
        self.peer = peer
    }

    mutating func run(inbound: NIOAsyncChannelInboundStream<PDU>, outbound: NIOAsyncChannelOutboundWriter<PDU>) async throws {
        _ = try machine.handle(.transportIndication)
        var pdus = inbound.makeAsyncIterator()
        while machine.state != .idle {
            let pdu: PDU
            do {
                guard let next = try await pdus.next() else {
                    _ = try? machine.handle(.transportClosed)
                    if end == nil {
                        end = .aborted(acceptor.state.isStopping ? "we aborted it once its requests were answered: the acceptor is stopping"
                                                                 : "the peer closed the connection without releasing the association")
                    }
                    return
                }
                pdu = next
            } catch let error as NetError {
                if error.code == .tlsFailed { tlsFailure = error }  // no A-ABORT: there is no TLS session to carry it
                if error.code != .timedOut, error.code != .tlsFailed, (try? machine.handle(.invalidPDUReceived)) != nil {
                    try? await outbound.write(.abort(error.abortReason ?? .notSpecified))
                }
                end = .aborted(error.description)
                return
            }
            var fromUser = true
            if case .abort(let reason) = pdu { fromUser = reason.source == 0 }
            let transition = try machine.handle(AssociationEvent.received(pdu), abortFromUser: fromUser)
            if transition.effects.contains(.sendAbort(asProvider: true)) || transition.effects.contains(.sendAbort(asProvider: false)) {
                try? await outbound.write(.abort(.unexpectedPDU))
                end = .aborted("unexpected \(pdu.type) (\(machine.state.name)); association aborted")
                return
            }
            switch pdu {
            case .associateRQ(let rq):
                guard try await associate(rq, outbound) else { return }
            case .dataTF(let tf):
                for pdv in tf.values {
                    let output: DIMSEAssembler.Output?
                    do throws(NetError) {
                        output = try assembler?.append(pdv)
                    } catch {
                        _ = try? machine.handle(.abortRequest)
                        try? await outbound.write(.abort(error.abortReason ?? .unexpectedPDUParameter))
                        end = .aborted("we aborted: \(error.description)")
                        return
                    }
                    if let output { try await serve(output, outbound) }
                }
            case .releaseRQ:
                _ = try machine.handle(.releaseResponse)
                try await outbound.write(.releaseRP)
                end = .released
                return
            case .abort(let reason):
                end = .aborted("the peer aborted the association: \(reason)")
                return
            default:
                if machine.state == .idle { return }
            }
        }
    }

    /// Answers the A-ASSOCIATE-RQ; false when rejected (the connection then closes).
    mutating func associate(_ rq: AssociateRQ, _ outbound: NIOAsyncChannelOutboundWriter<PDU>) async throws -> Bool {
        let entered = acceptor.state.tryEnter(limit: acceptor.maxAssociations)
        switch Negotiation.answer(rq, policy: acceptor.policy, atCapacity: !entered) {
        case .accept(let ac):
            counted = true
            let negotiated = try Negotiation.negotiated(requested: rq, answered: ac, asRequestor: false)
            self.negotiated = negotiated
            maxSend = negotiated.maxSendLength
            assembler = DIMSEAssembler(acceptedContextIDs: Set(negotiated.accepted.map(\.id)))
            _ = try machine.handle(.associateAccept)
            try await outbound.write(.associateAC(ac))
            service = acceptor.service?(AcceptedAssociation(callingAETitle: rq.callingAETitle, calledAETitle: rq.calledAETitle,
                                                             peer: peer, negotiated: negotiated))
            return true
        case .reject(let rj):
            if entered { acceptor.state.leave() }
            _ = try machine.handle(.associateReject)
            try await outbound.write(.associateRJ(rj))
            rejection = "\(rj)"
            acceptor.onEvent?(.rejected(calling: rq.callingAETitle, called: rq.calledAETitle, peer: peer, reason: "\(rj)"))
            return false  // ARTIM: closing at once is the short form of waiting for the peer to close
        }
    }

    /// One piece of a DIMSE message: a command set begins a request, data set fragments continue it.
    mutating func serve(_ output: DIMSEAssembler.Output, _ outbound: NIOAsyncChannelOutboundWriter<PDU>) async throws {
        switch output {
        case .command(let contextID, let command):
            let context = negotiated?.context(id: contextID)
            let request = DIMSERequest(command: command, contextID: contextID, abstractSyntax: context?.abstractSyntax ?? "",
                                       transferSyntax: context?.transferSyntax ?? "")
            if command.isResponse {
                // The answer to a request we invoked for the service: its, not to be answered.
                await (service as? any InvokingAssociationService)?.peerResponse(command)
                if command.hasDataSet { route = .discarded }
                return
            }
            let immediate: DIMSECommand?
            if command.field == .cEchoRQ {
                immediate = .echoRSP(to: command)
            } else if let service {
                immediate = await service.begin(request)
            } else {
                immediate = Self.unrecognized(command)
            }
            if command.hasDataSet {
                route = immediate.map { .drained($0) } ?? .toService
            } else {
                try await respond(immediate ?? Self.unrecognized(command), contextID: contextID, outbound)
            }
        case .dataSetFragment(let contextID, let bytes, let isLast):
            switch route {
            case .toService:
                await service?.dataSetFragment(bytes)
                if isLast {
                    route = .none
                    let response = await service?.endDataSet() ?? DIMSECommand(commandField: .cStoreRSP, hasDataSet: false)
                    try await respond(response, contextID: contextID, outbound)
                }
            case .drained(let response):
                if isLast {
                    route = .none
                    try await respond(response, contextID: contextID, outbound)
                }
            case .discarded:
                if isLast { route = .none }
            case .none:
                break
            }
        }
    }

    mutating func respond(_ response: DIMSECommand, contextID: UInt8, _ outbound: NIOAsyncChannelOutboundWriter<PDU>) async throws {
        for reply in try PDVFragmenter.dataTFs(command: response, dataSet: nil, contextID: contextID, maxPDULength: maxSend) {
            _ = try machine.handle(.dataRequest)
            try await outbound.write(.dataTF(reply))
        }
        guard let invoking = service as? any InvokingAssociationService else { return }
        for var request in await invoking.requestsAfterResponse() {
            request.command.messageID = nextMessageID
            nextMessageID &+= 1
            for tf in try PDVFragmenter.dataTFs(command: request.command, dataSet: request.dataSet, contextID: request.contextID,
                                                maxPDULength: maxSend) {
                _ = try machine.handle(.dataRequest)
                try await outbound.write(.dataTF(tf))
            }
        }
    }

    static func unrecognized(_ request: DIMSECommand) -> DIMSECommand { .unrecognizedOperationRSP(to: request) }
}

/// On the listening channel, after NIO's AcceptHandler: one connection that failed to be accepted
/// is reported, not passed on to end the listener.
final class AcceptFailureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any
    let onEvent: (@Sendable (AcceptorEvent) -> Void)?

    init(onEvent: (@Sendable (AcceptorEvent) -> Void)?) { self.onEvent = onEvent }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onEvent?(.failed(peer: "listener", reason: "could not accept a connection: \(error)"))
    }
}
