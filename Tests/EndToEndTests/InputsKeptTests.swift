import DicomTestSupport
import Foundation
import Testing

/// Inputs are never modified, by any command: an output named like its input (the same path,
/// another spelling of it, a hard link, the input directory itself) is refused before anything
/// is written, once for a whole tree; an output tree inside the input tree is never walked.
@Suite struct InputsKeptTests {
    /// A tree of bundled fixtures and the checksum of each file.
    static func makeTree() throws -> (dir: URL, sums: [String: String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-kept-\(UUID().uuidString)")
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in ["MR_small.dcm", "MR_small_implicit.dcm"] {
            try FileManager.default.copyItem(at: CorpusIndex.fixtures.appendingPathComponent("native/\(name)"),
                                             to: input.appendingPathComponent(name))
        }
        return (dir, try sums(input))
    }

    static func sums(_ dir: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let url = dir.appendingPathComponent(name)
            guard !isDirectory(url) else { continue }
            out[name] = CorpusIndex.md5([UInt8](try Data(contentsOf: url)))
        }
        return out
    }

    static func isDirectory(_ url: URL) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &d) && d.boolValue
    }

    /// The writing commands, each with the arguments that make it write something for MR_small.
    static let writers: [(name: String, args: [String])] = [
        ("transcode", ["transcode", "--explicit"]),
        ("anonymize", ["anonymize", "--burned-in", "allow"]),
        ("derive", ["derive", "--crop", "0,0,8,8"]),
    ]

    @Test(arguments: writers.map(\.name)) func writersNeverReplaceAnInput(command: String) throws {
        let args = try #require(Self.writers.first { $0.name == command }).args
        let (dir, before) = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        let file = input.appendingPathComponent("MR_small.dcm").path
        try FileManager.default.linkItem(atPath: file, toPath: dir.appendingPathComponent("link.dcm").path)

        // The same file, by its path, another spelling and a hard link.
        for target in [file, input.path + "/./MR_small.dcm", dir.appendingPathComponent("link.dcm").path] {
            let r = try Tool.run(args + ["-q", file, "-o", target])
            #expect(r.status == 40, "\(command) -o \(target): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("inputs are never modified"))
        }
        // The input directory as the output tree: refused once, before any work.
        for target in [input.path, input.path + "/", dir.path + "/in/."] {
            let r = try Tool.run(args + ["-q", input.path, "-o", target])
            #expect(r.status == 40, "\(command) -o \(target): \(r.status) \(r.stderr)")
            #expect(r.stderr.components(separatedBy: "inputs are never modified").count == 2, "once: \(r.stderr)")
        }
        #expect(try Self.sums(input) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasPrefix(".dicomtool-tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test(arguments: writers.map(\.name)) func anOutputTreeInsideTheInputTreeIsNotWalked(command: String) throws {
        let args = try #require(Self.writers.first { $0.name == command }).args
        let (dir, before) = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        let out = input.appendingPathComponent("out").path
        for run in 1...2 {
            let r = try Tool.run(args + ["--format", "json", input.path, "-o", out])
            #expect(r.status == 0, "run \(run): \(r.stderr)")
            #expect(r.stdout.contains("\"total\":2"), "run \(run) saw only the 2 inputs: \(r.stdout.suffix(300))")
        }
        #expect(try Self.sums(input) == before)
        #expect(!FileManager.default.fileExists(atPath: out + "/out"))
    }

    @Test func severalInputsNeedAnExistingDirectoryOrAFinalSlash() throws {
        let (dir, _) = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("in/MR_small.dcm").path, b = dir.appendingPathComponent("in/MR_small_implicit.dcm").path
        let typo = try Tool.run(["transcode", "--explicit", a, b, "-o", dir.appendingPathComponent("new.dcm").path])
        #expect(typo.status == 1 && typo.stderr.contains("several inputs need -o DIRECTORY"), "\(typo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.dcm").path))
        let slash = try Tool.run(["transcode", "-q", "--explicit", a, b, "-o", dir.appendingPathComponent("new").path + "/"])
        #expect(slash.status == 0, "\(slash.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("new/MR_small_implicit.dcm").path))
        // One directory input still mirrors into a new directory, as cp -r does.
        let tree = try Tool.run(["transcode", "-q", "--explicit", dir.appendingPathComponent("in").path, "-o", dir.appendingPathComponent("tree").path])
        #expect(tree.status == 0, "\(tree.stderr)")
    }

    @Test func readersLeaveInputsAsTheyAre() throws {
        let (dir, before) = try Self.makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        let attributes = try FileManager.default.attributesOfItem(atPath: input.appendingPathComponent("MR_small.dcm").path)
        for args in [["dump"], ["dump", "--json"], ["dump", "--xml"], ["validate"]] {
            _ = try Tool.run(args + [input.path])
        }
        #expect(try Self.sums(input) == before)
        let after = try FileManager.default.attributesOfItem(atPath: input.appendingPathComponent("MR_small.dcm").path)
        #expect(after[.modificationDate] as? Date == attributes[.modificationDate] as? Date)
    }
}

/// Two inputs that map to one output name never replace each other silently: the first keeps the
/// name, the second fails naming both (found by the scale-out recipes: a --files-from list with
/// x.dcm in two folders reported "2 ok" and left one file).
@Suite struct OutputCollisionTests {
    @Test func twoInputsWithOneOutputNameAreNotBothWritten() throws {
        let (dir, _) = try InputsKeptTests.makeTree()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        for (folder, name) in [(a, "MR_small.dcm"), (b, "MR_small_implicit.dcm")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: dir.appendingPathComponent("in/\(name)"), to: folder.appendingPathComponent("x.dcm"))
        }
        let list = dir.appendingPathComponent("list")
        try (a.appendingPathComponent("x.dcm").path + "\n" + b.appendingPathComponent("x.dcm").path + "\n").write(to: list, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path + "/"
        // -j 1 so that "first" is the first listed.
        let r = try Tool.run(["transcode", "--explicit", "-j", "1", "--files-from", list.path, "-o", out])
        #expect(r.status == 40, "\(r.stderr)")
        #expect(r.stderr.contains("also the output of \(a.appendingPathComponent("x.dcm").path)"), "\(r.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(written == ["x.dcm"])
        // The file kept is the first input's: what transcoding it alone writes.
        let alone = dir.appendingPathComponent("alone.dcm").path
        #expect(try Tool.run(["transcode", "--explicit", a.appendingPathComponent("x.dcm").path, "-o", alone]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "x.dcm")) == (try Data(contentsOf: URL(fileURLWithPath: alone))))
    }
}

/// `-o -` and `--format json` would both write to standard output: refused before any work
/// (render wrote the PNG and its JSON record into one stream).
@Suite struct StandardOutputClashTests {
    @Test(arguments: [["transcode", "--explicit"], ["render"], ["anonymize", "--burned-in", "allow"]])
    func standardOutputAndJSONRecordsAreRefusedTogether(command: [String]) throws {
        let input = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path
        let r = try Tool.run(command + ["--format", "json", input, "-o", "-"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("both write to standard output"), "\(r.stderr)")
    }
}
