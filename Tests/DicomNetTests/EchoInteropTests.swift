@testable import DicomNet
import Foundation
import Testing
import DicomTestSupport

/// C-ECHO against dcmtk's storescp on a free loopback port, started and stopped by the test.
@Suite(.serialized, .dedicatedThreads) struct EchoInteropTests {
    static let storescp = "/usr/bin/storescp"

    /// Runs `body` with storescp listening as `SCP` on a free port; stops it afterwards.
    static func withStorescp(_ extra: [String] = [], _ body: (Int) async throws -> Void) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: storescp),
                     "dcmtk's storescp is missing at \(storescp): run scripts/setup (Debian package dcmtk)")
        try await withPeer(storescp, { port, dir in ["-aet", "SCP", "-od", dir] + extra + [String(port)] }, body)
    }

    /// Runs `body` with a peer started as `executable arguments(port, directory)`, listening on a
    /// free port; kills it afterwards.
    static func withPeer(_ executable: String, _ arguments: (Int, String) -> [String], _ body: (Int) async throws -> Void) async throws {
        let port = try Loopback.freePort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomnet-\(port)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments(port, dir.path)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            // SIGKILL: a child started from the test runner's threads inherits their blocked
            // signals, and storescp then never sees a SIGTERM.
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        var waited = 0
        while !Loopback.accepts(port: port) {
            try #require(p.isRunning && waited < 600, "\(executable) \(p.arguments ?? []) did not listen on port \(port) within 30 s")
            try await Task.sleep(nanoseconds: 50_000_000)
            waited += 1
        }
        try await body(port)
    }

    static let echoContext = [(abstractSyntax: verificationSOPClassUID, transferSyntaxes: ["1.2.840.10008.1.2"])]

    @Test func echoAgainstStorescp() async throws {
        try await Self.withStorescp { port in
            let address = try AssociationAddress(parsing: "SCP@127.0.0.1:\(port)")
            let (status, noDelay, peer) = try await Association.withAssociation(to: address, contexts: Self.echoContext) { session in
                (try await session.echo(), session.tcpNoDelay, session.negotiated?.peerImplementationClassUID)
            }
            #expect(status == DIMSEStatus.success)
            #expect(noDelay)
            #expect(peer?.hasPrefix("1.2.276.0.7230010.3") == true)  // dcmtk's implementation class root
            // Several echoes on one association, and the maximum length storescp announced.
            let (statuses, length) = try await Association.withAssociation(to: address, contexts: Self.echoContext) { session in
                var statuses: [UInt16] = []
                for _ in 0..<5 { statuses.append(try await session.echo()) }
                return (statuses, session.negotiated?.maxSendLength)
            }
            #expect(statuses == [UInt16](repeating: DIMSEStatus.success, count: 5))
            #expect(length == 16384)
        }
    }

    @Test func echoAgainstPynetdicom() async throws {
        // python3 as the suite's other checks find it (env), so scripts/setup's install is the one used.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import pynetdicom"]
        try check.run()
        check.waitUntilExit()
        try #require(check.terminationStatus == 0, "pynetdicom is missing for python3: run scripts/setup (PyPI pynetdicom 3.0.4)")
        try await Self.withPeer("/usr/bin/env", { port, dir in ["python3", "-m", "pynetdicom", "storescp", "-aet", "PYSCP", "-od", dir, String(port)] }) { port in
            let address = try AssociationAddress(parsing: "PYSCP@127.0.0.1:\(port)")
            let results = try await Association.echo(address, count: 2)
            #expect(results.map(\.status) == [DIMSEStatus.success, DIMSEStatus.success])
        }
    }

    @Test func refusedContextIsReportedInWords() async throws {
        try await Self.withStorescp { port in
            let address = try AssociationAddress(parsing: "SCP@127.0.0.1:\(port)")
            // A transfer syntax storescp does not accept by default: the context comes back refused.
            let contexts = [(abstractSyntax: verificationSOPClassUID, transferSyntaxes: ["1.2.840.10008.1.2.4.90"])]
            let e = await #expect(throws: NetError.self) {
                try await Association.withAssociation(to: address, contexts: contexts) { session in try await session.echo() }
            }
            #expect(e?.code == .rejected)
            #expect(e?.message.contains("transfer-syntaxes-not-supported") == true)
        }
    }

    @Test func rejectedAssociationIsReportedInWords() async throws {
        // storescp --refuse rejects every association.
        try await Self.withStorescp(["--refuse"]) { port in
            let address = try AssociationAddress(parsing: "SCP@127.0.0.1:\(port)")
            let e = await #expect(throws: NetError.self) {
                try await Association.withAssociation(to: address, contexts: Self.echoContext) { session in try await session.echo() }
            }
            #expect(e?.code == .rejected)
            #expect(e?.code.exitStatus.rawValue == 61)
            #expect(e?.message.contains("rejected") == true)
        }
    }

    @Test func nobodyListeningCannotConnect() async throws {
        let port = try Loopback.freePort()
        let address = AssociationAddress(aeTitle: "SCP", host: "127.0.0.1", port: port)
        let e = await #expect(throws: NetError.self) {
            try await Association.withAssociation(to: address, contexts: Self.echoContext) { session in try await session.echo() }
        }
        #expect(e?.code == .cannotConnect)
        #expect(e?.code.exitStatus.rawValue == 60)
    }

    @Test func addressesParse() throws {
        #expect(try AssociationAddress(parsing: "PACS@10.0.0.5:104") == AssociationAddress(aeTitle: "PACS", host: "10.0.0.5", port: 104))
        #expect(try AssociationAddress(parsing: "A@[::1]:11112") == AssociationAddress(aeTitle: "A", host: "::1", port: 11112))
        #expect(try AssociationAddress(parsing: "A@[::1]:11112").description == "A@[::1]:11112")
        for bad in ["PACS", "PACS@host", "PACS@host:0", "PACS@host:70000", "@host:104", "SEVENTEEN_CHARS_X@h:1", "A@:104"] {
            #expect(throws: NetError.self, "\(bad)") { try AssociationAddress(parsing: bad) }
        }
    }
}
