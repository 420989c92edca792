import DicomTestSupport
import Foundation
import Testing

/// `receive --commitment` answering storage commitment for what it stored in the run: asked by
/// `dicomtool commit` (report on the same association, with and without a listener), by
/// pynetdicom's library as SCU, and by one that aborts before answering the report (which then
/// goes on a new association to --commitment-peer).
@Suite(.serialized, .dedicatedThreads) struct CommitReceiveTests {
    typealias C = CommitEndToEndTests

    @Test func commitToReceiveOnTheSameAssociationAndToItsListener() async throws {
        let listen = try PeerProcess.freePort()
        let receiver = try Receiver(["--aet", "ARCH", "--commitment", "--commitment-peer", "DTL@127.0.0.1:\(listen)"])
        let to = "ARCH@127.0.0.1:\(receiver.port)"
        let sent = try await C.offPool { try Tool.run(["send", "--to", to] + C.fixtures.prefix(2)) }
        #expect(sent.status == 0, "\(sent.stderr)")

        let same = try await C.commit(["--to", to, "--format", "json"] + C.fixtures)
        #expect(same.status == 64, "\(same.stderr)")
        #expect(C.records(same.stdout).map { $0["outcome"] as? String } == ["committed", "committed", "failed"])
        #expect(C.records(same.stdout).last?["failureReason"] as? String == "0x0112")
        #expect(C.records(same.stdout).first?["retrieveAETitle"] as? String == "ARCH")

        // With a listener too, commit takes the report the receiver sends on the request's association.
        let listening = try await C.commit(["--to", to, "--calling-aet", "DTL", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                            "--format", "json", "--report-timeout", "20"] + C.fixtures.prefix(2))
        #expect(listening.status == 0, "\(listening.stderr)")
        #expect(receiver.waitUntil(10) { receiver.events("commitment-report").count == 2 })

        // A requester that aborts without answering the report: it goes again on a new association
        // to the --commitment-peer.
        let refs = try C.fixtures.prefix(2).map { path in
            try C.instanceUID(path, keyword: "SOPClassUID", tag: "(0008,0016)") + "\t" + C.instanceUID(path)
        }
        let list = Receiver.temporaryDirectory("refs").appendingPathComponent("refs.tsv")
        try (refs.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        let (status, text) = try await C.offPool {
            try Tool.script("commitment_peer.py", ["scu", to, list.path, "--listen", String(listen), "--aet", "DTL", "--abort-after-action",
                                                   "--wait", "20"])
        }
        #expect(status == 0, "\(text)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        #expect((report["committed"] as? [String])?.count == 2, "\(text)")
        #expect(receiver.waitUntil(10) { receiver.events("commitment-report").count == 3 })
        let reports = receiver.events("commitment-report")
        #expect(reports.prefix(2).allSatisfy { $0["via"] as? String == "the request's association" && $0["status"] as? Int == 0 }, "\(reports)")
        #expect(reports.last?["via"] as? String == "a new association to DTL@127.0.0.1:\(listen)" && reports.last?["status"] as? Int == 0)
        #expect(receiver.events("commitment").map { $0["committed"] as? Int } == [2, 2, 2])

        // A file removed since it was stored is no longer committed.
        let stored = try #require(receiver.events("stored").first?["path"] as? String)
        try FileManager.default.removeItem(atPath: stored)
        let after = try await C.commit(["--to", to, "--format", "json", C.fixtures[0]])
        #expect(after.status == 64 && C.records(after.stdout).first?["failureReason"] as? String == "0x0112", "\(after.stderr)")
    }

    @Test func instancesStoredByAnEarlierRunAreCommittedToo() async throws {
        // Each run with --commitment appends what it stores to the output directory's index; the
        // next run into the same directory answers for those instances as well (their files still
        // in place), and not for an instance it never stored.
        var first: Receiver? = try Receiver(["--aet", "ARCH", "--commitment"])
        let output = try #require(first?.directory)
        let sent = try await C.offPool { [port = first?.port ?? 0] in try Tool.run(["send", "--to", "ARCH@127.0.0.1:\(port)", C.fixtures[0]]) }
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(first?.waitUntil(10) { first?.events("stored").count == 1 } == true)
        #expect(first?.events("commitment-index").first?["instances"] as? Int == 0)
        first = nil  // killed: the index is what survives

        let second = try Receiver(["--aet", "ARCH", "--commitment"], output: output)
        #expect(second.events("commitment-index").first?["instances"] as? Int == 1, "\(second.events("commitment-index"))")
        let r = try await C.commit(["--to", "ARCH@127.0.0.1:\(second.port)", "--format", "json", C.fixtures[0], C.fixtures[1]])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(C.records(r.stdout).map { $0["outcome"] as? String } == ["committed", "failed"], "\(r.stdout)")
        #expect(second.files.contains(".dicomtool-commitment.tsv"))
    }

    @Test func pynetdicomAsRequesterGetsTheReportOnItsAssociation() async throws {
        let receiver = try Receiver(["--aet", "ARCH", "--commitment"])
        let to = "ARCH@127.0.0.1:\(receiver.port)"
        let sent = try await C.offPool { try Tool.run(["send", "--to", to, C.fixtures[0]]) }
        #expect(sent.status == 0, "\(sent.stderr)")
        let refs = try C.fixtures.prefix(2).map { path in
            try C.instanceUID(path, keyword: "SOPClassUID", tag: "(0008,0016)") + "\t" + C.instanceUID(path)
        }
        let list = Receiver.temporaryDirectory("refs").appendingPathComponent("refs.tsv")
        try (refs.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        let (status, text) = try await C.offPool {
            try Tool.script("commitment_peer.py", ["scu", to, list.path, "--wait", "10"])
        }
        #expect(status == 0, "\(text)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(report["status"] as? Int == 0)
        #expect(report["reportTransaction"] as? String == report["transaction"] as? String)
        #expect(report["committed"] as? [String] == [refs[0].split(separator: "\t").last.map(String.init) ?? ""])
        let failed = try #require(report["failed"] as? [[Any]])
        #expect(failed.count == 1 && failed.first?.last as? Int == 0x0112)
    }

    /// Orthanc 1.10 as storage commitment SCU (REST /modalities/{id}/storage-commitment): it
    /// releases the association after the N-ACTION-RSP and takes the report on its own DICOM port.
    @Test func orthancAsRequesterGetsTheReportOnANewAssociation() async throws {
        let httpPort = try PeerProcess.freePort(), orthancPort = try PeerProcess.freePort()
        let receiver = try Receiver(["--aet", "ARCH", "--commitment", "--commitment-peer", "ORTHANC@127.0.0.1:\(orthancPort)"])
        let orthanc = try await PeerProcess("/usr/sbin/Orthanc", port: orthancPort) { port, d in
            let config = """
            { "Name": "commit-scu-test", "StorageDirectory": "\(d)/db", "IndexDirectory": "\(d)/db",
              "HttpPort": \(httpPort), "DicomPort": \(port), "DicomAet": "ORTHANC",
              "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "UnknownSopClassAccepted": true, "DicomCheckCalledAet": false,
              "DicomModalities": { "arch": [ "ARCH", "127.0.0.1", \(receiver.port) ] } }
            """
            try? config.write(toFile: d + "/cfg.json", atomically: true, encoding: .utf8)
            return ["--logdir=\(d)", d + "/cfg.json"]
        }
        defer { orthanc.stop(); orthanc.remove() }
        let sent = try await C.offPool { try Tool.run(["send", "--to", "ARCH@127.0.0.1:\(receiver.port)", C.fixtures[0]]) }
        #expect(sent.status == 0, "\(sent.stderr)")
        let instances = try C.fixtures.prefix(2).map { path in
            #"["\#(try C.instanceUID(path, keyword: "SOPClassUID", tag: "(0008,0016)"))","\#(try C.instanceUID(path))"]"#
        }
        let body = #"{"DicomInstances":[\#(instances.joined(separator: ","))],"Timeout":20}"#
        func curl(_ args: [String]) async throws -> [String: Any] {
            let r = try await C.offPool { try QueryPeers.run("/usr/bin/curl", ["-sf"] + args) }
            return try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], "\(r.output)")
        }
        let job = try await curl(["-X", "POST", "http://127.0.0.1:\(httpPort)/modalities/arch/storage-commitment", "-d", body])
        let path = try #require(job["Path"] as? String)
        var report: [String: Any] = [:]
        for _ in 0..<100 {
            report = try await curl(["http://127.0.0.1:\(httpPort)\(path)"])
            if report["Status"] as? String != "Pending" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(report["Status"] as? String == "Failure", "\(report)")
        let success = try #require(report["Success"] as? [[String: Any]])
        let failures = try #require(report["Failures"] as? [[String: Any]])
        #expect(success.map { $0["SOPInstanceUID"] as? String } == [try C.instanceUID(C.fixtures[0])])
        #expect(failures.map { $0["SOPInstanceUID"] as? String } == [try C.instanceUID(C.fixtures[1])])
        #expect(failures.first?["FailureReason"] as? Int == 0x0112)
        #expect(receiver.waitUntil(10) { receiver.events("commitment-report").contains { ($0["via"] as? String)?.hasPrefix("a new association") == true } })
    }
}
