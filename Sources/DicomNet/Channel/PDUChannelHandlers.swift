import NIOCore

/// Frames a TCP byte stream into PDUs with the pure codec: the 6-byte header is checked (type,
/// length against the limits) before the decoder waits for, or buffers, the rest.
public struct PDUFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = PDU

    public let limits: PDULimits

    public init(limits: PDULimits) { self.limits = limits }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, PDUDecoder.headerLength)),
              let total = try PDUDecoder.frameLength(header, limits: limits) else { return .needMoreData }
        guard buffer.readableBytes >= total, let bytes = buffer.readBytes(length: total) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(try PDUDecoder.decode(bytes, limits: limits)))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // Bytes of a PDU cut short by the peer closing are dropped: the closure is the event.
        return .needMoreData
    }
}

/// PDUs to bytes with the pure codec.
public struct PDUFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = PDU

    public init() {}

    public func encode(data: PDU, out: inout ByteBuffer) throws {
        if case .dataTF(let tf) = data, !tf.values.isEmpty {
            try Self.encode(tf, into: &out)
            return
        }
        out.writeBytes(try PDUEncoder.encode(data))
    }

    /// A P-DATA-TF written straight into the outbound buffer, the same bytes as `PDUEncoder`'s:
    /// each data set fragment is copied once, not through an intermediate array (it is the one
    /// PDU whose size grows with the data).
    static func encode(_ tf: DataTF, into out: inout ByteBuffer) throws {
        var total = 0
        for pdv in tf.values { total += 6 + pdv.data.count }
        guard let length = UInt32(exactly: total) else {
            throw NetError(.invalidArgument, "P-DATA-TF of \(total) bytes is longer than a PDU length can say")
        }
        out.reserveCapacity(minimumWritableBytes: 6 + total)
        out.writeInteger(PDUType.dataTF.rawValue)
        out.writeInteger(UInt8(0))
        out.writeInteger(length)
        for pdv in tf.values {
            out.writeInteger(UInt32(truncatingIfNeeded: pdv.data.count + 2))  // within `length`, checked above
            out.writeInteger(pdv.contextID)
            out.writeInteger(pdv.messageControlHeader)
            out.writeBytes(pdv.data)
        }
    }
}

/// Turns the idle-read event into a `NetError.timedOut` for whoever reads the channel, then closes it.
final class ReadTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = PDU
    typealias InboundOut = PDU

    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event {
            context.fireErrorCaught(NetError(.timedOut, "the peer sent nothing for \(seconds) s"))
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// The pipeline of a requestor's association channel: TLS (or the check that the peer does not
/// speak it), PDUs framed and length-checked in, PDUs encoded out, and the read time-out.
enum PDUChannel {
    /// NIO's default (32/64 KiB) makes the channel unwritable after every P-DATA-TF of a large
    /// instance, so the sending task waits for the event loop to write each one before it may
    /// hand over the next (a thread hand-off per PDU; on a loaded machine each costs a time
    /// slice). Two batches may wait instead: memory stays bounded by a few PDUs.
    static let writeWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 1 << 20, high: 4 << 20)

    /// Reads of up to 1 MiB (NIO's default stops at 64 KiB): a large P-DATA-TF then arrives in
    /// one or two reads instead of four or more, each a system call and a pass through the
    /// framing decoder.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16 << 10, maximum: 1 << 20)

    static func configure(_ channel: any Channel, limits: PDULimits, readTimeout: Int64,
                          tls: TLSContext? = nil, peer: String = "the peer", host: String? = nil, tlsFailure: TLSFailureRecord? = nil)
        -> EventLoopFuture<NIOAsyncChannel<PDU, PDU>> {
        channel.eventLoop.makeCompletedFuture {
            try TLSChannel.install(tls, role: .requestor, on: channel, peer: peer, host: host, record: tlsFailure)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(readTimeout)))
            try pipeline.addHandler(ByteToMessageHandler(PDUFrameDecoder(limits: limits)))
            try pipeline.addHandler(MessageToByteHandler(PDUFrameEncoder()))
            try pipeline.addHandler(ReadTimeoutHandler(seconds: readTimeout))
            try pipeline.addHandler(WakeHandler())
            return try NIOAsyncChannel<PDU, PDU>(wrappingChannelSynchronously: channel)
        }
    }
}
