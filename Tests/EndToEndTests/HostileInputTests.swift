import DicomTestSupport
import Foundation
import Testing

/// Hostile inputs, generated here in a temp dir, run through the built `dicomtool dump` and
/// `dicomtool transcode --explicit`: each must end with a one-line error and the exit status of
/// its kind (22 invalid input, 80 unsupported, 81 decode failed), never with a signal.
/// Memory and time bounds are asserted by scripts/hostile-bench, which runs this suite with
/// DICOMTOOL_HOSTILE_KEEP=DIR to keep the generated files and measures dicomtool on each of them.
@Suite struct HostileInputTests {
    /// A case: the file, and the statuses `dump` and `transcode --explicit` may end with.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var bytes: [UInt8]
        var dump: Set<Int32>
        var transcode: Set<Int32>
        var environment: [String: String] = [:]
        /// For inputs the reader tolerates by design (a sequence or item longer than the file is
        /// read to the end of the data, as dcmtk and pydicom do): the warning it must print.
        var warning: String?
        var description: String { name }
    }

    static let failures: Set<Int32> = [22, 80, 81]

    // MARK: the cases

    static func cases() -> [Case] {
        var all: [Case] = []
        let image = Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 16)

        // Lengths of 0xFFFFFFFE (the largest even length) and lengths past the end of the file.
        all.append(Case(name: "element-length-fffffffe",
                        bytes: Hostile.part10(Hostile.header(0x0011, 0x1010, "OB", length: 0xFFFF_FFFE) + [1, 2, 3, 4]),
                        dump: [22], transcode: [22]))
        all.append(Case(name: "element-length-past-eof",
                        bytes: Hostile.part10(Hostile.element(0x0010, 0x0010, "PN", Hostile.text("DOE^JOHN"))
                            + Hostile.header(0x0010, 0x0020, "LO", length: 0x7FF0) + Hostile.text("ID")),
                        dump: [22], transcode: [22]))
        all.append(Case(name: "pixel-data-length-past-eof",
                        bytes: Hostile.part10(image + Hostile.header(0x7FE0, 0x0010, "OW", length: 1_000_000) + [UInt8](repeating: 0, count: 128)),
                        dump: [22], transcode: [22]))
        all.append(Case(name: "item-length-fffffffe",
                        bytes: Hostile.part10(Hostile.header(0x0008, 0x1140, "SQ", length: 0xFFFF_FFFF)
                            + Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(0xFFFF_FFFE) + Hostile.element(0x0008, 0x1150, "UI", Hostile.text("1.2.3"))),
                        dump: [0], transcode: [0], warning: "item declares 4294967294 bytes"))
        all.append(Case(name: "item-length-past-eof",
                        bytes: Hostile.part10(Hostile.header(0x0008, 0x1140, "SQ", length: 0xFFFF_FFFF)
                            + Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(4096) + Hostile.element(0x0008, 0x1150, "UI", Hostile.text("1.2.3"))),
                        dump: [0], transcode: [0], warning: "item declares 4096 bytes"))
        all.append(Case(name: "sequence-length-past-eof",
                        bytes: Hostile.part10(Hostile.header(0x0008, 0x1140, "SQ", length: 0x10_0000)
                            + Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(0xFFFF_FFFF)),
                        dump: [0], transcode: [0], warning: "sequence declares 1048576 bytes"))

        // 100,000 nested undefined-length sequences, properly closed.
        var nested: [UInt8] = []
        let depth = 100_000
        nested.reserveCapacity(depth * 40)
        let open = Hostile.header(0x0040, 0xA730, "SQ", length: 0xFFFF_FFFF) + Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(0xFFFF_FFFF)
        let close = Hostile.tag(0xFFFE, 0xE00D) + Hostile.u32(0) + Hostile.tag(0xFFFE, 0xE0DD) + Hostile.u32(0)
        for _ in 0..<depth { nested += open }
        for _ in 0..<depth { nested += close }
        all.append(Case(name: "nested-sequences-100000", bytes: Hostile.part10(nested), dump: [22], transcode: [22]))

        // A million 1-byte fragments in one JPEG Baseline frame.
        var fragments = Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 8)
            + Hostile.header(0x7FE0, 0x0010, "OB", length: 0xFFFF_FFFF) + Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(0)
        fragments.reserveCapacity(9_100_000)
        let fragment = Hostile.tag(0xFFFE, 0xE000) + Hostile.u32(1) + [0xFF]
        for _ in 0..<1_000_000 { fragments += fragment }
        fragments += Hostile.tag(0xFFFE, 0xE0DD) + Hostile.u32(0)
        all.append(Case(name: "million-1-byte-fragments", bytes: Hostile.part10(fragments, syntax: Hostile.jpegBaseline),
                        dump: [0, 22], transcode: [22, 81]))

        // Image Pixel attributes that cannot describe the data.
        for (name, rows, columns) in [("rows-0", 0, 8), ("columns-0", 8, 0), ("rows-columns-65535", 65535, 65535),
                                      ("rows-65535", 65535, 8)] {
            all.append(Case(name: name, bytes: Hostile.part10(Hostile.imageModule(rows: rows, columns: columns, bitsAllocated: 16)
                                + Hostile.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 7, count: 128))),
                            dump: [0], transcode: [22]))
        }
        for bits in [0, 3, 64] {
            all.append(Case(name: "bits-allocated-\(bits)",
                            bytes: Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: bits, bitsStored: max(1, min(bits, 16)))
                                + Hostile.element(0x7FE0, 0x0010, "OB", [UInt8](repeating: 7, count: 128))),
                            dump: [0], transcode: [22, 80]))
        }
        all.append(Case(name: "frames-beyond-native-data",
                        bytes: Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 16, frames: 100_000)
                            + Hostile.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 7, count: 128))),
                        dump: [0], transcode: [22]))
        all.append(Case(name: "frames-beyond-fragments",
                        bytes: Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 8, frames: 2_000_000_000)
                            + Hostile.encapsulated(offsets: [], fragments: [[0xFF, 0xD8, 0xFF, 0xD9]]), syntax: Hostile.jpegBaseline),
                        dump: [0], transcode: [22, 81]))

        // Offset tables that point outside the pixel data.
        all.append(Case(name: "basic-offset-table-outside",
                        bytes: Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 8, frames: 2)
                            + Hostile.encapsulated(offsets: [0, 0x7FFF_FFF0], fragments: [[0xFF, 0xD8, 0xFF, 0xD9], [0xFF, 0xD8, 0xFF, 0xD9]]),
                            syntax: Hostile.jpegBaseline),
                        dump: [0], transcode: [22, 81]))
        let eotTag = Hostile.header(0x7FE0, 0x0001, "OV", length: 16) + Hostile.u64(0) + Hostile.u64(0x7FFF_FFFF_FFFF_FFF0)
        let eotLengths = Hostile.header(0x7FE0, 0x0002, "OV", length: 16) + Hostile.u64(12) + Hostile.u64(12)
        all.append(Case(name: "extended-offset-table-outside",
                        bytes: Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 8, frames: 2) + eotTag + eotLengths
                            + Hostile.encapsulated(offsets: [], fragments: [[0xFF, 0xD8, 0xFF, 0xD9], [0xFF, 0xD8, 0xFF, 0xD9]]),
                            syntax: Hostile.jpegBaseline),
                        dump: [0], transcode: [22, 81]))

        // Deflate bomb: a 64 MiB data set inflated from ~400 KB against a 16 MiB limit.
        all.append(Case(name: "deflate-bomb", bytes: Hostile.part10(Hostile.deflateBomb(inflatedBytes: 64 << 20), syntax: Hostile.deflated),
                        dump: [22], transcode: [22], environment: ["DICOMTOOL_MAX_INFLATED_BYTES": String(16 << 20)]))
        return all
    }

    // MARK: running

    static let directory: URL = {
        if let keep = ProcessInfo.processInfo.environment["DICOMTOOL_HOSTILE_KEEP"], !keep.isEmpty {
            let url = URL(fileURLWithPath: keep)
            try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-hostile-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func check(_ c: Case, file: URL) throws {
        try Data(c.bytes).write(to: file)
        let dump = try HostileRun.run(["dump", file.path], environment: c.environment)
        #expect(!dump.signalled, "\(c.name): dump ended by signal \(dump.status)")
        #expect(c.dump.contains(dump.status), "\(c.name): dump exit \(dump.status): \(dump.stderr)")
        if dump.status != 0 { expectOneLineError(dump.stderr, c.name + " dump") }
        if let warning = c.warning {
            #expect(dump.stderr.contains("warning") && dump.stderr.contains(warning), "\(c.name): dump: \(dump.stderr)")
        }

        let output = file.deletingLastPathComponent().appendingPathComponent(c.name + ".out.dcm")
        let transcode = try HostileRun.run(["transcode", "--explicit", file.path, "-o", output.path], environment: c.environment)
        #expect(!transcode.signalled, "\(c.name): transcode ended by signal \(transcode.status)")
        #expect(c.transcode.contains(transcode.status), "\(c.name): transcode exit \(transcode.status): \(transcode.stderr)")
        if transcode.status != 0 {
            expectOneLineError(transcode.stderr, c.name + " transcode")
            #expect(!FileManager.default.fileExists(atPath: output.path), "\(c.name): a failed transcode left an output")
        }
        try? FileManager.default.removeItem(at: output)
    }

    static func expectOneLineError(_ stderr: String, _ what: String) {
        let errors = stderr.split(separator: "\n").filter { $0.contains("error") }
        #expect(errors.count == 1, "\(what): expected one error line, got: \(stderr)")
        #expect(errors.first.map { $0.count < 400 } ?? false, "\(what): error line too long or missing")
    }

    @Test(arguments: HostileInputTests.cases())
    func hostileInputEndsWithAClearError(_ c: Case) throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path) else {
            print("HostileInputTests: no built dicomtool at \(CorpusIndex.binary.path); skipped")
            return
        }
        try Self.check(c, file: Self.directory.appendingPathComponent(c.name + ".dcm"))
    }

    /// Codestreams whose geometry or size disagrees with the header: made by transcoding a
    /// generated 16x16 image with dicomtool itself, then editing Rows or cutting the codestream.
    @Test(arguments: ["--jpeg", "--jpeg2000", "--jpegls"])
    func codestreamDisagreeingWithTheHeader(_ flag: String) throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path) else {
            print("HostileInputTests: no built dicomtool; skipped")
            return
        }
        let dir = Self.directory.appendingPathComponent("codestream" + flag)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let native = dir.appendingPathComponent("native.dcm"), encoded = dir.appendingPathComponent("encoded.dcm")
        var pixels: [UInt8] = []
        for y in 0..<16 { for x in 0..<16 { pixels.append(UInt8(truncatingIfNeeded: x * 16 + y * 3)) } }
        try Data(Hostile.part10(Hostile.imageModule(rows: 16, columns: 16, bitsAllocated: 8)
                                + Hostile.element(0x7FE0, 0x0010, "OB", pixels))).write(to: native)
        let made = try HostileRun.run(["transcode", flag, native.path, "-o", encoded.path])
        try #require(made.status == 0, "making the \(flag) file: \(made.stderr)")
        let good = [UInt8](try Data(contentsOf: encoded))

        // Rows 16 -> 32 in the header: the codestream says 16.
        let rows = Hostile.tag(0x0028, 0x0010) + Array("US".utf8) + [2, 0, 16, 0]
        let at = try #require(Hostile.find(rows, in: good), "no Rows element in the \(flag) output")
        var taller = good
        taller[at + 8] = 32
        try Self.check(Case(name: "geometry" + flag, bytes: taller, dump: [0], transcode: [22, 81]),
                       file: dir.appendingPathComponent("geometry.dcm"))

        // The codestream cut in half (fragment and item lengths kept consistent).
        let pixelTag = Hostile.tag(0x7FE0, 0x0010) + Array("OB".utf8) + [0, 0] + Hostile.u32(0xFFFF_FFFF)
        let start = try #require(Hostile.find(pixelTag, in: good))
        var p = start + 12
        p += 8 + Int(Hostile.readU32(good, p + 4))  // basic offset table item
        let fragmentLength = Int(Hostile.readU32(good, p + 4))
        let half = (fragmentLength / 2) & ~1
        var cut = Array(good[..<(p + 4)]) + Hostile.u32(UInt32(half)) + Array(good[(p + 8)..<(p + 8 + half)])
        cut += Hostile.tag(0xFFFE, 0xE0DD) + Hostile.u32(0)
        try Self.check(Case(name: "truncated" + flag, bytes: cut, dump: [0], transcode: [81]),
                       file: dir.appendingPathComponent("truncated.dcm"))
    }

    /// Transfer syntaxes that wrap a decoder fuzz input (8-byte image header + codestream, see
    /// Fuzz/CodecInput.swift) into a DICOM file, by fixture directory.
    static let decoderSyntaxes = [
        "jpeg-baseline": "1.2.840.10008.1.2.4.50", "jpeg-extended12": "1.2.840.10008.1.2.4.51",
        "jpeg-ls": "1.2.840.10008.1.2.4.80", "jpeg2000": "1.2.840.10008.1.2.4.90",
        "htj2k": "1.2.840.10008.1.2.4.201", "deflated-frame": "1.2.840.10008.1.2.8.1",
        "rle": "1.2.840.10008.1.2.5", "jpeg-lossless": "1.2.840.10008.1.2.4.70",
    ]

    /// The command lines (without input and output) a command fuzz target's fixtures are replayed
    /// with: every option set its entry picks from (Fuzz/*.swift, by preamble byte 0),
    /// so the one that crashed is among them. Writing commands get `-o OUT`, anonymize a secret.
    static let commandTargetRuns: [String: [[String]]] = [
        "dump-text": [["dump"], ["dump", "--full"], ["dump", "--no-meta"], ["dump", "--meta-only"],
                      ["dump", "--tag", "PixelData", "--tag", "(0008,0016)", "--tag", "ReferencedImageSequence[0].ReferencedSOPInstanceUID"],
                      ["dump", "--format", "json"]],
        "dump-json": [["dump", "--json"], ["dump", "--json", "--inline-max", "0"], ["dump", "--json", "--meta-only"],
                      ["dump", "--json", "--tag", "PatientName", "--tag", "ReferencedImageSequence"], ["dump", "--json", "--format", "json"]],
        "dump-xml": [["dump", "--xml"], ["dump", "--xml", "--inline-max", "0"], ["dump", "--xml", "--meta-only"],
                     ["dump", "--xml", "--tag", "PatientName", "--tag", "ReferencedImageSequence"], ["dump", "--xml", "--format", "json"]],
        "validate": [["validate"], ["validate", "--format", "json"], ["validate", "--format", "junit"], ["validate", "--format", "sarif"]],
        "anonymize": [["anonymize"],
                      ["anonymize", "--retain-uids", "--retain-safe-private", "--retain-device-identity",
                       "--retain-institution-identity", "--retain-patient-characteristics"],
                      ["anonymize", "--retain-long-modified-dates", "--clean-descriptors", "--clean-structured-content",
                       "--clean-graphics", "--burned-in", "warn"],
                      ["anonymize", "--retain-long-full-dates", "--burned-in", "allow", "--keep", "PatientAge", "--remove", "(0008,0080)",
                       "--set", "PatientName=ANON^YMOUS", "--set", "ReferencedImageSequence[0].ReferencedSOPInstanceUID=1.2.3"]],
        "derive": [["derive", "--frames", "1"], ["derive", "--split-frames", "--frames", "2,1"], ["derive", "--crop", "1,2,7,5"],
                   ["derive", "--downsample", "2"], ["derive", "--resize", "5x3"], ["derive", "--to-8bit"],
                   ["derive", "--to-8bit", "--window", "40,400", "--primary"],
                   ["derive", "--crop", "0,0,16,16", "--downsample", "3", "--to-8bit", "--new-series"]],
        // Always with -o: a fixture is never modified in place.
        "modify": [["modify", "--set", "PatientName=Ελληνικά^山田=やまだ", "--set", "ReferencedImageSequence[*].ReferencedSOPInstanceUID=1.2.3",
                    "--erase-private", "--new-sop-uid", "--new-series-uid", "--new-study-uid"],
                   ["modify", "--set", "(0029,{FUZZ CREATOR},10)=x", "--erase-all", "PatientID", "--replace", "InstitutionName=Fuzz",
                    "--erase", "OtherPatientIDsSequence[*]", "--set", "SpecificCharacterSet=ISO_IR 192"],
                   ["modify", "--set", "StudyDescription=Ærø и 山田", "--erase", "SpecificCharacterSet", "--set", "FrameIncrementPointer=FrameTime",
                    "--new-series-uid", "--set", "ReferencedSeriesSequence[2].SeriesInstanceUID=1.2.4"]],
        "transcode": [["transcode", "--explicit"], ["transcode", "--implicit"], ["transcode", "--big-endian"], ["transcode", "--deflate"],
                      ["transcode", "--encapsulated-uncompressed"], ["transcode", "--explicit", "--new-series"]],
    ]

    /// Every input that once crashed a fuzz target (Tests/Fixtures/fuzz-regressions/TARGET/):
    /// reader inputs as they are and decoder inputs wrapped in a one-frame file of their transfer
    /// syntax, through `dump` and `transcode --explicit`; a command target's inputs through every
    /// command line of `commandTargetRuns`.
    @Test func fuzzRegressionsEndWithoutASignal() throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path) else {
            print("HostileInputTests: no built dicomtool; skipped")
            return
        }
        let root = CorpusIndex.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions")
        let files = (FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { !$0.hasDirectoryPath && $0.lastPathComponent != "README.md" }
            .filter { !$0.path.contains("/fuzz-regressions/open/") }  // found, not fixed yet (README.md)
        #expect(!files.isEmpty, "no fuzz regression fixtures under \(root.path)")
        let dir = Self.directory.appendingPathComponent("fuzz-regressions")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let secret = dir.appendingPathComponent("secret")
        try Data("fuzz secret".utf8).write(to: secret)
        for file in files {
            let target = file.deletingLastPathComponent().lastPathComponent
            var input = file
            if let syntax = Self.decoderSyntaxes[target] {
                let raw = [UInt8](try Data(contentsOf: file))
                guard raw.count >= 8 else { continue }
                input = dir.appendingPathComponent(target + "-" + file.lastPathComponent + ".dcm")
                try Data(Hostile.wrapDecoderInput(raw, syntax: syntax)).write(to: input)
            }
            var runs = [["dump", input.path], ["transcode", "--explicit", input.path, "-o", "-"]]
            if let lines = Self.commandTargetRuns[target] {
                let out = dir.appendingPathComponent(target + "-out")
                try? FileManager.default.removeItem(at: out)
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                runs = lines.map { line in
                    var args = line + [input.path]
                    if line.contains("anonymize") { args += ["--secret-file", secret.path] }
                    if line.contains("anonymize") || line.contains("derive") || line.contains("transcode") || line.contains("modify") {
                        args += ["-o", out.appendingPathComponent("output.dcm").path]
                    }
                    return args
                }
            }
            for args in runs {
                let r = try HostileRun.run(args)
                let name = args.prefix { $0 != input.path }.joined(separator: " ")
                #expect(!r.signalled, "\(target)/\(file.lastPathComponent): \(name) ended by signal \(r.status)")
                // A command target's fixed options may not fit the file (derive: a frame or crop
                // outside the image is status 1); validate and anonymize's self-check end 83.
                let commandStatuses: Set<Int32> = Self.commandTargetRuns[target] != nil ? [1, 83] : []
                #expect(r.status == 0 || Self.failures.contains(r.status) || commandStatuses.contains(r.status),
                        "\(target)/\(file.lastPathComponent): \(name) exit \(r.status): \(r.stderr)")
            }
        }
    }
}

/// HTJ2K is decoded in a forked child (Sources/COpenJPEGChild). A caller may start dicomtool with
/// SIGCHLD ignored (the disposition survives exec), where the kernel reaps the child and waitpid
/// fails with ECHILD: decoding must still work, and an abort in the child must still be an error.
@Suite struct ChildDecoderTests {
    @Test func highThroughputDecodesWithSIGCHLDIgnored() throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path) else {
            print("ChildDecoderTests: no built dicomtool; skipped")
            return
        }
        let dir = HostileInputTests.directory.appendingPathComponent("sigchld-ignored")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = CorpusIndex.fixtures.appendingPathComponent("rle/SC_rgb_rle_16bit_2frame.dcm")  // 2 frames: two children at once
        let abort = CorpusIndex.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz-regressions/htj2k/assertion-4ae80a50")
        let wrapped = dir.appendingPathComponent("abort.dcm")
        try Data(Hostile.wrapDecoderInput([UInt8](try Data(contentsOf: abort)), syntax: "1.2.840.10008.1.2.4.201")).write(to: wrapped)
        // --verify decodes what was written (through the child) and compares it bit for bit.
        let runs: [(String, [String], Int32, String?)] = [
            ("lossless HTJ2K verified", ["transcode", "--htj2k", "--verify", source.path, "-o", dir.appendingPathComponent("ct.dcm").path], 0, nil),
            ("decode back", ["transcode", "--explicit", dir.appendingPathComponent("ct.dcm").path, "-o", dir.appendingPathComponent("back.dcm").path], 0, nil),
            ("abort in the child", ["transcode", "--explicit", wrapped.path, "-o", dir.appendingPathComponent("no.dcm").path], 81, "child process"),
        ]
        for (name, args, expected, message) in runs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "trap '' CHLD; exec \"$0\" \"$@\"", CorpusIndex.binary.path] + args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            try p.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationReason == .exit && p.terminationStatus == expected, "\(name): \(p.terminationStatus) \(stderr)")
            if let message { #expect(stderr.contains(message), "\(name): \(stderr)") }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("no.dcm").path))
    }
}

/// A full disk: writing to /dev/full (ENOSPC) and past RLIMIT_FSIZE (EFBIG; SIGXFSZ would end
/// the process) is a one-line error with the write-failure status and leaves no file behind.
@Suite struct FullDiskTests {
    @Test func fullDiskIsAClearErrorAndLeavesNothing() throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path),
              FileManager.default.fileExists(atPath: "/dev/full") else {
            print("FullDiskTests: no built dicomtool or no /dev/full; skipped")
            return
        }
        let dir = HostileInputTests.directory.appendingPathComponent("full-disk")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // 256x256x16 bits: 128 KiB of pixel data, twice the 64 KiB file size limit below.
        let input = dir.appendingPathComponent("input.dcm")
        try Data(Hostile.part10(Hostile.imageModule(rows: 256, columns: 256, bitsAllocated: 16)
                                + Hostile.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 3, count: 256 * 256 * 2)))).write(to: input)
        let output = dir.appendingPathComponent("out")
        let binary = CorpusIndex.binary.path
        let runs = [("/dev/full", "exec \"$0\" transcode --explicit \"$1\" -o - > /dev/full"),
                    ("ulimit -f", "ulimit -f 64 && exec \"$0\" transcode --explicit \"$1\" -o \"$2/out.dcm\"")]
        for (name, script) in runs {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", script, binary, input.path, output.path]
            let err = Pipe()
            p.standardError = err
            p.standardInput = FileHandle.nullDevice
            try p.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationReason == .exit, "\(name): ended by signal \(p.terminationStatus)")
            #expect(p.terminationStatus == 40, "\(name): exit \(p.terminationStatus): \(stderr)")
            let firstLine = stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.contains("write failed"), "\(name): \(stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: output.path)
            #expect(left.isEmpty, "\(name): left \(left)")
            try FileManager.default.removeItem(at: output)
        }
    }
}

/// Runs the built binary and says whether it ended by a signal.
enum HostileRun {
    struct Result { var status: Int32; var signalled: Bool; var stderr: String }

    static func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = CorpusIndex.binary
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Byte builders for Explicit VR Little Endian Part 10 files.
enum Hostile {
    static let explicitLE = "1.2.840.10008.1.2.1"
    static let jpegBaseline = "1.2.840.10008.1.2.4.50"
    static let deflated = "1.2.840.10008.1.2.1.99"

    static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func tag(_ group: UInt16, _ element: UInt16) -> [UInt8] { u16(group) + u16(element) }
    static func readU32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    /// Even-padded text value (space padding; UI values pad with NUL).
    static func text(_ s: String, pad: UInt8 = 0x20) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(pad) }
        return b
    }

    static let longVRs: Set<String> = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]

    /// An element header with any declared length (truncated to 16 bits for short VRs).
    static func header(_ group: UInt16, _ element: UInt16, _ vr: String, length: UInt32) -> [UInt8] {
        tag(group, element) + Array(vr.utf8) + (longVRs.contains(vr) ? [0, 0] + u32(length) : u16(UInt16(truncatingIfNeeded: length)))
    }

    static func element(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8]) -> [UInt8] {
        header(group, element, vr, length: UInt32(value.count)) + value
    }

    static func us(_ group: UInt16, _ element: UInt16, _ v: Int) -> [UInt8] {
        Hostile.element(group, element, "US", u16(UInt16(truncatingIfNeeded: v)))
    }

    static func imageModule(rows: Int, columns: Int, bitsAllocated: Int, bitsStored: Int? = nil, frames: Int? = nil) -> [UInt8] {
        var b = element(0x0008, 0x0016, "UI", text("1.2.840.10008.5.1.4.1.1.7", pad: 0))
            + element(0x0008, 0x0018, "UI", text("2.25.1234567", pad: 0))
            + element(0x0008, 0x0060, "CS", text("OT"))
            + us(0x0028, 0x0002, 1)
            + element(0x0028, 0x0004, "CS", text("MONOCHROME2"))
        if let frames { b += element(0x0028, 0x0008, "IS", text(String(frames))) }
        let stored = bitsStored ?? bitsAllocated
        b += us(0x0028, 0x0010, rows) + us(0x0028, 0x0011, columns) + us(0x0028, 0x0100, bitsAllocated)
            + us(0x0028, 0x0101, stored) + us(0x0028, 0x0102, max(0, stored - 1)) + us(0x0028, 0x0103, 0)
        return b
    }

    /// Encapsulated Pixel Data: a Basic Offset Table item, the fragments, the delimiter.
    static func encapsulated(offsets: [UInt32], fragments: [[UInt8]]) -> [UInt8] {
        var b = header(0x7FE0, 0x0010, "OB", length: 0xFFFF_FFFF)
        b += tag(0xFFFE, 0xE000) + u32(UInt32(offsets.count * 4)) + offsets.flatMap { u32($0) }
        for f in fragments { b += tag(0xFFFE, 0xE000) + u32(UInt32(f.count)) + f }
        return b + tag(0xFFFE, 0xE0DD) + u32(0)
    }

    /// Preamble, DICM, File Meta Information, then `body` (already encoded for `syntax`).
    static func part10(_ body: [UInt8], syntax: String = explicitLE) -> [UInt8] {
        let metaElements = element(0x0002, 0x0001, "OB", [0, 1])
            + element(0x0002, 0x0002, "UI", text("1.2.840.10008.5.1.4.1.1.7", pad: 0))
            + element(0x0002, 0x0003, "UI", text("2.25.1234567", pad: 0))
            + element(0x0002, 0x0010, "UI", text(syntax, pad: 0))
            + element(0x0002, 0x0012, "UI", text("2.25.99", pad: 0))
        return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
            + element(0x0002, 0x0000, "UL", u32(UInt32(metaElements.count))) + metaElements + body
    }

    /// A one-frame encapsulated file from a decoder fuzz input: rows u16, columns u16, samples,
    /// bits allocated, bits stored, flags (bit 0 signed, bit 1 planar, bits 2-4 photometric).
    static func wrapDecoderInput(_ raw: [UInt8], syntax: String) -> [UInt8] {
        let photometrics = ["MONOCHROME2", "MONOCHROME1", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "PALETTE COLOR"]
        let rows = Int(raw[0]) | Int(raw[1]) << 8, columns = Int(raw[2]) | Int(raw[3]) << 8
        let flags = Int(raw[7])
        var codestream = Array(raw[8...])
        if codestream.count % 2 == 1 { codestream.append(0) }
        let body = element(0x0008, 0x0016, "UI", text("1.2.840.10008.5.1.4.1.1.7", pad: 0))
            + element(0x0008, 0x0018, "UI", text("2.25.1234567", pad: 0))
            + us(0x0028, 0x0002, Int(raw[4]))
            + element(0x0028, 0x0004, "CS", text(photometrics[(flags >> 2) & 7]))
            + (Int(raw[4]) > 1 ? us(0x0028, 0x0006, (flags >> 1) & 1) : [])
            + us(0x0028, 0x0010, rows) + us(0x0028, 0x0011, columns) + us(0x0028, 0x0100, Int(raw[5]))
            + us(0x0028, 0x0101, Int(raw[6])) + us(0x0028, 0x0102, max(0, Int(raw[6]) - 1)) + us(0x0028, 0x0103, flags & 1)
            + encapsulated(offsets: [], fragments: [codestream])
        return part10(body, syntax: syntax)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }

    /// A raw deflate stream (one fixed-Huffman block) that inflates to `inflatedBytes` zero bytes:
    /// a literal 0, then <length 258, distance 1> pairs at 13 bits each, then end of block.
    static func deflateBomb(inflatedBytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        var bitBuffer: UInt32 = 0, bitCount = 0
        func bits(_ value: UInt32, _ count: Int) {  // LSB-first, as DEFLATE packs header fields
            bitBuffer |= value << UInt32(bitCount)
            bitCount += count
            while bitCount >= 8 {
                out.append(UInt8(bitBuffer & 0xFF))
                bitBuffer >>= 8
                bitCount -= 8
            }
        }
        func code(_ value: UInt32, _ count: Int) {  // Huffman codes are packed MSB-first
            var reversed: UInt32 = 0
            for i in 0..<count where value & (1 << UInt32(i)) != 0 { reversed |= 1 << UInt32(count - 1 - i) }
            bits(reversed, count)
        }
        bits(1, 1)  // BFINAL
        bits(1, 2)  // BTYPE 01: fixed Huffman
        code(0x30, 8)  // literal 0
        for _ in 0..<(inflatedBytes / 258) {
            code(0xC5, 8)  // length code 285 = 258
            code(0, 5)  // distance code 0 = 1
        }
        code(0, 7)  // end of block (256)
        if bitCount > 0 { out.append(UInt8(bitBuffer & 0xFF)) }
        return out
    }
}
