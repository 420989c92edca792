import DicomTestSupport
import Foundation
import Testing

/// scripts/migrate copying every study of Orthanc (the source, answering C-FIND and C-GET) into
/// `dicomtool receive --commitment` (the destination): every instance arrives and is committed,
/// the counts reconcile, and a rerun resumes with nothing left to do.
@Suite(.serialized, .dedicatedThreads) struct MigrateTests {
    static let script = CorpusIndex.packageRoot.appendingPathComponent("scripts/migrate").path

    static func migrate(_ args: [String]) async throws -> (status: Int32, output: String) {
        try await QueryPeers.offPool {
            try QueryPeers.run("/usr/bin/env", ["DICOMTOOL=\(CorpusIndex.binary.path)", "bash", script] + args)
        }
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func orthancToReceiveReconcilesAndResumes() async throws {
        let (orthanc, _) = try await QueryPeers.startOrthancWithHTTP(QueryPeers.fixtures)
        defer { orthanc.stop(); orthanc.remove() }
        let receiver = try Receiver(["--aet", "NEW", "--commitment"])
        let work = try GetEndToEndTests.tempDirectory("migrate")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let args = ["--from", "ORTHANC@127.0.0.1:\(orthanc.port)", "--to", "NEW@127.0.0.1:\(receiver.port)", "--work", work]

        let first = try await Self.migrate(args)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("reconciled") && !first.output.contains("NOT reconciled"), "\(first.output)")
        let expected = try Set(QueryPeers.fixtures.map { try CommitEndToEndTests.instanceUID($0) })
        #expect(receiver.waitUntil(10) { receiver.events("stored").count >= expected.count })
        let stored = receiver.events("stored").compactMap { $0["sopInstanceUID"] as? String }
        #expect(Set(stored) == expected, "\(first.output)")
        // The instances, and beside them the receiver's commitment index (.dicomtool-commitment.tsv).
        #expect(Receiver.files(in: receiver.directory).filter { !$0.hasPrefix(".") }.count == expected.count)
        #expect(Receiver.files(in: receiver.directory).contains(".dicomtool-commitment.tsv"))
        // One line per study the source holds, each with equal announced/retrieved/sent/committed counts.
        let studies = Self.lines(work + "/studies.tsv").map { $0.split(separator: "\t").first.map(String.init) ?? "" }
        let done = Self.lines(work + "/done.tsv").map { $0.split(separator: "\t").map(String.init) }
        #expect(studies.count >= 2 && Set(done.map { $0[0] }) == Set(studies), "\(done)")
        #expect(done.allSatisfy { $0.count == 5 && Set($0.dropFirst()).count == 1 }, "\(done)")
        #expect(done.reduce(0) { $0 + (Int($1[4]) ?? 0) } == expected.count)
        #expect(first.output.contains("instances announced 5  retrieved 5  sent 5  committed 5"), "\(first.output)")

        // The rerun finds every study done: nothing retrieved or sent again, still reconciled.
        let second = try await Self.migrate(args)
        #expect(second.status == 0, "\(second.output)")
        #expect(!second.output.contains("migrate: study"), "\(second.output)")
        #expect(receiver.events("stored").count == expected.count)
        #expect(Self.lines(work + "/done.tsv").count == done.count)

        // A study interrupted after send (its done.tsv line lost): retrieved again, its instances
        // skipped by send's --done-file (already stored), committed, and the counts still reconcile.
        let kept = Self.lines(work + "/done.tsv").dropFirst().joined(separator: "\n") + "\n"
        try kept.write(toFile: work + "/done.tsv", atomically: true, encoding: .utf8)
        let third = try await Self.migrate(args)
        #expect(third.status == 0, "\(third.output)")
        #expect(third.output.components(separatedBy: "migrate: study").count == 2, "\(third.output)")
        #expect(receiver.events("stored").count == expected.count)
        #expect(Set(Self.lines(work + "/done.tsv")) == Set(done.map { $0.joined(separator: "\t") }))

        // A destination that is gone: the studies not done fail, the run exits non-zero.
        let closed = try PeerProcess.freePort()
        let fresh = try GetEndToEndTests.tempDirectory("migrate-fail")
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        let failed = try await Self.migrate(["--from", "ORTHANC@127.0.0.1:\(orthanc.port)", "--to", "NEW@127.0.0.1:\(closed)", "--work", fresh])
        #expect(failed.status == 1 && failed.output.contains("NOT reconciled"), "\(failed.output)")
        #expect(failed.output.contains("done 0  failed \(studies.count)"), "\(failed.output)")
    }

    /// --via move: each study comes by C-MOVE to the run's own receiver (Orthanc lists DICOMTOOL at
    /// --receive-port) instead of C-GET; the same instances arrive and the counts reconcile.
    @Test func viaMoveReconciles() async throws {
        let here = try PeerProcess.freePort()
        let (orthanc, _) = try await QueryPeers.startOrthancWithHTTP(QueryPeers.fixtures, movePort: here)
        defer { orthanc.stop(); orthanc.remove() }
        let receiver = try Receiver(["--aet", "NEW", "--commitment"])
        let work = try GetEndToEndTests.tempDirectory("migrate-move")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try await Self.migrate(["--from", "ORTHANC@127.0.0.1:\(orthanc.port)", "--to", "NEW@127.0.0.1:\(receiver.port)",
                                             "--work", work, "--via", "move", "--receive-port", String(here)])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("instances announced 5  retrieved 5  sent 5  committed 5"), "\(result.output)")
        let expected = try Set(QueryPeers.fixtures.map { try CommitEndToEndTests.instanceUID($0) })
        #expect(receiver.waitUntil(10) { receiver.events("stored").count >= expected.count })
        #expect(Set(receiver.events("stored").compactMap { $0["sopInstanceUID"] as? String }) == expected)
        // What was retrieved came by C-MOVE: each study's record is move's.
        let study = try #require(Self.lines(work + "/studies.tsv").first?.split(separator: "\t").first.map(String.init))
        let retrieved = try String(contentsOfFile: work + "/get/" + study + ".jsonl", encoding: .utf8)
        #expect(retrieved.contains("C-MOVE") || retrieved.contains("\"move\""), "\(retrieved)")

        // --via move without a port is a usage error.
        let usage = try await Self.migrate(["--from", "ORTHANC@127.0.0.1:\(orthanc.port)", "--to", "NEW@127.0.0.1:\(receiver.port)",
                                            "--work", work, "--via", "move"])
        #expect(usage.status == 2 && usage.output.contains("--via move needs --receive-port"), "\(usage.output)")
    }

    /// With --transcode and a study filter: only the filtered study is copied, in the syntax asked
    /// for, and --clean leaves no pulled copy behind.
    @Test func transcodedFilteredStudyWithClean() async throws {
        let (orthanc, _) = try await QueryPeers.startOrthancWithHTTP(QueryPeers.fixtures)
        defer { orthanc.stop(); orthanc.remove() }
        let receiver = try Receiver(["--aet", "NEW", "--commitment"])
        let work = try GetEndToEndTests.tempDirectory("migrate-tc")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let study = try CommitEndToEndTests.instanceUID(QueryPeers.fixtures[4], keyword: "StudyInstanceUID", tag: "(0020,000D)")
        let result = try await Self.migrate(["--from", "ORTHANC@127.0.0.1:\(orthanc.port)", "--to", "NEW@127.0.0.1:\(receiver.port)",
                                             "--work", work, "--transcode", "--explicit", "--study-filter", "StudyInstanceUID=\(study)", "--clean"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("studies   found 1  done 1  failed 0"), "\(result.output)")
        // The receiver's events arrive on its own reader thread: wait for the one expected.
        let inStudy = try Set(QueryPeers.fixtures.filter {
            try CommitEndToEndTests.instanceUID($0, keyword: "StudyInstanceUID", tag: "(0020,000D)") == study
        }.map { try CommitEndToEndTests.instanceUID($0) })
        #expect(receiver.waitUntil(10) { receiver.events("stored").count >= inStudy.count })
        let stored = receiver.events("stored")
        #expect(Set(stored.compactMap { $0["sopInstanceUID"] as? String }) == inStudy && stored.count == inStudy.count, "\(stored)")
        #expect(inStudy.count < QueryPeers.fixtures.count)
        #expect(stored.allSatisfy { $0["transferSyntaxUID"] as? String == "1.2.840.10008.1.2.1" }, "\(stored)")
        #expect(!FileManager.default.fileExists(atPath: work + "/pulled/" + study))
    }

    /// Orthanc to Orthanc: the destination reports storage commitment on a new association to the
    /// AE its DicomModalities lists, so commit listens (--commit-receive-port); its REST API then
    /// lists every instance the source holds.
    @Test func orthancToOrthancReconciles() async throws {
        let (source, _) = try await QueryPeers.startOrthancWithHTTP(QueryPeers.fixtures)
        defer { source.stop(); source.remove() }
        let httpPort = try PeerProcess.freePort(), listen = try PeerProcess.freePort()
        let destination = try await PeerProcess("/usr/sbin/Orthanc") { port, d in
            let config = """
            { "Name": "migrate-dest", "StorageDirectory": "\(d)/db", "IndexDirectory": "\(d)/db",
              "HttpPort": \(httpPort), "DicomPort": \(port), "DicomAet": "NEW",
              "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "UnknownSopClassAccepted": true, "DicomCheckCalledAet": false,
              "DicomModalities": { "dt": [ "DICOMTOOL", "127.0.0.1", \(listen) ] } }
            """
            try? config.write(toFile: d + "/cfg.json", atomically: true, encoding: .utf8)
            return ["--logdir=\(d)", d + "/cfg.json"]
        }
        defer { destination.stop(); destination.remove() }
        let work = try GetEndToEndTests.tempDirectory("migrate-orthanc")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try await Self.migrate(["--from", "ORTHANC@127.0.0.1:\(source.port)", "--to", "NEW@127.0.0.1:\(destination.port)",
                                             "--work", work, "--commit-receive-port", String(listen), "--clean"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("retrieved 5  sent 5  committed 5"), "\(result.output)")
        let listed = try await QueryPeers.offPool {
            try QueryPeers.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(httpPort)/instances?expand"])
        }
        let instances = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        let uids = Set(instances.compactMap { ($0["MainDicomTags"] as? [String: Any])?["SOPInstanceUID"] as? String })
        #expect(uids == (try Set(QueryPeers.fixtures.map { try CommitEndToEndTests.instanceUID($0) })))
    }
}
