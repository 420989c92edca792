import DicomTestSupport
import Foundation
import Testing

/// `dicomtool find` against a hostile archive (Scripts/find_hostile_peer.py, raw sockets): a peer
/// that never answers, one that sends pending responses for ever and ignores C-CANCEL, oversized
/// and malformed identifiers, values in another character set than announced, a failure status and
/// a response to another request. Each ends with a one-line error and the right exit status, in
/// bounded time (the DIMSE time-out) and memory (matches are written as they arrive).
@Suite(.serialized, .dedicatedThreads) struct FindHostileTests {
    static let script = CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/find_hostile_peer.py").path

    func run(_ mode: String, _ extra: [String]) async throws -> (Tool.Result, String, Double) {
        let peer = try await PeerProcess("/usr/bin/python3") { port, _ in [Self.script, "\(port)", mode] }
        defer { peer.stop(); peer.remove() }
        let start = Date()
        let r = try await QueryPeers.find(["--to", "HOSTILE@127.0.0.1:\(peer.port)", "--level", "study", "--dimse-timeout", "2"] + extra)
        let seconds = Date().timeIntervalSince(start)
        try await Task.sleep(nanoseconds: 200_000_000)
        let log = (try? String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)) ?? ""
        return (r, log, seconds)
    }

    func errorLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.contains("error:") }
    }

    @Test func silentPeerTimesOut() async throws {
        let (r, _, seconds) = try await run("silent", [])
        #expect(r.status == 62, "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1)
        #expect(r.stderr.contains("nothing from the peer for 2 s"), "\(r.stderr)")
        #expect(seconds < 30)
    }

    @Test func endlessPendingIsCancelledAndBounded() async throws {
        let (r, log, _) = try await run("pending-forever", ["--limit", "5", "--format", "json"])
        // The peer ignores the cancel: the final response never comes, and one DIMSE time-out after
        // the cancel the association is given up, with exactly the 5 matches asked for written.
        #expect(r.status == 62, "\(r.stderr)")
        #expect(log.contains("cancel"), "\(log)")
        let matches = try QueryPeers.records(r.stdout).filter { $0["type"] as? String == "match" }
        #expect(matches.count == 5)
        #expect(r.stderr.contains("after C-CANCEL"), "\(r.stderr)")
    }

    @Test func oversizedIdentifierIsRefused() async throws {
        let (r, log, _) = try await run("oversized", [])
        #expect(r.status == 62, "\(r.stderr)")
        #expect(r.stderr.contains("identifier longer than"), "\(r.stderr)")
        #expect(log.contains("abort") || log.contains("closed"), "\(log)")
        #expect(errorLines(r.stderr).count == 1)
    }

    @Test func malformedIdentifierIsRefused() async throws {
        let (r, _, _) = try await run("malformed", [])
        #expect(r.status == 62, "\(r.stderr)")
        #expect(r.stderr.contains("match 1 is malformed"), "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1)
    }

    @Test func valuesInAnotherCharacterSetAreWarnedAbout() async throws {
        let (r, log, _) = try await run("charset", ["--format", "csv", "-r", "PatientName"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(log.contains("release"), "\(log)")
        #expect(r.stdout.split(separator: "\r\n").count == 3, "\(r.stdout)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("warning:") }
        #expect(warnings.count == 2, "\(r.stderr)")
        #expect(warnings.allSatisfy { $0.contains("not characters of ISO_IR 192") }, "\(r.stderr)")
    }

    @Test func failureStatusIsReported() async throws {
        let (r, log, _) = try await run("failure", ["--format", "json"])
        #expect(r.status == 63, "\(r.stderr)")
        #expect(r.stderr.contains("0xA900") && r.stderr.contains("no such attribute here"), "\(r.stderr)")
        #expect(log.contains("release"), "\(log)")
        let summary = try #require(try QueryPeers.records(r.stdout).last)
        #expect(summary["status"] as? String == "0xA900")
        #expect(summary["exit"] as? Int == 63)
    }

    func runGet(_ mode: String, _ extra: [String] = []) async throws -> (Tool.Result, String) {
        let peer = try await PeerProcess("/usr/bin/python3") { port, _ in [Self.script, "\(port)", mode] }
        defer { peer.stop(); peer.remove() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("get-hostile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try await QueryPeers.offPool {
            try Tool.run(["get", "--from", "HOSTILE@127.0.0.1:\(peer.port)", "--level", "image", "-k", "StudyInstanceUID=1.2.3",
                          "-k", "SeriesInstanceUID=1.2.3.4", "-o", out, "--dimse-timeout", "2"] + extra)
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        return (r, (try? String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)) ?? "")
    }

    @Test func getListsFailedSubOperations() async throws {
        let (r, log) = try await runGet("get-failed")
        #expect(r.status == 63, "\(r.stderr)")
        #expect(log.contains("c-get") && log.hasSuffix("release\nclosed\n"), "\(log)")
        #expect(r.stderr.contains("status 0xA702") && r.stderr.contains("1 failed"), "\(r.stderr)")
        #expect(r.stderr.contains("failed sub-operation: 1.2.3.4.5.6"), "\(r.stderr)")
        #expect(r.stderr.contains("0 of 1 instance stored, 1 failed"), "\(r.stderr)")
    }

    @Test func getFromASilentPeerTimesOut() async throws {
        let (r, log) = try await runGet("get-silent")
        #expect(r.status == 62, "\(r.stderr)")
        #expect(log.contains("c-get"), "\(log)")
        #expect(errorLines(r.stderr).count == 1)
        #expect(r.stderr.contains("nothing from the peer for 2 s"), "\(r.stderr)")
    }

    @Test func getLimitCancelsOnceEnoughSubOperationsAreDone() async throws {
        let (r, log) = try await runGet("get-progress", ["--limit", "4", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(log.split(separator: "\n").filter { $0 == "cancel" }.count == 1, "\(log)")
        let retrieve = try QueryPeers.records(r.stdout).first { $0["type"] as? String == "retrieve" }
        #expect(retrieve?["status"] as? String == "0xFE00" && retrieve?["cancelled"] as? Bool == true, "\(r.stdout)")
        #expect((retrieve?["completed"] as? Int ?? 0) >= 4, "\(r.stdout)")
    }

    @Test func getWithEndlessPendingWithoutProgressIsGivenUp() async throws {
        let (r, log) = try await runGet("get-pending-forever")
        #expect(r.status == 62, "\(r.stderr)")
        #expect(log.contains("c-get"), "\(log)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("no progress for 2 s in the C-GET of message 1"), "\(r.stderr)")
    }

    @Test func responseToAnotherRequestAborts() async throws {
        let (r, log, _) = try await run("wrong-id", [])
        #expect(r.status == 62, "\(r.stderr)")
        #expect(r.stderr.contains("where a C-FIND-RSP to 1 was expected"), "\(r.stderr)")
        #expect(log.contains("abort"), "\(log)")
    }
}
