import DicomTestSupport
import Foundation
import Testing

/// `dicomtool move` against Orthanc 1.10 as C-MOVE SCP: to dicomtool itself (--receive-port, the
/// data set Orthanc stored arrives unchanged), to a third AE (a `dicomtool receive` Orthanc lists),
/// and to an AE it does not know.
@Suite(.serialized, .dedicatedThreads) struct MoveEndToEndTests {
    typealias C = CommitEndToEndTests

    @Test func orthancMovesAStudyHereAndToAThirdAE() async throws {
        let httpPort = try PeerProcess.freePort(), here = try PeerProcess.freePort()
        let third = try Receiver(["--aet", "THIRD"])
        let orthanc = try await PeerProcess("/usr/sbin/Orthanc") { port, d in
            let config = """
            { "Name": "move-test", "StorageDirectory": "\(d)/db", "IndexDirectory": "\(d)/db",
              "HttpPort": \(httpPort), "DicomPort": \(port), "DicomAet": "ORTHANC",
              "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "UnknownSopClassAccepted": true, "DicomCheckCalledAet": false, "DicomAlwaysAllowMove": true,
              "DicomModalities": { "dt": [ "DT", "127.0.0.1", \(here) ], "third": [ "THIRD", "127.0.0.1", \(third.port) ] } }
            """
            try? config.write(toFile: d + "/cfg.json", atomically: true, encoding: .utf8)
            return ["--logdir=\(d)", d + "/cfg.json"]
        }
        defer { orthanc.stop(); orthanc.remove() }
        let from = "ORTHANC@127.0.0.1:\(orthanc.port)"
        let sent = try await C.offPool { try Tool.run(["send", "--to", from] + C.fixtures) }
        #expect(sent.status == 0, "\(sent.stderr)")
        let study = try C.instanceUID(C.fixtures[0], keyword: "StudyInstanceUID", tag: "(0020,000D)")

        let pulled = Receiver.temporaryDirectory("pulled")
        let r = try await C.offPool {
            try Tool.run(["move", "--from", from, "--calling-aet", "DT", "--receive-port", String(here), "-o", pulled.path,
                          "-k", "StudyInstanceUID=\(study)"])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("C-MOVE to DT: status 0x0000 (success), completed 1, failed 0"), "\(r.stdout)")
        let files = Receiver.files(in: pulled)
        #expect(files == [try C.instanceUID(C.fixtures[0]) + ".dcm"])
        // The data set Orthanc stored (it re-encodes what it receives) is what arrived, but for the
        // Data Set Trailing Padding its file keeps and its C-STORE leaves out.
        let ids = try await C.offPool { () -> Data in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-sf", "http://127.0.0.1:\(httpPort)/tools/lookup", "-d", try C.instanceUID(C.fixtures[0])]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return data
        }
        let found = try #require(try JSONSerialization.jsonObject(with: ids) as? [[String: Any]])
        let id = try #require(found.first?["ID"] as? String)
        let copy = orthanc.directory.appendingPathComponent("stored.dcm")
        let fetched = try await C.offPool { () -> Int32 in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-sf", "-o", copy.path, "http://127.0.0.1:\(httpPort)/instances/\(id)/file"]
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        #expect(fetched == 0)
        let same = try await C.offPool { () -> Int32 in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", "import pydicom,sys\na=pydicom.dcmread(sys.argv[1]); b=pydicom.dcmread(sys.argv[2])\n"
                           + "for d in (a, b):\n    if 0xFFFCFFFC in d: del d[0xFFFCFFFC]\nsys.exit(0 if a == b else 1)",
                           copy.path, pulled.appendingPathComponent(files.first ?? "").path]
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        #expect(same == 0, "the moved data set differs from Orthanc's copy")

        let t = try await C.offPool { try Tool.run(["move", "--from", from, "--dest", "THIRD", "-k", "StudyInstanceUID=\(study)"]) }
        #expect(t.status == 0, "\(t.stderr)")
        #expect(third.waitUntil(10) { third.events("stored").count == 1 })

        let unknown = try await C.offPool { try Tool.run(["move", "--from", from, "--dest", "NOPE", "-k", "StudyInstanceUID=\(study)"]) }
        #expect(unknown.status == 63 && unknown.stderr.contains("C-MOVE ended with status 0xC000"), "\(unknown.stderr)")
    }
}
