import NIOCore

/// Frames a TCP byte stream into PDUs with the pure codec: the 6-byte header is checked (type,
/// length against the limits) before the decoder waits for, or buffers, the rest.
public struct PDUFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = PDU

    /// PDVs smaller than this are copied out of the read buffer (command sets, small instances).
    static let sliceMinimum = 32 << 10

    public let limits: PDULimits

    public init(limits: PDULimits) { self.limits = limits }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, PDUDecoder.headerLength)),
              let total = try PDUDecoder.frameLength(header, limits: limits) else { return .needMoreData }
        guard buffer.readableBytes >= total else { return .needMoreData }
        if header.first == PDUType.dataTF.rawValue, let pdu = buffer.readSlice(length: total) {
            context.fireChannelRead(wrapInboundOut(.dataTF(try Self.dataTF(pdu, within: buffer.capacity))))
            return .continue
        }
        guard let bytes = buffer.readBytes(length: total) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(try PDUDecoder.decode(bytes, limits: limits)))
        return .continue
    }

    /// A P-DATA-TF whose PDV data are slices of the socket's buffer, not copies: a data set goes
    /// from the read to the file writer untouched. A small PDV is copied instead, and so is one
    /// much smaller than the buffer it was read into (`capacity`), so that a peer sending small
    /// PDUs cannot make each pin a large read buffer: the buffers held stay within a few times
    /// the PDVs held.
    public static func dataTF(_ pdu: ByteBuffer, within capacity: Int) throws -> DataTF {
        // A read buffer is at most 1 MiB (`PDUChannel.receiveAllocator`), and holds a PDU of at
        // most the Maximum Length we announced when the decoder gathers one from several reads.
        let items = try pdu.withUnsafeReadableBytes { (bytes) throws(NetError) in try PDUDecoder.dataTFItems(bytes) }
        return DataTF(values: items.map { item in
            let start = pdu.readerIndex + item.data.lowerBound
            let slice = pdu.getSlice(at: start, length: item.data.count) ?? ByteBuffer()
            let sliced = item.data.count >= sliceMinimum && item.data.count * 16 >= capacity
            let data = sliced ? PDVData(buffer: slice) : PDVData(slice.readableBytesView)
            return PDV(contextID: item.contextID, isCommand: item.isCommand, isLast: item.isLast, data: data)
        })
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // Bytes of a PDU cut short by the peer closing are dropped: the closure is the event.
        return .needMoreData
    }
}

/// PDUs to the socket. A P-DATA-TF's headers go into a small buffer, and each data fragment of
/// at least `directWriteSize` bytes goes out from its own buffer as it is (NIO gathers the
/// buffers written into one writev): a data set is copied once, where it is produced (the mapped
/// file into a buffer), never again into the PDU. Other PDUs through the pure codec.
final class PDUWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = PDU
    typealias OutboundOut = ByteBuffer

    /// Smaller fragments (command sets, C-STORE responses) are copied beside their headers: one
    /// buffer is cheaper to write than several small ones.
    static let directWriteSize = 16 << 10

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        do {
            let buffers = try Self.buffers(unwrapOutboundIn(data))
            for (i, buffer) in buffers.enumerated() {
                context.write(wrapOutboundOut(buffer), promise: i == buffers.count - 1 ? promise : nil)
            }
        } catch {
            promise?.fail(error)
            context.fireErrorCaught(error)
        }
    }

    /// The buffers whose bytes, one after the other, are `PDUEncoder`'s for `pdu`.
    static func buffers(_ pdu: PDU) throws -> [ByteBuffer] {
        guard case .dataTF(let tf) = pdu, !tf.values.isEmpty else { return [ByteBuffer(bytes: try PDUEncoder.encode(pdu))] }
        var total = 0
        for pdv in tf.values { total += 6 + pdv.data.count }
        guard let length = UInt32(exactly: total) else {
            throw NetError(.invalidArgument, "P-DATA-TF of \(total) bytes is longer than a PDU length can say")
        }
        var out: [ByteBuffer] = []
        var head = ByteBufferAllocator().buffer(capacity: tf.values.count == 1 && tf.values[0].data.count < directWriteSize ? 12 + total : 64)
        head.writeInteger(PDUType.dataTF.rawValue)
        head.writeInteger(UInt8(0))
        head.writeInteger(length)
        for pdv in tf.values {
            head.writeInteger(UInt32(truncatingIfNeeded: pdv.data.count + 2))  // within `length`, checked above
            head.writeInteger(pdv.contextID)
            head.writeInteger(pdv.messageControlHeader)
            if pdv.data.count >= directWriteSize {
                out.append(head)
                out.append(pdv.data.buffer)
                head = ByteBufferAllocator().buffer(capacity: 64)
            } else {
                head.writeImmutableBuffer(pdv.data.buffer)
            }
        }
        if head.readableBytes > 0 { out.append(head) }
        return out
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
            try pipeline.addHandler(PDUWriter())
            try pipeline.addHandler(ReadTimeoutHandler(seconds: readTimeout))
            try pipeline.addHandler(WakeHandler())
            return try NIOAsyncChannel<PDU, PDU>(wrappingChannelSynchronously: channel)
        }
    }
}
