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

        // Keys that are not unique (a Patient ID at the study level of Study Root) are resolved with
        // C-FIND first: one C-MOVE per series, each naming it.
        let patient = try C.instanceUID(C.fixtures[0], keyword: "PatientID", tag: "(0010,0020)")
        let byPatient = try await C.offPool { try Tool.run(["move", "--from", from, "--calling-aet", "DT", "--dest", "THIRD", "-k", "PatientID=\(patient)"]) }
        #expect(byPatient.status == 0, "\(byPatient.stderr)")
        #expect(byPatient.stderr.contains("matched, in"), "\(byPatient.stderr)")
        #expect(byPatient.stdout.contains("C-MOVE of series ") && byPatient.stdout.contains("to THIRD: status 0x0000"), "\(byPatient.stdout)")
        #expect(third.waitUntil(10) { third.events("stored").count >= 2 })

        // find's JSON Lines through --query: the series find listed, moved here.
        let listed = try await QueryPeers.find(["--to", from, "--calling-aet", "DT", "--level", "series", "-k", "StudyInstanceUID=\(study)",
                                               "--format", "json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let queryFile = Receiver.temporaryDirectory("move-query").appendingPathExtension("jsonl")
        try listed.stdout.write(to: queryFile, atomically: true, encoding: .utf8)
        let queried = Receiver.temporaryDirectory("pulled-query")
        let q = try await C.offPool {
            try Tool.run(["move", "--from", from, "--calling-aet", "DT", "--receive-port", String(here), "-o", queried.path,
                          "--query", queryFile.path])
        }
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.contains("C-MOVE of series "), "\(q.stdout)")
        #expect(Receiver.files(in: queried) == [try C.instanceUID(C.fixtures[0]) + ".dcm"])
        let both = try await C.offPool { try Tool.run(["move", "--from", from, "--dest", "THIRD", "--query", queryFile.path, "-k", "PatientID=1"]) }
        #expect(both.status == 1 && both.stderr.contains("-k and --query cannot be combined"), "\(both.stderr)")
    }

    /// pynetdicom's qrscp as C-MOVE SCP (its configuration lists DT at the receive port): every
    /// instance it holds arrives once, with the data set of the file it keeps.
    @Test func pynetdicomMovesWhatItStoredHere() async throws {
        let here = try PeerProcess.freePort()
        let qr = try await QueryPeers.startPynetdicomQR(QueryPeers.fixtures, destinations: ["DT": here])
        defer { qr.stop(); qr.remove() }
        let from = "PYQR@127.0.0.1:\(qr.port)"
        let found = try await QueryPeers.find(["--to", from, "--level", "study", "--format", "json"])
        #expect(found.status == 0, "\(found.stderr)")
        let pulled = Receiver.temporaryDirectory("move-pynetdicom")
        let r = try await C.offPool {
            try Tool.run(["move", "--from", from, "--calling-aet", "DT", "--receive-port", String(here), "-o", pulled.path,
                          "--query", "-", "--format", "json"], stdin: Data(found.stdout.utf8))
        }
        #expect(r.status == 0, "\(r.stderr)")
        let held = qr.received(under: "instances")
        let expected = try Set(QueryPeers.fixtures.map { try C.instanceUID($0) })
        #expect(Set(held.map(\.lastPathComponent)) == expected)
        #expect(Receiver.files(in: pulled) == held.map { $0.lastPathComponent + ".dcm" }, "\(r.stdout)")
        for file in held {
            let (status, text) = try await C.offPool {
                try Tool.script("same_elements.py", [file.path, pulled.appendingPathComponent(file.lastPathComponent + ".dcm").path],
                                withStandardError: true)
            }
            #expect(status == 0, "\(file.lastPathComponent): \(text)")
        }
        // A destination its configuration does not list: refused (0xA801), exit 63.
        let unknown = try await C.offPool { try Tool.run(["move", "--from", from, "--dest", "NOPE", "--query", "-"], stdin: Data(found.stdout.utf8)) }
        #expect(unknown.status == 63, "\(unknown.stderr)")
    }

    /// dcmtk's dcmqrscp as C-MOVE SCP, dicomtool and movescu each taking the same study into a
    /// receiver of their own: the same instances, with the same data sets.
    @Test func dcmqrscpMovesTheSameDataSetsAsToMovescu() async throws {
        let here = try PeerProcess.freePort(), movescuPort = try PeerProcess.freePort()
        let qr = try await PeerProcess("/usr/bin/dcmqrscp") { port, d in
            let db = d + "/db"
            try? FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
            var copies: [String] = []
            for (i, file) in C.fixtures.enumerated() {
                let copy = db + "/f\(i).dcm"
                try? FileManager.default.copyItem(atPath: file, toPath: copy)
                copies.append(copy)
            }
            _ = try? QueryPeers.run("/usr/bin/dcmqridx", [db] + copies)
            let config = """
            NetworkTCPPort  = \(port)
            MaxPDUSize      = 16384
            MaxAssociations = 16
            HostTable BEGIN
            dt = (DT, 127.0.0.1, \(here))
            mv = (MV, 127.0.0.1, \(movescuPort))
            HostTable END
            VendorTable BEGIN
            VendorTable END
            AETable BEGIN
            QRSCP  \(db)  RO  (200, 1024mb)  ANY
            AETable END
            """
            try? config.write(toFile: d + "/qr.cfg", atomically: true, encoding: .utf8)
            return ["-c", d + "/qr.cfg"]
        }
        defer { qr.stop(); qr.remove() }
        let study = try C.instanceUID(C.fixtures[0], keyword: "StudyInstanceUID", tag: "(0020,000D)")
        let ours = Receiver.temporaryDirectory("move-dt"), theirs = Receiver.temporaryDirectory("move-mv")
        let r = try await C.offPool {
            try Tool.run(["move", "--from", "QRSCP@127.0.0.1:\(qr.port)", "--calling-aet", "DT", "--receive-port", String(here),
                          "-o", ours.path, "--format", "json", "-k", "StudyInstanceUID=\(study)"])
        }
        #expect(r.status == 0, "\(r.stderr)")
        let records = C.records(r.stdout.replacingOccurrences(of: "\"type\":\"stored\"", with: "\"type\":\"item\""))
        #expect(records.count == 1, "one instance stored here")
        #expect(r.stdout.contains("\"type\":\"progress\""), "pending responses reported")
        let m = try await C.offPool {
            try QueryPeers.run("/usr/bin/movescu", ["-S", "-aet", "MV", "-aec", "QRSCP", "-aem", "MV", "+P", String(movescuPort), "-od", theirs.path,
                                                    "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=\(study)", "127.0.0.1", String(qr.port)])
        }
        #expect(m.status == 0, "\(m.output)")
        let a = Receiver.files(in: ours), b = Receiver.files(in: theirs)
        #expect(a.count == b.count && a.count == 1)
        let same = try await C.offPool {
            try QueryPeers.run("/usr/bin/env", ["python3", "-c", "import pydicom,sys; sys.exit(0 if pydicom.dcmread(sys.argv[1]) == pydicom.dcmread(sys.argv[2]) else 1)",
                                                ours.appendingPathComponent(a.first ?? "").path, theirs.appendingPathComponent(b.first ?? "").path])
        }
        #expect(same.status == 0, "dicomtool's and movescu's copies differ: \(same.output)")
    }
}
