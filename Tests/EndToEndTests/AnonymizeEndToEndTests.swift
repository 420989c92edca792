import DicomTestSupport
import Foundation
import Testing

/// `dicomtool anonymize` through the built binary: shard-safety and determinism compared byte by
/// byte, outputs read by dcmtk, GDCM, pydicom and dciodvfy, and the command's guard rails (--plan,
/// --map-out, --check, --burned-in, --layout uid). Uses the full corpus when present, else the
/// bundled fixtures.
@Suite struct AnonymizeEndToEndTests {
    /// A fresh scratch directory with a 32-byte secret in it.
    static func scratch() throws -> (dir: URL, secret: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-anonymize-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let secret = dir.appendingPathComponent("secret")
        try Data((0..<32).map { UInt8(($0 * 37 + 11) & 0xFF) }).write(to: secret)
        return (dir, secret.path)
    }

    /// Corpus rows that parse, optionally only images; relative paths.
    static func corpusPaths(imagesOnly: Bool) -> (dir: URL, paths: [String], isFull: Bool) {
        let (dir, rows, isFull) = CorpusIndex.available
        let paths = rows.filter {
            ($0["expect"] ?? "").hasPrefix("parse") && (!imagesOnly || !($0["rows"] ?? "").isEmpty)
        }.compactMap { $0["path"] }
        return (dir, paths, isFull)
    }

    /// A tree of symbolic links to the given corpus files under `root`, mirroring their paths.
    static func stage(_ paths: [String], from corpus: URL, into root: URL) throws {
        for p in paths {
            let link = root.appendingPathComponent(p)
            try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: corpus.appendingPathComponent(p))
        }
    }

    /// Every regular file under `root`: relative path -> bytes.
    static func contents(_ root: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let base = root.standardizedFileURL.path + "/"
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return out }
        for case let url as URL in e where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out[String(url.standardizedFileURL.path.dropFirst(base.count))] = try Data(contentsOf: url)
        }
        return out
    }

    /// Starts every argument list as its own dicomtool process at once, then waits for all.
    static func runConcurrently(_ argLists: [[String]]) throws -> [Int32] {
        let processes = argLists.map { args -> Process in
            let p = Process()
            p.executableURL = CorpusIndex.binary
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            return p
        }
        for p in processes { try p.run() }
        for p in processes { p.waitUntilExit() }
        return processes.map(\.terminationStatus)
    }

    /// The value of a top-level element in `dicomtool dump` text, e.g. "(0008,0018)".
    static func dumpedValue(_ tag: String, of path: String) throws -> String? {
        let r = try Tool.run(["dump", "-q", path])
        guard let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix(tag) }),
              let open = line.firstIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { return nil }
        return String(line[line.index(after: open)..<close])
    }

    @Test func fourParallelShardsEqualOneRunAndTheSameSecretGivesTheSameBytes() throws {
        let (corpus, paths, isFull) = Self.corpusPaths(imagesOnly: false)
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        try Self.stage(paths, from: corpus, into: input)
        let base = ["anonymize", "-q", "--no-progress", "--secret-file", secret, "--burned-in", "allow"]

        let one = dir.appendingPathComponent("one"), again = dir.appendingPathComponent("again")
        let sharded = dir.appendingPathComponent("sharded")
        let oneRun = try Tool.run(base + ["-o", one.path, input.path])
        let statuses = try Self.runConcurrently((1...4).map { base + ["--shard", "\($0)/4", "-o", sharded.path, input.path] })
        let againRun = try Tool.run(base + ["-o", again.path, input.path])

        let a = try Self.contents(one), b = try Self.contents(sharded), c = try Self.contents(again)
        print("anonymize shards over \(paths.count) \(isFull ? "corpus" : "bundled") files: \(a.count) written by one run, "
              + "\(b.count) by 4 shards (exit \(oneRun.status), shards \(statuses))")
        #expect(a.count >= paths.count * 9 / 10, "most inputs anonymize: \(oneRun.stderr.prefix(2000))")
        #expect(Set(a.keys) == Set(b.keys), "the shards wrote other files than the single run")
        let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
        #expect(differing.isEmpty, "shard outputs differ from the single run: \(differing.prefix(5))")
        #expect(againRun.status == oneRun.status)
        #expect(Set(a.keys) == Set(c.keys))
        let notRepeatable = a.keys.filter { a[$0] != c[$0] }.sorted()
        #expect(notRepeatable.isEmpty, "the same secret gave other bytes: \(notRepeatable.prefix(5))")
        // Failures (if any) are the same in both: the shards' worst status is the single run's.
        #expect(statuses.max() == oneRun.status || (statuses.allSatisfy { $0 == 0 } && oneRun.status == 0))
        // The shards really split the work: shard 1/4 alone writes a strict, non-empty part.
        let first = dir.appendingPathComponent("shard1")
        _ = try Tool.run(base + ["--shard", "1/4", "-o", first.path, input.path])
        let part = try Self.contents(first)
        #expect(!part.isEmpty && part.count < a.count, "shard 1/4 wrote \(part.count) of \(a.count)")
        #expect(part.keys.allSatisfy { a[$0] == part[$0] })
        // And a different secret does give different bytes (the key is used).
        let other = dir.appendingPathComponent("other-secret")
        try Data("another secret, not the first".utf8).write(to: other)
        let otherOut = dir.appendingPathComponent("other")
        _ = try Tool.run(["anonymize", "-q", "--no-progress", "--secret-file", other.path, "--burned-in", "allow",
                          "-o", otherOut.path, input.path])
        let d = try Self.contents(otherOut)
        #expect(a.keys.contains { a[$0] != d[$0] })
    }

    @Test func outputsReadInDcmtkGdcmPydicomAndDciodvfyAddsNoError() throws {
        let (corpus, paths, isFull) = Self.corpusPaths(imagesOnly: true)
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in"), output = dir.appendingPathComponent("out")
        try Self.stage(paths, from: corpus, into: input)
        let r = try Tool.run(["anonymize", "-q", "--no-progress", "--secret-file", secret, "--burned-in", "allow",
                              "-o", output.path, input.path])
        #expect(r.status == 0, "\(r.stderr.prefix(2000))")
        let written = paths.filter { FileManager.default.fileExists(atPath: output.appendingPathComponent($0).path) }
        #expect(written.count == paths.count)
        let (status, text) = try Tool.script("anonymize_readback.py", [input.path, output.path] + written, withStandardError: true)
        print("anonymize readback over \(written.count) \(isFull ? "corpus" : "bundled") images: \(text.split(separator: "\n").last ?? "")")
        #expect(status == 0, "\(text)")
    }

    @Test func planWritesNothing() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let r = try Tool.run(["anonymize", "--plan", "--secret-file", secret, input])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("changes"))
        #expect(r.stdout.contains("PatientName"), "the plan lists the name's change: \(r.stdout.prefix(500))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == before)
        // With an output path --plan is a usage error, and still nothing is written.
        let out = dir.appendingPathComponent("out")
        let refused = try Tool.run(["anonymize", "--plan", "--secret-file", secret, "-o", out.path, input])
        #expect(refused.status == 1)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func mapOutInsideTheOutputTreeIsRefused() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let native = CorpusIndex.fixtures.appendingPathComponent("native").path
        let out = dir.appendingPathComponent("out")
        let inside = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--burned-in", "allow",
                                   "--map-out", out.appendingPathComponent("audit/map.tsv").path, "-o", out.path, native])
        #expect(inside.status == 1)
        #expect(inside.stderr.contains("inside the output tree"))
        #expect(!FileManager.default.fileExists(atPath: out.path), "nothing written when refused")
        // The same audit beside the tree is written: a header and old -> new UIDs.
        let map = dir.appendingPathComponent("map.tsv")
        let outside = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--burned-in", "allow",
                                    "--map-out", map.path, "-o", out.path, native])
        #expect(outside.status == 0, "\(outside.stderr)")
        let lines = try String(contentsOf: map, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "kind\toriginal\tnew")
        #expect(lines.contains { $0.hasPrefix("uid\t") && $0.split(separator: "\t").last?.hasPrefix("2.25.") == true })
    }

    @Test func checkFindsAPlantedResidual() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path
        let clean = dir.appendingPathComponent("clean.dcm").path
        #expect(try Tool.run(["anonymize", "-q", "--secret-file", secret, "-o", clean, original]).status == 0)
        let ok = try Tool.run(["anonymize", "--check", original, clean])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.isEmpty)

        // Planted: an "anonymized" file that kept the patient's name.
        let kept = dir.appendingPathComponent("kept-name.dcm").path
        #expect(try Tool.run(["anonymize", "-q", "--secret-file", secret, "--keep", "PatientName", "-o", kept, original]).status == 0)
        let name = try #require(try Self.dumpedValue("(0010,0010)", of: original))
        let hit = try Tool.run(["anonymize", "--check", original, kept])
        #expect(hit.status == 83)
        #expect(hit.stdout.contains("(0010,0010)") && hit.stdout.contains(name), "\(hit.stdout)")

        // Planted: a plain copy under another syntax (every identifier still there).
        let copy = dir.appendingPathComponent("copy.dcm").path
        #expect(try Tool.run(["transcode", "-q", "--implicit", original, "-o", copy]).status == 0)
        let copyHit = try Tool.run(["anonymize", "--check", original, copy])
        #expect(copyHit.status == 83)
        #expect(copyHit.stdout.contains(name))
    }

    @Test func burnedInRefuseWarnAllow() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Secondary Capture, modality OT, no Burned In Annotation: likely burned-in text.
        let sc = CorpusIndex.fixtures.appendingPathComponent("native/SC_rgb_small_odd.dcm").path
        let base = ["anonymize", "--no-progress", "--secret-file", secret]

        let refused = dir.appendingPathComponent("refused.dcm")
        let r = try Tool.run(base + ["-o", refused.path, sc])
        #expect(r.status == 80, "\(r.stderr)")
        #expect(r.stderr.contains("(0028,0301)"))
        #expect(!FileManager.default.fileExists(atPath: refused.path))
        let explicitRefuse = try Tool.run(base + ["--burned-in", "refuse", "-o", refused.path, sc])
        #expect(explicitRefuse.status == 80)

        let warned = dir.appendingPathComponent("warned.dcm")
        let w = try Tool.run(base + ["--burned-in", "warn", "-o", warned.path, sc])
        #expect(w.status == 0)
        #expect(w.stderr.contains("warning") && w.stderr.contains("burned-in"), "\(w.stderr)")
        #expect(FileManager.default.fileExists(atPath: warned.path))

        let allowed = dir.appendingPathComponent("allowed.dcm")
        let a = try Tool.run(base + ["--burned-in", "allow", "-o", allowed.path, sc])
        #expect(a.status == 0)
        #expect(!a.stderr.contains("burned-in"), "\(a.stderr)")
        #expect(try Data(contentsOf: allowed) == Data(contentsOf: warned), "the policy changes reporting, not the output")

        // With the full corpus, also an ultrasound image.
        if let root = CorpusIndex.root {
            let us = root.appendingPathComponent("native/examples_rgb_color.dcm").path
            #expect(try Tool.run(base + ["-o", dir.appendingPathComponent("us.dcm").path, us]).status == 80)
            #expect(try Tool.run(base + ["--burned-in", "allow", "-o", dir.appendingPathComponent("us.dcm").path, us]).status == 0)
        }
    }

    @Test func layoutUIDWritesPatientStudySeriesInstancePaths() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let native = CorpusIndex.fixtures.appendingPathComponent("native")
        let inputs = ["MR_small.dcm", "liver_1frame.dcm"].map { native.appendingPathComponent($0).path }
        let out = dir.appendingPathComponent("out")
        // Several inputs: the output directory is named with a final '/' (cp's rule) to be made.
        let r = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--layout", "uid", "-o", out.path + "/"] + inputs)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try Self.contents(out).keys.sorted()
        #expect(files.count == inputs.count)
        for rel in files {
            let parts = rel.split(separator: "/").map(String.init)
            #expect(parts.count == 4, "Patient/Study/Series/Instance.dcm: \(rel)")
            guard parts.count == 4 else { continue }
            let path = out.appendingPathComponent(rel).path
            let patientID = try Self.dumpedValue("(0010,0020)", of: path) ?? ""
            // The folder is the written Patient ID: the patient's keyed pseudonym ("ANON" + hex).
            #expect(parts[0] == patientID && parts[0].hasPrefix("ANON") && parts[0].count == 16)
            #expect(parts[1] == (try Self.dumpedValue("(0020,000D)", of: path)))
            #expect(parts[2] == (try Self.dumpedValue("(0020,000E)", of: path)))
            #expect(parts[3] == (try Self.dumpedValue("(0008,0018)", of: path)).map { $0 + ".dcm" })
            #expect(parts[1].hasPrefix("2.25.") && parts[2].hasPrefix("2.25.") && parts[3].hasPrefix("2.25."))
        }
    }

    // MARK: - Issue 14 item 5

    static let mrSmall = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path

    /// A copy of `source` with values set (keywords; file meta ones in the meta), by pydicom.
    static func planted(_ source: String, _ edits: [String], to path: String) throws {
        let (status, text) = try Tool.script("deid_edit.py", [source, path] + edits, withStandardError: true)
        #expect(status == 0, "\(text)")
    }

    /// A Patient ID of 5 digits inside Study Description and Image Comments: cleaned as a whole
    /// token by --clean-descriptors (a longer number holding it and ordinary words stay), and
    /// found by --check when left in.
    @Test func shortPatientIDIsCleanedAndFound() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = dir.appendingPathComponent("orig.dcm").path
        try Self.planted(Self.mrSmall, ["PatientID=12345", "StudyDescription=Study of 12345 today",
                                        "ImageComments=ref 123456789, patient 12345; Annex"], to: original)
        let out = dir.appendingPathComponent("out.dcm").path
        let r = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--clean-descriptors", "-o", out, original])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.dumpedValue("(0008,1030)", of: out) == "Study of X today")
        #expect(try Self.dumpedValue("(0020,4000)", of: out) == "ref 123456789, patient X; Annex")
        #expect(try Tool.run(["anonymize", "--check", original, out]).status == 0)
        let leaked = dir.appendingPathComponent("leaked.dcm").path
        try Self.planted(out, ["StudyDescription=Study of 12345 today"], to: leaked)
        let hit = try Tool.run(["anonymize", "--check", original, leaked])
        #expect(hit.status == 83, "\(hit.stdout)\(hit.stderr)")
        #expect(hit.stdout.contains("(0008,1030): contains '12345'"), "\(hit.stdout)")
        let longer = dir.appendingPathComponent("longer.dcm").path
        try Self.planted(out, ["StudyDescription=Study 123456789"], to: longer)
        #expect(try Tool.run(["anonymize", "--check", original, longer]).status == 0)
    }

    /// --check and the check before writing are one: both search the meta, and --check takes the
    /// options the file declares, so a file written with --retain-device-identity passes it.
    @Test func checkAndTheWriteTimeCheckAreOne() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.dcm").path
        let w = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--retain-device-identity", "--clean-descriptors",
                              "-o", out, Self.mrSmall])
        #expect(w.status == 0, "\(w.stderr)")
        let ok = try Tool.run(["anonymize", "--check", Self.mrSmall, out])
        #expect(ok.status == 0, "what the run kept on purpose is no residual: \(ok.stdout)")
        // An identifier in the anonymized meta: found by --check...
        let metaLeak = dir.appendingPathComponent("meta-leak.dcm").path
        try Self.planted(out, ["SourceApplicationEntityTitle=CompressedSam"], to: metaLeak)
        let original = dir.appendingPathComponent("orig.dcm").path
        try Self.planted(Self.mrSmall, ["PatientName=CompressedSam^MR1"], to: original)
        let hit = try Tool.run(["anonymize", "--check", original, metaLeak])
        #expect(hit.status == 83 && hit.stdout.contains("meta (0002,0016)"), "\(hit.stdout)\(hit.stderr)")
        // ...and before writing: a Source AE Title kept by Retain Device Identity that holds the
        // patient's name fails the file, and nothing is written.
        let input = dir.appendingPathComponent("ae.dcm").path
        try Self.planted(Self.mrSmall, ["PatientName=CompressedSam^MR1", "SourceApplicationEntityTitle=CompressedSam"], to: input)
        let refused = dir.appendingPathComponent("refused.dcm").path
        let r = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--retain-device-identity", "-o", refused, input])
        #expect(r.status == 83 && r.stderr.contains("meta (0002,0016)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refused))
        // A DICOMDIR whose file IDs name the patient's folder by Patient ID (the corpus's).
        if let root = CorpusIndex.root {
            let dicomdir = root.appendingPathComponent("dicomdir/DICOMDIR").path
            let tree = dir.appendingPathComponent("dd")
            let kept = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--burned-in", "allow", "--keep", "ReferencedFileID",
                                     "-o", tree.path, root.appendingPathComponent("dicomdir").path])
            #expect(kept.status == 0, "\(kept.stderr.prefix(500))")
            // The DICOMDIR's patient record carries the same pseudonym as the patient's files.
            let record = try Tool.run(["dump", "--tag", "DirectoryRecordSequence[0].PatientID", tree.appendingPathComponent("DICOMDIR").path])
            let image = try Self.dumpedValue("(0010,0020)", of: tree.appendingPathComponent("77654033/CR1/6154").path)
            #expect(image?.hasPrefix("ANON") == true && record.stdout.contains("[\(image ?? "-")]"), "\(record.stdout)")
            let check = try Tool.run(["anonymize", "--check", dicomdir, tree.appendingPathComponent("DICOMDIR").path])
            #expect(check.status == 83 && check.stdout.contains("(0004,1500): contains '77654033'"), "\(check.stdout.prefix(500))")
            let refusedTree = dir.appendingPathComponent("dd-refused")
            let r = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--burned-in", "allow", "-o", refusedTree.path,
                                  root.appendingPathComponent("dicomdir").path])
            #expect(r.status == 83 && r.stderr.contains("--keep ReferencedFileID"), "\(r.stderr.prefix(500))")
            #expect(!FileManager.default.fileExists(atPath: refusedTree.appendingPathComponent("DICOMDIR").path))
        }
    }

    /// One keyed pseudonym per original patient as Patient ID and Patient's Name, the same in the
    /// files, the --layout uid folders and --map-out; two patients stay two.
    @Test func patientPseudonymsAgreeInFilesFoldersAndMapOut() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try Self.planted(Self.mrSmall, ["SOPInstanceUID=1.2.826.0.1.3680043.99.7.1"], to: input.appendingPathComponent("a1.dcm").path)
        try Self.planted(Self.mrSmall, ["SOPInstanceUID=1.2.826.0.1.3680043.99.7.2"], to: input.appendingPathComponent("a2.dcm").path)
        try Self.planted(Self.mrSmall, ["SOPInstanceUID=1.2.826.0.1.3680043.99.7.3", "PatientID=OTHER-77"],
                         to: input.appendingPathComponent("b.dcm").path)
        let out = dir.appendingPathComponent("out"), map = dir.appendingPathComponent("map.tsv")
        let r = try Tool.run(["anonymize", "-q", "--secret-file", secret, "--layout", "uid", "--map-out", map.path,
                              "-o", out.path, input.path])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try Self.contents(out).keys.sorted()
        #expect(files.count == 3)
        var byPatient: [String: Int] = [:]
        for rel in files {
            let path = out.appendingPathComponent(rel).path
            let id = try #require(try Self.dumpedValue("(0010,0020)", of: path))
            #expect(id.hasPrefix("ANON") && id.count == 16)
            #expect(try Self.dumpedValue("(0010,0010)", of: path) == id)
            #expect(rel.hasPrefix(id + "/"), "\(rel)")
            byPatient[id, default: 0] += 1
        }
        #expect(byPatient.values.sorted() == [1, 2], "two patients: \(byPatient)")
        let lines = try String(contentsOf: map, encoding: .utf8).split(separator: "\n").map(String.init)
        let a = try #require(byPatient.first { $0.value == 2 }?.key), b = try #require(byPatient.first { $0.value == 1 }?.key)
        #expect(lines.contains("PatientID\t4MR1\t\(a)") && lines.contains("PatientID\tOTHER-77\t\(b)"), "\(lines)")
        #expect(lines.contains("PatientName\tCompressedSamples^MR1\t\(a)"), "\(lines)")
        // Shard-safe: another run with the secret gives the same pseudonym.
        let again = dir.appendingPathComponent("again.dcm").path
        #expect(try Tool.run(["anonymize", "-q", "--secret-file", secret, "-o", again, Self.mrSmall]).status == 0)
        #expect(try Self.dumpedValue("(0010,0020)", of: again) == a)
    }

    /// --keep of an identifying attribute: Patient Identity Removed NO, and the method says what was kept.
    @Test func keepOfPatientNameWritesPatientIdentityRemovedNO() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let kept = dir.appendingPathComponent("kept.dcm").path, plain = dir.appendingPathComponent("plain.dcm").path
        #expect(try Tool.run(["anonymize", "-q", "--secret-file", secret, "--keep", "PatientName", "-o", kept, Self.mrSmall]).status == 0)
        #expect(try Tool.run(["anonymize", "-q", "--secret-file", secret, "-o", plain, Self.mrSmall]).status == 0)
        #expect(try Self.dumpedValue("(0012,0062)", of: kept) == "NO")
        let json = try Tool.run(["dump", "--json", kept]).stdout   // the text dump shortens long values
        #expect(json.contains("\"Basic Application Confidentiality Profile\",\"kept as is: PatientName\""), "\(json.prefix(3000))")
        #expect(try Self.dumpedValue("(0012,0062)", of: plain) == "YES")
        #expect(try Self.dumpedValue("(0012,0063)", of: plain) == "Basic Application Confidentiality Profile")
    }

    /// --set values are checked against the attribute's VR and VM; a private element needs its creator.
    @Test func setValuesAreCheckedAndPrivateElementsNeedTheirCreator() throws {
        let (dir, secret) = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.dcm").path
        let base = ["anonymize", "-q", "--secret-file", secret, "-o", out]
        for (set, words) in [("StudyDate=2020-01-01", "YYYYMMDD"), ("Rows=70000", "0 to 65535"), ("StudyInstanceUID=1.2.03", "leading zero"),
                             ("PixelSpacing=0.5", "VM is 2"), ("PatientID=" + String(repeating: "9", count: 65), "more than 64"),
                             ("(0011,1001)=x", "private creator (0011,0010)")] {
            let r = try Tool.run(base + ["--set", set, Self.mrSmall])
            #expect(r.status == 1, "\(set): \(r.stderr)")
            #expect(r.stderr.contains(words) && r.stderr.split(separator: "\n").count == 1, "\(set): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(set)")
        }
        let ok = try Tool.run(base + ["--set", "StudyDate=20200101", "--set", "(0011,0010)=ACME 1", "--set", "(0011,1001)=x", Self.mrSmall])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try Self.dumpedValue("(0008,0020)", of: out) == "20200101")
        #expect(try Self.dumpedValue("(0011,1001)", of: out) == "x")
    }
}
