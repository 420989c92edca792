import NIOCore

/// Ends a session's wait for a request from the peer (`incomingRequest`) from another task,
/// without closing the association: commit waits for a report on the association of its request
/// and on its listener at once, and a report that came to the listener must end the other wait so
/// the association is released, not timed out. Sendable; waking a session that is not waiting
/// for a request does nothing.
public struct SessionWaker: Sendable {
    let channel: any Channel

    public func wake() { channel.pipeline.fireUserInboundEventTriggered(WakeSession()) }
}

/// The user event a `SessionWaker` sends down the pipeline.
struct WakeSession: Sendable {}

/// Thrown by a wait that a `SessionWaker` ended.
struct SessionWoken: Error {}

/// Last in a requestor's pipeline: turns `WakeSession` into an empty P-DATA-TF for the session's
/// reader. The decoder refuses a P-DATA-TF without a PDV (PS3.8 9.3.5 requires one), so an empty
/// one can only be this; the session takes it out before the state machine sees it.
final class WakeHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = PDU
    typealias InboundOut = PDU

    static let marker = PDU.dataTF(DataTF(values: []))

    static func isMarker(_ pdu: PDU?) -> Bool {
        guard case .dataTF(let tf)? = pdu else { return false }
        return tf.values.isEmpty
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is WakeSession else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        context.fireChannelRead(wrapInboundOut(Self.marker))
        context.fireChannelReadComplete()
    }
}
