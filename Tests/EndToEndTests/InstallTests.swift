import DicomTestSupport
import Foundation
import Testing

/// scripts/install and scripts/package, run on the debug binary the suite already built
/// (`--binary`): a release build would double the CI time, and what these tests check -- where
/// files go, that the binary runs from there, that the pages render and the completions parse, what
/// the package declares -- does not depend on the build configuration. The release path (no
/// `--binary`) is scripts/try's build, shared through scripts/build-release.
@Suite(.serialized) struct InstallTests {
    struct Output { var status: Int32; var out: String; var err: String }

    static func run(_ executable: String, _ args: [String], environment: [String: String] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        nonisolated(unsafe) var errData = Data()
        let errThread = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errThread.isFinished { usleep(1000) }
        return Output(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self))
    }

    static func script(_ name: String) -> String { CorpusIndex.packageRoot.appendingPathComponent("scripts/\(name)").path }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The committed man pages: what both the install and the package must carry.
    static func committedPages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: CorpusIndex.packageRoot.appendingPathComponent("man").path)
            .filter { $0.hasSuffix(".1") }.sorted()
    }

    /// `man --warnings -l` at 80 columns: status 0, nothing on stderr, the sections present.
    static func expectRendersCleanly(_ page: String) throws {
        let result = try run("/usr/bin/man", ["--warnings", "-l", page],
                             environment: ["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat", "LC_ALL": "C.UTF-8"])
        #expect(result.status == 0, "man -l \(page): \(result.err)")
        #expect(result.err.isEmpty, "man warnings for \(page): \(result.err)")
        #expect(result.out.contains("EXIT STATUS") && result.out.contains("EXAMPLES"), "\(page) rendered without its sections")
    }

    static func shell(_ name: String) throws -> String {
        try #require(["/usr/bin/\(name)", "/bin/\(name)"].first(where: FileManager.default.isExecutableFile),
                     "\(name) is not installed: run scripts/setup")
    }

    @Test func installIntoAPrefixGivesARunningBinaryCleanPagesAndParsingCompletions() throws {
        let prefix = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let install = try Self.run(Self.script("install"), ["--binary", CorpusIndex.binary.path, "--prefix", prefix.path])
        #expect(install.status == 0, "scripts/install: \(install.err)")
        #expect(install.out.contains("\(prefix.path)/bin/dicomtool"))

        let binary = prefix.appendingPathComponent("bin/dicomtool").path
        let version = try Self.run(binary, ["--version"])
        #expect(version.status == 0 && version.out.hasPrefix("dicomtool "), "installed --version: \(version.err)")

        let manDirectory = prefix.appendingPathComponent("share/man/man1")
        let installed = try FileManager.default.contentsOfDirectory(atPath: manDirectory.path).sorted()
        #expect(installed == (try Self.committedPages()))
        #expect(installed.contains("dicomtool.1") && installed.contains("dicomtool-anonymize.1"))
        for page in installed { try Self.expectRendersCleanly(manDirectory.appendingPathComponent(page).path) }

        // Each completion where its shell looks under the prefix, parsed by that shell.
        let completions = [("bash", "share/bash-completion/completions/dicomtool"),
                           ("zsh", "share/zsh/site-functions/_dicomtool"),
                           ("fish", "share/fish/vendor_completions.d/dicomtool.fish")]
        for (shell, path) in completions {
            let file = prefix.appendingPathComponent(path).path
            let script = try String(contentsOfFile: file, encoding: .utf8)
            #expect(script == (try Self.run(binary, ["--generate", "complete-\(shell)"])).out)
            let result = try Self.run(try Self.shell(shell), ["-n", file])
            #expect(result.status == 0 && result.err.isEmpty, "\(shell) -n \(path): \(result.err)")
        }
        // fish finds its file through XDG_DATA_DIRS, as it finds /usr/local/share's, with no setup
        // (its own share/config.fish builds the search path; the user's configuration is left out).
        let fish = try Self.run(try Self.shell("fish"), ["-c", "complete -C 'dicomtool tr'"],
                                environment: ["XDG_DATA_DIRS": prefix.appendingPathComponent("share").path,
                                              "XDG_CONFIG_HOME": prefix.appendingPathComponent("config").path,
                                              "PATH": prefix.appendingPathComponent("bin").path + ":/usr/bin:/bin"])
        #expect(fish.out.hasPrefix("transcode\t"), "fish did not load the installed completion: \(fish.out) \(fish.err)")
        // zsh's compinit registers the file found in fpath for the dicomtool command.
        let zsh = try Self.run(try Self.shell("zsh"), ["-f", "-c", """
            fpath=(\(prefix.path)/share/zsh/site-functions $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[dicomtool]
            """])
        #expect(zsh.out == "_dicomtool\n", "zsh did not register the installed completion: \(zsh.out) \(zsh.err)")
    }

    @Test func installRefusesAMissingBinaryAndUnknownArguments() throws {
        let prefix = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let missing = try Self.run(Self.script("install"), ["--binary", prefix.appendingPathComponent("nothing").path, "--prefix", prefix.path])
        #expect(missing.status != 0 && missing.err.contains("is not an executable"))
        let unknown = try Self.run(Self.script("install"), ["--prefx", prefix.path])
        #expect(unknown.status != 0 && unknown.err.contains("unknown argument '--prefx'"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: prefix.path).isEmpty)
    }

    /// The package of the debug binary, without lintian (scripts/package runs it by default, and it
    /// was run on the release package: see the issue note) and compressed with gzip -1 (xz would
    /// cost about 17 s of CPU on the debug binary). Extracted with dpkg-deb -x, the binary runs
    /// and the gzipped pages render; the control file declares what the binary links.
    @Test func packageExtractsToARunningBinaryWithItsPagesAndDependencies() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-deb") else {
            Issue.record("dpkg-deb is not installed")
            return
        }
        let work = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let package = try Self.run(Self.script("package"), ["--binary", CorpusIndex.binary.path, "--output", work.path,
                                                            "--no-lintian", "--allow-unpackaged-libs", "--fast"])
        #expect(package.status == 0, "scripts/package: \(package.err)")
        let debs = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".deb") }
        let deb = work.appendingPathComponent(try #require(debs.first, "no .deb in \(work.path)")).path
        #expect(debs.count == 1)

        let version = try Self.run(CorpusIndex.binary.path, ["--version"]).out.split(separator: "\n").first.map(String.init) ?? ""
        let field = { (name: String) throws -> String in try Self.run("/usr/bin/dpkg-deb", ["-f", deb, name]).out }
        #expect(try field("Package") == "dicomtool\n")
        #expect("dicomtool " + (try field("Version")) == version + "\n")
        let depends = try field("Depends")
        for library in ["libc6", "libturbojpeg0", "libopenjp2-7", "libcharls2", "zlib1g"] {
            #expect(depends.contains(library), "Depends lacks \(library): \(depends)")
        }

        let tree = work.appendingPathComponent("root")
        let extract = try Self.run("/usr/bin/dpkg-deb", ["-x", deb, tree.path])
        #expect(extract.status == 0, "dpkg-deb -x: \(extract.err)")
        let extracted = try Self.run(tree.appendingPathComponent("usr/bin/dicomtool").path, ["--version"])
        #expect(extracted.status == 0 && extracted.out.hasPrefix(version + "\n"), "extracted --version: \(extracted.err)")
        // The stripped binary still does real work: a fixture dumped the same as by the built one.
        let sample = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path
        let dumped = try Self.run(tree.appendingPathComponent("usr/bin/dicomtool").path, ["dump", sample])
        let reference = try Self.run(CorpusIndex.binary.path, ["dump", sample])
        #expect(dumped.status == 0 && dumped.out == reference.out)

        let manDirectory = tree.appendingPathComponent("usr/share/man/man1")
        let pages = try FileManager.default.contentsOfDirectory(atPath: manDirectory.path).sorted()
        #expect(pages == (try Self.committedPages()).map { $0 + ".gz" })
        for page in pages { try Self.expectRendersCleanly(manDirectory.appendingPathComponent(page).path) }
        for path in ["usr/share/doc/dicomtool/copyright", "usr/share/doc/dicomtool/changelog.gz",
                     "usr/share/bash-completion/completions/dicomtool", "usr/share/zsh/vendor-completions/_dicomtool",
                     "usr/share/fish/vendor_completions.d/dicomtool.fish"] {
            #expect(FileManager.default.fileExists(atPath: tree.appendingPathComponent(path).path), "\(path) missing")
        }
        // Owned by root in the archive, whoever built it.
        let listing = try Self.run("/usr/bin/dpkg-deb", ["-c", deb]).out
        #expect(!listing.isEmpty && listing.split(separator: "\n").allSatisfy { $0.contains(" root/root ") })
    }
}
