import NIOCore

/// Asks an acceptor's connection to end once no request is in flight: sent through the pipeline
/// by `AssociationAcceptor.stop()` (SIGTERM: the instance being received completes first).
struct StopWhenIdle: Sendable {}

/// The acceptor connection's timers and its graceful stop, on the channel's event loop (PS3.8 9.1.5):
/// - ARTIM: from the connection until the A-ASSOCIATE-RQ, and again from our A-ASSOCIATE-RJ,
///   A-RELEASE-RP or A-ABORT until the peer closes; on expiry the connection is closed.
/// - DIMSE (idle): while associated, the longest wait for the peer's next PDU (not counting the
///   time we take to answer a data set); on expiry the association is aborted and closed.
/// Separate values, because a peer that takes 30 s to open an association is broken while one that
/// pauses a minute between studies is not.
final class AcceptorConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = PDU
    typealias InboundOut = PDU
    typealias OutboundIn = PDU
    typealias OutboundOut = PDU

    let artim: TimeAmount
    let dimse: TimeAmount
    private var timer: Scheduled<Void>?
    private var associated = false
    private var ending = false
    /// From a request's first PDV to its response's last: a stop waits for it.
    private var requestInFlight = false
    /// Command sets received and not answered yet: more than one when the requestor uses the
    /// asynchronous operations window (the next request arrives before our response).
    private var requestsUnanswered = 0
    private var stopRequested = false

    init(artimSeconds: Int64, dimseSeconds: Int64) {
        artim = .seconds(artimSeconds)
        dimse = .seconds(dimseSeconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armARTIM(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil { armARTIM(context) }
        context.fireChannelActive()
    }

    private func armARTIM(_ context: ChannelHandlerContext) {
        schedule(context, after: artim) { handler, context in
            context.fireErrorCaught(NetError(.timedOut, "no A-ASSOCIATE-RQ within \(handler.artim.nanoseconds / 1_000_000_000) s (ARTIM)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let pdu = unwrapInboundIn(data)
        switch pdu {
        case .associateRQ: associated = true
        case .dataTF(let tf):
            requestInFlight = true
            for pdv in tf.values where pdv.isCommand && pdv.isLast { requestsUnanswered += 1 }
        default: break
        }
        if associated && !ending {
            // After a data set's last fragment the wait is ours (writing, fsync, rename): the timer
            // stops until our response is written, so a slow disk never aborts the association.
            if case .dataTF(let tf) = pdu, let last = tf.values.last, !last.isCommand, last.isLast {
                timer?.cancel()
                timer = nil
            } else {
                armDIMSETimer(context)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let pdu = unwrapOutboundIn(data)
        switch pdu {
        case .associateRJ, .releaseRP, .abort:
            ending = true
            schedule(context, after: artim) { _, context in context.close(promise: nil) }
            context.write(data, promise: promise)
        case .dataTF(let tf):
            // A response's last command fragment ends the request.
            let answered = tf.values.last.map { $0.isCommand && $0.isLast } ?? false
            if answered && stopRequested {
                context.write(data, promise: promise)
                abortAndClose(context)
                return
            }
            if answered {
                requestsUnanswered = max(0, requestsUnanswered - 1)
                requestInFlight = requestsUnanswered > 0
                if associated && !ending { armDIMSETimer(context) }
            }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is StopWhenIdle else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        stopRequested = true
        if !associated {
            context.close(promise: nil)
        } else if !requestInFlight && !ending {
            abortAndClose(context)
        }
    }

    /// A-ABORT as service user (we end it, not because of a protocol error), then close.
    private func abortAndClose(_ context: ChannelHandlerContext) {
        ending = true
        timer?.cancel()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.abort(.serviceUser))).whenComplete { _ in channel.close(promise: nil) }
    }

    private func armDIMSETimer(_ context: ChannelHandlerContext) {
        schedule(context, after: dimse) { handler, context in
            context.fireErrorCaught(NetError(.timedOut, "the peer sent nothing for \(handler.dimse.nanoseconds / 1_000_000_000) s (DIMSE time-out)"))
            handler.abortAndClose(context)
        }
    }

    private func schedule(_ context: ChannelHandlerContext, after delay: TimeAmount,
                          _ body: @escaping (AcceptorConnectionHandler, ChannelHandlerContext) -> Void) {
        timer?.cancel()
        let loopBound = NIOLoopBound((self, context, body), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context, body) = loopBound.value
            body(handler, context)
        }
    }
}

/// The pipeline of an accepted connection: TLS (or the check that the client does not speak it),
/// PDUs framed and length-checked in, encoded out, and the acceptor's timers.
enum AcceptorChannel {
    static func configure(_ channel: any Channel, limits: PDULimits, artimSeconds: Int64, dimseSeconds: Int64,
                          tls: TLSContext? = nil)
        -> EventLoopFuture<NIOAsyncChannel<PDU, PDU>> {
        channel.eventLoop.makeCompletedFuture {
            // Senders that leave Nagle on (dcmtk's storescu and C-MOVE/C-GET sub-operations by
            // default) otherwise wait for our delayed ACK on every instance: ~45 ms each.
            try channel.pipeline.syncOperations.addHandler(QuickAcknowledgement(), position: .first)
            try TLSChannel.install(tls, role: .acceptor, on: channel, peer: AcceptorChannel.peerName(channel), host: nil)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ByteToMessageHandler(PDUFrameDecoder(limits: limits)))
            try pipeline.addHandler(PDUWriter())
            try pipeline.addHandler(AcceptorConnectionHandler(artimSeconds: artimSeconds, dimseSeconds: dimseSeconds))
            return try NIOAsyncChannel<PDU, PDU>(wrappingChannelSynchronously: channel)
        }
    }

    /// The peer's address as reports name it (`127.0.0.1:40312`).
    static func peerName(_ channel: any Channel) -> String {
        channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown peer"
    }
}
