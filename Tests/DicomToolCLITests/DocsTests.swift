import DicomCodecs
import DicomCore
import Foundation
import Testing
@testable import DicomToolCLI

/// Help, man pages and completions are renderings of the tables: they say what the tables say,
/// the committed man/ files are current, and every output is valid for the program that reads it.
@Suite struct DocsTests {
    static let pages: [CommandID?] = [nil] + CommandID.allCases.map { $0 }

    @Test(arguments: pages)
    func committedManPageIsCurrent(_ command: CommandID?) throws {
        let url = CLI.packageRoot.appendingPathComponent("man").appendingPathComponent(ManPage.fileName(command))
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == ManPage.render(command), "man/\(ManPage.fileName(command)) is stale: run scripts/gen-docs")
    }

    @Test(arguments: pages)
    func manPageRendersWithoutWarnings(_ command: CommandID?) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/man") else {
            print("skipped: man is not installed")
            return
        }
        let file = try CLI.temporaryFile(ManPage.fileName(command), ManPage.render(command))
        let result = try CLI.run("/usr/bin/man", ["--warnings", "-l", file.path], environment: ["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"])
        #expect(result.status == 0)
        #expect(result.err.isEmpty, "man warnings: \(result.err)")
        #expect(result.out.contains("EXIT STATUS") && result.out.contains("EXAMPLES"))
    }

    @Test(arguments: pages)
    func manPageHasEveryFlagAndExitStatus(_ command: CommandID?) {
        let page = ManPage.render(command)
        for flag in FlagTable.flags(for: command) {
            #expect(page.contains("\\fB\\-\\-\(ManPage.escapeDashes(flag.long))\\fR"), "--\(flag.long) missing")
        }
        for status in ExitStatus.allCases {
            #expect(page.contains(".TP\n\\fB\(status.rawValue)\\fR\n"), "exit status \(status.rawValue) missing")
        }
        #expect(page.contains(".SH EXAMPLES"))
        // A line starting with a period or quote would be read as a roff request.
        let lines = page.split(separator: "\n")
        let requests = Set([".TH", ".SH", ".SS", ".PP", ".TP", ".IP", ".RS", ".RE", ".EX", ".EE", ".\\\""])
        for line in lines where line.hasPrefix(".") || line.hasPrefix("'") {
            #expect(requests.contains(String(line.prefix(3))) || line.hasPrefix(".\\\""), "stray request: \(line)")
        }
    }

    @Test func roffEscaping() {
        #expect(ManPage.text(".hidden") == "\\&.hidden")
        #expect(ManPage.text("a\\b") == "a\\eb")
        #expect(ManPage.text("use --jobs and re-run") == "use \\-\\-jobs and re-run")
        #expect(ManPage.code("dicomtool dump -q x") == "dicomtool dump \\-q x")
    }

    @Test(arguments: [nil, CommandID.dump, .transcode])
    func shortHelpListsVisibleFlagsOnOneLineEach(_ command: CommandID?) {
        let help = Help.short(command)
        for flag in FlagTable.flags(for: command) where !flag.isHiddenFromShortHelp {
            #expect(help.contains("--\(flag.long)"), "--\(flag.long) missing from -h")
            #expect(help.contains(flag.summary))
            #expect(!help.contains(flag.details) || flag.details == flag.summary)
        }
        #expect(!help.contains("--generate"))
        for line in help.split(separator: "\n") { #expect(line.count <= 100, "long line: \(line)") }
    }

    @Test(arguments: [nil, CommandID.dump, .transcode])
    func longHelpHasDetailsDefaultsAndChoices(_ command: CommandID?) {
        let help = Help.long(command)
        let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // A command's --help details its own flags and lists the common ones in one line each
        // (their details are in 'dicomtool --help', checked with command nil).
        for flag in FlagTable.flags(for: command) where command != nil && flag.isGlobal {
            #expect(help.contains("--\(flag.long)") && flat.contains(flag.summary), "--\(flag.long) missing")
            #expect(!flat.contains(flag.details.split(whereSeparator: \.isWhitespace).joined(separator: " ")) || flag.details == flag.summary,
                    "--\(flag.long) details repeated in every command's help")
        }
        if command != nil { #expect(help.contains("details: 'dicomtool --help'")) }
        for flag in FlagTable.flags(for: command) where command == nil || !flag.isGlobal {
            #expect(flat.contains(flag.details.split(whereSeparator: \.isWhitespace).joined(separator: " ")),
                    "--\(flag.long) details missing")
            if let value = flag.defaultValue { #expect(flat.contains("Default: \(value).")) }
            if !flag.choices.isEmpty { #expect(flat.contains("Choices: \(flag.choices.joined(separator: ", ")).")) }
        }
        for line in help.split(separator: "\n") where !line.hasPrefix("      dicomtool") {
            #expect(line.count <= Help.width, "line over \(Help.width) columns: \(line)")
        }
        if command == nil {
            for status in ExitStatus.allCases { #expect(flat.contains(status.summary)) }
        }
    }

    @Test func helpAndVersionGoToStdoutWithStatusZero() {
        let help = CLI.execute(["transcode", "--help"])
        #expect(help.status == .ok && help.err.isEmpty && help.out.hasPrefix("dicomtool transcode"))
        let version = CLI.execute(["--version"])
        #expect(version.status == .ok)
        #expect(version.out.hasPrefix("dicomtool \(DicomTool.version)\n"))
        for (name, _) in LibraryVersions.all { #expect(version.out.contains("\n\(name) ")) }
    }

    @Test func generateWritesTheRenderers() {
        #expect(CLI.execute(["--generate", "man"]).out == ManPage.render(nil))
        #expect(CLI.execute(["dump", "--generate", "man"]).out == ManPage.render(.dump))
        #expect(CLI.execute(["--generate", "complete-bash"]).out == Completions.bash())
        #expect(CLI.execute(["--generate", "complete-fish"]).out == Completions.fish())
    }

    // MARK: Completions

    static let shells: [(name: String, script: @Sendable () -> String, file: String)] = [
        ("bash", Completions.bash, "dicomtool.bash"),
        ("zsh", Completions.zsh, "_dicomtool"),
        ("fish", Completions.fish, "dicomtool.fish"),
    ]

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptParses(_ shell: String) throws {
        guard let entry = Self.shells.first(where: { $0.name == shell }),
              let path = ["/usr/bin/\(shell)", "/bin/\(shell)"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: \(shell) is not installed")
            return
        }
        let file = try CLI.temporaryFile(entry.file, entry.script())
        let result = try CLI.run(path, ["-n", file.path])
        #expect(result.status == 0, "\(shell) -n: \(result.err)")
        #expect(result.err.isEmpty)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptNamesEveryFlagAndCommand(_ shell: String) throws {
        let script = try #require(Self.shells.first { $0.name == shell }).script()
        for flag in FlagTable.all { #expect(script.contains(flag.long), "\(shell): --\(flag.long)") }
        for command in CommandID.allCases { #expect(script.contains(command.rawValue)) }
        for flag in FlagTable.all where !flag.choices.isEmpty {
            #expect(script.contains(flag.choices.joined(separator: " ")), "\(shell): choices of --\(flag.long)")
        }
    }

    /// Runs the bash completion function for a command line and returns what it offers.
    func bashComplete(_ words: [String]) throws -> [String] {
        let file = try CLI.temporaryFile("dicomtool.bash", Completions.bash())
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let script = """
            source '\(file.path)'
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            _dicomtool
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try CLI.run("/bin/bash", ["-c", script])
        #expect(result.status == 0, "\(result.err)")
        return result.out.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesCommandsFlagsAndChoices() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { return }
        #expect(try bashComplete(["dicomtool", "tr"]) == ["transcode"])
        #expect(try Set(bashComplete(["dicomtool", "transcode", "--jpeg"])) == ["--jpeg", "--jpeg-lossless", "--jpegls", "--jpeg2000"])
        #expect(try bashComplete(["dicomtool", "dump", "--js"]) == ["--json"])
        #expect(try bashComplete(["dicomtool", "dump", "--format", ""]) == ["text", "json", "junit", "sarif", "csv", "tsv"])
        #expect(try bashComplete(["dicomtool", "transcode", "--offset-table", "e"]) == ["extended"])
        // Flags of another command are not offered.
        #expect(try bashComplete(["dicomtool", "transcode", "--js"]).isEmpty)
    }

    /// Asks fish what it would complete for a command line: `complete -C`.
    func fishComplete(_ line: String) throws -> [String] {
        let file = try CLI.temporaryFile("dicomtool.fish", Completions.fish())
        let result = try CLI.run("/usr/bin/fish", ["-c", "source '\(file.path)'; complete -C '\(line)'"])
        #expect(result.status == 0, "\(result.err)")
        return result.out.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) }
    }

    @Test func fishCompletesCommandsFlagsAndChoices() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fish") else {
            print("skipped: fish is not installed")
            return
        }
        #expect(try Set(fishComplete("dicomtool ")) == Set(CommandID.allCases.map(\.rawValue)))
        #expect(try Set(fishComplete("dicomtool transcode --jp")) == ["--jpeg", "--jpeg-lossless", "--jpegls", "--jpeg2000"])
        #expect(try Set(fishComplete("dicomtool dump --format ")) == ["text", "json", "junit", "sarif", "csv", "tsv"])
        #expect(try fishComplete("dicomtool transcode --js").isEmpty)
        #expect(try fishComplete("dicomtool dump --no-pro") == ["--no-progress"])
    }

    @Test func generateChoicesMatchTheRenderers() {
        #expect(FlagTable.flag(.generate).choices == DicomTool.GeneratedDocument.allCases.map(\.rawValue))
    }

    @Test func zshCompletesFlagsOfTheCommand() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh") else {
            print("skipped: zsh is not installed")
            return
        }
        // zsh completes only inside its line editor: drive an interactive zsh through a
        // pseudo-terminal (zpty), type a prefix and TAB, and read the listing until it appears.
        let file = try CLI.temporaryFile("_dicomtool", Completions.zsh())
        let driver = """
            zmodload zsh/zpty
            zpty z zsh -f -i
            zpty -w z 'PS1="> "; fpath=(\(file.deletingLastPathComponent().path) $fpath); autoload -U compinit; compinit -u -D'
            zpty -w -n z $'dicomtool transcode --jpeg\\t'
            local chunk all
            for i in {1..100}; do
                while zpty -r -t z chunk; do all+=$chunk; done
                [[ $all == *--jpegls* ]] && break
                sleep 0.1
            done
            zpty -d z
            print -r -- "$all"
            """
        let result = try CLI.run("/usr/bin/zsh", ["-f", "-c", driver])
        #expect(result.out.contains("--jpeg-lossless") && result.out.contains("--jpegls") && result.out.contains("--jpeg2000"))
        #expect(!result.out.contains("--json"))
    }
}
