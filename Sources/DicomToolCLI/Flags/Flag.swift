/// What one flag entry says. `FlagTable.all` holds one of these per flag; parsing, help, man pages,
/// completions and the typed arguments (`updates`) are all read from it, so a flag is declared in
/// exactly one place.
public struct Flag: Sendable {
    /// The long name without dashes; also the flag's identity.
    public let id: FlagID
    public let short: Character?
    /// Placeholder for the value in docs (`N`, `FILE`); nil for a switch.
    public let valueName: String?
    public let category: FlagCategory
    public let scope: FlagScope
    /// One line, lower case, no final period: for `-h` and completions.
    public let summary: String
    /// Paragraphs separated by blank lines: for `--help` and the man pages.
    public let details: String
    /// The default as people should read it, e.g. "4096" or "number of cores".
    public let defaultValue: String?
    /// The only values accepted; also offered by the completions.
    public let choices: [String]
    /// Whether `--no-<long>` is accepted (switches only): it sets the switch back to off.
    public let isNegatable: Bool
    /// Repeatable flags collect every value; the others keep the last one given.
    public let isRepeatable: Bool
    /// Whether the value names a file, so completions offer file names.
    public let takesPath: Bool
    /// Not shown in `-h` (still in `--help` and the man page), for flags rarely typed by hand.
    public let isHiddenFromShortHelp: Bool
    /// What the flag does to the typed arguments: one `FlagUpdate<Root>` per type it sets a field
    /// of (a flag shared by several commands sets a field of each command's options). Empty for
    /// flags that stage two reads as a whole (targets, codec parameters, help).
    public let updates: [any Sendable]
    /// For a command with subcommands: the subcommands the flag belongs to (empty: all of them).
    public let subcommands: [String]

    public init(_ id: FlagID, short: Character? = nil, value valueName: String? = nil,
                category: FlagCategory, scope: FlagScope, summary: String, details: String,
                defaultValue: String? = nil, choices: [String] = [], negatable: Bool = false,
                repeatable: Bool = false, path: Bool = false, hiddenFromShortHelp: Bool = false,
                updates: [any Sendable] = [], subcommands: [String] = []) {
        self.id = id
        self.short = short
        self.valueName = valueName
        self.category = category
        self.scope = scope
        self.summary = summary
        self.details = details
        self.defaultValue = defaultValue
        self.choices = choices
        self.isNegatable = negatable
        self.isRepeatable = repeatable
        self.takesPath = path
        self.isHiddenFromShortHelp = hiddenFromShortHelp
        self.updates = updates
        self.subcommands = subcommands
    }

    public var long: String { id.rawValue }
    public var isSwitch: Bool { valueName == nil }
    /// `--no-progress` for `--progress`, when negatable.
    public var negatedLong: String? { isNegatable ? "no-" + long : nil }

    /// The group the flag is shown in on `command`'s pages: a flag shared by two commands (derive's
    /// --frames and --window are render's too) is among the command's own options on each.
    public func category(in command: CommandID?) -> FlagCategory {
        // Only another command's own options move (not encoding, writing, input...).
        guard let command, let own = FlagCategory.own(command), FlagCategory.own(category) != nil else { return category }
        return own
    }

    public var isGlobal: Bool {
        if case .global = scope { return true }
        return false
    }

    /// Whether the flag may be given to `command` (nil: before any command).
    public func applies(to command: CommandID?) -> Bool {
        switch scope {
        case .global: return true
        case .commands(let list): return command.map(list.contains) ?? false
        }
    }

    /// Whether the flag may be given to `subcommand` of `command` (nil: no subcommand chosen yet).
    public func applies(to command: CommandID?, subcommand: String?) -> Bool {
        applies(to: command) && (subcommands.isEmpty || subcommand.map(subcommands.contains) ?? true)
    }

    /// `-j, --jobs N` as help and man pages show it.
    public var synopsis: String {
        var text = short.map { "-\($0), " } ?? ""
        text += "--" + long
        if let valueName { text += " " + valueName }
        if let negatedLong { text += ", --" + negatedLong }
        return text
    }
}

/// Where a flag may be given.
public enum FlagScope: Sendable {
    /// Any command, and before the command name.
    case global
    /// Only after one of these command names.
    case commands([CommandID])
}

/// Groups flags in help and man pages, in this order.
public enum FlagCategory: String, Sendable, CaseIterable {
    // Command flags first, then the global ones, so a command's page starts with what is its own.
    case dump, target, encoding, verify, validate, anonymize, derive, modify, render, query, dicomdir, network, write, input, output, info

    /// The category of a command's own options, for the commands that have one.
    public static func own(_ command: CommandID) -> FlagCategory? {
        switch command {
        case .dump: return .dump
        case .validate: return .validate
        case .anonymize: return .anonymize
        case .derive: return .derive
        case .render: return .render
        case .find: return .query
        case .dicomdir: return .dicomdir
        default: return nil
        }
    }

    /// The command whose own options this category holds.
    static func own(_ category: FlagCategory) -> CommandID? {
        CommandID.allCases.first { FlagCategory.own($0) == category }
    }

    public var title: String {
        switch self {
        case .input: return "Input options"
        case .output: return "Output options"
        case .dump: return "Dump options"
        case .target: return "Target transfer syntax (exactly one)"
        case .encoding: return "Encoding options"
        case .verify: return "Verification options"
        case .validate: return "Validation options"
        case .anonymize: return "De-identification options"
        case .derive: return "Derivation options (applied in this order)"
        case .render: return "Rendering options"
        case .query: return "Query options"
        case .dicomdir: return "DICOMDIR options"
        // anonymize shares --set and --secret-file with modify.
        case .modify: return "Attribute editing options"
        case .network: return "Network options"
        case .write: return "Writing options"
        case .info: return "Information"
        }
    }
}
