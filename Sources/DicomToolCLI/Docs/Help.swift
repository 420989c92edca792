import FoundationEssentials
import DicomCore

/// `-h` and `--help`, rendered from the tables. Short help is one line per flag; long help adds
/// each flag's details, defaults and choices, the examples, and (at the top) the exit statuses.
public enum Help {
    static let width = 80

    public static func short(_ command: CommandID?) -> String { render(command, long: false) }

    public static func long(_ command: CommandID?) -> String { render(command, long: true) }

    /// The help of `commandID` (nil: the top page), or of its `subcommand`.
    public static func render(_ commandID: CommandID?, subcommand subcommandName: String? = nil, long: Bool) -> String {
        var out: [String] = []
        let command = commandID.flatMap(CommandTable.command)
        let subcommand = subcommandName.flatMap { command?.subcommand($0) }
        if let command, let subcommand {
            let name = "\(command.name) \(subcommand.name)"
            out.append("dicomtool \(name) \(DicomTool.version): \(subcommand.summary)")
            out.append("")
            out.append("Usage:")
            for usage in subcommand.usage { out.append("  dicomtool \(name) \(usage)") }
            if long {
                out.append("")
                for paragraph in paragraphs(subcommand.details) { out += wrap(paragraph, indent: 0) + [""] }
                out.removeLast()
            }
        } else if let command {
            out.append("dicomtool \(command.name) \(DicomTool.version): \(command.summary)")
            out.append("")
            out.append("Usage:")
            for usage in command.usage { out.append("  dicomtool \(command.name) \(usage)") }
            if long {
                out.append("")
                for paragraph in paragraphs(command.details) { out += wrap(paragraph, indent: 0) + [""] }
                out.removeLast()
            }
            if !command.subcommands.isEmpty {
                out += ["", "Subcommands:"]
                for sub in command.subcommands { out.append("  " + pad(sub.name, to: 12) + sub.summary) }
            }
        } else {
            out.append("dicomtool \(DicomTool.version): \(ManPage.tagline)")
            out.append("")
            out.append("Usage:")
            out.append("  dicomtool COMMAND [OPTIONS] INPUT...")
            out.append("")
            out.append("Commands:")
            for command in CommandTable.all {
                out.append("  " + pad(command.name, to: 12) + command.summary)
            }
        }

        // A command's --help details its own flags; the options every command shares are one line
        // each there (their details are in 'dicomtool --help'), so they are not read 60 lines at a time.
        var commonHeaderShown = false
        for category in FlagCategory.allCases {
            let flags = FlagTable.flags(for: commandID).filter {
                $0.category(in: commandID) == category && (long || !$0.isHiddenFromShortHelp)
                    && $0.applies(to: commandID, subcommand: subcommand?.name)
            }
            guard !flags.isEmpty else { continue }
            let brief = long && command != nil && flags.allSatisfy(\.isGlobal)
            if brief && !commonHeaderShown {
                out += ["", "Options of every command (details: 'dicomtool --help'):"]
                commonHeaderShown = true
            }
            out.append("")
            out.append(category.title + ":")
            for flag in flags {
                if long && !brief {
                    out.append("  " + flag.synopsis)
                    for paragraph in paragraphs(flag.details) { out += wrap(paragraph, indent: 8) }
                    if let notes = notes(flag) { out += wrap(notes, indent: 8) }
                    out.append("")
                } else if brief {
                    // Inside a long help page, which keeps to `width` columns.
                    out += wrap(flag.summary, indent: 32, firstPrefix: "  " + pad(flag.synopsis, to: 30))
                } else {
                    // Defaults and choices are in --help: one short line per flag here.
                    out.append("  " + pad(flag.synopsis, to: 30) + flag.summary)
                }
            }
            if long && !brief { out.removeLast() }
        }

        if long {
            let examples = subcommand?.examples ?? command.map { $0.examples + $0.subcommands.flatMap(\.examples) }
                ?? CommandTable.all.compactMap { $0.examples.first ?? $0.subcommands.first?.examples.first }
            out += ["", "Examples:"]
            for example in examples {
                out += wrap(example.explanation, indent: 2)
                out.append("      " + example.command)
            }
            if command == nil {
                out += ["", "Exit status:"]
                for status in ExitStatus.allCases {
                    out += wrap(status.summary, indent: 8, firstPrefix: "  " + pad(String(status.rawValue), to: 6))
                }
            }
        }
        out.append("")
        if let command, let subcommand {
            out.append(long ? "See also dicomtool-\(command.name)(1)."
                            : "Run 'dicomtool \(command.name) \(subcommand.name) --help' for details.")
        } else if let command {
            out.append(long ? "See also dicomtool-\(command.name)(1)."
                            : "Run 'dicomtool \(command.name) --help' for details.")
        } else {
            out.append(long ? "Run 'dicomtool COMMAND --help' for the options of a command."
                            : "Run 'dicomtool --help' for details, 'dicomtool COMMAND -h' for a command.")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// "Default: 4096. Choices: text, json." or nil.
    static func notes(_ flag: Flag) -> String? {
        var parts: [String] = []
        if let value = flag.defaultValue { parts.append("Default: \(value).") }
        if !flag.choices.isEmpty { parts.append("Choices: \(flag.choices.joined(separator: ", ")).") }
        if flag.isRepeatable { parts.append("May be repeated.") }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.replacing("\n", with: " ") }
    }

    static func pad(_ text: String, to column: Int) -> String {
        text.count + 1 >= column ? text + "  " : text + String(repeating: " ", count: column - text.count)
    }

    /// Greedy word wrap to `width` columns; words longer than a line stay whole.
    static func wrap(_ text: String, indent: Int, firstPrefix: String? = nil) -> [String] {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = firstPrefix ?? margin
        var lineHasWord = false
        for word in text.split(separator: " ") {
            if lineHasWord, line.count + 1 + word.count > width {
                lines.append(line)
                line = margin
                lineHasWord = false
            }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        lines.append(line)
        return lines
    }
}
