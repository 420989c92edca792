import DicomCore
import Testing
@testable import DicomToolCLI

/// Every flag that takes an attribute key reads it with the one path syntax (`AttributeKeys` over
/// DicomCore's `EditPath`): the same spellings are accepted everywhere, and a bad key is refused
/// everywhere with the same reason after `FLAG VALUE: `.
@Suite struct AttributeKeyParityTests {
    /// One flag taking a key: the command line for key K, and the flag's value as typed.
    struct Taker: CustomStringConvertible, Sendable {
        let description: String
        let flag: String
        let arguments: @Sendable (String) -> [String]
        let typed: @Sendable (String) -> String
        /// Takes only a single attribute (modify --erase-all), not a path into items.
        var singleOnly = false
        /// Takes only attributes, not items (`Seq[0]`) as the last step.
        var attributesOnly = false
    }

    static let takers: [Taker] = [
        Taker(description: "dump --tag", flag: "--tag", arguments: { ["dump", "--tag", $0, "a.dcm"] }, typed: { $0 }),
        Taker(description: "dump --format csv --tag", flag: "--tag", arguments: { ["dump", "--format", "csv", "--tag", $0, "a.dcm"] },
              typed: { $0 }),
        Taker(description: "anonymize --keep", flag: "--keep", arguments: { ["anonymize", "--keep", $0, "-o", "o.dcm", "a.dcm"] },
              typed: { $0 }, attributesOnly: true),
        Taker(description: "anonymize --remove", flag: "--remove", arguments: { ["anonymize", "--remove", $0, "-o", "o.dcm", "a.dcm"] },
              typed: { $0 }, attributesOnly: true),
        Taker(description: "anonymize --set", flag: "--set", arguments: { ["anonymize", "--set", $0 + "=1.2.3", "-o", "o.dcm", "a.dcm"] },
              typed: { $0 + "=1.2.3" }, attributesOnly: true),
        Taker(description: "modify --set", flag: "--set", arguments: { ["modify", "--set", $0 + "=1.2.3", "a.dcm"] },
              typed: { $0 + "=1.2.3" }, attributesOnly: true),
        Taker(description: "modify --replace", flag: "--replace", arguments: { ["modify", "--replace", $0 + "=1.2.3", "a.dcm"] },
              typed: { $0 + "=1.2.3" }, attributesOnly: true),
        Taker(description: "modify --erase", flag: "--erase", arguments: { ["modify", "--erase", $0, "a.dcm"] }, typed: { $0 }),
        Taker(description: "modify --erase-all", flag: "--erase-all", arguments: { ["modify", "--erase-all", $0, "a.dcm"] },
              typed: { $0 }, singleOnly: true),
        Taker(description: "--where", flag: "--where", arguments: { ["dump", "--where", $0 + "=", "a.dcm"] }, typed: { $0 + "=" }),
        Taker(description: "find -k", flag: "-k", arguments: { ["find", "--to", "PACS@pacs:104", "-k", $0 + "="] }, typed: { $0 + "=" }),
        Taker(description: "find -r", flag: "-r", arguments: { ["find", "--to", "PACS@pacs:104", "-r", $0] }, typed: { $0 }),
    ]

    static let lone = ["PatientName", "(0010,0010)", "0010,0010", "00100010", "(0029,{SIEMENS CSA HEADER},10)", "(0029,{ACME 1.0 (x)},FF)"]
    static let nested = ["ReferencedSeriesSequence[0].SeriesInstanceUID", "ReferencedSeriesSequence[*].SeriesInstanceUID",
                         "ReferencedSeriesSequence.SeriesInstanceUID", "(0008,1115)[1].(0029,{SIEMENS CSA HEADER},10)"]
    static let items = ["ReferencedSeriesSequence[0]", "OtherPatientIDsSequence[*]"]
    static let bad = ["NoSuchKeyword", "PatientNmae", "ReferencedSeriesSequence.NoSuchKeyword", "PatientName[x]", "PatientName[-1]",
                      "ReferencedSeriesSequence..PatientID", "(0028,{X},10)", "(0029,{},10)", "(0029,{X},1)", "(029,{X},10)",
                      "(0029,{A\\B},10)", "(0010,0010"]

    @Test(arguments: takers)
    func everyTakerAcceptsTheSameSpellings(_ taker: Taker) throws {
        var keys = Self.lone
        if !taker.singleOnly { keys += Self.nested }
        if !taker.singleOnly && !taker.attributesOnly { keys += Self.items }
        for key in keys {
            let error = CLI.usageError(taker.arguments(key))
            #expect(error == nil, "\(taker) \(key): \(error?.message ?? "")")
        }
    }

    @Test(arguments: bad)
    func everyTakerRefusesABadKeyWithTheSameReason(_ key: String) throws {
        var reasons: [String: [String]] = [:]
        for taker in Self.takers {
            let message = try #require(CLI.usageError(taker.arguments(key))?.message, "\(taker) accepted \(key)")
            let prefix = "\(taker.flag) \(taker.typed(key)): "
            #expect(message.hasPrefix(prefix), "\(taker): \(message)")
            reasons[String(message.dropFirst(prefix.count)), default: []].append(taker.description)
        }
        #expect(reasons.count == 1, "\(key): \(reasons)")
        // The reason is EditPath's own, with a keyword suggestion for a misspelt keyword.
        let reason = try #require(reasons.keys.first)
        do {
            _ = try EditPath(parsing: key)
            Issue.record("EditPath accepted \(key)")
        } catch {
            #expect(reason.hasPrefix(error.message), "\(reason)")
        }
        if key == "PatientNmae" { #expect(reason.hasSuffix("; did you mean PatientName?")) }
    }
}
