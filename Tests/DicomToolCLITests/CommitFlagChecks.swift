import DicomCore
import DicomServices
import Testing
@testable import DicomToolCLI

/// Each flag of `commit` reaches its typed field in every spelling; the shared ones (--to,
/// --calling-aet, --timeout, --dimse-timeout, --bind) too.
enum CommitFlagChecks {
    static let base = ["--to", "SCP@127.0.0.1:11112"]

    static func commit(_ arguments: [String]) throws -> CommitArgs {
        guard case .run(.commit, let args, _) = try CLI.invocation(["commit"] + arguments), let c = args as? CommitArgs else {
            throw CLI.NotARun()
        }
        return c
    }

    static func check(_ id: FlagID) throws {
        let defaults = try commit(base + ["x.dcm"])
        #expect(defaults.reportTimeoutSeconds == 60 && defaults.receivePort == nil && defaults.fromSend == nil
                && defaults.perRequest == CommitmentSCU.defaultInstancesPerRequest && defaults.receiveHost == "0.0.0.0")
        switch id {
        case .to:
            for s in CLI.spellings(.to, "PACS@pacs:104") {
                let c = try commit(s + ["x.dcm"])
                #expect(c.peer.address.aeTitle == "PACS" && c.peer.address.port == 104)
            }
            #expect(CLI.usageError(["commit", "x.dcm"]) != nil, "--to is required")
        case .callingAET:
            for s in CLI.spellings(.callingAET, "WS1") { #expect(try commit(base + s + ["x.dcm"]).peer.callingAETitle == "WS1") }
        case .timeout:
            for s in CLI.spellings(.timeout, "7") { #expect(try commit(base + s + ["x.dcm"]).peer.timeoutSeconds == 7) }
        case .dimseTimeout:
            for s in CLI.spellings(.dimseTimeout, "9") { #expect(try commit(base + s + ["x.dcm"]).peer.dimseTimeoutSeconds == 9) }
        case .reportTimeout:
            for s in CLI.spellings(.reportTimeout, "300") { #expect(try commit(base + s + ["x.dcm"]).reportTimeoutSeconds == 300) }
            #expect(CLI.usageError(["commit"] + base + ["--report-timeout", "0", "x.dcm"]) != nil)
        case .receivePort:
            for s in CLI.spellings(.receivePort, "11113") { #expect(try commit(base + s + ["x.dcm"]).receivePort == 11113) }
            #expect(try commit(base + ["--receive-port", "0", "x.dcm"]).receivePort == 0)
            #expect(CLI.usageError(["commit"] + base + ["--receive-port", "65536", "x.dcm"]) != nil)
        case .bind:
            for s in CLI.spellings(.bind, "127.0.0.1") {
                #expect(try commit(base + ["--receive-port", "0"] + s + ["x.dcm"]).receiveHost == "127.0.0.1")
            }
            #expect(CLI.usageError(["commit"] + base + ["--bind", "127.0.0.1", "x.dcm"]) != nil, "--bind without --receive-port")
        case .fromSend:
            for s in CLI.spellings(.fromSend, "sent.jsonl") { #expect(try commit(base + s).fromSend == "sent.jsonl") }
        case .perRequest:
            for s in CLI.spellings(.perRequest, "50") { #expect(try commit(base + s + ["x.dcm"]).perRequest == 50) }
            #expect(CLI.usageError(["commit"] + base + ["--per-request", "0", "x.dcm"]) != nil)
        default:
            Issue.record("\(id) is not a commit flag")
        }
    }
}
