import DicomCodecs
import DicomCore
import FoundationEssentials

/// The entry point: parse, dispatch, map the outcome to an exit status.
public enum DicomTool {
    public static let version = "0.1.0"

    /// What a command line asks for, parsed and checked.
    public enum Invocation: Sendable {
        case help(CommandID?, long: Bool)
        /// Help of one subcommand (`dicomtool dicomdir create --help`).
        case subcommandHelp(CommandID, String, long: Bool)
        case version
        case generate(GeneratedDocument, CommandID?)
        case run(CommandID, any CommandArgs, GlobalArgs)
    }

    /// What `--generate` can write.
    public enum GeneratedDocument: String, Sendable, CaseIterable {
        case man, completeBash = "complete-bash", completeZsh = "complete-zsh", completeFish = "complete-fish"
    }

    /// `arguments` includes the program name, as `CommandLine.arguments` does.
    public static func main(_ arguments: [String]) -> Int32 {
        let status = execute(Array(arguments.dropFirst()),
                             write: { StandardOutput.write($0) },
                             writeError: { StandardError.write($0) })
        return status.rawValue
    }

    /// Runs a command line (without the program name); help, version, generated documents and
    /// usage errors go through `write` and `writeError`, so tests can capture them.
    public static func execute(_ arguments: [String], write: (String) -> Void, writeError: (String) -> Void) -> ExitStatus {
        let invocation: Invocation
        do {
            invocation = try parse(arguments)
        } catch {
            writeError(usageMessage(error))
            return .usage
        }
        switch invocation {
        case .help(let command, let long):
            write(long ? Help.long(command) : Help.short(command))
            return .ok
        case .subcommandHelp(let command, let subcommand, let long):
            write(Help.render(command, subcommand: subcommand, long: long))
            return .ok
        case .version:
            write(versionText)
            return .ok
        case .generate(let document, let command):
            write(render(document, command: command))
            return .ok
        case .run(_, let args, let global):
            return args.run(global: global)
        }
    }

    /// Both stages of parsing.
    public static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        let low = try Parser.parseLow(arguments)
        switch low.special {
        case .shortHelp?, .longHelp?:
            let long = low.special == .longHelp
            if let command = low.command, let subcommand = low.subcommand { return .subcommandHelp(command, subcommand, long: long) }
            return .help(low.command, long: long)
        case .version?: return .version
        case .generate(let kind)?:
            guard let document = GeneratedDocument(rawValue: kind) else {
                throw UsageError(command: low.command,
                                 message: GlobalArgs.badChoice(kind, for: .generate, spelling: "--generate").message)
            }
            return .generate(document, low.command)
        case nil: break
        }
        guard let commandID = low.command, let command = CommandTable.command(commandID) else {
            let names = CommandTable.all.map(\.name).joined(separator: ", ")
            throw UsageError(command: nil, message: "no command given: choose one of \(names)")
        }
        do {
            let global = try GlobalArgs(low)
            let args = try command.argsType.init(low)
            return .run(commandID, args, global)
        } catch {
            throw UsageError(command: commandID, message: error.message)
        }
    }

    /// `dicomtool: dump: error: ...` (the Reporter's diagnostic line) and a hint where to read more.
    public static func usageMessage(_ error: UsageError) -> String {
        let line = Reporter.diagnosticLine(command: error.command?.rawValue, severity: .error, error: error.dicomError)
        let helpCommand = error.command.map { "dicomtool \($0.rawValue) --help" } ?? "dicomtool --help"
        return "\(line)\nRun '\(helpCommand)' for usage.\n"
    }

    public static var versionText: String {
        var lines = ["dicomtool \(version)"]
        for (name, libraryVersion) in LibraryVersions.all { lines.append("\(name) \(libraryVersion)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func render(_ document: GeneratedDocument, command: CommandID?) -> String {
        switch document {
        case .man: return ManPage.render(command)
        case .completeBash: return Completions.bash()
        case .completeZsh: return Completions.zsh()
        case .completeFish: return Completions.fish()
        }
    }
}
