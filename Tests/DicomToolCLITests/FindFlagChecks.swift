import DicomCore
import DicomEdit
import DicomServices
import Testing
@testable import DicomToolCLI

/// The find command's flags, each in every spelling, reaching `FindArgs` and the query it builds;
/// bad keys and combinations are usage errors before anything connects.
enum FindFlagChecks {
    static let to = ["--to", "PACS@pacs:104"]

    static func find(_ arguments: [String]) throws -> FindArgs {
        guard case .run(.find, let args, _) = try CLI.invocation(["find"] + arguments), let f = args as? FindArgs else {
            throw CLI.NotARun()
        }
        return f
    }

    static func check(_ id: FlagID) throws {
        let defaults = try find(to)
        switch id {
        case .level:
            for s in CLI.spellings(.level, "series") { #expect(try find(to + s).request.level == .series) }
            #expect(defaults.request.level == .study && defaults.request.model == .studyRoot)
            #expect(try find(to + ["--level", "patient"]).request.model == .patientRoot)
            #expect(CLI.usageError(["find"] + to + ["--level", "frame"]) != nil)
        case .model:
            for s in CLI.spellings(.model, "patient") { #expect(try find(to + s).request.model == .patientRoot) }
            #expect(CLI.usageError(["find"] + to + ["--model", "study", "--level", "patient"]) != nil)
        case .worklist:
            for s in CLI.spellings(.worklist) {
                let f = try find(to + s)
                #expect(f.request.model == .modalityWorklist && f.request.level == nil)
            }
            #expect(CLI.usageError(["find"] + to + ["--worklist", "--level", "study"]) != nil)
        case .key, .returnKey:
            for s in CLI.spellings(.key, "PatientID=12345") {
                #expect(try find(to + s).keys == [try QueryKey(parsing: "PatientID=12345")])
            }
            for s in CLI.spellings(.returnKey, "StudyDescription") {
                #expect(try find(to + s).keys == [QueryKey(.studyDescription)])
            }
            // -k and -r keep the order typed, together: the columns' order.
            let f = try find(to + ["-r", "StudyDate", "-k", "PatientName=DOE*", "-r", "(0008,1030)", "-k", "ModalitiesInStudy"])
            #expect(f.keys.map(\.header) == ["StudyDate", "PatientName", "StudyDescription", "ModalitiesInStudy"])
            #expect(f.keys[1].value == "DOE*")
            #expect(CLI.usageError(["find"] + to + ["-r", "PatientName=X"]) != nil, "a return key has no value")
            #expect(CLI.usageError(["find"] + to + ["-k", "NoSuchKeyword=1"]) != nil)
            #expect(CLI.usageError(["find"] + to + ["-k", "QueryRetrieveLevel=SERIES"]) != nil, "the level comes from --level")
        case .limit:
            for s in CLI.spellings(.limit, "10") { #expect(try find(to + s).limit == 10) }
            #expect(defaults.limit == nil)
            #expect(CLI.usageError(["find"] + to + ["--limit", "0"]) != nil)
        case .relational, .combinedDatetime, .fuzzy, .timezoneAdjustment:
            let options: [FlagID: QueryNegotiationOptions] = [.relational: .relational, .combinedDatetime: .combinedDateTime,
                                                              .fuzzy: .fuzzyNames, .timezoneAdjustment: .timezoneAdjustment]
            for s in CLI.spellings(id) { #expect(try find(to + s).negotiation == options[id]) }
            #expect(defaults.negotiation.isEmpty)
            #expect(try find(to + ["--relational", "--fuzzy"]).negotiation == [.relational, .fuzzyNames])
            #expect(CLI.usageError(["find"] + to + ["--worklist", "--\(id.rawValue)"]) != nil, "not for the worklist")
        case .to:
            for s in CLI.spellings(.to, "RIS@ris:11112") { #expect(try find(s).peer.address.port == 11112) }
            #expect(CLI.usageError(["find", "--level", "study"]) != nil, "the peer is required")
            #expect(CLI.usageError(["find"] + to + ["stray"]) != nil, "no inputs")
        case .callingAET:
            for s in CLI.spellings(.callingAET, "WS1") { #expect(try find(to + s).peer.callingAETitle == "WS1") }
            #expect(defaults.peer.callingAETitle == "DICOMTOOL")
        case .timeout:
            for s in CLI.spellings(.timeout, "7") { #expect(try find(to + s).peer.timeoutSeconds == 7) }
            #expect(defaults.peer.timeoutSeconds == 30)
        case .dimseTimeout:
            for s in CLI.spellings(.dimseTimeout, "9") { #expect(try find(to + s).peer.dimseTimeoutSeconds == 9) }
            #expect(defaults.peer.dimseTimeoutSeconds == 60)
        case .json:
            #expect(try find(to + ["--json"]).json)
            #expect(!defaults.json)
            #expect(CLI.usageError(["find"] + to + ["--json", "--format", "json"]) != nil)
        case .format:
            guard case .run(.find, _, let global) = try CLI.invocation(["find"] + to + ["--format", "csv"]) else {
                Issue.record("find --format csv")
                return
            }
            #expect(global.format == .csv)
            #expect(CLI.usageError(["validate", "--format", "csv", "x"]) != nil)
        default:
            Issue.record("--\(id.rawValue) is not a find flag")
        }
    }
}
