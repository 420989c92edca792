import DicomCore
import DicomServices
import Testing
@testable import DicomToolCLI

/// The receive command's flags, each in every spelling, reaching `ReceiveArgs` and the receiver's
/// configuration; bad values are usage errors before anything listens.
enum ReceiveFlagChecks {
    static let base = ["--port", "0", "-o", "in"]

    static func receive(_ arguments: [String]) throws -> ReceiveArgs {
        guard case .run(.receive, let args, _) = try CLI.invocation(["receive"] + arguments), let r = args as? ReceiveArgs else {
            throw CLI.NotARun()
        }
        return r
    }

    static func check(_ id: FlagID) throws {
        let defaults = try receive(base).configuration
        switch id {
        case .port:
            for s in CLI.spellings(.port, "11112") { #expect(try receive(s + ["-o", "in"]).configuration.port == 11112) }
            #expect(CLI.usageError(["receive", "-o", "in"]) != nil)
            #expect(CLI.usageError(["receive", "--port", "65536", "-o", "in"]) != nil)
        case .output:
            for s in CLI.spellings(.output, "store/") { #expect(try receive(["--port", "0"] + s).configuration.outputDirectory == "store") }
            #expect(CLI.usageError(["receive", "--port", "0"]) != nil)
            #expect(CLI.usageError(["receive", "--port", "0", "-o", "-"]) != nil)
            #expect(CLI.usageError(["receive", "--port", "0", "-o", "in", "stray"]) != nil)
        case .aet:
            for s in CLI.spellings(.aet, "ARCHIVE") { #expect(try receive(base + s).configuration.aeTitle == "ARCHIVE") }
            #expect(defaults.aeTitle == "DICOMTOOL")
            #expect(CLI.usageError(["receive", "--aet", "SEVENTEEN_CHARS_X"] + base) != nil)
        case .bind:
            for s in CLI.spellings(.bind, "127.0.0.1") { #expect(try receive(base + s).configuration.host == "127.0.0.1") }
            #expect(defaults.host == "0.0.0.0")
        case .layout:
            let text = "{PatientID}/{StudyInstanceUID}/{SOPInstanceUID}.dcm"
            for s in CLI.spellings(.layout, text) { #expect(try receive(base + s).configuration.layout.template.text == text) }
            #expect(defaults.layout.template.text == "{SOPInstanceUID}.dcm")
            for bad in ["/abs/{SOPInstanceUID}", "../{SOPInstanceUID}", "a//{SOPInstanceUID}", "{NoSuchKeyword}", "{PatientID", "x/"] {
                #expect(CLI.usageError(["receive", "--layout", bad] + base) != nil, "\(bad)")
            }
        case .sync:
            #expect(try receive(base + ["--sync"]).configuration.sync)
            #expect(!defaults.sync)
        case .onDuplicate:
            for s in CLI.spellings(.onDuplicate, "reject") { #expect(try receive(base + s).configuration.onDuplicate == .reject) }
            #expect(defaults.onDuplicate == .keep)
            #expect(CLI.usageError(["receive", "--on-duplicate", "merge"] + base) != nil)
            try GetFlagChecks.check(.onDuplicate)  // shared with get
        case .execOnFile:
            for s in CLI.spellings(.execOnFile, "ingest --file {file} '{PatientID} x'") {
                let hook = try #require(try receive(base + s).configuration.execOnFile)
                #expect(hook.words.map(\.text) == ["ingest", "--file", "{file}", "{PatientID} x"])
            }
            #expect(CLI.usageError(["receive", "--exec-on-file", "{file}"] + base) != nil)
            #expect(CLI.usageError(["receive", "--exec-on-file", "run 'open"] + base) != nil)
            #expect(CLI.usageError(["receive", "--exec-on-file", "run {count}"] + base) != nil)
        case .execOnStudy:
            for s in CLI.spellings(.execOnStudy, "ingest {dir} {count} {StudyInstanceUID}") {
                #expect(try receive(base + s).configuration.execOnStudy?.words.count == 4)
            }
            #expect(CLI.usageError(["receive", "--exec-on-study", "ingest {file}"] + base) != nil)
        case .studyTimeout:
            for s in CLI.spellings(.studyTimeout, "5") { #expect(try receive(base + s).configuration.studyTimeoutSeconds == 5) }
            #expect(defaults.studyTimeoutSeconds == 60)
        case .maxAssociations:
            for s in CLI.spellings(.maxAssociations, "4") { #expect(try receive(base + s).configuration.maxAssociations == 4) }
            #expect(defaults.maxAssociations == 32)
            #expect(CLI.usageError(["receive", "--max-associations", "0"] + base) != nil)
        case .acceptUnknown:
            #expect(try receive(base + ["--accept-unknown"]).configuration.acceptorPolicy.abstractSyntaxes == nil)
            #expect(defaults.acceptorPolicy.abstractSyntaxes?.contains("1.2.840.10008.5.1.4.1.1.2") == true)
        case .prefer:
            for s in CLI.spellings(.prefer, "JPEG2000Lossless,1.2.840.10008.1.2.1") {
                let c = try receive(base + s).configuration
                #expect(c.preferredSyntaxes == ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.1"])
                #expect(c.acceptorPolicy.transferSyntaxPreference.prefix(2) == ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.1"])
                #expect(!c.acceptorPolicy.preferRequestorOrder)
            }
            #expect(defaults.preferredSyntaxes == nil && defaults.acceptorPolicy.preferRequestorOrder)
            #expect(CLI.usageError(["receive", "--prefer", "NoSuchSyntax"] + base) != nil)
        case .acceptSyntaxes:
            for s in CLI.spellings(.acceptSyntaxes, "ImplicitVRLittleEndian") {
                let c = try receive(base + s).configuration
                #expect(c.acceptedSyntaxes == ["1.2.840.10008.1.2"] && c.acceptorPolicy.transferSyntaxPreference == ["1.2.840.10008.1.2"])
            }
            #expect(defaults.acceptedSyntaxes == nil && defaults.acceptorPolicy.transferSyntaxPreference.count > 30)
            #expect(CLI.usageError(["receive", "--accept-syntaxes", "requestor"] + base) != nil)
            #expect(CLI.usageError(["receive", "--accept-syntaxes", "ImplicitVRLittleEndian", "--prefer", "ExplicitVRLittleEndian"] + base) != nil)
        case .acseTimeout:
            for s in CLI.spellings(.acseTimeout, "7") { #expect(try receive(base + s).configuration.artimSeconds == 7) }
            #expect(defaults.artimSeconds == 30)
            #expect(CLI.usageError(["receive"] + base + ["--acse-timeout", "0"]) != nil)
        case .dimseTimeout:
            for s in CLI.spellings(.dimseTimeout, "8") { #expect(try receive(base + s).configuration.dimseSeconds == 8) }
            #expect(defaults.dimseSeconds == 60)
        case .idleTimeout:
            for s in CLI.spellings(.idleTimeout, "9") { #expect(try receive(base + s).configuration.idleTimeoutSeconds == 9) }
            #expect(defaults.idleTimeoutSeconds == nil)
        case .once:
            #expect(try receive(base + ["--once"]).configuration.once)
            #expect(!defaults.once)
        case .commitment:
            let c = try receive(base + ["--commitment"]).configuration
            #expect(c.commitment && !defaults.commitment)
            #expect(c.acceptorPolicy.abstractSyntaxes?.contains(StorageCommitment.sopClassUID) == true)
            #expect(defaults.acceptorPolicy.abstractSyntaxes?.contains(StorageCommitment.sopClassUID) == false)
        case .commitmentPeer:
            for s in CLI.spellings(.commitmentPeer, "SCU@127.0.0.1:11113") {
                let peer = try receive(base + ["--commitment"] + s).configuration.commitmentPeer
                #expect(peer?.aeTitle == "SCU" && peer?.port == 11113)
            }
            #expect(defaults.commitmentPeer == nil)
            #expect(CLI.usageError(["receive"] + base + ["--commitment-peer", "SCU@h:1"]) != nil, "without --commitment")
            #expect(CLI.usageError(["receive"] + base + ["--commitment", "--commitment-peer", "h:1"]) != nil)
        default:
            Issue.record("\(id) is not a receive flag")
        }
    }
}
