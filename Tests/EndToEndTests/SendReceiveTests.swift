import DicomTestSupport
import Foundation
import Testing

/// dicomtool send into dicomtool receive, the pair the bench times: every file of the interop
/// matrix's suite share arrives with the source's data-set bytes, over several associations (-j),
/// and both sides report the same instances.
@Suite(.serialized, .dedicatedThreads) struct SendReceiveTests {
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
/// free; without --retry the rejection is final for its instances (61). The slot is held by a raw
/// peer until the test lets it go, so no timing decides the outcome.
@Suite(.serialized, .dedicatedThreads) struct TransientRejectionTests {
    @Test func sendRetriesAnAssociationRejectedTransiently() async throws {
        let (dir, paths) = try SendEndToEndTests.distinctInstances(2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try Receiver(["--max-associations", "1"])
        let to = ["--to", "DICOMTOOL@127.0.0.1:\(receiver.port)"]

        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", ReceivePeers.script("receive_hostile_peer.py"), String(receiver.port), "hold", "-"]
        let release = Pipe(), output = Pipe()
        holder.standardInput = release
        holder.standardOutput = output
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        #expect(receiver.waitUntil(20) { !receiver.events("association").isEmpty }, "\(receiver.events)")

        // Without --retry: refused at once.
        let refused = try await SendEndToEndTests.send(to + paths)
        #expect(refused.status == 61 && refused.stderr.contains("rejected transiently"), "\(refused.stderr)")

        // With --retry 6 (1, 2, 4, 8, 16, 30 s apart): rejected again while the slot is held, then in.
        // The sender is a child process started here and waited for here: no task of this test
        // needs the cooperative pool while the polls below block its thread.
        let sender = Process()
        sender.executableURL = CorpusIndex.binary
        sender.arguments = ["send", "--retry", "6"] + to + paths
        let senderErrors = Pipe()
        sender.standardOutput = FileHandle.nullDevice
        sender.standardError = senderErrors
        try sender.run()
        defer { if sender.isRunning { kill(sender.processIdentifier, SIGKILL) } }
        #expect(receiver.waitUntil(30) { receiver.events("rejected").count >= 2 }, "\(receiver.events)")
        release.fileHandleForWriting.write(Data("go\n".utf8))
        let stderrText = String(decoding: senderErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sender.waitUntilExit()
        #expect(sender.terminationStatus == 0, "\(stderrText)")
        #expect(receiver.waitUntil(20) { receiver.events("stored").count == paths.count }, "\(receiver.events)")
        holder.waitUntilExit()
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("released"))
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }
}
