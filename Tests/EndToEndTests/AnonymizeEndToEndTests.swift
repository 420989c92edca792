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
            // An emptied Patient ID is replaced by a keyed pseudonym of the original ("ANON" + hex).
            if patientID.isEmpty {
                #expect(parts[0].hasPrefix("ANON") && parts[0].count == 16 && parts[0] != "unknown")
            } else {
                #expect(parts[0] == patientID)
            }
            #expect(parts[1] == (try Self.dumpedValue("(0020,000D)", of: path)))
            #expect(parts[2] == (try Self.dumpedValue("(0020,000E)", of: path)))
            #expect(parts[3] == (try Self.dumpedValue("(0008,0018)", of: path)).map { $0 + ".dcm" })
            #expect(parts[1].hasPrefix("2.25.") && parts[2].hasPrefix("2.25.") && parts[3].hasPrefix("2.25."))
        }
    }
}
