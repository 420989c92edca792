import Foundation
import Testing
import DicomCore
@testable import DicomIO
import DicomTestSupport

/// One case of Tests/Fixtures/charset/cases.json (scripts/gen-charset-fixtures).
private struct CharsetCase: Decodable {
    let file: String
    let path: String
    let vr: String
    let hex: String
    let terms: [String]
    let pydicom: String

    var bytes: [UInt8] {
        var result: [UInt8] = []
        var iterator = Array(hex.utf8).makeIterator()
        func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
        while let high = iterator.next(), let low = iterator.next() {
            result.append(nibble(high) << 4 | nibble(low))
        }
        return result
    }
}

private struct CharsetCases: Decodable {
    let pydicom: String
    let cases: [CharsetCase]
}

private enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/charset")

    static func cases() throws -> CharsetCases {
        let data = try Data(contentsOf: directory.appendingPathComponent("cases.json"))
        return try JSONDecoder().decode(CharsetCases.self, from: data)
    }
}

/// Presents a decoded raw value the way pydicom 3 does, so the two compare as strings:
/// trailing space/NUL padding dropped, each of several values trimmed, Person Names without
/// trailing empty component groups.
private func pydicomPresentation(_ decoded: String, vr: VR) -> String {
    func trimTrailing(_ s: Substring) -> Substring {
        var s = s
        while let last = s.last, last == " " || last == "\0" { s.removeLast() }
        return s
    }
    switch vr {
    case .ST, .LT, .UT, .UR:
        return String(trimTrailing(decoded[...]))
    case .PN:
        return trimTrailing(decoded[...]).split(separator: "\\", omittingEmptySubsequences: false)
            .map { value -> String in
                var value = value
                while value.last == "=" { value.removeLast() }
                return String(value)
            }.joined(separator: "\\")
    default:
        return decoded.split(separator: "\\", omittingEmptySubsequences: false)
            .map { String(trimTrailing($0)) }.joined(separator: "\\")
    }
}

private func decode(_ bytes: [UInt8], _ terms: [String], _ vr: VR = .LO) -> String {
    SpecificCharacterSet(terms: terms).decode(bytes, vr: vr)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct CharacterSetTests {
    // MARK: pydicom agreement

    @Test func everyPydicomCaseDecodesToPydicomsString() throws {
        let fixture = try Fixtures.cases()
        var passed = 0
        var failures: [String] = []
        for entry in fixture.cases {
            let vr = try #require(VR(rawValue: entry.vr))
            let decoded = SpecificCharacterSet(terms: entry.terms).decode(entry.bytes, vr: vr)
            if pydicomPresentation(decoded, vr: vr) == entry.pydicom {
                passed += 1
            } else {
                failures.append("\(entry.file) \(entry.path) \(entry.vr) \(entry.terms): got \(decoded.debugDescription), pydicom \(entry.pydicom.debugDescription)")
            }
        }
        print("charset: \(passed)/\(fixture.cases.count) cases agree with pydicom \(fixture.pydicom)")
        for failure in failures { print("charset mismatch: \(failure)") }
        #expect(fixture.cases.count > 400)
        #expect(failures.isEmpty)
    }

    @Test func fixtureFilesCarryTheirLicense() throws {
        let license = Fixtures.directory.appendingPathComponent("LICENSE-pydicom.txt")
        #expect(FileManager.default.fileExists(atPath: license.path))
    }

    /// Conformant values from the files re-encode to their exact bytes.
    @Test func pydicomFileValuesRoundTripThroughEncode() throws {
        let fixture = try Fixtures.cases()
        var checked = 0
        var mismatches: [String] = []
        for entry in fixture.cases where !entry.file.hasPrefix("synthetic") {
            let vr = try #require(VR(rawValue: entry.vr))
            let set = SpecificCharacterSet(terms: entry.terms)
            let raw = entry.bytes
            // chrSQEncoding*.dcm return to G0 with ESC ( B although the initial G0 of
            // ISO 2022 IR 13 is JIS X 0201 romaji (ESC ( J): the encoder writes the latter.
            if entry.file.hasPrefix("chrSQEncoding") && raw.contains(0x1B) { continue }
            // chrKoreanMulti.dcm ends KS X 1001 runs with ESC ( B, which re-designates the
            // G0 that never changed; the encoder leaves that redundant sequence out.
            if entry.file == "chrKoreanMulti.dcm" && raw.contains(0x1B) { continue }
            checked += 1
            if set.encode(set.decode(raw, vr: vr), vr: vr) != raw {
                mismatches.append("\(entry.file) \(entry.path)")
            }
        }
        print("charset: \(checked - mismatches.count)/\(checked) file values re-encode byte for byte")
        #expect(checked > 300)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    // MARK: single-byte sets

    @Test(arguments: [
        ("ISO_IR 100", UInt8(0xE9), "é"), ("ISO_IR 101", 0xB1, "ą"), ("ISO_IR 109", 0xA1, "Ħ"),
        ("ISO_IR 110", 0xA2, "ĸ"), ("ISO_IR 144", 0xBB, "Л"), ("ISO_IR 127", 0xC7, "ا"),
        ("ISO_IR 126", 0xC4, "Δ"), ("ISO_IR 138", 0xF9, "ש"), ("ISO_IR 148", 0xDD, "İ"),
        ("ISO_IR 166", 0xA1, "ก"), ("ISO_IR 13", 0xB1, "ｱ"), ("ISO_IR 6", 0xE9, "é"),
        ("ISO 2022 IR 100", 0xE9, "é"), ("ISO 2022 IR 13", 0xDF, "ﾟ"),
    ])
    func singleByteSetDecodesItsUpperHalf(term: String, byte: UInt8, expected: String) {
        #expect(decode([0x41, byte], [term]) == "A" + expected)
        #expect(decode([0x41, byte], [term], .ST) == "A" + expected)
    }

    @Test func jisRomanReadsAsASCII() {
        // ISO_IR 13's G0 is JIS X 0201 romaji; pydicom (Shift_JIS) keeps 0x5C and 0x7E as ASCII.
        #expect(decode(bytes("a\\b~"), ["ISO_IR 13"]) == "a\\b~")
    }

    // MARK: ISO 2022 escapes and resets

    @Test func escapeSequenceDesignatesG1AndResetsAtControlCharacters() {
        let terms = ["ISO 2022 IR 6", "ISO 2022 IR 100", "ISO 2022 IR 144"]
        // ESC - L puts Cyrillic in G1; CR LF returns to the initial G1 (none: ISO 8859-1 here).
        let value: [UInt8] = [0x1B, 0x2D, 0x4C, 0xBB, 0x0D, 0x0A, 0xBB, 0x1B, 0x2D, 0x41, 0xE9]
        #expect(decode(value, terms, .LT) == "Л\r\n»é")
        for control: UInt8 in [0x09, 0x0C, 0x0D, 0x0A] {
            #expect(decode([0x1B, 0x2D, 0x4C, 0xBB, control, 0xBB], terms, .ST)
                == "Л" + String(UnicodeScalar(control)) + "»")
        }
    }

    @Test func backslashResetsOnlyInMultiValuedVRs() {
        let terms = ["", "ISO 2022 IR 149"]
        let value: [UInt8] = [0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE8, 0x5C, 0xB1, 0xE8]
        #expect(decode(value, terms, .LO) == "김\\±è")   // reset: second value is default repertoire
        #expect(decode(value, terms, .SH) == "김\\±è")
        #expect(decode(value, terms, .LT) == "김\\김")   // LT is single-valued: "\" is text
    }

    @Test func caretAndEqualsResetOnlyInPersonNames() {
        let terms = ["", "ISO 2022 IR 149"]
        let value: [UInt8] = [0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE8, 0x5E, 0xB1, 0xE8, 0x3D, 0xB1, 0xE8]
        #expect(decode(value, terms, .PN) == "김^±è=±è")
        #expect(decode(value, terms, .LO) == "김^김=김")
    }

    @Test func personNameWithThreeComponentGroups() {
        // PS3.5 H.3.1 and H.3.2 (chrH31.dcm, chrH32.dcm).
        var h31 = bytes("Yamada^Tarou=")
        h31 += [0x1B, 0x24, 0x42] + bytes(";3ED") + [0x1B, 0x28, 0x42] + bytes("^")
        h31 += [0x1B, 0x24, 0x42] + bytes("B@O:") + [0x1B, 0x28, 0x42] + bytes("=")
        h31 += [0x1B, 0x24, 0x42] + bytes("$d$^$@") + [0x1B, 0x28, 0x42] + bytes("^")
        h31 += [0x1B, 0x24, 0x42] + bytes("$?$m$&") + [0x1B, 0x28, 0x42]
        let set31 = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        #expect(set31.decode(h31, vr: .PN) == "Yamada^Tarou=山田^太郎=やまだ^たろう")
        #expect(set31.encode("Yamada^Tarou=山田^太郎=やまだ^たろう", vr: .PN) == h31)

        var h32: [UInt8] = [0xD4, 0xCF, 0xC0, 0xDE, 0x5E, 0xC0, 0xDB, 0xB3, 0x3D]
        h32 += [0x1B, 0x24, 0x42] + bytes(";3ED") + [0x1B, 0x28, 0x4A] + bytes("^")
        h32 += [0x1B, 0x24, 0x42] + bytes("B@O:") + [0x1B, 0x28, 0x4A] + bytes("=")
        h32 += [0x1B, 0x24, 0x42] + bytes("$d$^$@") + [0x1B, 0x28, 0x4A] + bytes("^")
        h32 += [0x1B, 0x24, 0x42] + bytes("$?$m$&") + [0x1B, 0x28, 0x4A]
        let set32 = SpecificCharacterSet(terms: ["ISO 2022 IR 13", "ISO 2022 IR 87"])
        let name = "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"
        #expect(set32.decode(h32, vr: .PN) == name)
        #expect(set32.encode(name, vr: .PN) == h32)
        #expect(set32.decode(h32, vr: .PN).split(separator: "=").count == 3)
    }

    @Test func delimiterBytesInsideJISX0208CharactersAreCharacterBytes() {
        // "ぼ" is JIS X 0208 0x24 0x5C, "ボ" 0x25 0x5C: the 0x5C is no value delimiter.
        let terms = ["", "ISO 2022 IR 87"]
        let value: [UInt8] = [0x1B, 0x24, 0x42, 0x24, 0x5C, 0x25, 0x5C, 0x1B, 0x28, 0x42, 0x5C, 0x41]
        #expect(decode(value, terms, .PN) == "ぼボ\\A")
        #expect(decode(value, terms, .PN).split(separator: "\\").count == 2)
        #expect(SpecificCharacterSet(terms: terms).encode("ぼボ\\A", vr: .PN) == value)
    }

    @Test func multiValuedValuesKeepTheirSeparators() {
        let latin = SpecificCharacterSet(terms: ["ISO_IR 100"])
        #expect(latin.decode([0x4A, 0xE9, 0x5C, 0xF4, 0x5C], vr: .LO) == "Jé\\ô\\")
        let japanese: [UInt8] = [0x1B, 0x24, 0x42, 0x24, 0x64, 0x1B, 0x28, 0x42, 0x5C,
                                 0x1B, 0x24, 0x42, 0x24, 0x5E, 0x1B, 0x28, 0x42]
        let values = decode(japanese, ["", "ISO 2022 IR 87"], .LO).split(separator: "\\")
        #expect(values == ["や", "ま"])
    }

    @Test func jisX0212ThroughSingleShiftedTable() {
        // ESC $ ( D designates JIS X 0212 to G0; 0x30 0x21 is U+4E02.
        let value: [UInt8] = [0x1B, 0x24, 0x28, 0x44, 0x30, 0x21, 0x1B, 0x28, 0x42]
        #expect(decode(value, ["", "ISO 2022 IR 159"], .PN) == "丂")
    }

    @Test func gb2312AndKSX1001InG1() {
        #expect(decode([0x1B, 0x24, 0x29, 0x41, 0xD6, 0xD0, 0xCE, 0xC4], ["", "ISO 2022 IR 58"]) == "中文")
        // Value 1 may designate a multi-byte G1 directly, without an escape in the value.
        #expect(decode([0xB1, 0xE8], ["ISO 2022 IR 149"]) == "김")
        let set = SpecificCharacterSet(terms: ["", "ISO 2022 IR 58"])
        #expect(set.encode("中文", vr: .LO) == [0x1B, 0x24, 0x29, 0x41, 0xD6, 0xD0, 0xCE, 0xC4])
    }

    @Test func undeclaredButRecognisedEscapeIsHonoured() {
        #expect(decode([0x1B, 0x2D, 0x46, 0xC4], ["ISO 2022 IR 6"]) == "Δ")
    }

    // MARK: stand-alone sets

    @Test func utf8GB18030AndGBK() {
        #expect(decode([0xE7, 0x8E, 0x8B], ["ISO_IR 192"], .PN) == "王")
        #expect(decode([0x81, 0x30, 0x81, 0x30, 0xD6, 0xD0], ["GB18030"]) == "\u{80}中")
        #expect(decode([0xD6, 0xD0, 0x5C, 0x41], ["GBK"]) == "中\\A")
        // A GBK trail byte may be 0x5C: it belongs to the character.
        #expect(decode([0x81, 0x5C, 0x5C, 0x41], ["GBK"], .LO) == "乗\\A")
        #expect(decode([0x81, 0x5C], ["GB18030"], .LO) == "乗")
        // Escapes mean nothing in stand-alone sets.
        #expect(decode([0x1B, 0x24, 0x42], ["ISO_IR 192"]) == "\u{1B}$B")
        #expect(SpecificCharacterSet(terms: ["GB18030"]).encode("王", vr: .PN) == [0xCD, 0xF5])
        #expect(SpecificCharacterSet(terms: ["GBK"]).encode("中", vr: .LO) == [0xD6, 0xD0])
        #expect(SpecificCharacterSet(terms: ["GBK"]).encode("😀", vr: .LO) == nil)
        #expect(SpecificCharacterSet(terms: ["GB18030"]).encode("😀", vr: .LO) != nil)
        #expect(SpecificCharacterSet(terms: ["ISO_IR 192"]).encode("王", vr: .PN) == [0xE7, 0x8E, 0x8B])
    }

    /// The GB18030 tables agree with iconv over the whole of Unicode: encode through iconv,
    /// decode through the tables.
    @Test func gb18030TablesRoundTripEveryScalar() {
        let set = SpecificCharacterSet(terms: ["GB18030"])
        var checked = 0
        var unencodable: [UInt32] = []
        var mismatches: [String] = []
        // Blocks of 4096 scalars; a block iconv refuses is retried one scalar at a time.
        for blockStart in stride(from: UInt32(0x80), through: 0x10FFFF, by: 4096) {
            let scalars = (blockStart..<min(blockStart + 4096, 0x110000)).compactMap(Unicode.Scalar.init)
            var pieces: [(String, [UInt8])] = []
            let whole = String(String.UnicodeScalarView(scalars))
            if let encoded = set.encode(whole, vr: .UT) {
                pieces = [(whole, encoded)]
            } else {
                for scalar in scalars {
                    let single = String(scalar)
                    if let encoded = set.encode(single, vr: .UT) { pieces.append((single, encoded)) }
                    else { unencodable.append(scalar.value) }
                }
            }
            for (text, encoded) in pieces {
                let decoded = set.decode(encoded, vr: .UT)
                checked += text.unicodeScalars.count
                if !decoded.unicodeScalars.elementsEqual(text.unicodeScalars) {
                    mismatches.append("block U+\(String(blockStart, radix: 16))")
                }
            }
        }
        print("charset: GB18030 tables round-trip \(checked) scalars; iconv cannot encode \(unencodable.count) (first: \(unencodable.prefix(4).map { String($0, radix: 16) }))")
        #expect(checked > 1_000_000)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func standAloneSetIgnoresCodeExtensions() {
        let set = SpecificCharacterSet(terms: ["ISO_IR 192", "ISO 2022 IR 87"])
        #expect(set.nonstandardTerms == ["ISO 2022 IR 87"])
        #expect(set.decode([0xE7, 0x8E, 0x8B], vr: .LO) == "王")
    }

    // MARK: invalid input

    @Test func invalidBytesBecomeReplacementCharacters() {
        #expect(decode([0xC3, 0x28], ["ISO_IR 192"]) == "\u{FFFD}(")
        #expect(decode([0x41, 0xA1], ["ISO_IR 127"]) == "A\u{FFFD}")           // unassigned
        #expect(decode([0x41, 0xE0], ["ISO_IR 13"]) == "A\u{FFFD}")            // not katakana
        // Shift_JIS kanji under ISO_IR 13 are not JIS X 0201: flagged, where pydicom (reading
        // ISO_IR 13 as Shift_JIS) would show 日.
        #expect(decode([0x93, 0xFA], ["ISO_IR 13"]) == "\u{FFFD}\u{FFFD}")
        #expect(decode([0x1B, 0x24, 0x29, 0x43, 0xB1], ["", "ISO 2022 IR 149"]) == "\u{FFFD}")  // truncated pair
        #expect(decode([0x1B, 0x24, 0x42, 0x24], ["", "ISO 2022 IR 87"]) == "\u{FFFD}")      // truncated pair
        #expect(decode([0x41, 0x1B], ["", "ISO 2022 IR 87"]) == "A\u{FFFD}")                 // lone ESC
        #expect(decode([0x1B, 0x28, 0x5A, 0x41], ["", "ISO 2022 IR 87"]) == "\u{FFFD}A")     // unknown escape
        #expect(decode([0xFF, 0xFE], ["GB18030"]).contains("\u{FFFD}"))
        #expect(decode([0xD6], ["GBK"]) == "\u{FFFD}")
        // Hostile input never traps: every byte pattern yields a string.
        var generator = SplitMix64(seed: 0x5EED)
        let termLists: [[String]] = [["", "ISO 2022 IR 87", "ISO 2022 IR 159", "ISO 2022 IR 149"],
                                     ["ISO 2022 IR 13", "ISO 2022 IR 58"], ["GB18030"], ["GBK"],
                                     ["ISO_IR 192"], ["ISO_IR 166"]]
        for _ in 0..<200 {
            let noise = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for terms in termLists {
                for vr in [VR.PN, .LO, .LT] {
                    #expect(!decode(noise, terms, vr).unicodeScalars.isEmpty)
                }
            }
        }
    }

    @Test func valuesOfVRsOutsideTheCharacterSetAreASCII() {
        let latin = SpecificCharacterSet(terms: ["ISO_IR 100"])
        #expect(latin.decode(bytes("ORIGINAL\\PRIMARY"), vr: .CS) == "ORIGINAL\\PRIMARY")
        #expect(latin.decode([0x41, 0xE9], vr: .CS) == "A\u{FFFD}")
        #expect(latin.decode(bytes("1.2.840.10008.1.2\0"), vr: .UI) == "1.2.840.10008.1.2\0")
        #expect(latin.encode("Jé", vr: .CS) == nil)
        #expect(latin.encode("20240101", vr: .DA) == bytes("20240101"))
    }

    // MARK: terms

    @Test func unknownTermFallsBackToTheDefaultRepertoire() {
        let set = SpecificCharacterSet(terms: ["ISO_IR 999"])
        #expect(set.unknownTerms == ["ISO_IR 999"])
        #expect(set.decode(bytes("Smith^John"), vr: .PN) == "Smith^John")
        #expect(set.decode([0xE9], vr: .PN) == "é")
        let second = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87", "KLINGON"])
        #expect(second.unknownTerms == ["KLINGON"])
        #expect(second.decode([0x1B, 0x24, 0x42, 0x24, 0x64, 0x1B, 0x28, 0x42], vr: .PN) == "や")
    }

    @Test func termsFromTheRawValue() {
        let set = SpecificCharacterSet(value: "\\ISO 2022 IR 87 ")
        #expect(set.terms == ["", "ISO 2022 IR 87"])
        #expect(set == SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"]))
        #expect(SpecificCharacterSet(value: "").decode(bytes("A"), vr: .LO) == "A")
    }

    @Test func misspelledTermsAreCorrected() {
        for term in ["ISO IR 100", "ISO-IR 100"] {
            let set = SpecificCharacterSet(terms: [term])
            #expect(set.nonstandardTerms == [term])
            #expect(set.unknownTerms.isEmpty)
            #expect(set.decode([0xE9], vr: .LO) == "é")
        }
        let extended = SpecificCharacterSet(terms: ["", "ISO_2022_IR_87"])
        #expect(extended.nonstandardTerms == ["ISO_2022_IR_87"])
        #expect(extended.decode([0x1B, 0x24, 0x42, 0x24, 0x64], vr: .LO) == "や")
    }

    @Test func defaultAndUTF8Decoding() {
        #expect(SpecificCharacterSet.default.terms.isEmpty)
        #expect(SpecificCharacterSet.default.decode(Array("Smith^J".utf8), vr: .PN) == "Smith^J")
        // UTF-8 bytes pass through under ISO_IR 192 and are two Latin-1 characters under ISO_IR 100.
        #expect(SpecificCharacterSet(terms: ["ISO_IR 192"]).decode([0xC3, 0xA9], vr: .LO) == "é")
        #expect(SpecificCharacterSet(terms: ["ISO_IR 100"]).decode([0xC3, 0xA9], vr: .LO) == "Ã©")
        #expect(SpecificCharacterSet(terms: [" ISO_IR 100 "]) == SpecificCharacterSet(terms: ["ISO_IR 100"]))
    }

    // MARK: encoding

    @Test func encodingSingleByteSets() {
        #expect(SpecificCharacterSet(terms: ["ISO_IR 100"]).encode("Buc^Jérôme", vr: .PN)
            == bytes("Buc^J") + [0xE9, 0x72, 0xF4, 0x6D, 0x65])
        #expect(SpecificCharacterSet(terms: ["ISO_IR 144"]).encode("Люк", vr: .LO) == [0xBB, 0xEE, 0xDA])
        #expect(SpecificCharacterSet(terms: ["ISO_IR 100"]).encode("Люк", vr: .LO) == nil)
        #expect(SpecificCharacterSet.default.encode("é", vr: .LO) == nil)
        #expect(SpecificCharacterSet.default.encode("Smith", vr: .LO) == bytes("Smith"))
        // Extensions switch G1 and come back before the delimiter and at the end.
        let mixed = SpecificCharacterSet(terms: ["ISO 2022 IR 100", "ISO 2022 IR 144"])
        #expect(mixed.encode("éЛ\\é", vr: .LO)
            == [0xE9, 0x1B, 0x2D, 0x4C, 0xBB, 0x1B, 0x2D, 0x41, 0x5C, 0xE9])
        #expect(mixed.encode("\u{1B}", vr: .LO) == nil)
    }

    // MARK: concurrency and throughput

    @Test func concurrentDecodingAgrees() async {
        let value: [UInt8] = [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42]
        let results = await withTaskGroup(of: String.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let terms = index % 2 == 0 ? ["", "ISO 2022 IR 87"] : ["ISO 2022 IR 13", "ISO 2022 IR 87"]
                    return SpecificCharacterSet(terms: terms).decode(value, vr: .PN)
                }
            }
            var all: [String] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 16)
        #expect(results.allSatisfy { $0 == "山田" })
    }

    @Test func decodeThroughput() {
        func measure(_ label: String, set: SpecificCharacterSet, value: [UInt8], vr: VR, repeats: Int) -> Double {
            var characters = 0
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<repeats { characters &+= set.decode(value, vr: vr).utf8.count }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let megabytes = Double(value.count * repeats) / 1_000_000
            #if DEBUG
            let build = "debug build"
            #else
            let build = "release build"
            #endif
            print(String(format: "charset throughput %@: %.1f MB/s, %.3f M values/s (%d-byte values, %@)",
                         label, megabytes / seconds, Double(repeats) / seconds / 1_000_000, value.count, build))
            #expect(characters > 0)
            return megabytes / seconds
        }
        let ascii = bytes("Smith^John^^Dr^ ")
        let asciiRate = measure("ASCII PN, ISO_IR 100", set: SpecificCharacterSet(terms: ["ISO_IR 100"]),
                                value: ascii, vr: .PN, repeats: 50_000)
        var japanese = bytes("Yamada^Tarou=")
        japanese += [0x1B, 0x24, 0x42] + bytes(";3ED") + [0x1B, 0x28, 0x42] + bytes("^")
        japanese += [0x1B, 0x24, 0x42] + bytes("B@O:") + [0x1B, 0x28, 0x42] + bytes("=")
        japanese += [0x1B, 0x24, 0x42] + bytes("$d$^$@") + [0x1B, 0x28, 0x42] + bytes("^")
        japanese += [0x1B, 0x24, 0x42] + bytes("$?$m$&") + [0x1B, 0x28, 0x42]
        let japaneseRate = measure("ISO 2022 Japanese PN", set: SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"]),
                                   value: japanese, vr: .PN, repeats: 10_000)
        let longText: [UInt8] = (0..<200).flatMap { _ -> [UInt8] in
            [0x1B, 0x24, 0x42] + bytes("$d$^$@;3EDB@O:") + [0x1B, 0x28, 0x42] + bytes(" text ")
        }
        _ = measure("ISO 2022 Japanese LT (5 KB)", set: SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"]),
                    value: longText, vr: .LT, repeats: 200)
        #expect(asciiRate > 1)
        #expect(japaneseRate > 1)
    }
}
