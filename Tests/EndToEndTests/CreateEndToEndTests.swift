import DicomTestSupport
import Foundation
import Testing

/// `dicomtool create` through the built binary: the round trip `dump --json|--xml` then `create`
/// over the suite's corpus subset (the full corpus: scripts/create-sweep), pydicom's to_json and
/// dcmtk's dcm2json/dcm2xml as inputs, generated edge values, refusals with their exit status, and
/// the output never written over an input. The checks themselves are Scripts/create_check.py.
@Suite struct CreateEndToEndTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-create-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The licensed subset's parseable files, sorted: a short deterministic slice of what
    /// scripts/create-sweep covers (the subset has no DICOMDIR: `dicomdirs` makes one).
    static func fixtureFiles() -> [String] {
        CorpusIndex.manifest(at: CorpusIndex.fixtures)
            .filter { ($0["expect"] ?? "").hasPrefix("parse") }
            .compactMap { $0["path"] }
            .sorted()
            .map { CorpusIndex.fixtures.appendingPathComponent($0).path }
    }

    func check(_ mode: [String], files: [String] = []) throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let files = files.isEmpty && mode.first != "edges" ? Self.fixtureFiles() : files
        try #require(mode.first == "edges" || !files.isEmpty, "no fixture files")
        let (status, text) = try Tool.script("create_check.py", [mode[0], CorpusIndex.binary.path, work.path] + mode.dropFirst() + files,
                                             withStandardError: true)
        #expect(status == 0, "\(text)")
        #expect(text.contains("create_check"), "\(text)")
    }

    @Test func jsonRoundTripKeepsElementsValuesAndDataSetBytes() throws { try check(["roundtrip-json"]) }

    @Test func xmlRoundTripKeepsElementsValuesAndDataSetBytes() throws { try check(["roundtrip-xml"]) }

    @Test func pydicomToJSONIsAccepted() throws { try check(["pydicom"]) }

    @Test func dcmtkJSONAndNativeXMLAreAccepted() throws { try check(["dcmtk"]) }

    /// DICOMDIRs: one `dicomdir create` makes here from fixture files, and the corpus's own
    /// (big endian, implicit VR, records out of order, offsets missing, a record no offset reaches,
    /// an empty one) when the full corpus is present. Their record offsets must be rewritten for the
    /// new bytes and link the same record tree; pydicom's FileSet and dcmdump must read the result.
    @Test func dicomdirsRoundTripWithTheirRecordOffsetsRewritten() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let tree = work.appendingPathComponent("CD/MR")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for (i, name) in ["native/MR_small.dcm", "native/liver_1frame.dcm"].enumerated() {
            try FileManager.default.copyItem(at: CorpusIndex.fixtures.appendingPathComponent(name),
                                             to: tree.appendingPathComponent("IM\(i)"))
        }
        let made = try Tool.run(["dicomdir", "create", work.appendingPathComponent("CD").path])
        #expect(made.status == 0, "\(made.stderr)")
        var files = [work.appendingPathComponent("CD/DICOMDIR").path]
        if let root = CorpusIndex.root {
            files += CorpusIndex.manifest(at: root)
                .filter { ($0["expect"] ?? "").hasPrefix("parse") && $0["sop_class_uid"] == "1.2.840.10008.1.3.10" }
                .compactMap { $0["path"] }.sorted().map { root.appendingPathComponent($0).path }
        }
        for mode in ["roundtrip-json", "roundtrip-xml", "pydicom"] {
            try check([mode], files: files)
        }
    }

    @Test func generatedEdgeValuesThroughJSONAndXML() throws { try check(["edges", "--seed", "7", "--count", "20"]) }

    @Test func refusalsAreOneLineWithThePathAndTheStatus() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out.dcm").path
        let sop = #""00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]},"00080018":{"vr":"UI","Value":["1.2.3"]}"#
        let cases: [(String, Int32, String)] = [
            ("{" + sop + #","00081140":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.x"]}}]}}"#, 22,
             #"$["00081140"].Value[0]["00081155"]"#),
            ("{" + sop + #","00100010":{"vr":"PN","Value":["a"],}}"#, 22, "JSON line 1"),
            (#"{"00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]}}"#, 22, "--invent-uids"),
            ("{" + sop + #","7FE00010":{"vr":"OB","BulkDataURI":"file:///nonexistent/x?offset=0&length=2"}}"#, 20, "/nonexistent/x"),
            ("{" + sop + #","7FE00010":{"vr":"OB","BulkDataURI":"http://example.org/x"}}"#, 80, "only file://"),
        ]
        for (json, status, fragment) in cases {
            let r = try Tool.run(["create", "--json", "-", "-o", out], stdin: Data(json.utf8))
            #expect(r.status == status, "\(json): \(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(json): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "an output was left behind")
        }
        // Invented UIDs: written, with a warning, and the meta in step.
        let r = try Tool.run(["create", "--json", "--invent-uids", "-", "-o", out],
                             stdin: Data(#"{"00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]}}"#.utf8))
        #expect(r.status == 0 && r.stderr.contains("invented"), "\(r.stderr)")
        let meta = try AnonymizeEndToEndTests.dumpedValue("(0002,0003)", of: out)
        let instance = try AnonymizeEndToEndTests.dumpedValue("(0008,0018)", of: out)
        #expect(meta != nil && meta == instance)
    }

    @Test func anOutputOverTheInputOrItsBulkDataIsRefused() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("in.dcm").path
        try FileManager.default.copyItem(atPath: CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path, toPath: source)
        let before = try Data(contentsOf: URL(fileURLWithPath: source))
        let dumped = try Tool.run(["dump", "--json", "--inline-max", "16", source])
        try #require(dumped.status == 0 && dumped.stdout.contains("BulkDataURI"))
        let json = work.appendingPathComponent("in.json")
        try Data(dumped.stdout.utf8).write(to: json)
        let r = try Tool.run(["create", json.path, "-o", source])
        #expect(r.status == 40, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: source)) == before)
    }
}

extension CreateEndToEndTests {
    @Test func aBulkDataURIToADeviceOrAFIFOIsRefused() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let fifo = work.appendingPathComponent("fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let sop = #""00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]},"00080018":{"vr":"UI","Value":["1.2.3"]}"#
        for path in [fifo, "/dev/zero"] {
            let json = "{" + sop + #","7FE00010":{"vr":"OB","BulkDataURI":"file://"# + path + #"?offset=0&length=2"}}"#
            let r = try Tool.run(["create", "--json", "-", "-o", work.appendingPathComponent("out.dcm").path], stdin: Data(json.utf8))
            #expect(r.status == 20 && r.stderr.contains("not a regular file"), "\(path): \(r.stderr)")
        }
    }
}
