@testable import DicomNet
import Foundation
import Testing
import DicomTestSupport

/// The acceptor side: our listener answering dcmtk's echoscu, pynetdicom's echoscu and our own requestor.
@Suite(.serialized, .dedicatedThreads) struct AcceptorInteropTests {
    static var policy: Negotiation.AcceptorPolicy {
        var p = Negotiation.AcceptorPolicy(aeTitle: "ARCHIVE", transferSyntaxPreference: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"],
                                           implementationClassUID: "2.25.1")
        p.abstractSyntaxes = [verificationSOPClassUID]
        p.checkCalledAETitle = true
        return p
    }

    /// Runs `body` with our acceptor listening on a free loopback port.
    static func withAcceptor(_ body: (Int) async throws -> Void) async throws {
        let acceptor = AssociationAcceptor(policy: policy)
        let server = try await acceptor.bind(host: "127.0.0.1", port: 0)
        let port = try #require(server.channel.localAddress?.port)
        let serving = Task(executorPreference: DedicatedThreads.shared) { try await acceptor.serve(server) }
        defer {
            serving.cancel()
            server.channel.close(promise: nil)
        }
        try await body(port)
    }

    /// Runs a blocking call on a thread of its own. The acceptor serves on Swift's cooperative pool,
    /// which has one thread per core: a test blocked in waitUntilExit or read() on it starved the
    /// acceptor on a 2-core machine under load (echoscu timed out after 40 s).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try body() }) }.start()
        }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Int32 {
        try await offPool { try runBlocking(executable, arguments, environment: environment) }
    }

    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test func ourRequestorAgainstOurAcceptor() async throws {
        try await Self.withAcceptor { port in
            let results = try await Association.echo(AssociationAddress(aeTitle: "ARCHIVE", host: "127.0.0.1", port: port), count: 3)
            #expect(results.map(\.status) == [0, 0, 0])
            let e = await #expect(throws: NetError.self) {
                try await Association.echo(AssociationAddress(aeTitle: "OTHER", host: "127.0.0.1", port: port), count: 1)
            }
            #expect(e?.code == .rejected)
            #expect(e?.message.contains("called AE title not recognized") == true)
        }
    }

    @Test func dcmtkEchoscuAgainstOurAcceptor() async throws {
        let echoscu = "/usr/bin/echoscu"  // absolute: pynetdicom's console scripts shadow dcmtk's on PATH
        try #require(FileManager.default.isExecutableFile(atPath: echoscu), "dcmtk's echoscu is missing: run scripts/setup")
        try await Self.withAcceptor { port in
            let accepted = try await Self.run(echoscu, ["-aec", "ARCHIVE", "127.0.0.1", String(port)], environment: ["TCP_NODELAY": "1"])
            let refused = try await Self.run(echoscu, ["-aec", "WRONG", "127.0.0.1", String(port)])
            #expect(accepted == 0)
            #expect(refused != 0)
        }
    }

    @Test func pynetdicomEchoscuAgainstOurAcceptor() async throws {
        try #require(try await Self.run("/usr/bin/env", ["python3", "-c", "import pynetdicom"]) == 0,
                     "pynetdicom is missing for python3: run scripts/setup (PyPI pynetdicom 3.0.4)")
        try await Self.withAcceptor { port in
            let status = try await Self.run("/usr/bin/env", ["python3", "-m", "pynetdicom", "echoscu", "-aec", "ARCHIVE", "127.0.0.1", String(port)])
            let refused = try await Self.run("/usr/bin/env", ["python3", "-m", "pynetdicom", "echoscu", "-aec", "WRONG", "127.0.0.1", String(port)])
            #expect(status == 0)
            #expect(refused != 0)  // its exit status does tell: the accepted case above means something
        }
    }

    /// Sends `bytes` on a raw socket to our acceptor and returns what comes back before it closes.
    static func exchange(port: Int, _ bytes: [UInt8]) async throws -> [UInt8] {
        try await offPool { try exchangeBlocking(port: port, bytes) }
    }

    static func exchangeBlocking(port: Int, _ bytes: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        try #require(Loopback.connect(fd, port: port))
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return received
    }

    @Test func malformedPDUsAreAnsweredWithTheAbortTheStandardNames() async throws {
        try await Self.withAcceptor { port in
            // An unknown PDU type: A-ABORT, service provider, reason 1 (unrecognized PDU).
            #expect(try await Self.exchange(port: port, [0x09, 0, 0, 0, 0, 4, 0, 0, 0, 0]) == [0x07, 0, 0, 0, 0, 4, 0, 0, 2, 1])
            // A P-DATA-TF longer than the maximum we announce: reason 6 (invalid PDU parameter value),
            // answered from the header alone.
            #expect(try await Self.exchange(port: port, [0x04, 0, 0x7F, 0xFF, 0xFF, 0xFF]) == [0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6])
            // A P-DATA-TF before any association: AA-1 in Sta2, an A-ABORT.
            let early = try await Self.exchange(port: port, [0x04, 0, 0, 0, 0, 8, 0, 0, 0, 4, 1, 3, 0, 0])
            #expect(early.first == 0x07)
        }
    }
}
