// Shared by the per-command fuzz entries (dump-text, dump-json, dump-xml, validate, anonymize,
// derive, transcode): the input as a file that a command's per-file function opens by path, as
// the command does; the option variant the input selects; a scratch directory for outputs.
// scripts/fuzz compiles this file with each of those entries (they import DicomToolCLI with
// @testable, so the modules are built with -enable-testing).
@testable import DicomToolCLI
import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

enum CommandInput {
    /// This process's own directory: parallel fuzzers (-jobs/-workers) do not share files.
    static let directory: String = {
        let d = "/tmp/dicomtool-fuzz-\(getpid())"
        _ = mkdir(d, 0o700)
        return d
    }()
    static let inputPath = directory + "/input.dcm"
    /// Outputs of the writing commands go under here and are removed after each input.
    static let outputDirectory: String = {
        let d = directory + "/out"
        _ = mkdir(d, 0o700)
        return d
    }()
    static let outputPath = outputDirectory + "/output.dcm"
    static let item = InputItem.file(path: inputPath, relativePath: "input.dcm")

    /// Writes the fuzz input to `inputPath`: to a new file renamed over the old one, so a mapping of
    /// the previous input that is still alive never sees its file shrink.
    static func store(_ data: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let temporary = directory + "/input.tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return false }
        var offset = 0
        while offset < count {
            let n = write(fd, data + offset, count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(fd); return false }
            offset += n
        }
        close(fd)
        return rename(temporary, inputPath) == 0
    }

    /// Removes what the previous input's run wrote under `outputDirectory`.
    static func clearOutputs() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: outputDirectory) else { return }
        for name in names { _ = unlink(outputDirectory + "/" + name) }
    }

    /// Which of `count` option variants this input runs with: byte 0 of the 128-byte preamble, which
    /// readers ignore (it is only copied to outputs), so the fuzzer can change the options without
    /// changing the data set. Inputs without a preamble run with variant 0.
    static func variant(_ data: UnsafePointer<UInt8>, _ count: Int, of variants: Int) -> Int {
        guard count >= 132, data[128] == 0x44, data[129] == 0x49, data[130] == 0x43, data[131] == 0x4D else { return 0 }
        return Int(widening: data[0]) % variants
    }

    /// The checked arguments of a command line, parsed by the CLI's own parser, so each variant is
    /// exactly what `dicomtool` would run. A line the parser refuses is a bug in the fuzz entry:
    /// it says so and stops before fuzzing starts.
    static func parse<A: CommandArgs>(_ line: [String], as type: A.Type) -> A {
        guard case .run(_, let args, _)? = try? DicomTool.parse(line), let typed = args as? A else {
            StandardError.write("fuzz entry: the command line \(line) does not parse\n")
            exit(2)
        }
        return typed
    }
}
