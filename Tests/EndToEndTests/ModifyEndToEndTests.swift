import DicomTestSupport
import Foundation
import Testing

/// `dicomtool modify` through the built binary: parity with dcmodify over the corpus (element by
/// element, differences explained in Scripts/modify_check.py), untouched elements byte for byte on
/// generated edge-value data sets, read back by dcmdump and pydicom, refusals that leave the input
/// untouched, --plan, character sets, UIDs (series-wide, keyed, references), deflate and big endian.
@Suite struct ModifyEndToEndTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-modify-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Corpus files that parse, as absolute paths.
    static func corpusFiles() -> [String] {
        let (dir, rows, _) = CorpusIndex.available
        return rows.filter { ($0["expect"] ?? "").hasPrefix("parse") }.compactMap { $0["path"] }
            .filter { !$0.hasPrefix("dicomdir/") }
            .map { dir.appendingPathComponent($0).path }
    }

    static func copy(_ source: String, to dir: URL, as name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.copyItem(atPath: source, toPath: url.path)
        return url
    }

    static func fixture(_ relative: String) -> String {
        CorpusIndex.fixtures.appendingPathComponent(relative).path
    }

    static func value(_ tag: String, of path: String) throws -> String? {
        try AnonymizeEndToEndTests.dumpedValue(tag, of: path)
    }

    @Test func parityWithDcmodifyOverTheCorpus() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("modify_check.py", ["parity", CorpusIndex.binary.path, work.path] + Self.corpusFiles(),
                                             withStandardError: true)
        #expect(status == 0, "\(text)")
        #expect(text.contains("modify_check:"), "\(text)")
    }

    @Test func newUIDsBesideDcmodifysAndReferencesUpdated() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("modify_check.py", ["uids", CorpusIndex.binary.path, work.path] + Self.corpusFiles(),
                                             withStandardError: true)
        #expect(status == 0, "\(text)")
    }

    @Test func elementsNotNamedKeepTheirBytesOnGeneratedEdgeDatasets() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let original = work.appendingPathComponent("original"), modified = work.appendingPathComponent("modified")
        let generated = try Tool.script("modify_check.py", ["generate", original.path, "3", "60"], withStandardError: true)
        try #require(generated.status == 0, "\(generated.text)")
        try FileManager.default.copyItem(at: original, to: modified)
        // In place over the tree: implicit, explicit little and big endian, deflated.
        let r = try Tool.run(["modify", "-q", "--set", "StudyID=EDGE", "--set", "OperatorsName=Edge^Operator",
                              "--erase", "PatientComments", modified.path])
        #expect(r.status == 0, "\(r.stderr)")
        let (status, text) = try Tool.script("modify_check.py", ["untouched-tree", original.path, modified.path,
                                                                 "(0020,0010)", "(0008,1070)", "(0010,4000)"], withStandardError: true)
        #expect(status == 0, "\(text)")
        // The transfer syntax of each file is kept.
        for name in try FileManager.default.contentsOfDirectory(atPath: original.path) {
            let a = try Self.value("(0002,0010)", of: original.appendingPathComponent(name).path)
            let b = try Self.value("(0002,0010)", of: modified.appendingPathComponent(name).path)
            #expect(a == b, "\(name)")
        }
    }

    @Test func deflatedAndBigEndianInputsKeepTheirSyntaxAndTheirOtherElements() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = Self.fixture("native/MR_small.dcm")
        let big = work.appendingPathComponent("big.dcm")
        let t = try Tool.run(["transcode", "-q", "--big-endian", source, "-o", big.path])
        try #require(t.status == 0, "\(t.stderr)")
        let deflateSource = try FileManager.default.contentsOfDirectory(atPath: Self.fixture("deflate")).sorted().first
        var pairs: [(String, URL)] = [(big.path, try Self.copy(big.path, to: work, as: "big-modified.dcm"))]
        if let d = deflateSource {
            let path = Self.fixture("deflate/" + d)
            pairs.append((path, try Self.copy(path, to: work, as: "deflate-modified.dcm")))
        }
        for (original, modified) in pairs {
            let r = try Tool.run(["modify", "-q", "--set", "PatientName=Endian^Test", "--set", "Rows=64", "--set", "WindowCenter=40\\50",
                                  modified.path])
            #expect(r.status == 0, "\(r.stderr)")
            let (status, text) = try Tool.script("modify_check.py", ["untouched", original, modified.path,
                                                                     "(0010,0010)", "(0028,0010)", "(0028,1050)"], withStandardError: true)
            #expect(status == 0, "\(text)")
            #expect(try Self.value("(0002,0010)", of: original) == Self.value("(0002,0010)", of: modified.path))
            let rows = try Tool.run(["dump", "-q", "--tag", "Rows", "--tag", "WindowCenter", modified.path]).stdout
            #expect(rows.contains("US 64") && rows.contains("[40\\50]"), "\(rows)")
            #expect(try Self.value("(0010,0010)", of: modified.path) == "Endian^Test")
        }
    }

    /// Invalid values per VR: dicomtool refuses each with its reason and leaves the file as it was;
    /// dcmodify, which checks no VR, writes them (listed by the script).
    @Test func invalidValuesPerVRAreRefusedWhereDcmodifyWritesThem() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("modify_check.py", ["vr-limits", CorpusIndex.binary.path, work.path,
                                                                 Self.fixture("native/MR_small.dcm")], withStandardError: true)
        #expect(status == 0, "\(text)")
    }

    @Test func refusedEditsLeaveTheInputUntouchedAndPlanWritesNothing() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let file = try Self.copy(Self.fixture("native/MR_small.dcm"), to: work, as: "a.dcm")
        let before = try Data(contentsOf: file)
        let refusals: [[String]] = [
            ["--set", "StudyDate=20241301"],            // not a date
            ["--set", "StationName=SEVENTEEN-CHARS-XX"], // over-long SH
            ["--set", "StationName=A\\B"],               // backslash in an SH of VM 1
            ["--set", "(0033,1010)=x"],                  // private element without a creator
            ["--replace", "ReferencedImageSequence[7].ReferencedSOPInstanceUID=1.2"], // no such item
            ["--set", "PixelData=0"],                    // pixel data
            ["--set", "PixelData[0].PatientID=x"],       // inside pixel data
            ["--erase", "PixelData[0]"],                 // a fragment is not an item to erase
            ["--set", "PixelData@/dev/null"],            // pixel data from a file
            ["--set", "ImageType=original"],             // CS repertoire (upper case only)
            ["--set", "PatientName=ok", "--set", "Rows=-5"], // one bad edit refuses them all
        ]
        for args in refusals {
            let r = try Tool.run(["modify", "-q"] + args + [file.path])
            #expect(r.status == 1, "\(args): \(r.status) \(r.stderr)")
            #expect(!r.stderr.isEmpty, "\(args): the reason is given")
            #expect(try Data(contentsOf: file) == before, "\(args)")
        }
        let plan = try Tool.run(["modify", "--plan", "--set", "PatientName=Plan^Only", "--erase-private", file.path])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("replace (0010,0010) PatientName: CompressedSamples^MR1 -> Plan^Only"), "\(plan.stdout)")
        #expect(try Data(contentsOf: file) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["a.dcm"])
    }

    @Test func inPlaceBackupOutputTreeAndJSONLines() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let tree = work.appendingPathComponent("in/sub")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let a = try Self.copy(Self.fixture("native/MR_small.dcm"), to: tree, as: "a.dcm")
        let original = try Data(contentsOf: a)
        let r = try Tool.run(["modify", "-q", "--backup", "--set", "PatientID=NEW-ID", a.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: a.path + ".bak")) == original)
        #expect(try Self.value("(0010,0020)", of: a.path) == "NEW-ID")
        // A second run over the tree leaves the backup alone (directory walks skip *.bak).
        let again = try Tool.run(["modify", "-q", "--backup", "--set", "PatientID=NEWER", work.appendingPathComponent("in").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.value("(0010,0020)", of: a.path + ".bak") == "NEW-ID")
        #expect(!FileManager.default.fileExists(atPath: a.path + ".bak.bak"))
        try FileManager.default.removeItem(atPath: a.path + ".bak")

        let out = work.appendingPathComponent("out")
        let j = try Tool.run(["modify", "--format", "json", "--no-progress", "--set", "PatientID=TREE",
                              work.appendingPathComponent("in").path, "-o", out.path + "/"])
        #expect(j.status == 0, "\(j.stderr)")
        #expect(try Self.value("(0010,0020)", of: out.appendingPathComponent("sub/a.dcm").path) == "TREE")
        #expect(try Self.value("(0010,0020)", of: a.path) == "NEWER", "-o leaves the input alone")
        let records = j.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let item = try #require(records.first { ($0["changes"] as? [Any]) != nil })
        let change = try #require((item["changes"] as? [[String: Any]])?.first)
        #expect(change["action"] as? String == "replace" && change["old"] as? String == "NEWER" && change["new"] as? String == "TREE")
    }

    @Test func characterSetsConvertedOrChangedToUTF8() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let source = CorpusIndex.packageRoot.appendingPathComponent("Tests/Fixtures/charset/chrFren.dcm").path
        // Latin-1 holds French: the set stays.
        let fits = try Self.copy(source, to: work, as: "fits.dcm")
        var r = try Tool.run(["modify", "-q", "--set", "PatientName=Müller^Zoë", fits.path])
        #expect(r.status == 0 && !r.stderr.contains("warning"), "\(r.stderr)")
        #expect(try Self.value("(0008,0005)", of: fits.path) == "ISO_IR 100")
        var check = try Tool.script("modify_check.py", ["same-text", source, fits.path, "(0010,0010)"], withStandardError: true)
        #expect(check.status == 0, "\(check.text)")
        // Greek does not fit: the file becomes UTF-8 with a warning, every other value the same characters.
        let greek = try Self.copy(source, to: work, as: "greek.dcm")
        r = try Tool.run(["modify", "--set", "PatientName=Παπαδόπουλος^Γιώργος", greek.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("ISO_IR 192"), "\(r.stderr)")
        #expect(try Self.value("(0008,0005)", of: greek.path) == "ISO_IR 192")
        check = try Tool.script("modify_check.py", ["same-text", source, greek.path, "(0010,0010)"], withStandardError: true)
        #expect(check.status == 0, "\(check.text)")
        let name = try Tool.run(["dump", "-q", "--tag", "PatientName", greek.path])
        #expect(name.stdout.contains("Παπαδόπουλος^Γιώργος"), "\(name.stdout)")
    }

    /// Every character set fixture (ISO 2022 Japanese and Korean, Latin, Cyrillic, Greek, Arabic,
    /// Hebrew, UTF-8, GB): a name in three scripts moves the file to UTF-8 where its set cannot hold
    /// it, and pydicom reads the new value and every other text value as before.
    @Test func everyCharacterSetFixtureKeepsItsTextAndTakesANewScript() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let dir = CorpusIndex.packageRoot.appendingPathComponent("Tests/Fixtures/charset")
        let name = "Yamada^Tarou=山田^太郎=やまだ^たろう", description = "Ελληνικά и русский"
        for fixture in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where fixture.hasSuffix(".dcm") {
            let source = dir.appendingPathComponent(fixture).path
            let copy = try Self.copy(source, to: work, as: fixture)
            let r = try Tool.run(["modify", "-q", "--set", "PatientName=\(name)", "--set", "StudyDescription=\(description)", copy.path])
            #expect(r.status == 0, "\(fixture): \(r.stderr)")
            let check = try Tool.script("modify_check.py", ["same-text", source, copy.path, "(0010,0010)=\(name)",
                                                            "(0008,1030)=\(description)"], withStandardError: true)
            #expect(check.status == 0, "\(fixture): \(check.text)")
        }
    }

    @Test func seriesWideAndKeyedUIDsAgreeAcrossShardsAndReferencesFollow() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let secret = work.appendingPathComponent("secret")
        try Data("a kept secret".utf8).write(to: secret)
        let series = work.appendingPathComponent("series")
        try FileManager.default.createDirectory(at: series, withIntermediateDirectories: true)
        let oldSeries = try #require(try Self.value("(0020,000E)", of: Self.fixture("native/MR_small.dcm")))
        for i in 1...4 {
            let f = try Self.copy(Self.fixture("native/MR_small.dcm"), to: series, as: "im\(i).dcm")
            let r = try Tool.run(["modify", "-q", "--set", "SOPInstanceUID=1.2.826.0.1.3680043.9.7433.2.\(i)",
                                  "--set", "ReferencedSeriesSequence[0].SeriesInstanceUID=\(oldSeries)", f.path])
            try #require(r.status == 0, "\(r.stderr)")
        }
        // Random new UIDs: one per series in the run.
        let random = work.appendingPathComponent("random")
        try FileManager.default.copyItem(at: series, to: random)
        var r = try Tool.run(["modify", "-q", "-j", "2", "--new-series-uid", "--new-sop-uid", random.path])
        #expect(r.status == 0, "\(r.stderr)")
        let names = (1...4).map { "im\($0).dcm" }
        let newSeries = try Set(names.map { try Self.value("(0020,000E)", of: random.appendingPathComponent($0).path) })
        #expect(newSeries.count == 1 && !newSeries.contains(oldSeries))
        let sops = try Set(names.map { try Self.value("(0008,0018)", of: random.appendingPathComponent($0).path) })
        #expect(sops.count == 4)
        for n in names {
            let p = random.appendingPathComponent(n).path
            #expect(try Self.value("(0002,0003)", of: p) == Self.value("(0008,0018)", of: p), "meta in step")
            let ref = try Tool.run(["dump", "-q", "--tag", "ReferencedSeriesSequence[0].SeriesInstanceUID", p]).stdout
            #expect(ref.contains(newSeries.first!! ), "reference follows: \(ref)")
        }
        // Keyed: two shards give the bytes of one run.
        let one = work.appendingPathComponent("one"), sharded = work.appendingPathComponent("sharded")
        try FileManager.default.copyItem(at: series, to: one)
        try FileManager.default.copyItem(at: series, to: sharded)
        let keyed = ["modify", "-q", "--new-series-uid", "--new-study-uid", "--new-sop-uid", "--secret-file", secret.path]
        r = try Tool.run(keyed + [one.path])
        #expect(r.status == 0, "\(r.stderr)")
        for shard in ["1/2", "2/2"] {
            r = try Tool.run(keyed + ["--shard", shard, sharded.path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for n in names {
            #expect(try Data(contentsOf: one.appendingPathComponent(n)) == Data(contentsOf: sharded.appendingPathComponent(n)), "\(n)")
        }
    }
}
