import DicomCore
import DicomServices
import Testing
@testable import DicomToolCLI

/// `move`'s own flags in every spelling, its --receive-port, and the combinations refused.
enum MoveFlagChecks {
    static let base = ["--from", "OLD@127.0.0.1:104", "-k", "StudyInstanceUID=1.2.3"]

    static func move(_ arguments: [String]) throws -> MoveArgs {
        guard case .run(.move, let args, _) = try CLI.invocation(["move"] + arguments), let m = args as? MoveArgs else {
            throw CLI.NotARun()
        }
        return m
    }

    static func check(_ id: FlagID) throws {
        switch id {
        case .from:
            for s in CLI.spellings(.from, "PACS@pacs:11112") {
                let m = try move(s + ["--dest", "NEW", "-k", "StudyInstanceUID=1.2.3"])
                #expect(m.peer.address.aeTitle == "PACS" && m.peer.address.port == 11112)
            }
            #expect(CLI.usageError(["move", "--dest", "NEW", "-k", "StudyInstanceUID=1.2.3"]) != nil, "--from is required")
        case .dest:
            for s in CLI.spellings(.dest, "NEW") { #expect(try move(base + s).destination == "NEW") }
            #expect(CLI.usageError(["move"] + base) != nil, "neither --dest nor --receive-port")
            #expect(CLI.usageError(["move", "--from", "OLD@h:1", "--dest", "NEW"]) != nil, "no matching key")
            #expect(CLI.usageError(["move"] + base + ["--dest", "SEVENTEEN_CHARS_XX"]) != nil)
            #expect(CLI.usageError(["move"] + base + ["--dest", "NEW", "-o", "out"]) != nil, "-o without --receive-port")
            let m = try move(base + ["--dest", "NEW", "--level", "series", "-k", "SeriesInstanceUID=1.2.3.4"])
            #expect(m.request.level == .series && m.request.model == .studyRoot && m.keys.count == 2)
        case .receivePort:
            for s in CLI.spellings(.receivePort, "11113") {
                let m = try move(base + s + ["-o", "pulled"])
                #expect(m.receivePort == 11113 && m.output == "pulled")
            }
            #expect(CLI.usageError(["move"] + base + ["--receive-port", "11113"]) != nil, "--receive-port without -o")
        case .query:
            for s in CLI.spellings(.query, "-") {
                let m = try move(["--from", "P@h:1", "--dest", "NEW"] + s)
                #expect(m.query == "-" && m.keys.isEmpty)
            }
            #expect(CLI.usageError(["move", "--query", "f.jsonl", "--dest", "NEW"] + base) != nil, "-k and --query together")
            #expect(try move(base + ["--dest", "NEW"]).query == nil)
        case .limit:
            for s in CLI.spellings(.limit, "5") { #expect(try move(base + ["--dest", "NEW"] + s).limit == 5) }
            #expect(try move(base + ["--dest", "NEW"]).limit == nil)
            #expect(CLI.usageError(["move"] + base + ["--dest", "NEW", "--limit", "0"]) != nil)
        default:
            Issue.record("\(id) is not checked as a move flag")
        }
    }
}
