import DicomTestSupport
import Foundation
import Testing

/// `dicomtool find` against real archives on loopback (Orthanc, dcmtk's dcmqrscp, wlmscpfs for
/// worklists): the same matches as dcmtk's findscu for the same keys, at every level of both
/// Query/Retrieve models, with each kind of matching the peers support; the output formats;
/// --limit's C-CANCEL; and the exit statuses of refusals and failures.
@Suite(.serialized, .dedicatedThreads) struct FindEndToEndTests {
    static let mrStudy = "1.3.6.1.4.1.5962.1.2.4.20040826185059.5457"
    static let liverStudy = "1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1"

    /// One query: its level, the model flag findscu takes, and the keys (both tools send the same
    /// identifier: the unique keys dicomtool adds are listed for findscu).
    struct Query: CustomStringConvertible {
        var level: String
        var model: String
        var keys: [String]
        var description: String { "\(level) \(keys)" }
        var paths: [String] { keys.map { String($0.split(separator: "=", maxSplits: 1)[0]) } }
        var dicomtoolArgs: [String] {
            ["--level", level.lowercased(), "--model", model == "-P" ? "patient" : "study"] + keys.flatMap { ["-k", $0] }
        }
        var findscuKeys: [String] { ["QueryRetrieveLevel=\(level)"] + keys }
    }

    static let queries: [Query] = [
        Query(level: "STUDY", model: "-S", keys: ["PatientName", "StudyDate", "StudyInstanceUID"]),
        Query(level: "STUDY", model: "-S", keys: ["PatientName=Comp*", "StudyInstanceUID"]),
        Query(level: "STUDY", model: "-S", keys: ["StudyDate=20030101-20101231", "PatientID", "StudyInstanceUID"]),
        Query(level: "STUDY", model: "-S", keys: ["StudyInstanceUID=\(mrStudy)\\\(liverStudy)", "PatientName"]),
        Query(level: "SERIES", model: "-S", keys: ["StudyInstanceUID=\(mrStudy)", "Modality", "SeriesInstanceUID"]),
        Query(level: "IMAGE", model: "-S", keys: ["StudyInstanceUID=\(liverStudy)", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"]),
        Query(level: "PATIENT", model: "-P", keys: ["PatientName", "PatientID"]),
        Query(level: "STUDY", model: "-P", keys: ["PatientID=4MR1", "StudyInstanceUID", "StudyDate"]),
    ]

    func compare(_ queries: [Query], aet: String, port: Int, peer: String) async throws {
        for query in queries {
            let ours = try await QueryPeers.find(["--to", "\(aet)@127.0.0.1:\(port)", "--format", "json"] + query.dicomtoolArgs)
            #expect(ours.status == 0, "\(peer) \(query): \(ours.stderr)")
            let theirs = try await QueryPeers.findscu(query.model, aet: aet, port: port, keys: query.findscuKeys, paths: query.paths)
            let rows = try QueryPeers.dicomtoolRows(ours.stdout, paths: query.paths)
            #expect(rows == theirs, "\(peer) \(query)")
            #expect(rows != "[]", "\(peer) \(query): the fixtures should match")
        }
    }

    @Test func orthancAnswersAsItAnswersFindscu() async throws {
        let orthanc = try await QueryPeers.startOrthanc(QueryPeers.fixtures)
        defer { orthanc.stop(); orthanc.remove() }
        try await compare(Self.queries, aet: "ORTHANC", port: orthanc.port, peer: "Orthanc")
    }

    @Test func dcmqrscpAnswersAsItAnswersFindscu() async throws {
        let qr = try await QueryPeers.startDcmqrscp(QueryPeers.fixtures)
        defer { qr.stop(); qr.remove() }
        try await compare(Self.queries, aet: "QRSCP", port: qr.port, peer: "dcmqrscp")
    }

    /// pynetdicom's qrscp answers from an SQLite index of twelve attributes (others are left out of
    /// its answers, for both tools alike) and one response per matching instance at every level. It
    /// fails a list of UIDs (0xC320: it binds the list as one value), for findscu as for us.
    @Test func pynetdicomAnswersAsItAnswersFindscu() async throws {
        let qr = try await QueryPeers.startPynetdicomQR(QueryPeers.fixtures)
        defer { qr.stop(); qr.remove() }
        let lists = Self.queries.filter { $0.keys.contains { $0.contains("\\") } }
        #expect(lists.count == 1)
        try await compare(Self.queries.filter { q in !lists.contains { $0.description == q.description } },
                          aet: "PYQR", port: qr.port, peer: "pynetdicom")
        let refused = try await QueryPeers.find(["--to", "PYQR@127.0.0.1:\(qr.port)", "--format", "json"] + lists[0].dicomtoolArgs)
        #expect(refused.status == 63 && refused.stderr.contains("0xC320"), "\(refused.stderr)")
    }

    @Test func worklistMatchesAsWlmscpfsAnswersFindscu() async throws {
        let wl = try await QueryPeers.startWlmscpfs()
        defer { wl.stop(); wl.remove() }
        let sps = "ScheduledProcedureStepSequence[0]"
        let queries: [[String]] = [
            ["\(sps).Modality=CT", "\(sps).ScheduledStationAETitle", "\(sps).ScheduledProcedureStepStartDate", "PatientName", "PatientID"],
            ["\(sps).ScheduledProcedureStepStartDate=20240115", "\(sps).Modality", "PatientName", "AccessionNumber"],
            ["\(sps).Modality=MR", "\(sps).ScheduledStationAETitle", "PatientName"],
            ["PatientName=*oe*", "PatientID", "\(sps).ScheduledProcedureStepID"],
        ]
        for keys in queries {
            let paths = keys.map { String($0.split(separator: "=", maxSplits: 1)[0]) }
            let ours = try await QueryPeers.find(["--to", "WORKLIST@127.0.0.1:\(wl.port)", "--worklist", "--format", "json"] + keys.flatMap { ["-k", $0] })
            #expect(ours.status == 0, "\(keys): \(ours.stderr)")
            let theirs = try await QueryPeers.findscu("-W", aet: "WORKLIST", port: wl.port, keys: keys, paths: paths)
            let rows = try QueryPeers.dicomtoolRows(ours.stdout, paths: paths)
            #expect(rows == theirs, "\(keys)")
            #expect(rows != "[]", "\(keys): the entries should match")
        }
        // Sequence matching: two CT steps of three.
        let ct = try await QueryPeers.find(["--to", "WORKLIST@127.0.0.1:\(wl.port)", "--worklist", "--format", "csv",
                                            "-k", "\(sps).Modality=CT", "-r", "PatientName"])
        #expect(ct.status == 0, "\(ct.stderr)")
        #expect(ct.stdout == "ScheduledProcedureStepSequence[0].Modality,PatientName\r\nCT,Doe^Jane\r\nCT,Roe^Richard\r\n"
                || ct.stdout == "ScheduledProcedureStepSequence[0].Modality,PatientName\r\nCT,Roe^Richard\r\nCT,Doe^Jane\r\n", "\(ct.stdout)")
    }

    @Test func outputFormatsAndLimit() async throws {
        let orthanc = try await QueryPeers.startOrthanc(QueryPeers.fixtures)
        defer { orthanc.stop(); orthanc.remove() }
        let to = ["--to", "ORTHANC@127.0.0.1:\(orthanc.port)"]
        let all = try await QueryPeers.find(to + ["--level", "image", "--format", "json", "-r", "SOPClassUID"])
        #expect(all.status == 0, "\(all.stderr)")
        let records = try QueryPeers.records(all.stdout)
        let matches = records.filter { $0["type"] as? String == "match" }
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary")
        #expect(summary["matches"] as? Int == matches.count)
        #expect(summary["status"] as? String == "0x0000")
        #expect(summary["exit"] as? Int == 0)
        #expect(matches.count >= 4)

        // --json: one PS3.18 array, the same data sets.
        let array = try await QueryPeers.find(to + ["--level", "image", "--json", "-r", "SOPClassUID"])
        #expect(array.status == 0, "\(array.stderr)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("find-\(UUID().uuidString).json").path
        try array.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let paths = ["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"]
        #expect(try QueryPeers.rows("--array", file, paths) == (try QueryPeers.dicomtoolRows(all.stdout, paths: paths)))

        // --limit: C-CANCEL after 2 matches; the run succeeds with exactly 2.
        let limited = try await QueryPeers.find(to + ["--level", "image", "--format", "json", "--limit", "2"])
        #expect(limited.status == 0, "\(limited.stderr)")
        let limitedRecords = try QueryPeers.records(limited.stdout)
        #expect(limitedRecords.filter { $0["type"] as? String == "match" }.count == 2)
        #expect(limitedRecords.last?["cancelled"] as? Bool == true)

        // The table: a header of the keys in the order given, then one row per match.
        let table = try await QueryPeers.find(to + ["--level", "study", "-r", "StudyDate", "-k", "PatientName=CompressedSamples^MR1"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(table.stdout)")
        #expect(lines.first?.split(separator: " ").map(String.init) == ["StudyDate", "PatientName", "StudyInstanceUID"])
        #expect(lines.last?.split(separator: " ").map(String.init) == ["20040826", "CompressedSamples^MR1", Self.mrStudy])
        #expect(table.stderr.contains("1 match, status 0x0000 (success)"), "\(table.stderr)")

        // No match: exit 0, an empty array.
        let none = try await QueryPeers.find(to + ["--level", "study", "--json", "-k", "PatientID=NOBODY"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout == "[]\n")
    }

    @Test func unicodeQueriesAndAnswers() async throws {
        // An instance whose name needs UTF-8: the query announces ISO_IR 192 and finds it.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("find-utf8-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/utf8.dcm"
        let modified = try Tool.run(["modify", "--set", "PatientName=Müller^Jürgen", "--set", "PatientID=UTF8", "--new-study-uid",
                                     QueryPeers.fixtures[0], "-o", file])
        #expect(modified.status == 0, "\(modified.stderr)")
        let orthanc = try await QueryPeers.startOrthanc([file])
        defer { orthanc.stop(); orthanc.remove() }
        let r = try await QueryPeers.find(["--to", "ORTHANC@127.0.0.1:\(orthanc.port)", "--level", "study", "--format", "csv",
                                           "-k", "PatientName=Müller*", "-r", "PatientID"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("PatientName,PatientID,StudyInstanceUID\r\nMüller^Jürgen,UTF8,"), "\(r.stdout)")
    }

    @Test func refusalsAndUnreachablePeers() async throws {
        let qr = try await QueryPeers.startDcmqrscp(QueryPeers.fixtures)
        defer { qr.stop(); qr.remove() }
        // An AE title dcmqrscp does not serve: the association is rejected (61).
        let rejected = try await QueryPeers.find(["--to", "NOBODY@127.0.0.1:\(qr.port)", "--level", "study"])
        #expect(rejected.status == 61, "\(rejected.stderr)")
        // A strictly hierarchical peer refuses an image query without the keys above: status Cxxx (63).
        let refused = try await QueryPeers.find(["--to", "QRSCP@127.0.0.1:\(qr.port)", "--level", "series", "--format", "json",
                                                 "-k", "StudyInstanceUID=1.2.3*"])
        #expect(refused.status == 1, "a UID has no wild cards: refused before sending")
        // Nobody listening: 60.
        let port = try PeerProcess.freePort()
        let nobody = try await QueryPeers.find(["--to", "X@127.0.0.1:\(port)", "--level", "study", "--timeout", "5"])
        #expect(nobody.status == 60, "\(nobody.stderr)")
        // Usage errors name the key and the reason.
        let bad = try await QueryPeers.find(["--to", "QRSCP@127.0.0.1:\(qr.port)", "-k", "StudyDate=2024*"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("StudyDate") || bad.stderr.contains("0008,0020"), "\(bad.stderr)")
        #expect(bad.stderr.contains("wild cards"), "\(bad.stderr)")
    }
}
