import DicomCore
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A data set as a C-STORE request sends it: handed over a PDV at a time, so an instance of any
/// size travels with no more than a few PDUs of it in memory. A mapped file gives copies of its
/// regions (`PDVData(copying:)`, which go to the socket as they are); a conversion gives the
/// transcoder's output as it is written.
public protocol DataSetStream {
    /// The next bytes of the data set, at most `maxLength` of them and never none, or nil after
    /// the last. Suspending here is how a slow producer holds the association back.
    mutating func next(maxLength: Int) async throws -> PDVData?
}

/// A data set already in memory (small ones, tests).
public struct DataSetBytes: DataSetStream {
    public let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func next(maxLength: Int) async throws -> PDVData? {
        guard offset < bytes.count, maxLength > 0 else { return nil }
        let end = min(bytes.count, offset + maxLength)
        defer { offset = end }
        return PDVData(bytes[offset..<end])
    }
}

/// The ARTIM and DIMSE waits of a requestor. A wait is armed only while we wait (for an answer,
/// or for the peer to take what we write), so a long upload to a live peer is never cut; when it
/// runs out, the channel is closed, which ends the wait, and `expiry` says why.
final class WaitDeadline: Sendable {
    private let channel: any Channel
    private let expired = LockedValue<NetError?>(nil)

    init(channel: any Channel) { self.channel = channel }

    /// The time-out that closed the channel, if one did.
    var expiry: NetError? { expired.value }

    func arm(_ seconds: Int64, waitingFor what: String) -> Scheduled<Void> {
        arm(seconds, expiry: "nothing from the peer for \(seconds) s while waiting for \(what)")
    }

    /// A wait whose expiry says `expiry` (for waits that the peer's messages do not all extend).
    func arm(_ seconds: Int64, expiry: String) -> Scheduled<Void> {
        let channel = self.channel, expired = self.expired
        return channel.eventLoop.scheduleTask(in: .seconds(seconds)) {
            expired.value = NetError(.timedOut, expiry)
            channel.close(promise: nil)
        }
    }
}

/// A value behind a lock, set on an event loop and read by the task that owns the session.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension AssociationSession {
    /// C-STORE (PS3.7 9.1.1) on the accepted context `contextID`: the command set, then the data
    /// set as `dataSet` hands it over, a PDV per P-DATA-TF of the peer's maximum length, written
    /// in batches of at most `batchBytes` only when the channel takes them (back-pressure); then
    /// the response, whose status
    /// the caller judges. The context must be accepted and the data set in its transfer syntax.
    public mutating func store(sopClassUID: String, sopInstanceUID: String, contextID: UInt8,
                               dataSet: inout some DataSetStream) async throws -> DIMSECommand {
        let id = try await sendStore(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, contextID: contextID, dataSet: &dataSet)
        let response = try await nextStoreResponse()
        guard response.messageIDBeingRespondedTo == id else {
            throw NetError(.unexpectedPDU, "response to message \(response.messageIDBeingRespondedTo.map(String.init) ?? "none"), expected \(id)")
        }
        return response
    }

    /// A C-STORE-RQ and its data set written as `store` writes them, without waiting for the
    /// response: the request's message ID, which `nextStoreResponse` returns the answer to. Up to
    /// `operationsWindow` requests may be outstanding at once (the asynchronous operations window
    /// the peer accepted): each instance then goes out while the peer still files the previous one.
    public mutating func sendStore(sopClassUID: String, sopInstanceUID: String, contextID: UInt8,
                                   dataSet: inout some DataSetStream) async throws -> UInt16 {
        guard let context = negotiated?.context(id: contextID), context.abstractSyntax == sopClassUID else {
            throw NetError(.invalidArgument, "presentation context \(contextID) is not an accepted context for \(sopClassUID)")
        }
        let id = nextMessageID
        nextMessageID &+= 1
        let command = DIMSECommand.storeRQ(messageID: id, sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID)
        let maxLength = maxSendLength
        // PDUs go out in batches of up to `batchBytes`: a small instance's command and data set
        // in one write, a large one a few PDUs at a time, each batch written only when the
        // channel takes it (back-pressure), so memory stays bounded by a batch and a fragment.
        var batch = try PDVFragmenter.dataTFs(command.encoded(), contextID: contextID, isCommand: true, maxPDULength: maxLength)
        var batchBytes = 0
        let capacity = try PDVFragmenter.fragmentCapacity(maxPDULength: maxLength)
        // One fragment of look-ahead: the last PDV must say it is the last.
        var current = try await dataSet.next(maxLength: capacity)
        repeat {
            let following = current == nil ? nil : try await dataSet.next(maxLength: capacity)
            let data = current ?? PDVData([])
            batch.append(DataTF(values: [PDV(contextID: contextID, isCommand: false, isLast: following == nil, data: data)]))
            batchBytes += data.count
            if batchBytes >= max(Self.batchBytes, maxLength) || following == nil {
                try await send(batch)
                batch.removeAll(keepingCapacity: true)
                batchBytes = 0
            }
            current = following
        } while current != nil
        outstanding.insert(id)
        return id
    }

    /// The response to one of the C-STORE requests sent and not answered yet, whichever comes
    /// first (a peer may answer in any order, PS3.7 8.1.1); it is no longer outstanding.
    public mutating func nextStoreResponse() async throws -> DIMSECommand {
        guard !outstanding.isEmpty else { throw NetError(.invalidArgument, "no C-STORE request is waiting for its response") }
        let response = try await nextResponse()
        guard response.command.field == .cStoreRSP else {
            throw NetError(.unexpectedPDU, "answer to C-STORE-RQ has command field 0x\(String(response.command.commandField, radix: 16))")
        }
        return response.command
    }

    /// How many requests may be outstanding at once: the window the peer accepted (PS3.7 D.3.3.3;
    /// 1 when it answered none, as dcmtk and most peers do), at most `RequestorOptions.operationsWindow`.
    public var operationsWindow: Int {
        let accepted = Int(widening: negotiated?.maxOperationsWeInvoke ?? 1)
        let proposed = max(1, options.operationsWindow)
        return accepted == 0 ? proposed : min(accepted, proposed)
    }

    /// The most data set bytes handed to the channel in one write.
    static let batchBytes = 256 << 10

    /// The accepted contexts, for the caller's plan of what to send in which syntax.
    public var acceptedContexts: [NegotiatedAssociation.Context] { negotiated?.accepted ?? [] }
}

/// Acknowledges every segment at once (Linux TCP_QUICKACK, which the kernel clears again, so it
/// is set after each read). A peer that leaves Nagle's algorithm on (dcmtk by default) writes its
/// C-STORE-RSP in two segments and holds the second until the first is acknowledged; with our
/// delayed ACK that costs ~40 ms an instance (1,000 CT images: 45 s instead of under 1 s).
final class QuickAcknowledgement: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        Self.set(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        Self.set(context)
        context.fireChannelRead(data)
    }

    static func set(_ context: ChannelHandlerContext) {
        #if os(Linux)
        try? context.channel.syncOptions?.setOption(.tcpOption(NIOBSDSocket.Option(rawValue: CInt(TCP_QUICKACK))), value: 1)
        #endif
    }
}
