import DicomTestSupport
import Foundation
import Testing

/// `dicomtool move` against a hostile C-MOVE SCP (Scripts/find_hostile_peer.py, raw sockets): a
/// peer that never answers, one that sends pending responses for ever without progress, an oversized
/// identifier, a response without a Status, and a response to another request. Each ends with exit 62 and a one-line
/// error, in bounded time (one DIMSE time-out after the last progress).
@Suite(.serialized, .dedicatedThreads) struct MoveHostileTests {
    func run(_ mode: String, dimseTimeout: Int = 2, _ extra: [String] = []) async throws -> (Tool.Result, String, Double) {
        let peer = try await PeerProcess("/usr/bin/python3") { port, _ in [FindHostileTests.script, "\(port)", mode] }
        defer { peer.stop(); peer.remove() }
        let start = Date()
        let r = try await QueryPeers.offPool {
            try Tool.run(["move", "--from", "HOSTILE@127.0.0.1:\(peer.port)", "--dest", "ELSEWHERE", "-k", "StudyInstanceUID=1.2.3",
                          "--dimse-timeout", "\(dimseTimeout)"] + extra)
        }
        let seconds = Date().timeIntervalSince(start)
        try await Task.sleep(nanoseconds: 200_000_000)
        let log = (try? String(contentsOf: peer.directory.appendingPathComponent("peer.log"), encoding: .utf8)) ?? ""
        return (r, log, seconds)
    }

    func errorLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.contains("error:") }
    }

    @Test func silentPeerTimesOut() async throws {
        let (r, log, seconds) = try await run("move-silent")
        #expect(log.contains("c-move"), "\(log)")
        #expect(r.status == 62, "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("nothing from the peer for 2 s while waiting for the next response to C-MOVE message 1"), "\(r.stderr)")
        #expect(seconds < 30)
    }

    @Test func endlessPendingWithoutProgressIsGivenUp() async throws {
        // The peer repeats the same counts every 20 ms: each response arrives well within the DIMSE
        // time-out, but none shows progress, so one time-out after the first the move is given up.
        let (r, log, seconds) = try await run("move-pending-forever")
        #expect(log.contains("c-move"), "\(log)")
        #expect(r.status == 62, "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("no progress for 2 s in the C-MOVE of message 1"), "\(r.stderr)")
        #expect(r.stderr.contains("but no new completed, failed or warning sub-operation"), "\(r.stderr)")
        #expect(log.contains("abort") || log.contains("closed"), "\(log)")
        #expect(seconds < 30)
    }

    @Test func oversizedIdentifierIsRefused() async throws {
        // The wait for progress covers the whole 4 MiB identifier: 10 s so that a loaded machine
        // reading it is not taken for a silent peer.
        let (r, log, seconds) = try await run("move-oversized", dimseTimeout: 10)
        #expect(r.status == 62, "\(r.stderr)")
        #expect(r.stderr.contains("a C-MOVE-RSP identifier longer than 4194304 bytes"), "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        // The peer is still writing its 9.6 MB when we abort and close: it reads the A-ABORT only
        // when its writes finished before our close reset the connection (as find's test says).
        #expect(log.contains("abort") || log.contains("closed"), "\(log)")
        #expect(seconds < 30)
    }

    @Test func responseWithoutStatusIsRefused() async throws {
        let (r, log, _) = try await run("move-malformed")
        #expect(r.status == 62, "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("a C-MOVE-RSP without a Status"), "\(r.stderr)")
        #expect(log.contains("abort"), "\(log)")
    }

    @Test func responseToAnotherRequestAborts() async throws {
        let (r, log, _) = try await run("move-wrong-id")
        #expect(r.status == 62, "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("answering message 8 where a C-MOVE-RSP to 1 was expected"), "\(r.stderr)")
        #expect(log.contains("abort"), "\(log)")
    }

    @Test func limitCancelsOnceEnoughSubOperationsAreDone() async throws {
        let (r, log, _) = try await run("move-progress", ["--limit", "3", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(log.split(separator: "\n").filter { $0 == "cancel" }.count == 1, "\(log)")
        let summary = r.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.first { $0["type"] as? String == "summary" }
        #expect(summary?["status"] as? String == "0xFE00", "\(r.stdout)")
        #expect(summary?["cancelled"] as? Bool == true)
        #expect((summary?["completed"] as? Int ?? 0) >= 3, "\(r.stdout)")
        #expect(errorLines(r.stderr).isEmpty, "\(r.stderr)")
    }

    @Test func limitWithAPeerThatIgnoresTheCancelIsBounded() async throws {
        // Pending responses that show progress extend the wait, but not after the cancel: one DIMSE
        // time-out after it the move is given up.
        let (r, log, seconds) = try await run("move-progress-ignore-cancel", ["--limit", "3"])
        #expect(r.status == 62, "\(r.stderr)")
        #expect(log.contains("cancel"), "\(log)")
        #expect(r.stderr.contains("after C-CANCEL of message 1"), "\(r.stderr)")
        #expect(errorLines(r.stderr).count == 1, "\(r.stderr)")
        #expect(seconds < 30)
    }
}
