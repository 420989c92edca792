import DicomCore
import DicomIO
import Testing
@testable import DicomToolCLI

/// dicomdir's flags reach DicomdirOptions in every spelling (called from EveryFlagTests), the
/// subcommand mechanism parses, refuses and documents what it should.
enum DicomdirFlagChecks {
    static func dicomdir(_ arguments: [String]) throws -> (DicomdirArgs, GlobalArgs) {
        guard case .run(.dicomdir, let args, let global) = try CLI.invocation(["dicomdir"] + arguments),
              let d = args as? DicomdirArgs else { throw CLI.NotARun() }
        return (d, global)
    }

    static func check(_ id: FlagID) throws {
        switch id {
        case .profile:
            for s in CLI.spellings(.profile, "STD-GEN-USB-J2K") { #expect(try dicomdir(["create"] + s + ["d"]).0.options.profile == .usbJ2K) }
            #expect(try dicomdir(["create", "d"]).0.options.profile == .cd)
            #expect(CLI.usageError(["dicomdir", "create", "--profile", "STD-GEN-FLOPPY", "d"]) != nil)
            #expect(CLI.usageError(["dicomdir", "list", "--profile", "STD-GEN-CD", "d"]) != nil)
        case .invent:
            for s in CLI.spellings(.invent) { #expect(try dicomdir(["update"] + s + ["d"]).0.options.invent) }
            #expect(try !dicomdir(["create", "d"]).0.options.invent)
        case .rename:
            for s in CLI.spellings(.rename) { #expect(try dicomdir(["create"] + s + ["d", "-o", "o"]).0.options.rename) }
            // Inputs are never renamed: --rename needs a new tree, and belongs to create only.
            #expect(CLI.usageError(["dicomdir", "create", "--rename", "d"])?.message.contains("-o") == true)
            #expect(CLI.usageError(["dicomdir", "update", "--rename", "d"])?.message.contains("dicomdir create") == true)
        case .fileSetID:
            for s in CLI.spellings(.fileSetID, "CD_1") { #expect(try dicomdir(["create"] + s + ["d"]).0.options.fileSetID == "CD_1") }
            #expect(CLI.usageError(["dicomdir", "create", "--file-set-id", "lower", "d"]) != nil)
            #expect(CLI.usageError(["dicomdir", "create", "--file-set-id", "SEVENTEEN_CHARS_X", "d"]) != nil)
        case .strict:
            for s in CLI.spellings(.strict) { #expect(try dicomdir(["create"] + s + ["d"]).0.options.strict) }
        default:
            Issue.record("--\(id.rawValue) is not a dicomdir flag")
        }
    }
}

@Suite struct DicomdirSubcommandTests {
    @Test func subcommandsParse() throws {
        #expect(try DicomdirFlagChecks.dicomdir(["create", "cd"]).0.action == .create)
        #expect(try DicomdirFlagChecks.dicomdir(["update", "cd"]).0.action == .update)
        let (list, global) = try DicomdirFlagChecks.dicomdir(["list", "--format", "json", "cd/DICOMDIR"])
        #expect(list.action == .list && list.target == "cd/DICOMDIR" && global.format == .json)
        // A flag may come before the subcommand; it is checked against it all the same.
        #expect(try DicomdirFlagChecks.dicomdir(["--invent", "create", "cd"]).0.options.invent)
        #expect(CLI.usageError(["dicomdir", "--invent", "list", "cd"]) != nil)
    }

    @Test func missingOrUnknownSubcommandIsAUsageError() {
        #expect(CLI.usageError(["dicomdir", "cd"])?.message.contains("unknown subcommand 'cd'") == true)
        #expect(CLI.usageError(["dicomdir"])?.message.contains("needs a subcommand") == true)
        #expect(CLI.usageError(["dicomdir", "creat", "cd"])?.message.contains("create") == true)
        #expect(CLI.usageError(["dicomdir", "create", "a", "b"]) != nil)
        #expect(CLI.usageError(["dicomdir", "create", "--shard", "1/2", "a"]) != nil)
    }

    @Test func helpKnowsSubcommands() throws {
        guard case .help(.dicomdir, long: false) = try CLI.invocation(["dicomdir", "-h"]) else { Issue.record("dicomdir -h"); return }
        guard case .subcommandHelp(.dicomdir, "create", long: true) = try CLI.invocation(["dicomdir", "create", "--help"]) else {
            Issue.record("dicomdir create --help"); return
        }
        let top = Help.short(.dicomdir)
        #expect(top.contains("Subcommands:") && top.contains("create") && top.contains("update") && top.contains("list"))
        let create = Help.render(.dicomdir, subcommand: "create", long: true)
        #expect(create.contains("dicomtool dicomdir create [OPTIONS] DIR") && create.contains("--rename"))
        let list = Help.render(.dicomdir, subcommand: "list", long: false)
        #expect(!list.contains("--rename") && !list.contains("--profile"))
        let page = ManPage.render(.dicomdir)
        #expect(page.contains(".SH SUBCOMMANDS") && page.contains("\\fBdicomtool dicomdir create\\fR"))
        #expect(page.contains("Only for dicomdir create."))
    }

    @Test func completionsOfferSubcommands() {
        #expect(Completions.bash().contains("dicomdir) subs=\"create update list\""))
        #expect(Completions.zsh().contains("'1:subcommand:(create update list)'"))
        #expect(Completions.fish().contains("__fish_seen_subcommand_from dicomdir; and not __fish_seen_subcommand_from create update list' -a create"))
    }
}
