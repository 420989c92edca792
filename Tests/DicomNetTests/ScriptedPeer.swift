import DicomNet
import DicomTestSupport
import Foundation
import Testing

/// A DICOM peer on a raw blocking loopback socket, on a thread of its own, that does exactly what
/// a test's script says: it accepts one association (every context, Explicit VR Little Endian,
/// with `policy`'s extras), then runs `script` on the connection, which reads whole messages and
/// writes PDUs packed as the test wants them (several PDVs in one P-DATA-TF, say). What the
/// script finds wrong is recorded as a test issue by `finish()`.
final class ScriptedPeer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var failure: String?
    private var finished = false
    /// The A-ASSOCIATE-RQ as it came, byte for byte.
    private(set) var associateRQBytes: [UInt8] = []

    init() throws {
        (listener, port) = try Loopback.listen()
    }

    deinit { close(listener) }

    var address: AssociationAddress { AssociationAddress(aeTitle: "PEER", host: "127.0.0.1", port: port) }

    /// Accepts one connection and runs `script` once the association is accepted (`adjust` may
    /// change the policy, e.g. to answer extended negotiation).
    func start(adjust: @escaping @Sendable (inout Negotiation.AcceptorPolicy) -> Void = { _ in },
               _ script: @escaping @Sendable (inout Connection) throws -> Void) {
        Thread.detachNewThread { [self] in
            var problem: String?
            do { try serve(adjust: adjust, script) } catch { problem = "\(error)" }
            lock.withLock {
                failure = problem
                finished = true
            }
        }
    }

    /// Waits (up to 30 s) for the script to end; records what it found wrong.
    func finish() {
        for _ in 0..<3000 {
            if let done = lock.withLock({ finished ? failure : Optional<String?>.none }) {
                if let problem = done { Issue.record("peer: \(problem)") }
                return
            }
            usleep(10_000)
        }
        Issue.record("the peer did not finish")
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private func serve(adjust: (inout Negotiation.AcceptorPolicy) -> Void, _ script: (inout Connection) throws -> Void) throws {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { throw Failure("accept failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var connection = Connection(fd: fd)
        guard let (bytes, pdu) = connection.readPDUBytes(), case .associateRQ(let rq) = pdu else { throw Failure("no A-ASSOCIATE-RQ") }
        lock.withLock { associateRQBytes = bytes }
        var policy = Negotiation.AcceptorPolicy(aeTitle: "PEER", transferSyntaxPreference: ["1.2.840.10008.1.2.1"],
                                                implementationClassUID: "2.25.3")
        policy.scpRoleSOPClasses = nil
        policy.scuRoleSOPClasses = Set(rq.userInformation.roleSelections.map(\.sopClassUID))
        adjust(&policy)
        guard case .accept(let ac) = Negotiation.answer(rq, policy: policy) else { throw Failure("the peer's own policy rejected the request") }
        connection.write(.associateAC(ac))
        connection.negotiated = try Negotiation.negotiated(requested: rq, answered: ac, asRequestor: false)
        try script(&connection)
    }

    /// One accepted association, read and written a PDU at a time.
    struct Connection {
        let fd: Int32
        var negotiated: NegotiatedAssociation?
        private var unread: ArraySlice<PDV> = []

        init(fd: Int32) { self.fd = fd }

        /// The accepted context of `abstractSyntax`.
        func contextID(_ abstractSyntax: String) throws -> UInt8 {
            guard let id = negotiated?.context(abstractSyntax: abstractSyntax)?.id else { throw Failure("no context for \(abstractSyntax)") }
            return id
        }

        /// The next whole message (the PDVs after it in the same P-DATA-TF are kept).
        mutating func readMessage() throws -> DIMSEMessage {
            var collector = DIMSEMessageCollector(acceptedContextIDs: Set(negotiated?.accepted.map(\.id) ?? []), maxDataSetLength: 1 << 24)
            while true {
                if let pdv = unread.popFirst() {
                    if let message = try collector.append(pdv) { return message }
                    continue
                }
                guard let (_, pdu) = readPDUBytes() else { throw Failure("connection ended while a message was expected") }
                guard case .dataTF(let tf) = pdu else { throw Failure("\(pdu.type) where a message was expected") }
                unread = tf.values[...]
            }
        }

        /// Reads the A-RELEASE-RQ and answers it.
        mutating func release() throws {
            guard let (_, pdu) = readPDUBytes() else { throw Failure("connection ended without a release") }
            guard case .releaseRQ = pdu else { throw Failure("\(pdu.type) where an A-RELEASE-RQ was expected") }
            write(.releaseRP)
        }

        /// The next PDU: an A-ABORT, say, or nil when the connection ended.
        mutating func readPDU() -> PDU? { readPDUBytes()?.1 }

        func readPDUBytes() -> ([UInt8], PDU)? {
            let limits = PDULimits(maxDataTFLength: 1 << 20)
            guard let header = readExactly(PDUDecoder.headerLength),
                  let total = try? PDUDecoder.frameLength(header, limits: limits),
                  let rest = readExactly(total - header.count),
                  let pdu = try? PDUDecoder.decode(header + rest, limits: limits) else { return nil }
            return (header + rest, pdu)
        }

        private func readExactly(_ count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
                if n <= 0 { return nil }
                got += n
            }
            return bytes
        }

        func write(_ pdu: PDU) {
            guard let bytes = try? PDUEncoder.encode(pdu) else { return }
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        }

        /// One P-DATA-TF carrying all of `pdvs`.
        func write(_ pdvs: [PDV]) { write(.dataTF(DataTF(values: pdvs))) }
    }

    /// The PDVs of a whole message on `contextID`, each part in one PDV.
    static func pdvs(_ command: DIMSECommand, dataSet: [UInt8]? = nil, contextID: UInt8) throws -> [PDV] {
        var out = [PDV(contextID: contextID, isCommand: true, isLast: true, data: try command.encoded())]
        if let dataSet { out.append(PDV(contextID: contextID, isCommand: false, isLast: true, data: dataSet)) }
        return out
    }
}
