import DicomTestSupport
import Foundation
import Testing

/// `dicomtool get` against real archives on loopback: Orthanc (DicomAlwaysAllowGet) and pynetdicom's
/// qrscp return every instance they stored with the data set they keep, through find's JSON Lines
/// piped to --query; dcmqrscp (strictly hierarchical, no SOP Class UID in its answers) returns what
/// it returns to getscu, the same bytes.
@Suite(.serialized, .dedicatedThreads) struct GetEndToEndTests {
    static let sameBytes = CorpusIndex.packageRoot.appendingPathComponent("scripts/net-peers/dataset_bytes_equal.py").path

    static func tempDirectory(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func files(_ dir: String) -> [String] {
        let names = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasPrefix("orthanc-") }
            .map { dir + "/" + $0 }.filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
    }

    static func sameDataSet(_ a: String, _ b: String, values: Bool = false) async throws -> (Int32, String) {
        try await QueryPeers.offPool { try QueryPeers.run("/usr/bin/env", ["python3", sameBytes] + (values ? ["--values"] : []) + [a, b]) }
    }

    @Test func orthancReturnsWhatItStoredThroughFindsOutput() async throws {
        let (orthanc, http) = try await QueryPeers.startOrthancWithHTTP(QueryPeers.fixtures)
        defer { orthanc.stop(); orthanc.remove() }
        let peer = "ORTHANC@127.0.0.1:\(orthanc.port)"
        let found = try await QueryPeers.find(["--to", peer, "--level", "series", "--format", "json"])
        #expect(found.status == 0, "\(found.stderr)")
        let out = try Self.tempDirectory("get-orthanc")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let got = try await QueryPeers.offPool {
            try Tool.run(["get", "--from", peer, "--query", "-", "-o", out, "--layout", "{SOPInstanceUID}.dcm", "--format", "json"],
                         stdin: Data(found.stdout.utf8))
        }
        #expect(got.status == 0, "\(got.stderr)")
        let records = try QueryPeers.records(got.stdout)
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary")
        #expect(summary["instances"] as? Int == 5 && summary["stored"] as? Int == 5, "\(summary)")
        #expect(records.filter { $0["type"] as? String == "retrieve" }.allSatisfy { $0["status"] as? String == "0x0000" })
        // Each file holds the data set Orthanc keeps for its SOP Instance UID: the same elements and
        // values (Orthanc sends through DCMTK, which re-encodes sequence lengths and drops a Data
        // Set Trailing Padding; what arrived is kept as it came, see receive's bit-preservation tests).
        var compared = 0
        for stored in records where stored["type"] as? String == "stored" {
            let path = try #require(stored["path"] as? String)
            let uid = try #require(stored["sopInstanceUID"] as? String)
            #expect(path == out + "/" + uid + ".dcm")
            let lookup = try await QueryPeers.offPool {
                try QueryPeers.run("/usr/bin/curl", ["-sf", "-X", "POST", "--data-binary", uid, "http://127.0.0.1:\(http)/tools/lookup"])
            }
            let found = try #require(try JSONSerialization.jsonObject(with: Data(lookup.output.utf8)) as? [[String: Any]])
            let id = try #require(found.first { $0["Type"] as? String == "Instance" }?["ID"] as? String)
            let kept = out + "/orthanc-" + id
            let fetched = try await QueryPeers.offPool {
                try QueryPeers.run("/usr/bin/curl", ["-sf", "-o", kept, "http://127.0.0.1:\(http)/instances/\(id)/file"])
            }
            #expect(fetched.status == 0)
            let (status, text) = try await QueryPeers.offPool { try Tool.script("same_elements.py", [kept, path], withStandardError: true) }
            #expect(status == 0, "\(uid): \(text)")
            compared += 1
        }
        #expect(compared == 5)
    }

    /// pynetdicom's qrscp (loaded with dicomtool send): every instance it holds uncompressed comes
    /// back once by C-GET, with the data set of the file it keeps (instances/<SOP Instance UID>,
    /// written by pydicom). Its answers name no SOP class and it converts nothing but between the
    /// uncompressed syntaxes and deflate, so an instance it holds compressed finds no context among
    /// those get proposes for unknown classes (uncompressed only): a failed sub-operation, named.
    /// (move has no such gap: the archive proposes the contexts, see MoveEndToEndTests.)
    @Test func pynetdicomReturnsWhatItStored() async throws {
        let qr = try await QueryPeers.startPynetdicomQR(QueryPeers.fixtures)
        defer { qr.stop(); qr.remove() }
        let peer = "PYQR@127.0.0.1:\(qr.port)"
        let found = try await QueryPeers.find(["--to", peer, "--level", "study", "--format", "json"])
        #expect(found.status == 0, "\(found.stderr)")
        let out = try Self.tempDirectory("get-pynetdicom")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let got = try await QueryPeers.offPool {
            try Tool.run(["get", "--from", peer, "--query", "-", "-o", out, "--layout", "{SOPInstanceUID}.dcm", "--format", "json"],
                         stdin: Data(found.stdout.utf8))
        }
        let held = qr.received(under: "instances")
        let expected = try Set(QueryPeers.fixtures.map { try CommitEndToEndTests.instanceUID($0) })
        #expect(Set(held.map(\.lastPathComponent)) == expected)
        let records = try QueryPeers.records(got.stdout)
        let stored = Set(records.filter { $0["type"] as? String == "stored" }.compactMap { $0["sopInstanceUID"] as? String })
        let failed = Set(records.filter { $0["type"] as? String == "retrieve" }.flatMap { ($0["failedSOPInstanceUIDs"] as? [String]) ?? [] })
        // pynetdicom names no SOP class in its answers: get offers the common classes uncompressed,
        // and asks again for what failed (the RLE and JPEG fixtures, held as sent) with every syntax.
        var compressed = Set<String>()
        for file in held {
            let uid = file.lastPathComponent
            let syntax = try CommitEndToEndTests.instanceUID(file.path, keyword: "TransferSyntaxUID", tag: "(0002,0010)")
            if !["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"].contains(syntax) { compressed.insert(uid) }
            #expect(stored.contains(uid), "\(uid) (\(syntax)) not retrieved: \(got.stdout)")
            let (status, text) = try await QueryPeers.offPool {
                try Tool.script("same_elements.py", [file.path, out + "/" + uid + ".dcm"], withStandardError: true)
            }
            #expect(status == 0, "\(uid): \(text)")
        }
        #expect(compressed.count == 2, "the RLE and JPEG fixtures are held as sent")
        #expect(failed.isEmpty, "\(got.stdout)")
        #expect(got.status == 0, "\(got.stderr)")
    }

    @Test func dcmqrscpReturnsWhatItReturnsToGetscu() async throws {
        let qr = try await QueryPeers.startDcmqrscp(QueryPeers.fixtures)
        defer { qr.stop(); qr.remove() }
        for study in [FindEndToEndTests.mrStudy, FindEndToEndTests.liverStudy] {
            let ours = try Self.tempDirectory("get-qr")
            let theirs = try Self.tempDirectory("getscu")
            defer { try? FileManager.default.removeItem(atPath: ours); try? FileManager.default.removeItem(atPath: theirs) }
            let got = try await QueryPeers.offPool {
                try Tool.run(["get", "--from", "QRSCP@127.0.0.1:\(qr.port)", "-k", "StudyInstanceUID=\(study)", "-o", ours])
            }
            #expect(got.status == 0, "\(got.stderr)")
            let scu = try await QueryPeers.offPool {
                try QueryPeers.run("/usr/bin/getscu", ["-S", "-aet", "DICOMTOOL", "-aec", "QRSCP", "-od", theirs, "127.0.0.1", "\(qr.port)",
                                                       "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=\(study)"])
            }
            #expect(scu.status == 0, "\(scu.output)")
            let mine = Self.files(ours), dcmtk = Self.files(theirs)
            #expect(mine.count == dcmtk.count && !mine.isEmpty, "\(study): \(mine) vs \(dcmtk)")
            // getscu names files MODALITY.UID; ours are UID.dcm. dcmqrscp sends sequences with
            // explicit lengths, which we keep as they came; getscu rewrites them undefined: the
            // same elements and values is what both can show.
            for file in mine {
                let uid = String((file as NSString).lastPathComponent.dropLast(4))
                let match = try #require(dcmtk.first { $0.hasSuffix("." + uid) }, "getscu did not receive \(uid)")
                let (status, text) = try await Self.sameDataSet(match, file, values: true)
                #expect(status == 0, "\(uid): \(text)")
            }
        }
        // Keys that match nothing: nothing retrieved, exit 0 with a summary.
        let none = try await QueryPeers.offPool {
            try Tool.run(["get", "--from", "QRSCP@127.0.0.1:\(qr.port)", "-k", "PatientID=NOBODY", "-o", "/tmp/never-\(UUID().uuidString)"])
        }
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stderr.contains("0 of 0 instances stored"), "\(none.stderr)")
    }
}
