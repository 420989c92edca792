import DicomTestSupport
import Foundation
import Testing

/// dicomtool send into dicomtool receive, the pair the bench times: every file of the interop
/// matrix's suite share arrives with the source's data-set bytes, over several associations (-j),
/// and both sides report the same instances.
@Suite(.serialized) struct SendReceiveTests {
    @Test func everyFileArrivesAsSentOverSeveralAssociations() async throws {
        let receiver = try Receiver(["--aet", "ARCHIVE"])
        let sources = SendEndToEndTests.matrix
        let sent = try await SendEndToEndTests.send(["-j", "2", "--format", "json", "--to", "ARCHIVE@127.0.0.1:\(receiver.port)"] + sources)
        #expect(sent.status == 0, "\(sent.stderr)")
        let items = try SendEndToEndTests.records(sent.stdout).filter { $0["type"] as? String == "item" }
        #expect(items.count == sources.count && items.allSatisfy { $0["status"] as? String == "ok" && $0["conversion"] as? String == "none" })
        #expect(receiver.waitUntil(20) { receiver.events("stored").count == sources.count }, "\(receiver.events)")
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0, "\(receiver.stderr)")

        // Each stored file has its source's data set, byte for byte, and the sender's AE title.
        let stored = receiver.events("stored")
        #expect(Set(stored.compactMap { $0["callingAETitle"] as? String }) == ["DICOMTOOL"])
        #expect(!receiver.events("association").isEmpty)
        for source in sources {
            let uid = try #require(try Self.value("0008,0018", of: source))
            let match = try #require(stored.first { $0["sopInstanceUID"] as? String == uid }, "\(source) not stored")
            let path = try #require(match["path"] as? String)
            let (status, text) = try await SendEndToEndTests.python([SendEndToEndTests.sameBytes, source, path])
            #expect(status == 0, "\(source) -> \(path): \(text)")
        }
        // No temporary file is left beside the instances.
        #expect(receiver.files.count == sources.count, "\(receiver.files)")
    }

    /// A value of the file's data set as dcmdump prints it (first match).
    static func value(_ tag: String, of path: String) throws -> String? {
        let (status, output) = try ReceivePeers.run("/usr/bin/dcmdump", ["-q", "+P", tag, path])
        guard status == 0, let open = output.firstIndex(of: "["), let close = output[open...].firstIndex(of: "]") else { return nil }
        return String(output[output.index(after: open)..<close])
    }
}

/// A receiver at its association limit rejects transiently (PS3.8: result 2, local limit
/// exceeded): send retries the association with --retry and delivers everything once the slot is
/// free; without --retry the rejection is final for its instances (61).
@Suite(.serialized) struct TransientRejectionTests {
    @Test func sendRetriesAnAssociationRejectedTransiently() async throws {
        let (dir, paths) = try SendEndToEndTests.distinctInstances(2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try Receiver(["--max-associations", "1"])
        let to = ["--to", "DICOMTOOL@127.0.0.1:\(receiver.port)"]

        // A peer holds the one slot: without --retry, refused at once.
        let holder = try ReceiveHostileTests.hostileInBackground(receiver.port, "hold", "8")
        #expect(receiver.waitUntil(10) { !receiver.events("association").isEmpty })
        let refused = try await SendEndToEndTests.send(to + paths)
        #expect(refused.status == 61 && refused.stderr.contains("rejected transiently"), "\(refused.stderr)")

        // With --retry 4 (1, 2, 4, 8 s apart: 15 s in all, the holder keeps its slot 8 s) an attempt after the release gets in.
        let retried = try await SendEndToEndTests.send(["--retry", "4"] + to + paths)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(ReceiveHostileTests.lines(holder).contains("released"))
        #expect(receiver.waitUntil(20) { receiver.events("stored").count == paths.count }, "\(receiver.events)")
        #expect(receiver.events("rejected").count >= 2, "\(receiver.events)")
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }
}
