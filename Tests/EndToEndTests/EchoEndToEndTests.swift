import DicomTestSupport
import Foundation
import Testing

/// `dicomtool echo` against dcmtk's storescp on a free loopback port: output and exit statuses.
@Suite(.serialized) struct EchoEndToEndTests {
    static let storescp = "/usr/bin/storescp"  // absolute: pynetdicom's console scripts shadow it on PATH

    static func withStorescp(_ extra: [String] = [], _ body: (Int) throws -> Void) throws {
        try #require(FileManager.default.isExecutableFile(atPath: storescp),
                     "dcmtk's storescp is missing at \(storescp): run scripts/setup (Debian package dcmtk)")
        let port = try Loopback.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: storescp)
        p.arguments = ["-aet", "SCP", "-od", NSTemporaryDirectory()] + extra + [String(port)]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            kill(p.processIdentifier, SIGKILL)  // SIGTERM may be blocked in a child of the test runner
            p.waitUntilExit()
        }
        // Wait for the port: a connection attempt that succeeds (and is closed at once).
        for _ in 0..<600 {
            if Loopback.accepts(port: port) { return try body(port) }
            usleep(50_000)
        }
        Issue.record("storescp did not listen on port \(port) within 30 s")
    }

    @Test func echoPrintsEachRoundTrip() throws {
        try Self.withStorescp { port in
            let r = try Tool.run(["echo", "--repeat", "2", "--calling-aet", "E2E", "SCP@127.0.0.1:\(port)"])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.hasPrefix("SCP@127.0.0.1:\(port): C-ECHO success (0x0000) in ") && $0.hasSuffix(" ms") })
            let json = try Tool.run(["echo", "--format", "json", "SCP@127.0.0.1:\(port)"])
            let record = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(record?["status"] as? Int == 0)
            #expect(record?["result"] as? String == "success")
            #expect((record?["roundTripMs"] as? Double ?? -1) >= 0)
            #expect(record?["type"] as? String == "echo" && record?["schema"] as? String == "dicomtool/1")
            // An AE title may hold a quote (storescp answers any called title): the line stays JSON.
            let quoted = try Tool.run(["echo", "--format", "json", "A\"B@127.0.0.1:\(port)"])
            let quotedRecord = try JSONSerialization.jsonObject(with: Data(quoted.stdout.utf8)) as? [String: Any]
            #expect(quotedRecord?["address"] as? String == "A\"B@127.0.0.1:\(port)", "\(quoted.stdout) \(quoted.stderr)")
        }
    }

    @Test func rejectionAndUnreachablePeerHaveTheirStatuses() throws {
        try Self.withStorescp(["--refuse"]) { port in
            let r = try Tool.run(["echo", "SCP@127.0.0.1:\(port)"])
            #expect(r.status == 61)
            #expect(r.stderr.contains("association rejected permanently"))
            #expect(r.stdout.isEmpty)
        }
        let nobody = try Tool.run(["echo", "--timeout", "5", "SCP@127.0.0.1:\(try Loopback.freePort())"])
        #expect(nobody.status == 60)
        #expect(nobody.stderr.hasPrefix("dicomtool: echo: SCP@127.0.0.1:"))
        #expect(try Tool.run(["echo", "no-address"]).status == 1)
    }
}
