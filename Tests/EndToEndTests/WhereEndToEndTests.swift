import DicomTestSupport
import Foundation
import Testing

/// `--where` on every command that walks inputs, the same selection as pydicom's reading of the
/// corpus for the queries of Scripts/where_queries.txt, `dump --format csv|tsv` read back with
/// python's csv module, and the refusals (before any file is read).
@Suite struct WhereEndToEndTests {
    static func fixture(_ relative: String) -> String { CorpusIndex.fixtures.appendingPathComponent(relative).path }

    /// Two MR files (one RLE) and two OT files (one JPEG) in a tree; `--where Modality=MR` takes
    /// the first two.
    static let tree: [(name: String, source: String, modality: String)] = [
        ("a/mr.dcm", "native/MR_small.dcm", "MR"),
        ("a/ot.dcm", "native/SC_rgb_small_odd.dcm", "OT"),
        ("b/mr_rle.dcm", "rle/MR_small_RLE.dcm", "MR"),
        ("b/ot_jpeg.dcm", "jpeg/baseline/SC_rgb_dcmtk_+eb+cy+s2.dcm", "OT"),
    ]

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-where-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func makeTree(in dir: URL) throws -> URL {
        let root = dir.appendingPathComponent("in")
        for entry in tree {
            let url = root.appendingPathComponent(entry.name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: fixture(entry.source), toPath: url.path)
        }
        return root
    }

    static func records(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    /// Files under `dir`, relative, sorted.
    static func files(under dir: URL) -> [String] {
        let base = dir.standardizedFileURL.path
        let all = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
        return all.filter { !isDirectory(base + "/" + $0) }.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }

    /// Every command that walks inputs but send (below, with a peer): the option is accepted, the
    /// JSON Lines name the two OT files as skipped "not matching", the two MR files were processed,
    /// and a writing command wrote outputs for those two only.
    @Test(arguments: [
        (["dump"], false),
        (["validate"], false),
        (["transcode", "--explicit"], true),
        (["anonymize"], true),
        (["derive", "--crop", "0,0,2,2"], true),
        (["modify", "--set", "StudyID=WHERE"], true),
        (["render"], true),
    ])
    func whereSelectsForEveryCommand(command: [String], writes: Bool) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.makeTree(in: dir)
        let output = dir.appendingPathComponent("out")
        var args = command + ["-j", "2", "--format", "json", "--where", "Modality=MR", input.path]
        if writes { args += ["-o", output.path + "/"] }
        let run = try Tool.run(args)
        #expect(run.status == 0 || (command[0] == "validate" && run.status == 83), "\(command): \(run.stderr)")
        let records = try Self.records(run.stdout)
        let items = records.filter { $0["type"] as? String == "item" }
        let names = Self.tree.map { input.appendingPathComponent($0.name).path }
        // Every input in input order, the OT ones skipped as not matching.
        #expect(items.map { $0["input"] as? String } == names, "\(command): \(run.stdout)")
        for (item, entry) in zip(items, Self.tree) {
            if entry.modality == "MR" {
                #expect(item["status"] as? String == "ok", "\(command): \(item)")
            } else {
                #expect(item["status"] as? String == "skipped" && item["reason"] as? String == "not matching", "\(command): \(item)")
                #expect(item["exit"] as? Int == 0)
            }
        }
        let summary = try #require(records.last)
        #expect(summary["notMatching"] as? Int == 2 && summary["total"] as? Int == 4, "\(command): \(summary)")
        #expect(summary["succeeded"] as? Int == 2 && summary["skipped"] as? Int == 0, "\(command): \(summary)")
        if writes {
            let written = Self.files(under: output)
            #expect(written.count == 2, "\(command): \(written)")
            #expect(written.allSatisfy { $0.hasPrefix("a/mr") || $0.hasPrefix("b/mr_rle") }, "\(command): \(written)")
        }
    }

    @Test func textOutputLeavesNonMatchingFilesOutSilently() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.makeTree(in: dir)
        let run = try Tool.run(["dump", "--where", "Modality=OT", "--where", "StudyDate=2017-", input.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("# File: \(input.path)/a/ot.dcm") && run.stdout.contains("# File: \(input.path)/b/ot_jpeg.dcm"))
        #expect(!run.stdout.contains("mr.dcm") && !run.stdout.contains("mr_rle.dcm"))
        #expect(run.stderr.contains("4 files, 2 ok, 0 failed, 2 not matching --where"), "\(run.stderr)")
        #expect(!run.stderr.contains("error"))
        // Every criterion must match: none is OT and from 2018 on.
        let none = try Tool.run(["dump", "--where", "Modality=OT", "--where", "StudyDate=2018-", input.path])
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none.stderr)")
    }

    @Test func sendSendsOnlyWhatMatches() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.makeTree(in: dir)
        let storescp = try await PeerProcess("/usr/bin/storescp", environment: ["TCP_NODELAY": "1"]) { port, dir in
            ["-aet", "SCP", "-od", dir + "/out", "+uf", "+B", "+xa", String(port)]
        }
        defer { storescp.stop(); storescp.remove() }
        let port = storescp.port
        let run = try await SendEndToEndTests.offPool {
            try Tool.run(["send", "-j", "2", "--format", "json", "--where", "Modality=MR", "--to", "SCP@127.0.0.1:\(port)", input.path])
        }
        #expect(run.status == 0, "\(run.stderr)")
        let records = try Self.records(run.stdout)
        let items = records.filter { $0["type"] as? String == "item" }
        #expect(items.map { $0["status"] as? String } == ["ok", "skipped", "ok", "skipped"], "\(run.stdout)")
        #expect(items.filter { $0["reason"] as? String == "not matching" }.count == 2)
        let summary = try #require(records.last)
        #expect(summary["notMatching"] as? Int == 2 && summary["succeeded"] as? Int == 2, "\(summary)")
        #expect(storescp.received().count == 2)
    }

    @Test func refusalsComeBeforeAnyFileIsRead() throws {
        // A path that does not exist: a refusal must not get as far as "cannot read".
        let missing = "/nonexistent/dicomtool-where"
        let cases: [([String], String)] = [
            (["--where", "PatientsName=Doe"], "PatientName"),
            (["--where", "StudyDate=2020-2019"], "ends before it starts"),
            (["--where", "StudyDate=2019*"], "C.2.2.2.4"),
            (["--where", "StudyDate=20191301"], "not a date"),
            (["--where", "Modality"], "KEY=VALUE"),
            (["--where", "ReferencedSeriesSequence=1.2.3"], "[*]"),
            (["--where", "Modality=CT\\MR"], "C.2.2.2.2"),
        ]
        for (args, reason) in cases {
            for command in [["dump"], ["transcode", "--explicit", "-o", "/tmp/never/"]] {
                let run = try Tool.run(command + args + [missing])
                #expect(run.status == 1, "\(args): \(run.stderr)")
                #expect(run.stderr.contains(reason), "\(args): \(run.stderr)")
                #expect(!run.stderr.contains("cannot read"), "\(args): \(run.stderr)")
            }
        }
        let stdin = try Tool.run(["dump", "--where", "Modality=MR", "-"], stdin: Data())
        #expect(stdin.status == 1 && stdin.stderr.contains("standard input"), "\(stdin.stderr)")
        let csvElsewhere = try Tool.run(["transcode", "--format", "csv", "--explicit", missing, "-o", "/tmp/never/"])
        #expect(csvElsewhere.status == 1 && csvElsewhere.stderr.contains("dump and find only"), "\(csvElsewhere.stderr)")
        let noColumns = try Tool.run(["dump", "--format", "tsv", missing])
        #expect(noColumns.status == 1 && noColumns.stderr.contains("--tag"), "\(noColumns.stderr)")
    }

    /// The "Done when" of issue 19: the files selected are exactly those pydicom's reading selects.
    @Test func selectsWhatPydicomsReadingSelectsOverTheCorpus() throws {
        let (dir, rows, _) = CorpusIndex.available
        let files = rows.filter { ($0["expect"] ?? "").hasPrefix("parse") }.compactMap { $0["path"] }
            .map { dir.appendingPathComponent($0).path }
        let queries = CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/where_queries.txt").path
        let (status, text) = try Tool.script("where_check.py", ["select", CorpusIndex.binary.path, queries] + files)
        #expect(status == 0, "\(text)")
        #expect(text.contains("where_check: 24 queries"), "\(text)")
    }

    @Test(arguments: ["csv", "tsv"])
    func tablesReadBackWithPythonsCSVModule(style: String) throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        // Values a table must quote or escape: a comma and quotes (LO), line breaks and a tab (LT).
        let awkward = work.appendingPathComponent("awkward.dcm").path
        let made = try Tool.run(["modify", "--set", "InstitutionName=Clinic, \"North\"",
                                 "--set", "AdditionalPatientHistory=first line\r\nsecond\tline", Self.fixture("native/MR_small.dcm"),
                                 "-o", awkward])
        #expect(made.status == 0, "\(made.stderr)")
        let (dir, rows, _) = CorpusIndex.available
        let files = [awkward] + rows.filter { ($0["expect"] ?? "").hasPrefix("parse") }.compactMap { $0["path"] }
            .filter { !$0.hasPrefix("dicomdir/") }.prefix(60).map { dir.appendingPathComponent($0).path }
        let tags = ["PatientName", "ImageType", "StudyDate", "Rows", "InstitutionName", "AdditionalPatientHistory",
                    "SourceImageSequence[*].ReferencedSOPInstanceUID", "TransferSyntaxUID", "(0028,0030)"]
        let run = try Tool.run(["dump", "-j", "3", "--format", style] + tags.flatMap { ["--tag", $0] } + files)
        #expect(run.status == 0 || run.status == 22, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("path,PatientName,") || run.stdout.hasPrefix("path\tPatientName\t"))
        if style == "csv" {
            #expect(run.stdout.contains("\"Clinic, \"\"North\"\"\""))
            #expect(run.stdout.contains("\r\n"))
        } else {
            #expect(run.stdout.contains("first line\\r\\nsecond\\tline"))
        }
        let table = work.appendingPathComponent("table.\(style)")
        try run.stdoutBytes.write(to: table)
        // Only the files dicomtool read (an unreadable one is an error on stderr, not a row).
        let readable = files.filter { file in !run.stderr.contains(file + ":") }
        let (status, text) = try Tool.script("where_check.py", ["table", style, table.path] + tags + ["--"] + readable)
        #expect(status == 0, "\(text)")
    }
}
