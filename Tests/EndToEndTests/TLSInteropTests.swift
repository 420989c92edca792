import DicomTestSupport
import Foundation
import Testing

/// TLS (PS3.15 B.9, BCP 195) both ways with dcmtk (storescp, echoscu, storescu +tls), pynetdicom
/// (an ssl.SSLContext) and dicomtool itself, and the refusals: a certificate of another CA, an
/// expired one, no client certificate where one is required, TLS on one side only. Each refusal is
/// one line naming the peer and the reason with exit status 65; receive reports it (event
/// tls-refused) and a well-behaved peer is served right after. Certificates: TLSCertificates.
@Suite(.serialized) struct TLSInteropTests {
    static let fixtures = SendEndToEndTests.fixtures

    static func tool(_ args: [String]) async throws -> Tool.Result {
        try await SendEndToEndTests.offPool { try Tool.run(args) }
    }

    /// A refusal's report: exit `status` (65: TLS), one error line on stderr naming `peer` and
    /// containing `reason` (send adds its summary line).
    static func expectRefused(_ r: Tool.Result, peer: String, reason: String, status: Int32 = 65,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let errors = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(r.status == status, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(errors.count == 1, "not one error line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(errors.first.map { $0.contains(peer) && $0.contains(reason) } == true, "\(r.stderr)", sourceLocation: sourceLocation)
    }

    /// The receiver's tls-refused events whose reason contains `reason`, waited for.
    static func expectRefusalEvent(_ receiver: Receiver, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let seen = receiver.waitUntil(10) {
            receiver.events("tls-refused").contains { ($0["reason"] as? String)?.contains(reason) == true }
        }
        #expect(seen, "no tls-refused event with '\(reason)': \(receiver.events("tls-refused"))", sourceLocation: sourceLocation)
    }

    /// A good TLS echo to `receiver`: it still serves.
    static func expectServes(_ receiver: Receiver, _ certs: TLSCertificates, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Tool.run(["echo", "DICOMTOOL@127.0.0.1:\(receiver.port)"] + certs.flags("client"))
        #expect(r.status == 0 && receiver.process.isRunning, "\(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func dicomtoolToStorescp() async throws {
        let certs = try TLSCertificates.get()
        // storescp demands a client certificate by default (--require-peer-cert).
        let storescp = try await PeerProcess("/usr/bin/storescp") { port, dir in
            ["+tls", certs.key("server"), certs.pem("server"), "+cf", certs.pem("ca"), "-aet", "SCP", "-od", dir + "/out", "+xa", String(port)]
        }
        defer { storescp.stop(); storescp.remove() }
        let address = "SCP@127.0.0.1:\(storescp.port)"
        for profile in ["bcp195", "bcp195-nd", "bcp195-ex"] {
            let echo = try await Self.tool(["echo", address, "--tls-profile", profile] + certs.flags("client"))
            #expect(echo.status == 0 && echo.stdout.contains("success"), "\(profile): \(echo.stderr)")
        }
        let sent = try await Self.tool(["send", "--to", address] + certs.flags("client") + Self.fixtures)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(storescp.received().count == Self.fixtures.count)

        // Refusals, each one line naming the peer: storescp's certificate from an untrusted CA, our
        // certificate expired, no certificate at all.
        Self.expectRefused(try await Self.tool(["echo", address] + certs.flags("client", ca: "otherca")),
                           peer: address, reason: "the server's certificate is not issued by a CA we trust")
        Self.expectRefused(try await Self.tool(["echo", address] + certs.flags("expired")),
                           peer: address, reason: "expired")
        Self.expectRefused(try await Self.tool(["echo", address] + certs.flags(nil)), peer: address, reason: "certificate")
        // Plain DICOM to the TLS port: storescp resets the connection without a word, so this is
        // a lost association (62), with the hint.
        Self.expectRefused(try await Self.tool(["echo", "--timeout", "10", address]), peer: address,
                           reason: "lost before any answer to the association request", status: 62)
        let again = try await Self.tool(["echo", address] + certs.flags("client"))
        #expect(again.status == 0 && storescp.isRunning, "\(again.stderr)")
    }

    @Test func dcmtkToReceive() throws {
        let certs = try TLSCertificates.get()
        try ReceivePeers.requireExecutable("/usr/bin/echoscu", "dcmtk's echoscu")
        let receiver = try Receiver(certs.flags("server") + ["--tls-require-client-cert"])
        // storescu proposes the uncompressed syntaxes by default: files it sends unchanged.
        let files = ["native/SC_rgb_small_odd.dcm"].map(ReceivePeers.corpus)  // storescu drops MR_small's group lengths
        func dcmtk(_ tool: String, _ name: String?) throws -> (status: Int32, output: String) {
            let tls = name.map { ["+tls", certs.key($0), certs.pem($0), "+cf", certs.pem("ca")] } ?? []
            return try ReceivePeers.run(tool, tls + ["-aec", "DICOMTOOL", "127.0.0.1", String(receiver.port)]
                                        + (tool.hasSuffix("storescu") ? files.map(\.path) : []))
        }
        let echo = try dcmtk("/usr/bin/echoscu", "client")
        #expect(echo.status == 0, "\(echo.output)")
        let store = try dcmtk(ReceivePeers.storescu, "client")
        #expect(store.status == 0, "\(store.output)")
        try ReceiveInteropTests.expectStoredIdentical(receiver, files, calling: "STORESCU")

        // A client certificate of another CA, an expired one, plain DICOM: refused, reported, and
        // the receiver serves the next client.
        #expect(try dcmtk("/usr/bin/echoscu", "rogue").status != 0)
        Self.expectRefusalEvent(receiver, "the client's certificate is not issued by a CA we trust")
        #expect(try dcmtk("/usr/bin/echoscu", "expired").status != 0)
        Self.expectRefusalEvent(receiver, "the client's certificate expired on")
        #expect(try dcmtk("/usr/bin/echoscu", nil).status != 0)
        Self.expectRefusalEvent(receiver, "does not speak TLS")
        #expect(try dcmtk("/usr/bin/echoscu", "client").status == 0)
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)

        // Our certificate expired: echoscu refuses it. OpenSSL 3.0 sends that TLS 1.3 alert as a
        // record BoringSSL cannot open, so receive can only say that the peer broke off; over TLS
        // 1.2 (dcmtk's Extended profile, +pz) the alert names the expiry.
        let stale = try Receiver(certs.flags("expired", ca: nil))
        let tls = ["+tls", certs.key("client"), certs.pem("client"), "+cf", certs.pem("ca"), "-aec", "DICOMTOOL", "127.0.0.1", String(stale.port)]
        #expect(try ReceivePeers.run("/usr/bin/echoscu", tls).status != 0)
        Self.expectRefusalEvent(stale, "the peer broke off the handshake")
        #expect(try ReceivePeers.run("/usr/bin/echoscu", ["+pz"] + tls).status != 0)
        Self.expectRefusalEvent(stale, "the peer refused our certificate as expired")
    }

    @Test func pynetdicomBothWays() async throws {
        let certs = try TLSCertificates.get()
        try ReceivePeers.requirePynetdicom()
        // pynetdicom's requestor (tls_args) to receive, with mutual TLS.
        let receiver = try Receiver(certs.flags("server") + ["--tls-require-client-cert"])
        let scu = try await SendEndToEndTests.python([ReceivePeers.script("tls_scu.py"), "127.0.0.1", String(receiver.port), "DICOMTOOL",
                                                      certs.pem("ca"), "localhost", "--cert", certs.pem("client"), "--key", certs.key("client")]
                                                     + Self.fixtures)
        #expect(scu.0 == 0 && scu.1.contains("echo 0x0000") && scu.1.components(separatedBy: "store 0x0000").count == Self.fixtures.count + 1,
                "\(scu.1)")
        try ReceiveInteropTests.expectStoredIdentical(receiver, Self.fixtures.map { URL(fileURLWithPath: $0) }, calling: "PYTLS")

        // send to pynetdicom's acceptor (ssl_context), which demands our certificate.
        let scp = try await PeerProcess("/usr/bin/env") { port, dir in
            ["python3", SendEndToEndTests.scp, String(port), dir + "/out", "--syntaxes",
             "1.2.840.10008.1.2.1,1.2.840.10008.1.2,1.2.840.10008.1.2.4.50,1.2.840.10008.1.2.5",
             "--tls", certs.pem("server"), certs.key("server"), "--tls-ca", certs.pem("ca")]
        }
        defer { scp.stop(); scp.remove() }
        let sent = try await Self.tool(["send", "--to", "PYSCP@localhost:\(scp.port)"] + certs.flags("client") + Self.fixtures)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(scp.received().count == Self.fixtures.count)
        Self.expectRefused(try await Self.tool(["send", "--to", "PYSCP@localhost:\(scp.port)"] + certs.flags("rogue") + [Self.fixtures[0]]),
                           peer: "PYSCP@localhost:\(scp.port)", reason: "the peer does not trust the CA that issued our certificate")
    }

    @Test func dicomtoolToDicomtool() throws {
        let certs = try TLSCertificates.get()
        let receiver = try Receiver(certs.flags("server") + ["--tls-require-client-cert"])
        let address = "DICOMTOOL@127.0.0.1:\(receiver.port)"
        let sources = try ReceivePeers.generate(12, patientID: "TLS-01")
        let sent = try Tool.run(["send", "-j", "2", "--to", address] + certs.flags("client") + sources.map(\.path))
        #expect(sent.status == 0, "\(sent.stderr)")
        try ReceiveInteropTests.expectStoredIdentical(receiver, sources, calling: "DICOMTOOL")
        let extended = try Tool.run(["echo", "--tls-profile", "bcp195-ex", address] + certs.flags("client"))
        #expect(extended.status == 0, "\(extended.stderr)")

        // The server's certificate from an untrusted CA: our refusal, and the receiver's report of it.
        Self.expectRefused(try Tool.run(["echo", address] + certs.flags("client", ca: "otherca")),
                           peer: address, reason: "the server's certificate is not issued by a CA we trust")
        Self.expectRefusalEvent(receiver, "the peer does not trust the CA that issued our certificate")
        try Self.expectServes(receiver, certs)
        // Our certificate from another CA, or none: the receiver refuses it.
        Self.expectRefused(try Tool.run(["echo", address] + certs.flags("rogue")), peer: address, reason: "certificate")
        Self.expectRefusalEvent(receiver, "the client's certificate is not issued by a CA we trust")
        Self.expectRefused(try Tool.run(["echo", address] + certs.flags(nil)), peer: address, reason: "certificate")
        Self.expectRefusalEvent(receiver, "the client presented no certificate")
        try Self.expectServes(receiver, certs)
        // Plain DICOM to the TLS port.
        Self.expectRefused(try Tool.run(["echo", "--timeout", "10", address]), peer: address, reason: "TLS")
        Self.expectRefusalEvent(receiver, "does not speak TLS")
        try Self.expectServes(receiver, certs)

        // find and get take the same flags: over TLS they reach the negotiation (receive offers no
        // query context: 61); a server certificate of an untrusted CA stops them at the handshake.
        let query = ["-k", "PatientID=TLS-01"]
        #expect(try Tool.run(["find", "--to", address] + query + certs.flags("client")).status == 61)
        #expect(try Tool.run(["get", "--from", address, "-o", Receiver.temporaryDirectory("tls-get").path] + query + certs.flags("client")).status == 61)
        Self.expectRefused(try Tool.run(["find", "--to", address] + query + certs.flags("client", ca: "otherca")),
                           peer: address, reason: "the server's certificate is not issued by a CA we trust")
        Self.expectRefused(try Tool.run(["get", "--from", address, "-o", Receiver.temporaryDirectory("tls-get").path] + query
                                        + certs.flags("client", ca: "otherca")),
                           peer: address, reason: "the server's certificate is not issued by a CA we trust")
        try Self.expectServes(receiver, certs)

        // An expired server certificate.
        let stale = try Receiver(certs.flags("expired", ca: nil))
        Self.expectRefused(try Tool.run(["echo", "DICOMTOOL@127.0.0.1:\(stale.port)"] + certs.flags(nil)),
                           peer: "DICOMTOOL@127.0.0.1:\(stale.port)", reason: "the server's certificate expired on")
        // TLS to a plain port: our error, and the plain receiver's report.
        let plain = try Receiver([])
        Self.expectRefused(try Tool.run(["echo", "DICOMTOOL@127.0.0.1:\(plain.port)"] + certs.flags(nil)),
                           peer: "DICOMTOOL@127.0.0.1:\(plain.port)", reason: "TLS")
        Self.expectRefusalEvent(plain, "the client speaks TLS to this plain DICOM port")
        #expect(try Tool.run(["echo", "DICOMTOOL@127.0.0.1:\(plain.port)"]).status == 0)
    }

    /// commit and move take the same flags: commit over TLS to a TLS receive --commitment gets its
    /// report; move reaches the negotiation (receive offers no query context: 61); an untrusted
    /// server certificate stops both at the handshake; --receive-port with --tls needs our certificate.
    @Test func commitAndMoveOverTLS() throws {
        let certs = try TLSCertificates.get()
        let listen = try Loopback.freePort()
        let receiver = try Receiver(certs.flags("server") + ["--commitment", "--commitment-peer", "DTL@127.0.0.1:\(listen)"])
        let address = "DICOMTOOL@127.0.0.1:\(receiver.port)"
        let sources = try ReceivePeers.generate(2, patientID: "TLS-02")
        let sent = try Tool.run(["send", "--to", address] + certs.flags("client") + sources.map(\.path))
        #expect(sent.status == 0, "\(sent.stderr)")
        let committed = try Tool.run(["commit", "--to", address, "--report-timeout", "20"] + certs.flags("client") + sources.map(\.path))
        #expect(committed.status == 0, "\(committed.stdout) \(committed.stderr)")
        // With a TLS listener as well, commit waits on both paths and takes the report receive
        // sends on the request's association. (receive's fallback to a new association is driven
        // in CommitReceiveTests by a requester that aborts before answering, over plain TCP.)
        let listening = try Tool.run(["commit", "--to", address, "--calling-aet", "DTL", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                      "--report-timeout", "20"] + certs.flags("client") + sources.map(\.path))
        #expect(listening.status == 0, "\(listening.stdout) \(listening.stderr)")
        #expect(receiver.waitUntil(10) { receiver.events("commitment-report").filter { $0["via"] as? String == "the request's association" && $0["status"] as? Int == 0 }.count == 2 },
                "\(receiver.events("commitment-report"))")
        // commit reports each instance: one error line per input, each naming the handshake's failure.
        let untrusted = try Tool.run(["commit", "--to", address] + certs.flags("client", ca: "otherca") + sources.map(\.path))
        let lines = untrusted.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(untrusted.status == 65 && lines.count == sources.count, "\(untrusted.stderr)")
        #expect(lines.allSatisfy { $0.contains("TLS handshake with \(address) failed: the server's certificate is not issued by a CA we trust") },
                "\(untrusted.stderr)")
        let move = ["move", "--from", address, "--dest", "ELSEWHERE", "-k", "PatientID=TLS-02"]
        #expect(try Tool.run(move + certs.flags("client")).status == 61)
        Self.expectRefused(try Tool.run(move + certs.flags("client", ca: "otherca")),
                           peer: address, reason: "the server's certificate is not issued by a CA we trust")
        let noCertificate = try Tool.run(["commit", "--to", address, "--tls", "--receive-port", "0"] + sources.map(\.path))
        #expect(noCertificate.status == 1 && noCertificate.stderr.contains("--tls with --receive-port needs"), "\(noCertificate.stderr)")
        try Self.expectServes(receiver, certs)
    }

    @Test func usageErrors() throws {
        let certs = try TLSCertificates.get()
        let noCertificate = try Tool.run(["receive", "--port", "0", "-o", Receiver.temporaryDirectory("tls-usage").path, "--tls"])
        #expect(noCertificate.status == 1 && noCertificate.stderr.contains("--tls-cert"), "\(noCertificate.stderr)")
        let withoutTLS = try Tool.run(["echo", "A@127.0.0.1:1", "--tls-ca", certs.pem("ca")])
        #expect(withoutTLS.status == 1 && withoutTLS.stderr.contains("add --tls"), "\(withoutTLS.stderr)")
        let missing = try Tool.run(["echo", "A@127.0.0.1:1", "--tls", "--tls-ca", "/nonexistent/ca.pem"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/ca.pem"), "\(missing.stderr)")
        let mismatched = try Tool.run(["echo", "A@127.0.0.1:1", "--tls", "--tls-cert", certs.pem("client"), "--tls-key", certs.key("server")])
        #expect(mismatched.status == 1 && mismatched.stderr.contains("private key"), "\(mismatched.stderr)")
        let unchecked = try Tool.run(["echo", "A@127.0.0.1:\(try PeerProcess.freePort())", "--tls", "--tls-no-verify", "--timeout", "2"])
        #expect(unchecked.stderr.contains("--tls-no-verify") && unchecked.status == 60, "\(unchecked.stderr)")
    }
}
