import Testing
@testable import DicomToolCLI

/// Invariants of the two tables: what every entry must say, and names that cannot collide.
@Suite struct FlagTableTests {
    @Test func everyFlagIDHasExactlyOneEntry() {
        let ids = FlagTable.all.map(\.id)
        #expect(ids.count == Set(ids).count, "a flag is declared twice")
        #expect(Set(ids) == Set(FlagID.allCases), "a FlagID has no entry in FlagTable.all")
    }

    @Test func longNamesAndNegationsAreUnique() {
        let names = FlagTable.all.flatMap { [$0.long] + [$0.negatedLong].compactMap { $0 } }
        let duplicates = Dictionary(grouping: names, by: { $0 }).filter { $1.count > 1 }.keys
        #expect(duplicates.isEmpty, "long names used twice: \(duplicates.sorted())")
    }

    @Test func shortNamesAreUnique() {
        let shorts = FlagTable.all.compactMap(\.short)
        #expect(shorts.count == Set(shorts).count)
    }

    @Test func longNamesAreLowerCaseWords() {
        for flag in FlagTable.all {
            #expect(flag.long.count >= 2, "--\(flag.long) is too short for a long name")
            #expect(flag.long.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "--\(flag.long)")
            #expect(!flag.long.hasPrefix("-") && !flag.long.hasSuffix("-"), "--\(flag.long)")
        }
    }

    @Test func everyFlagIsDocumented() {
        for flag in FlagTable.all {
            #expect(!flag.summary.isEmpty, "--\(flag.long) has no summary")
            #expect(!flag.summary.hasSuffix("."), "--\(flag.long): summaries have no final period")
            #expect(flag.summary.count <= 70, "--\(flag.long): summary too long for one help line")
            #expect(flag.details.count > flag.summary.count / 2, "--\(flag.long) has no real details")
            #expect(flag.details.hasSuffix("."), "--\(flag.long): details are sentences")
        }
    }

    @Test func everyFlagBelongsToSomeCommand() {
        for flag in FlagTable.all {
            switch flag.scope {
            case .global: break
            case .commands(let owners):
                #expect(!owners.isEmpty, "--\(flag.long) belongs to no command")
            }
            #expect(CommandID.allCases.contains { flag.applies(to: $0) }, "--\(flag.long) is unreachable")
        }
    }

    @Test func declaredChoicesAreNonEmptyAndDistinct() {
        for flag in FlagTable.all where !flag.choices.isEmpty {
            #expect(!flag.isSwitch, "--\(flag.long): a switch cannot have choices")
            #expect(Set(flag.choices).count == flag.choices.count)
            #expect(flag.choices.allSatisfy { !$0.isEmpty && !$0.contains(" ") })
            if let value = flag.defaultValue { #expect(flag.choices.contains(value), "--\(flag.long) default") }
        }
    }

    @Test func negationAndRepetitionMakeSense() {
        for flag in FlagTable.all {
            if flag.isNegatable { #expect(flag.isSwitch, "--no-\(flag.long): only switches are negated") }
            if flag.isRepeatable { #expect(!flag.isSwitch, "--\(flag.long): a repeatable switch means nothing") }
            if flag.takesPath { #expect(!flag.isSwitch) }
            #expect(!flag.long.hasPrefix("no-") || !flag.isNegatable, "--\(flag.long): double negation")
        }
    }

    @Test func valueNamesAreUpperCase() {
        for flag in FlagTable.all {
            guard let name = flag.valueName else { continue }
            #expect(name == name.uppercased() && !name.isEmpty, "--\(flag.long) \(name)")
        }
    }

    @Test func everyCommandIsDeclaredOnceAndDocumented() {
        #expect(CommandTable.all.map(\.id) == CommandID.allCases)
        for command in CommandTable.all {
            #expect(!command.summary.isEmpty && !command.summary.hasSuffix("."))
            #expect(command.details.hasSuffix("."))
            #expect(!command.usage.isEmpty)
            let examples = command.examples + command.subcommands.flatMap(\.examples)
            #expect(!examples.isEmpty, "\(command.name) needs an example for its man page")
            for example in examples {
                #expect(example.command.hasPrefix("dicomtool \(command.name) "))
            }
            for sub in command.subcommands {
                #expect(!sub.summary.isEmpty && !sub.summary.hasSuffix(".") && sub.summary.count <= 70, "\(command.name) \(sub.name)")
                #expect(sub.details.hasSuffix(".") && !sub.usage.isEmpty && !sub.examples.isEmpty, "\(command.name) \(sub.name)")
                for example in sub.examples { #expect(example.command.hasPrefix("dicomtool \(command.name) \(sub.name) ")) }
            }
        }
    }

    /// Words as a shell splits them: at spaces, except inside single quotes (which are removed).
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = [], word = "", quoted = false, started = false
        for c in line {
            if c == "'" { quoted.toggle(); started = true; continue }
            if c == " " && !quoted {
                if started { words.append(word) }
                word = ""; started = false
                continue
            }
            word.append(c); started = true
        }
        if started { words.append(word) }
        return words
    }

    @Test func examplesParse() throws {
        // An example in the docs that does not parse would teach people an error.
        for command in CommandTable.all {
            for example in command.examples + command.subcommands.flatMap(\.examples) {
                let words = Self.shellWords(example.command).prefix { $0 != ">" && $0 != "<" }.dropFirst()
                #expect(CLI.usageError(Array(words)) == nil, "\(example.command)")
            }
        }
    }

    @Test func everyCommandHasOwnFlagsOrGlobalsOnly() {
        for command in CommandID.allCases {
            let flags = FlagTable.flags(for: command)
            #expect(flags.contains { $0.id == .jobs }, "globals apply to \(command)")
        }
        #expect(FlagTable.flags(for: nil).allSatisfy { $0.isGlobal })
    }

    @Test func everyFlagUpdatesATypedFieldOrIsReadWhole() {
        // Targets and codec parameters are read together by stage two (one target, one parser of
        // codec parameters); help, version and generate end parsing. Every other flag carries the
        // update of its field.
        let readWhole = Set(FlagTable.all.filter { $0.category == .target }.map(\.id) + CodecParameter.allCases.map(\.flag)
                            + [.help, .version, .generate])
        for flag in FlagTable.all {
            #expect(flag.updates.isEmpty == readWhole.contains(flag.id), "--\(flag.long)")
        }
        #expect(Set(CodecParameter.allCases.map { $0.flag.rawValue }) == Set(CodecParameter.allCases.map(\.rawValue)),
                "a codec parameter is named as its flag")
    }

    @Test func targetCategoryHoldsOnlyTranscodeTargets() {
        let targets = FlagTable.all.filter { $0.category == .target }.map(\.id)
        let switches = TranscodeArgs.targetSwitches.map(\.flag)
        #expect(Set(targets) == Set(switches + [.ts]), "every target flag maps to a syntax")
    }
}
