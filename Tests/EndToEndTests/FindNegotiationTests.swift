import DicomTestSupport
import Foundation
import Testing

/// `find --relational --combined-datetime --fuzzy --timezone-adjustment`: the SOP Class Extended
/// Negotiation sub-item (PS3.7 D.3.3.5) carries the bytes of PS3.4 Table C.5-1, what the peer
/// accepted is reported, and a relational query the peer did not accept relational matching for is
/// refused before anything is sent. Peers: Scripts/find_hostile_peer.py (raw sockets: one that
/// accepts relational queries only, one that ignores extended negotiation) and a pynetdicom SCP
/// answering through its EVT_SOP_EXTENDED handler.
@Suite(.serialized, .dedicatedThreads) struct FindNegotiationTests {
    static let studyRootFind = "1.2.840.10008.5.1.4.1.2.2.1"

    func run(_ mode: String, _ extra: [String]) async throws -> (Tool.Result, String) {
        let peer = try await PeerProcess("/usr/bin/python3") { port, _ in [FindHostileTests.script, "\(port)", mode] }
        defer { peer.stop(); peer.remove() }
        let r = try await QueryPeers.find(["--to", "PEER@127.0.0.1:\(peer.port)", "--dimse-timeout", "5"] + extra)
        try await Task.sleep(nanoseconds: 200_000_000)
        return (r, (try? String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)) ?? "")
    }

    func summary(_ stdout: String) throws -> [String: Any]? {
        try QueryPeers.records(stdout).first { $0["type"] as? String == "summary" }
    }

    @Test func theBytesOfTableC51AreOfferedAndTheAnswerReported() async throws {
        // Relational (byte 1) and fuzzy (byte 3): three bytes, 01 00 01; the peer accepts byte 1 only.
        let (r, log) = try await run("extneg-accept", ["--relational", "--fuzzy", "--level", "series", "-k", "PatientName=DOE*",
                                                      "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(log.contains("extneg \(Self.studyRootFind) 010001"), "\(log)")
        #expect(log.contains("c-find"), "\(log)")
        let negotiation = try #require(try summary(r.stdout)?["extendedNegotiation"] as? [String: Any], "\(r.stdout)")
        #expect(negotiation["requested"] as? [String] == ["relational", "fuzzy"])
        #expect(negotiation["accepted"] as? [String] == ["relational"])

        // All four: four bytes. Text output says what was accepted on stderr.
        let (all, allLog) = try await run("extneg-accept", ["--relational", "--combined-datetime", "--fuzzy", "--timezone-adjustment",
                                                           "-k", "PatientName=DOE*"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(allLog.contains("extneg \(Self.studyRootFind) 01010101"), "\(allLog)")
        #expect(all.stderr.contains("extended negotiation: relational accepted, combined-datetime not accepted, fuzzy not accepted, "
                                    + "timezone-adjustment not accepted"), "\(all.stderr)")
    }

    @Test func withoutAFlagNoSubItemIsSent() async throws {
        let (r, log) = try await run("extneg-accept", ["-k", "PatientName=DOE*", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!log.contains("extneg"), "\(log)")
        #expect(try summary(r.stdout)?["extendedNegotiation"] is NSNull, "\(r.stdout)")
    }

    @Test func aRelationalQueryThePeerDidNotAcceptIsRefusedBeforeItIsSent() async throws {
        let (r, log) = try await run("extneg-none", ["--relational", "--level", "series", "-k", "PatientName=DOE*", "--format", "json"])
        #expect(r.status == 61, "\(r.stderr)")
        #expect(r.stderr.contains("did not accept relational queries"), "\(r.stderr)")
        #expect(r.stderr.contains("no single StudyInstanceUID names the STUDY above the SERIES level"), "\(r.stderr)")
        #expect(log.contains("extneg \(Self.studyRootFind) 01"), "\(log)")
        #expect(!log.contains("c-find"), "\(log)")
        #expect(log.contains("release"), "the association is released, not aborted: \(log)")
        let negotiation = try #require(try summary(r.stdout)?["extendedNegotiation"] as? [String: Any], "\(r.stdout)")
        #expect(negotiation["accepted"] as? [String] == [])

        // A hierarchical query goes out all the same.
        let (h, hLog) = try await run("extneg-none", ["--relational", "--level", "series", "-k", "StudyInstanceUID=1.2.3"])
        #expect(h.status == 0, "\(h.stderr)")
        #expect(hLog.contains("c-find"), "\(hLog)")
        #expect(h.stderr.contains("extended negotiation: relational not accepted"), "\(h.stderr)")
    }

    @Test func pynetdicomAnswersThroughItsExtendedNegotiationHandler() async throws {
        let script = CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/extneg_qr_peer.py").path
        // pynetdicom is installed for the python3 on PATH (scripts/setup), as commitment_peer.py's tests use it.
        let peer = try await PeerProcess("/usr/bin/env") { port, _ in ["python3", script, "\(port)"] }
        defer { peer.stop(); peer.remove() }
        let r = try await QueryPeers.find(["--to", "QR@127.0.0.1:\(peer.port)", "--relational", "--combined-datetime", "--level", "series",
                                           "-k", "PatientName=DOE*", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let negotiation = try #require(try summary(r.stdout)?["extendedNegotiation"] as? [String: Any], "\(r.stdout)")
        #expect(negotiation["accepted"] as? [String] == ["relational"], "\(r.stdout)")
        let matches = try QueryPeers.records(r.stdout).filter { $0["type"] as? String == "match" }
        #expect(matches.count == 1, "\(r.stdout)")
        let log = (try? String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("extneg \(Self.studyRootFind) 0101"), "\(log)")
    }
}
