import DicomCore
import DicomIO
import DicomNet
import DicomTestSupport
import Foundation
import Testing
@testable import DicomServices

/// The asynchronous operations window (PS3.7 D.3.3.3) as a peer sees it: `StorageSCU` proposes its
/// window, and has as many C-STORE requests outstanding as the peer accepted, never more; a peer
/// that answers no window gets one request at a time.
@Suite(.serialized) struct StoreWindowTests {
    static let file = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path

    @Test func requestsFillTheWindowThePeerAccepted() async throws {
        let peer = try WindowedPeer(window: 3, expecting: 7)
        let outcomes = try await Self.send(count: 7, to: peer, proposing: 16)
        #expect(outcomes.count == 7)
        #expect(outcomes.allSatisfy { $0.error == nil && $0.status == 0 })
        let seen = try peer.result()
        #expect(seen.proposed == AsyncOperationsWindow(maxInvoked: 16, maxPerformed: 1))
        #expect(seen.requests == 7)
        // The peer answered only once three were outstanding (or all seven were in): a sender
        // waiting for each response would have stalled until its DIMSE time-out.
        #expect(seen.maxOutstanding == 3)
    }

    @Test func aPeerThatAnswersNoWindowGetsOneRequestAtATime() async throws {
        let peer = try WindowedPeer(window: nil, expecting: 4)
        let outcomes = try await Self.send(count: 4, to: peer, proposing: 16)
        #expect(outcomes.allSatisfy { $0.error == nil && $0.status == 0 })
        let seen = try peer.result()
        #expect(seen.requests == 4)
        #expect(seen.maxOutstanding == 1)
    }

    @Test func windowOneProposesNothing() async throws {
        let peer = try WindowedPeer(window: 3, expecting: 2)
        let outcomes = try await Self.send(count: 2, to: peer, proposing: 1)
        #expect(outcomes.allSatisfy { $0.error == nil && $0.status == 0 })
        let seen = try peer.result()
        #expect(seen.proposed == nil)
        #expect(seen.maxOutstanding == 1)
    }

    @Test func receiveOffersAWindow() throws {
        let configuration = StorageSCPConfiguration(outputDirectory: "/tmp", layout: try StorageLayout())
        #expect(configuration.acceptorPolicy.asyncOperationsWindow == AsyncOperationsWindow(maxInvoked: 1, maxPerformed: 16))
    }

    static func send(count: Int, to peer: WindowedPeer, proposing window: Int) async throws -> [StoreOutcome] {
        var options = StorageSCUOptions()
        options.requestor.operationsWindow = window
        options.requestor.dimseTimeoutSeconds = 20
        let items = (0..<count).map { i in
            StoreItem(index: i, name: file) { () throws(DicomError) -> DicomFile in try Part10Reader.read(path: file) }
        }
        let collected = StorageInteropTests.Collected()
        peer.start()
        await StorageSCU.send(items, to: AssociationAddress(aeTitle: "PEER", host: "127.0.0.1", port: peer.port), options: options) {
            collected.add($0)
        }
        return collected.sorted
    }
}

/// A storage SCP on a raw blocking socket, on a thread of its own: it accepts every context in
/// Explicit VR Little Endian with the window `window` (nil: it answers none, so one request at a
/// time), reads requests without answering until as many are outstanding as it accepted (or all
/// `expected` are in), answers the oldest, and records the most requests it ever had outstanding.
/// Before answering a full window it checks the socket once more, so a request past the window
/// would be counted.
final class WindowedPeer: @unchecked Sendable {
    struct Seen {
        var proposed: AsyncOperationsWindow?
        var requests = 0
        var maxOutstanding = 0
    }

    let window: Int?
    let expected: Int
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var seen = Seen()
    private var failure: String?
    private var finished = false

    init(window: Int?, expecting expected: Int) throws {
        self.window = window
        self.expected = expected
        (listener, port) = try Loopback.listen()
    }

    deinit { close(listener) }

    func start() {
        Thread.detachNewThread { [self] in
            let problem: String?
            do { problem = try serve() } catch { problem = "\(error)" }
            lock.withLock {
                failure = problem
                finished = true
            }
        }
    }

    /// What the peer saw, once its thread has finished (waits up to 30 s).
    func result() throws -> Seen {
        for _ in 0..<3000 {
            if let done = lock.withLock({ finished ? (seen, failure) : nil }) {
                if let problem = done.1 { Issue.record("peer: \(problem)") }
                return done.0
            }
            usleep(10_000)
        }
        Issue.record("the peer did not finish")
        return lock.withLock { seen }
    }

    private func serve() throws -> String? {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return "accept failed" }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard case .associateRQ(let rq)? = readPDU(fd) else { return "no A-ASSOCIATE-RQ" }
        lock.withLock { seen.proposed = rq.userInformation.asyncOperationsWindow }
        var policy = Negotiation.AcceptorPolicy(aeTitle: "PEER", transferSyntaxPreference: [TransferSyntax.explicitVRLittleEndian.uid],
                                                implementationClassUID: "2.25.3")
        policy.asyncOperationsWindow = window.map { AsyncOperationsWindow(maxInvoked: 1, maxPerformed: UInt16($0)) }
        guard case .accept(let ac) = Negotiation.answer(rq, policy: policy) else { return "the peer's own policy rejected the request" }
        write(fd, .associateAC(ac))
        let negotiated = try Negotiation.negotiated(requested: rq, answered: ac, asRequestor: false)
        var collector = DIMSEMessageCollector(acceptedContextIDs: Set(negotiated.accepted.map(\.id)), maxDataSetLength: 1 << 24)
        var outstanding: [DIMSEMessage] = []
        var received = 0
        let limit = max(1, Int(negotiated.maxOperationsWePerform))
        while true {
            // The oldest is answered once the window is full, or once every request is in.
            if !outstanding.isEmpty && (outstanding.count >= limit || received == expected) {
                if outstanding.count >= limit, received < expected, readable(fd, milliseconds: 200) {
                    // Something arrived past a full window: read it in (a request would be counted).
                } else {
                    let oldest = outstanding.removeFirst()
                    let rsp = DIMSECommand.storeRSP(to: oldest.command, status: 0)
                    for tf in try PDVFragmenter.dataTFs(command: rsp, dataSet: nil, contextID: oldest.contextID, maxPDULength: 16384) {
                        write(fd, .dataTF(tf))
                    }
                    continue
                }
            }
            guard let pdu = readPDU(fd) else { return "connection ended without a release" }
            switch pdu {
            case .dataTF(let tf):
                for pdv in tf.values {
                    if let message = try collector.append(pdv) {
                        outstanding.append(message)
                        received += 1
                        lock.withLock {
                            seen.requests += 1
                            seen.maxOutstanding = max(seen.maxOutstanding, outstanding.count)
                        }
                    }
                }
            case .releaseRQ:
                if !outstanding.isEmpty { return "released with \(outstanding.count) requests unanswered" }
                write(fd, .releaseRP)
                return nil
            default:
                return "unexpected \(pdu.type)"
            }
        }
    }

    private func readable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }

    private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return bytes
    }

    private func readPDU(_ fd: Int32) -> PDU? {
        let limits = PDULimits(maxDataTFLength: 1 << 20)
        guard let header = readExactly(fd, PDUDecoder.headerLength),
              let total = try? PDUDecoder.frameLength(header, limits: limits),
              let rest = readExactly(fd, total - header.count) else { return nil }
        return try? PDUDecoder.decode(header + rest, limits: limits)
    }

    private func write(_ fd: Int32, _ pdu: PDU) {
        guard let bytes = try? PDUEncoder.encode(pdu) else { return }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    }
}
