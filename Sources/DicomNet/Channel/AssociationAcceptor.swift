import NIOCore
import NIOPosix

/// The acceptor side over swift-nio: listens, answers each A-ASSOCIATE-RQ with `Negotiation.answer`,
/// serves C-ECHO, and releases or aborts as the state machine says. The foundation `receive`
/// builds on (C-STORE streaming is not here yet). Accepted sockets get TCP_NODELAY.
public struct AssociationAcceptor: Sendable {
    public var policy: Negotiation.AcceptorPolicy
    public var readTimeoutSeconds: Int64 = 60
    public var maxAssociateLength = 1 << 20

    public init(policy: Negotiation.AcceptorPolicy) { self.policy = policy }

    /// Binds `host:port` (port 0: any free port) and returns the listening channel; `serve` then
    /// answers its connections until the task is cancelled.
    public func bind(host: String, port: Int,
                     group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never> {
        let limits = PDULimits(maxDataTFLength: Int(widening: policy.maxReceiveLength), maxAssociateLength: maxAssociateLength)
        let readTimeout = readTimeoutSeconds
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) { channel in
                    PDUChannel.configure(channel, limits: limits, readTimeout: readTimeout)
                }
        } catch {
            throw NetError(.cannotConnect, "cannot listen on \(host):\(port): \(error)")
        }
    }

    /// Serves every connection of `server`, each in its own task, until cancelled.
    public func serve(_ server: NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never>) async throws {
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { tasks in
                for try await connection in inbound {
                    tasks.addTask { try? await self.handle(connection) }
                }
            }
        }
    }

    /// One association from the first PDU to the close.
    func handle(_ connection: NIOAsyncChannel<PDU, PDU>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var machine = AssociationStateMachine(role: .acceptor)
            _ = try machine.handle(.transportIndication)
            var pdus = inbound.makeAsyncIterator()
            var collector: DIMSEMessageCollector?
            var maxSend = Negotiation.sendLengthWhenUnlimited
            while machine.state != .idle {
                let pdu: PDU
                do {
                    guard let next = try await pdus.next() else {
                        _ = try? machine.handle(.transportClosed)
                        return
                    }
                    pdu = next
                } catch let error as NetError {
                    if (try? machine.handle(.invalidPDUReceived)) != nil {
                        try? await outbound.write(.abort(error.abortReason ?? .notSpecified))
                    }
                    return
                }
                var fromUser = true
                if case .abort(let reason) = pdu { fromUser = reason.source == 0 }
                let transition = try machine.handle(AssociationEvent.received(pdu), abortFromUser: fromUser)
                if transition.effects.contains(.sendAbort(asProvider: true)) || transition.effects.contains(.sendAbort(asProvider: false)) {
                    try? await outbound.write(.abort(.unexpectedPDU))
                    return
                }
                switch pdu {
                case .associateRQ(let rq):
                    switch Negotiation.answer(rq, policy: policy) {
                    case .accept(let ac):
                        let negotiated = try Negotiation.negotiated(requested: rq, answered: ac, asRequestor: false)
                        maxSend = negotiated.maxSendLength
                        collector = DIMSEMessageCollector(acceptedContextIDs: Set(negotiated.accepted.map(\.id)), maxDataSetLength: 1 << 16)
                        _ = try machine.handle(.associateAccept)
                        try await outbound.write(.associateAC(ac))
                    case .reject(let rj):
                        _ = try machine.handle(.associateReject)
                        try await outbound.write(.associateRJ(rj))
                        return  // ARTIM: closing at once is the short form of waiting for the peer to close
                    }
                case .dataTF(let tf):
                    for pdv in tf.values {
                        let message: DIMSEMessage?
                        do throws(NetError) {
                            message = try collector?.append(pdv)
                        } catch {
                            _ = try? machine.handle(.abortRequest)
                            try? await outbound.write(.abort(error.abortReason ?? .unexpectedPDUParameter))
                            return
                        }
                        guard let message else { continue }
                        let response: DIMSECommand
                        switch message.command.field {
                        case .cEchoRQ?:
                            response = .echoRSP(to: message.command)
                        default:
                            // Not served yet: failure 0211, unrecognized operation (PS3.7 C.4.2).
                            var r = DIMSECommand(commandField: .cEchoRSP, hasDataSet: false)
                            r.commandField = message.command.commandField | 0x8000
                            r.messageIDBeingRespondedTo = message.command.messageID
                            r.affectedSOPClassUID = message.command.affectedSOPClassUID
                            r.status = 0x0211
                            response = r
                        }
                        for reply in try PDVFragmenter.dataTFs(command: response, dataSet: nil, contextID: message.contextID,
                                                               maxPDULength: maxSend) {
                            _ = try machine.handle(.dataRequest)
                            try await outbound.write(.dataTF(reply))
                        }
                    }
                case .releaseRQ:
                    _ = try machine.handle(.releaseResponse)
                    try await outbound.write(.releaseRP)
                    return
                default:
                    if machine.state == .idle { return }
                }
            }
        }
    }
}
