import DicomCore

/// A usage error, with the command it happened in (nil before the command name), so that the
/// message reads `dicomtool: transcode: error: ...`.
public struct UsageError: Error, Sendable, Equatable {
    public let command: CommandID?
    public let message: String

    public init(command: CommandID?, message: String) {
        self.command = command
        self.message = message
    }

    public var dicomError: DicomError { DicomError(.usage, message) }
}

/// Stage one: turns raw arguments (without the program name) into `LowArgs` using the flag table.
/// The first positional argument is the command name; flags before it must be global.
public enum Parser {
    public static func parseLow(_ arguments: [String]) throws(UsageError) -> LowArgs {
        var low = LowArgs()
        var index = 0
        var onlyPositionals = false

        func fail(_ message: String) -> UsageError { UsageError(command: low.command, message: message) }

        /// The value of a flag that is not in the same argument: the next argument, whatever it
        /// looks like, as GNU getopt does (`--files-from -`, `--tag -x` are values).
        func nextValue(for spelling: String, _ flag: Flag) throws(UsageError) -> String {
            guard index < arguments.count else {
                throw fail("\(spelling) needs a value (\(flag.valueName ?? "VALUE"))")
            }
            defer { index += 1 }
            return arguments[index]
        }

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            let token = onlyPositionals ? .positional(argument) : Lexer.token(argument)
            switch token {
            case .endOfOptions:
                onlyPositionals = true
            case .positional(let value):
                if low.command == nil {
                    guard let command = CommandID(rawValue: value) else {
                        var message = "unknown command '\(value)'"
                        if let hint = Suggestions.didYouMean(value, among: CommandID.allCases.map(\.rawValue)) {
                            message += "; " + hint
                        }
                        throw fail(message)
                    }
                    low.command = command
                } else if let command = low.command.flatMap(CommandTable.command), !command.subcommands.isEmpty,
                          low.subcommand == nil {
                    guard command.subcommand(value) != nil else {
                        let names = command.subcommands.map(\.name)
                        var message = "unknown subcommand '\(value)' of \(command.name): choose one of \(names.joined(separator: ", "))"
                        if let hint = Suggestions.didYouMean(value, among: names) { message += "; " + hint }
                        throw fail(message)
                    }
                    low.subcommand = value
                } else {
                    low.positionals.append(value)
                }
            case .long(let name, let inlineValue):
                let spelling = "--" + name
                let (flag, negated) = try lookupLong(name, command: low.command)
                if negated || flag.isSwitch {
                    if inlineValue != nil { throw fail("\(spelling) takes no value") }
                    record(flag, spelling: spelling, .toggle(!negated), into: &low, long: true)
                } else {
                    var value = inlineValue ?? ""
                    if inlineValue == nil { value = try nextValue(for: spelling, flag) }
                    record(flag, spelling: spelling, .text(value), into: &low, long: true)
                }
            case .shortCluster(let cluster):
                // `-qj4` is -q then -j with value 4: a flag with a value takes the rest of the
                // cluster, or the next argument when the cluster ends with it (`-j 4`).
                var rest = Substring(cluster)
                while let character = rest.first {
                    rest = rest.dropFirst()
                    let spelling = "-" + String(character)
                    let flag = try lookupShort(character, command: low.command)
                    if flag.isSwitch {
                        record(flag, spelling: spelling, .toggle(true), into: &low, long: false)
                    } else {
                        let value = rest.isEmpty ? try nextValue(for: spelling, flag) : String(rest)
                        rest = ""
                        record(flag, spelling: spelling, .text(value), into: &low, long: false)
                    }
                }
            }
        }
        try checkSubcommands(low)
        return low
    }

    /// A flag given to a subcommand it does not belong to (`dicomdir list --rename`) says where it
    /// belongs; a command with subcommands needs one, except for help and generated documents.
    static func checkSubcommands(_ low: LowArgs) throws(UsageError) {
        guard let command = low.command.flatMap(CommandTable.command), !command.subcommands.isEmpty else { return }
        guard let subcommand = low.subcommand else {
            if low.special != nil { return }
            let names = command.subcommands.map(\.name).joined(separator: ", ")
            throw UsageError(command: command.id, message: "\(command.name) needs a subcommand: \(names)")
        }
        for occurrence in low.occurrences {
            let flag = FlagTable.flag(occurrence.flag)
            guard !flag.applies(to: command.id, subcommand: subcommand) else { continue }
            let owners = flag.subcommands.map { "\(command.name) \($0)" }.joined(separator: ", ")
            throw UsageError(command: command.id, message: "\(occurrence.spelling) is not an option of \(command.name) \(subcommand) (it is one of: \(owners))")
        }
    }

    /// Help, version and generate end parsing early (a later one wins); the rest are recorded.
    private static func record(_ flag: Flag, spelling: String, _ value: LowArgs.Value, into low: inout LowArgs,
                               long: Bool) {
        switch (flag.id, value) {
        case (.help, .toggle(true)): low.special = long ? .longHelp : .shortHelp
        case (.version, .toggle(true)): low.special = .version
        case (.generate, .text(let kind)): low.special = .generate(kind)
        default: low.occurrences.append(.init(flag: flag.id, spelling: spelling, value: value))
        }
    }

    /// The flag named `name` (or whose negation it is) that may be given here.
    static func lookupLong(_ name: String, command: CommandID?) throws(UsageError) -> (Flag, negated: Bool) {
        let match = FlagTable.all.lazy.compactMap { flag -> (Flag, Bool)? in
            if flag.long == name { return (flag, false) }
            if flag.negatedLong == name { return (flag, true) }
            return nil
        }.first
        guard let (flag, negated) = match else {
            var message = "unknown flag --\(name)"
            let candidates = FlagTable.flags(for: command).flatMap { [$0.long] + [$0.negatedLong].compactMap { $0 } }
            if let hint = Suggestions.didYouMean(name, among: candidates, prefix: "--") { message += "; " + hint }
            throw UsageError(command: command, message: message)
        }
        try checkScope(flag, spelling: "--" + name, command: command)
        return (flag, negated)
    }

    static func lookupShort(_ character: Character, command: CommandID?) throws(UsageError) -> Flag {
        guard let flag = FlagTable.all.first(where: { $0.short == character }) else {
            throw UsageError(command: command, message: "unknown flag -\(character)")
        }
        try checkScope(flag, spelling: "-" + String(character), command: command)
        return flag
    }

    /// A flag of another command, or a command flag before the command name, is an error that
    /// says where the flag belongs rather than "unknown".
    private static func checkScope(_ flag: Flag, spelling: String, command: CommandID?) throws(UsageError) {
        guard !flag.applies(to: command), case .commands(let owners) = flag.scope else { return }
        let ownerNames = owners.map(\.rawValue).joined(separator: ", ")
        if let command {
            throw UsageError(command: command, message: "\(spelling) is not an option of \(command.rawValue) (it is one of: \(ownerNames))")
        }
        throw UsageError(command: nil, message: "\(spelling) must follow the command name (it is an option of: \(ownerNames))")
    }
}
