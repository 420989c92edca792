@testable import DicomNet
import Foundation
import Testing
import DicomTestSupport

/// The acceptor hands each request to its service as it arrives: the command set first, then the
/// data set a PDV at a time (never whole), the response after the last; its ARTIM and DIMSE timers
/// are separate.
@Suite(.serialized, .dedicatedThreads) struct AcceptorServiceTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static let explicit = "1.2.840.10008.1.2.1"

    /// Records what the acceptor hands it; answers 0xB000 (a warning a test can tell from success),
    /// or refuses at the command set when `refuse` is set.
    final class RecordingService: AssociationService, @unchecked Sendable {
        let lock = NSLock()
        let refuse: Bool
        /// How long `endDataSet` takes (a slow disk).
        let answerDelay: Duration
        private(set) var log: [String] = []
        private(set) var fragments: [Int] = []
        private(set) var received: [UInt8] = []
        private(set) var ends: [AssociationEnd] = []
        private var request: DIMSECommand?

        init(refuse: Bool, answerDelay: Duration = .zero) {
            self.refuse = refuse
            self.answerDelay = answerDelay
        }

        func begin(_ request: DIMSERequest) async -> DIMSECommand? {
            lock.withLock {
                log.append("begin \(request.abstractSyntax) \(request.transferSyntax)")
                self.request = request.command
            }
            return refuse ? .storeRSP(to: request.command, status: 0xA900) : nil
        }

        func dataSetFragment(_ bytes: PDVData) async {
            lock.withLock {
                log.append("fragment")
                fragments.append(bytes.count)
                received += bytes
            }
        }

        func endDataSet() async -> DIMSECommand {
            try? await Task.sleep(for: answerDelay)
            return lock.withLock {
                log.append("end")
                return .storeRSP(to: request ?? .echoRQ(messageID: 0), status: 0xB000)
            }
        }

        func end(_ how: AssociationEnd) async { lock.withLock { ends.append(how) } }

        var snapshot: (log: [String], fragments: [Int], received: [UInt8], ends: [AssociationEnd]) {
            lock.withLock { (log, fragments, received, ends) }
        }
    }

    final class Events: @unchecked Sendable {
        let lock = NSLock()
        var all: [AcceptorEvent] = []
        func add(_ e: AcceptorEvent) { lock.withLock { all.append(e) } }
        var reasons: [String] {
            lock.withLock {
                all.map {
                    switch $0 {
                    case .rejected(_, _, _, let reason), .failed(_, let reason), .tlsRefused(_, let reason): return reason
                    }
                }
            }
        }
    }

    static func withAcceptor(_ service: RecordingService, artim: Int64 = 30, dimse: Int64 = 60, events: Events = Events(),
                             _ body: (Int) async throws -> Void) async throws {
        var policy = Negotiation.AcceptorPolicy(aeTitle: "STORE", transferSyntaxPreference: [explicit], implementationClassUID: "2.25.2")
        policy.abstractSyntaxes = [ct, verificationSOPClassUID]
        var configured = AssociationAcceptor(policy: policy)
        configured.artimSeconds = artim
        configured.dimseSeconds = dimse
        configured.service = { _ in service }
        configured.onEvent = { events.add($0) }
        let acceptor = configured
        let server = try await acceptor.bind(host: "127.0.0.1", port: 0)
        let port = try #require(server.channel.localAddress?.port)
        let serving = Task(executorPreference: DedicatedThreads.shared) { try await acceptor.serve(server) }
        defer {
            acceptor.stop()
            serving.cancel()
        }
        try await body(port)
    }

    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func dataSetReachesTheServiceAPDVAtATime() async throws {
        let service = RecordingService(refuse: false)
        let dataSet = (0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await Self.withAcceptor(service) { port in
            let address = AssociationAddress(aeTitle: "STORE", host: "127.0.0.1", port: port)
            let statuses = try await Association.withAssociation(to: address, contexts: [(Self.ct, [Self.explicit]),
                                                                                         (verificationSOPClassUID, [Self.explicit])]) { session in
                let echo = try await session.echo()
                let store = try await session.request(.storeRQ(messageID: 2, sopClassUID: Self.ct, sopInstanceUID: "1.2.3"),
                                                      dataSet: dataSet, abstractSyntax: Self.ct)
                return [echo, store.command.status ?? 0xFFFF]
            }
            #expect(statuses == [0x0000, 0xB000])  // C-ECHO answered by the acceptor, C-STORE by the service
            #expect(await Self.waitUntil(5) { !service.snapshot.ends.isEmpty })
        }
        let s = service.snapshot
        // 600,000 bytes in PDUs of our 256 KiB maximum: three fragments, handed on one by one.
        #expect(s.fragments == [262_138, 262_138, 75_724])
        #expect(s.log == ["begin \(Self.ct) \(Self.explicit)", "fragment", "fragment", "fragment", "end"])
        #expect(s.received == dataSet)
        #expect(s.ends == [.released])
    }

    @Test func theDIMSETimerWaitsForOurOwnAnswer() async throws {
        // Storing takes 2 s, the DIMSE time-out is 1 s: the peer is silent because it waits for us.
        let service = RecordingService(refuse: false, answerDelay: .seconds(2))
        try await Self.withAcceptor(service, dimse: 1) { port in
            let address = AssociationAddress(aeTitle: "STORE", host: "127.0.0.1", port: port)
            let status = try await Association.withAssociation(to: address, contexts: [(Self.ct, [Self.explicit])]) { session in
                try await session.request(.storeRQ(messageID: 1, sopClassUID: Self.ct, sopInstanceUID: "1.2.3"),
                                          dataSet: [UInt8](repeating: 2, count: 1000), abstractSyntax: Self.ct).command.status
            }
            #expect(status == 0xB000)
            #expect(await Self.waitUntil(5) { !service.snapshot.ends.isEmpty })
        }
        #expect(service.snapshot.ends == [.released])
    }

    @Test func aRefusedDataSetIsDrainedAndAnsweredAfterItsLastFragment() async throws {
        let service = RecordingService(refuse: true)
        try await Self.withAcceptor(service) { port in
            let address = AssociationAddress(aeTitle: "STORE", host: "127.0.0.1", port: port)
            let status = try await Association.withAssociation(to: address, contexts: [(Self.ct, [Self.explicit])]) { session in
                try await session.request(.storeRQ(messageID: 1, sopClassUID: Self.ct, sopInstanceUID: "1.2.3"),
                                          dataSet: [UInt8](repeating: 1, count: 300_000), abstractSyntax: Self.ct).command.status
            }
            #expect(status == 0xA900)
        }
        #expect(service.snapshot.fragments.isEmpty)
    }

    /// Reads from a raw socket until the peer closes: the bytes and how long it took.
    static func readUntilClosed(_ fd: Int32) -> (bytes: [UInt8], seconds: Double) {
        let start = Date()
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return (received, Date().timeIntervalSince(start))
    }

    @Test func artimClosesAConnectionThatNeverAsks() async throws {
        let events = Events()
        try await Self.withAcceptor(RecordingService(refuse: false), artim: 1, events: events) { port in
            let (bytes, seconds) = try await AcceptorInteropTests.offPool { () throws -> ([UInt8], Double) in
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                try #require(Loopback.connect(fd, port: port))
                return Self.readUntilClosed(fd)
            }
            #expect(bytes.isEmpty)
            #expect(seconds >= 0.9 && seconds < 10, "closed after \(seconds) s")
            #expect(await Self.waitUntil(5) { events.reasons.contains { $0.contains("ARTIM") } }, "\(events.reasons)")
        }
    }

    @Test func dimseTimeOutAbortsASilentAssociation() async throws {
        let service = RecordingService(refuse: false)
        try await Self.withAcceptor(service, artim: 30, dimse: 1) { port in
            let rq = AssociateRQ(calledAETitle: "STORE", callingAETitle: "SILENT",
                                 presentationContexts: try Negotiation.propose([(Self.ct, [Self.explicit])]),
                                 userInformation: UserInformation(maxLength: 16384, implementationClassUID: "2.25.3", implementationVersionName: nil))
            let request = try PDUEncoder.encode(.associateRQ(rq))
            let (bytes, seconds) = try await AcceptorInteropTests.offPool { () throws -> ([UInt8], Double) in
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                try #require(Loopback.connect(fd, port: port))
                _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                return Self.readUntilClosed(fd)
            }
            // The A-ASSOCIATE-AC, then (after a second of silence) A-ABORT from the service user, then the close.
            #expect(bytes.first == 0x02)
            #expect(Array(bytes.suffix(10)) == [0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0], "\(bytes.suffix(10))")
            #expect(seconds >= 0.9 && seconds < 10, "aborted after \(seconds) s")
            #expect(await Self.waitUntil(5) { !service.snapshot.ends.isEmpty })
        }
        guard case .aborted(let why)? = service.snapshot.ends.first else {
            Issue.record("no end: \(service.snapshot.ends)")
            return
        }
        #expect(why.contains("DIMSE time-out"), "\(why)")
    }
}
