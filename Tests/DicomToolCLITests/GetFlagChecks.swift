import DicomCore
import DicomServices
import Testing
@testable import DicomToolCLI

/// The get command's flags reaching `GetArgs` and the storage configuration; missing peer, keys or
/// output are usage errors before anything connects.
enum GetFlagChecks {
    static let base = ["--from", "PACS@pacs:104", "-o", "pulled", "-k", "StudyInstanceUID=1.2.3"]

    static func get(_ arguments: [String]) throws -> GetArgs {
        guard case .run(.get, let args, _) = try CLI.invocation(["get"] + arguments), let g = args as? GetArgs else {
            throw CLI.NotARun()
        }
        return g
    }

    static func check(_ id: FlagID) throws {
        let defaults = try get(base)
        switch id {
        case .from:
            for s in CLI.spellings(.from, "OLD@old:11112") {
                #expect(try get(s + ["-o", "d", "-k", "PatientID=1"]).peer.address == .init(aeTitle: "OLD", host: "old", port: 11112))
            }
            #expect(CLI.usageError(["get", "-o", "d", "-k", "PatientID=1"]) != nil, "the peer is required")
            #expect(CLI.usageError(["get", "--from", "P@h:1", "-k", "PatientID=1"]) != nil, "-o is required")
            #expect(CLI.usageError(["get", "--from", "P@h:1", "-o", "d"]) != nil, "what to retrieve is required")
            #expect(CLI.usageError(["get", "--from", "P@h:1", "-o", "d", "-k", "PatientID"]) != nil, "keys match")
        case .query:
            for s in CLI.spellings(.query, "-") { #expect(try get(["--from", "P@h:1", "-o", "d"] + s).query == "-") }
            #expect(CLI.usageError(["get", "--query", "f.jsonl"] + base) != nil, "-k and --query together")
            #expect(defaults.query == nil)
        case .key:
            #expect(defaults.keys == [QueryKey(.studyInstanceUID, value: "1.2.3")])
        case .level:
            #expect(try get(base + ["--level", "series"]).request.level == .series)
            #expect(try get(base + ["--level", "patient"]).request.model == .patientRoot)
        case .model:
            #expect(try get(base + ["--model", "patient"]).request.model == .patientRoot)
            #expect(defaults.request.model == .studyRoot && defaults.request.level == .study)
        case .layout:
            #expect(try get(base + ["--layout", "{PatientID}/{SOPInstanceUID}.dcm"]).configuration.layout.template.text == "{PatientID}/{SOPInstanceUID}.dcm")
            #expect(defaults.configuration.layout.template.text == "{SOPInstanceUID}.dcm")
        case .onDuplicate:
            #expect(try get(base + ["--on-duplicate", "replace"]).configuration.onDuplicate == .replace)
        case .sync:
            #expect(try get(base + ["--sync"]).configuration.sync)
        case .output:
            #expect(defaults.configuration.outputDirectory == "pulled")
        case .callingAET:
            #expect(try get(base + ["--calling-aet", "WS1"]).peer.callingAETitle == "WS1")
            #expect(try get(base + ["--calling-aet", "WS1"]).configuration.aeTitle == "WS1")
        case .timeout:
            #expect(try get(base + ["--timeout", "7"]).peer.timeoutSeconds == 7)
        case .dimseTimeout:
            #expect(try get(base + ["--dimse-timeout", "9"]).peer.dimseTimeoutSeconds == 9)
        case .limit:
            for s in CLI.spellings(.limit, "5") { #expect(try get(base + s).limit == 5) }
            #expect(defaults.limit == nil)
        default:
            Issue.record("--\(id.rawValue) is not a get flag")
        }
    }
}
