import DicomTestSupport
import Foundation
import Testing

/// `receive --commitment` answering storage commitment for what it stored in the run: asked by
/// `dicomtool commit` (report on the same association, and on a new association to
/// --commitment-peer after the requester released), and by pynetdicom's library as SCU.
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

        // Released at once: the report the receiver sent on that association is not answered, so
        // it goes again on a new association to the listener.
        let released = try await C.commit(["--to", to, "--calling-aet", "DTL", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                           "--format", "json", "--report-timeout", "20"] + C.fixtures.prefix(2))
        #expect(released.status == 0, "\(released.stderr)")
        #expect(receiver.waitUntil(10) { receiver.events("commitment-report").count == 2 })
        let reports = receiver.events("commitment-report")
        #expect(reports.first?["via"] as? String == "the request's association" && reports.first?["status"] as? Int == 0)
        #expect(reports.last?["via"] as? String == "a new association to DTL@127.0.0.1:\(listen)" && reports.last?["status"] as? Int == 0)
        #expect(receiver.events("commitment").map { $0["committed"] as? Int } == [2, 2])

        // A file removed since it was stored is no longer committed.
        let stored = try #require(receiver.events("stored").first?["path"] as? String)
        try FileManager.default.removeItem(atPath: stored)
        let after = try await C.commit(["--to", to, "--format", "json", C.fixtures[0]])
        #expect(after.status == 64 && C.records(after.stdout).first?["failureReason"] as? String == "0x0112", "\(after.stderr)")
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
}
