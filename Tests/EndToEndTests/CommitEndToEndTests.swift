import DicomTestSupport
import Foundation
import Testing

/// `dicomtool commit` against a storage commitment SCP written over pynetdicom's library
/// (Scripts/commitment_peer.py): reports on the same association and on a new one, committed and
/// failed instances, a peer that never reports, reports for unknown transactions or naming
/// strangers, and a malformed report.
@Suite(.serialized, .dedicatedThreads) struct CommitEndToEndTests {
    static let python = "/usr/bin/env"
    static let peerScript = CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/commitment_peer.py").path
    static let fixtures = ["native/MR_small.dcm", "native/SC_rgb_small_odd.dcm", "native/liver_1frame.dcm"]
        .map { CorpusIndex.fixtures.appendingPathComponent($0).path }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try body() }) }.start()
        }
    }

    static func commit(_ args: [String]) async throws -> Tool.Result {
        try await offPool { try Tool.run(["commit"] + args) }
    }

    /// An input's SOP Instance UID, as dicomtool's dump shows it (between the brackets).
    static func instanceUID(_ path: String, keyword: String = "SOPInstanceUID", tag: String = "(0008,0018)") throws -> String {
        let r = try Tool.run(["dump", "--tag", keyword, path])
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix(tag) })
        let open = try #require(line.firstIndex(of: "[")), close = try #require(line.firstIndex(of: "]"))
        return String(line[line.index(after: open)..<close])
    }

    /// A pynetdicom SCP holding the instances of `have`, reporting as `mode`.
    static func peer(have: [String], mode: String, extra: [String] = []) async throws -> PeerProcess {
        try #require(FileManager.default.fileExists(atPath: peerScript))
        let uids = try have.map { try instanceUID($0) }
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("have-\(UUID().uuidString).txt")
        try (uids.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        return try await PeerProcess(python) { port, _ in
            ["python3", peerScript, "scp", String(port), "--have-file", list.path, "--report", mode] + extra
        }
    }

    static func records(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["type"] as? String == "item" }
    }

    @Test func reportOnTheSameAssociationCommitsWhatThePeerHasAndFailsTheRest() async throws {
        let peer = try await Self.peer(have: Array(Self.fixtures.prefix(2)), mode: "same")
        defer { peer.stop(); peer.remove() }
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--format", "json"] + Self.fixtures)
        #expect(r.status == 64, "\(r.stderr)")
        let items = Self.records(r.stdout)
        #expect(items.count == 3)
        #expect(items.prefix(2).allSatisfy { $0["committed"] as? Bool == true && $0["outcome"] as? String == "committed" })
        #expect(items.last?["outcome"] as? String == "failed" && items.last?["failureReason"] as? String == "0x0112")
        #expect(Set(items.compactMap { $0["transactionUID"] as? String }).count == 1)

        // Only what it has: success, and text output names each input.
        let ok = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)"] + Array(Self.fixtures.prefix(2)))
        #expect(ok.status == 0, "\(ok.stderr)")
        let lines = ok.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains(": committed (") })
    }

    @Test func largeRequestsAreSplitIntoTransactions() async throws {
        let peer = try await Self.peer(have: Self.fixtures, mode: "same")
        defer { peer.stop(); peer.remove() }
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--per-request", "1", "--format", "json"] + Self.fixtures)
        #expect(r.status == 0, "\(r.stderr)")
        let items = Self.records(r.stdout)
        #expect(items.count == 3 && items.allSatisfy { $0["committed"] as? Bool == true })
        #expect(Set(items.compactMap { $0["transactionUID"] as? String }).count == 3)
        let log = try String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)
        #expect(log.split(separator: "\n").filter { $0.hasPrefix("action ") }.count == 3)
    }

    @Test func reportOnANewAssociationToTheListener() async throws {
        let listen = try PeerProcess.freePort()
        let peer = try await Self.peer(have: [Self.fixtures[0]], mode: "new", extra: ["--report-to", "DTSCU@127.0.0.1:\(listen)"])
        defer { peer.stop(); peer.remove() }
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--calling-aet", "DTSCU", "--receive-port", String(listen),
                                       "--bind", "127.0.0.1", "--format", "json", "--report-timeout", "20"] + Array(Self.fixtures.prefix(2)))
        #expect(r.status == 64, "\(r.stderr)")
        let items = Self.records(r.stdout)
        #expect(items.first?["committed"] as? Bool == true)
        #expect(items.last?["outcome"] as? String == "failed")
        #expect(r.stderr.contains("listening for storage commitment reports on 127.0.0.1:\(listen) as DTSCU"))
    }

    @Test func aListenerDoesNotMissAReportOnTheSameAssociation() async throws {
        // With --receive-port the reports are awaited on both paths: this peer reports on the
        // association of the request, which must stay open (and be released once the report is in).
        let peer = try await Self.peer(have: [Self.fixtures[0]], mode: "same", extra: ["--delay", "0"])
        defer { peer.stop(); peer.remove() }
        let listen = try PeerProcess.freePort()
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                       "--report-timeout", "20", "--format", "json"] + Array(Self.fixtures.prefix(2)))
        #expect(r.status == 64, "\(r.stderr)")
        let items = Self.records(r.stdout)
        #expect(items.map { $0["outcome"] as? String } == ["committed", "failed"], "\(r.stdout)")
        let log = try String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)
        #expect(log.contains("reported ") && log.contains("0x0000"), "\(log)")
    }

    @Test func aPeerThatNeverReportsTimesOut() async throws {
        let peer = try await Self.peer(have: Self.fixtures, mode: "never")
        defer { peer.stop(); peer.remove() }
        let clock = ContinuousClock()
        let start = clock.now
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--report-timeout", "2", "--format", "json", Self.fixtures[0]])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(Self.records(r.stdout).first?["outcome"] as? String == "no-report")
        #expect(start.duration(to: clock.now) >= .seconds(2))
        // The listener variant waits the same way.
        let listen = try PeerProcess.freePort()
        let l = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                       "--report-timeout", "1", Self.fixtures[0]])
        #expect(l.status == 64 && l.stdout.contains("no report"), "\(l.stderr)")
    }

    @Test func reportsForUnknownTransactionsOrInstancesAreIgnored() async throws {
        let unknown = try await Self.peer(have: Self.fixtures, mode: "unknown")
        defer { unknown.stop(); unknown.remove() }
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(unknown.port)", "--report-timeout", "2", "--format", "json", Self.fixtures[0]])
        #expect(r.status == 64)
        #expect(Self.records(r.stdout).first?["outcome"] as? String == "no-report")
        #expect(r.stderr.contains("which this run did not ask for: ignored"), "\(r.stderr)")

        let strangers = try await Self.peer(have: Self.fixtures, mode: "strangers")
        defer { strangers.stop(); strangers.remove() }
        let s = try await Self.commit(["--to", "PEER@127.0.0.1:\(strangers.port)", "--format", "json", Self.fixtures[0]])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stderr.contains("not asked for in it (first: 1.2.3.4.5.6.7.8.9): ignored"), "\(s.stderr)")
    }

    @Test func aMalformedReportIsRefusedAndCommitsNothing() async throws {
        let peer = try await Self.peer(have: Self.fixtures, mode: "malformed")
        defer { peer.stop(); peer.remove() }
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--report-timeout", "2", "--format", "json", Self.fixtures[0]])
        #expect(r.status == 64)
        #expect(Self.records(r.stdout).first?["committed"] as? Bool == false)
        #expect(r.stderr.contains("malformed storage commitment report") && r.stderr.contains("no Transaction UID"), "\(r.stderr)")
        // The peer was told: a failure status, not success.
        let log = try String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)
        #expect(log.contains("reported none 0x0115"), "\(log)")
    }

    @Test func fromSendTakesTheInstancesSent() async throws {
        let peer = try await Self.peer(have: Self.fixtures, mode: "same")
        defer { peer.stop(); peer.remove() }
        let sent = Self.fixtures.enumerated().map { k, path in
            let uid = (try? Self.instanceUID(path)) ?? ""
            return #"{"type":"item","schema":"dicomtool/1","command":"send","input":"\#(path)","relativePath":"x","sent":\#(k < 2),"#
                + #""sopClassUID":"1.2.840.10008.5.1.4.1.1.2","sopInstanceUID":"\#(uid)"}"#
        }.joined(separator: "\n") + "\n{\"type\":\"summary\"}\n"
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("sent-\(UUID().uuidString).jsonl")
        try sent.write(to: list, atomically: true, encoding: .utf8)
        let r = try await Self.commit(["--to", "PEER@127.0.0.1:\(peer.port)", "--from-send", list.path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let items = Self.records(r.stdout)
        #expect(items.count == 2 && items.map { $0["input"] as? String } == Self.fixtures.prefix(2).map { Optional($0) })
    }

    /// Orthanc 1.10 as storage commitment SCP: it reports on a new association to the AE its
    /// DicomModalities list for the caller (never on the request's), failing what it does not hold
    /// with 0112.
    @Test func orthancReportsToTheListener() async throws {
        let httpPort = try PeerProcess.freePort(), listen = try PeerProcess.freePort()
        let orthanc = try await PeerProcess("/usr/sbin/Orthanc") { port, d in
            let config = """
            { "Name": "commit-test", "StorageDirectory": "\(d)/db", "IndexDirectory": "\(d)/db",
              "HttpPort": \(httpPort), "DicomPort": \(port), "DicomAet": "ORTHANC",
              "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "UnknownSopClassAccepted": true, "DicomCheckCalledAet": false,
              "DicomModalities": { "dt": [ "DT", "127.0.0.1", \(listen) ] } }
            """
            try? config.write(toFile: d + "/cfg.json", atomically: true, encoding: .utf8)
            return ["--logdir=\(d)", d + "/cfg.json"]
        }
        defer { orthanc.stop(); orthanc.remove() }
        let to = "ORTHANC@127.0.0.1:\(orthanc.port)"
        let sent = try await Self.offPool { try Tool.run(["send", "--format", "json", "--to", to, "--calling-aet", "DT"] + Self.fixtures.prefix(2)) }
        #expect(sent.status == 0, "\(sent.stderr)")
        let records = orthanc.directory.appendingPathComponent("sent.jsonl")
        try sent.stdout.write(to: records, atomically: true, encoding: .utf8)
        let r = try await Self.commit(["--to", to, "--calling-aet", "DT", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                       "--report-timeout", "30", "--format", "json"] + Self.fixtures)
        #expect(r.status == 64, "\(r.stderr)")
        let items = Self.records(r.stdout)
        #expect(items.map { $0["outcome"] as? String } == ["committed", "committed", "failed"])
        #expect(items.last?["failureReason"] as? String == "0x0112")
        // What send reported as sent, straight from its JSON Lines.
        let ok = try await Self.commit(["--to", to, "--calling-aet", "DT", "--receive-port", String(listen), "--bind", "127.0.0.1",
                                        "--from-send", records.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.split(separator: "\n").count == 2 && ok.stdout.contains(Self.fixtures[1] + ": committed"))
        // Waiting on the request's association gets nothing from Orthanc: no report, and the hint.
        let same = try await Self.commit(["--to", to, "--calling-aet", "DT", "--report-timeout", "1", Self.fixtures[0]])
        #expect(same.status == 64 && same.stderr.contains("--receive-port"), "\(same.stderr)")
    }
}
