import DicomCore
import Foundation
@testable import DicomToolCLI

/// Shared helpers: parse a command line in-process and take the typed args apart.
enum CLI {
    struct NotARun: Error {}

    static func invocation(_ arguments: [String]) throws -> DicomTool.Invocation {
        try DicomTool.parse(arguments)
    }

    static func dump(_ arguments: [String]) throws -> (DumpArgs, GlobalArgs) {
        guard case .run(.dump, let args, let global) = try invocation(["dump"] + arguments),
              let dump = args as? DumpArgs else { throw NotARun() }
        return (dump, global)
    }

    /// `transcode` with the arguments given; add a target and `-o` yourself.
    static func transcode(_ arguments: [String]) throws -> (TranscodeArgs, GlobalArgs) {
        guard case .run(.transcode, let args, let global) = try invocation(["transcode"] + arguments),
              let transcode = args as? TranscodeArgs else { throw NotARun() }
        return (transcode, global)
    }

    static func validate(_ arguments: [String]) throws -> (ValidateArgs, GlobalArgs) {
        guard case .run(.validate, let args, let global) = try invocation(["validate"] + arguments),
              let v = args as? ValidateArgs else { throw NotARun() }
        return (v, global)
    }

    /// `anonymize` with the arguments given; add `-o` (or --plan/--check) yourself.
    static func anonymize(_ arguments: [String]) throws -> (AnonymizeArgs, GlobalArgs) {
        guard case .run(.anonymize, let args, let global) = try invocation(["anonymize"] + arguments),
              let a = args as? AnonymizeArgs else { throw NotARun() }
        return (a, global)
    }

    /// `modify` with the arguments given.
    static func create(_ arguments: [String]) throws -> (CreateArgs, GlobalArgs) {
        guard case .run(.create, let args, let global) = try invocation(["create"] + arguments),
              let c = args as? CreateArgs else { throw NotARun() }
        return (c, global)
    }

    static func modify(_ arguments: [String]) throws -> (ModifyArgs, GlobalArgs) {
        guard case .run(.modify, let args, let global) = try invocation(["modify"] + arguments),
              let m = args as? ModifyArgs else { throw NotARun() }
        return (m, global)
    }

    /// `derive` with the arguments given; add an operation and `-o` (or --plan) yourself.
    static func derive(_ arguments: [String]) throws -> (DeriveArgs, GlobalArgs) {
        guard case .run(.derive, let args, let global) = try invocation(["derive"] + arguments),
              let d = args as? DeriveArgs else { throw NotARun() }
        return (d, global)
    }

    /// The usage error a command line gives, or nil when it parses.
    static func usageError(_ arguments: [String]) -> UsageError? {
        do {
            _ = try DicomTool.parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    /// Runs like `main` and captures what would go to stdout and stderr.
    static func execute(_ arguments: [String]) -> (status: ExitStatus, out: String, err: String) {
        var out = "", err = ""
        let status = DicomTool.execute(arguments, write: { out += $0 }, writeError: { err += $0 })
        return (status, out, err)
    }

    /// Every way to type `id` with `value` (nil for a switch) according to the table:
    /// `--x=v`, `--x v`, `-sv`, `-s v` for values; `--x`, `-s` for switches.
    static func spellings(_ id: FlagID, _ value: String? = nil) -> [[String]] {
        let flag = FlagTable.flag(id)
        var result: [[String]] = []
        if let value {
            result += [["--\(flag.long)=\(value)"], ["--\(flag.long)", value]]
            if let short = flag.short { result += [["-\(short)\(value)"], ["-\(short)", value]] }
        } else {
            result.append(["--\(flag.long)"])
            if let short = flag.short { result.append(["-\(short)"]) }
        }
        return result
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs a program, returning its exit status and standard error.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static func temporaryFile(_ name: String, _ contents: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
