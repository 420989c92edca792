import DicomCore
import DicomIO
import Testing
@testable import DicomQuery

/// Each matching rule of PS3.4 C.2.2.2, with the standard's own examples where it gives them.
@Suite struct MatchRuleTests {
    func rule(_ value: String, _ vr: VR?) throws -> MatchRule {
        try MatchRule(parsing: value, vr: vr, key: "K")
    }

    func matches(_ value: String, _ vr: VR, _ have: String) throws -> Bool {
        try rule(value, vr).matches(have, vr: vr)
    }

    // C.2.2.2.1 Single Value Matching
    @Test func singleValueIsExactAndCaseSensitive() throws {
        #expect(try matches("CT", .CS, "CT"))
        #expect(try !matches("CT", .CS, "ct"))
        #expect(try !matches("CT", .CS, "CTX"))
        #expect(try matches("Head First", .LO, "Head First"))
        #expect(try !matches("Head First", .LO, "head first"))
        // Padding is not part of the value (PS3.5 6.2).
        #expect(try matches("CT", .CS, "CT "))
        #expect(try matches("1.2.3", .UI, "1.2.3"))
        #expect(try !matches("1.2.3", .UI, "1.2.30"))
    }

    @Test func personNamesIgnoreCaseAsTheStandardAllowsForPNOnly() throws {
        #expect(try matches("Doe^John", .PN, "DOE^JOHN"))
        #expect(try matches("müller^zoë", .PN, "MÜLLER^ZOË"))
        #expect(try !matches("Doe^John", .PN, "Doe^Jane"))
        #expect(try matches("doe*", .PN, "Doe^John"))
    }

    // C.2.2.2.2 List of UID Matching
    @Test func listOfUIDsMatchesAnyOfThem() throws {
        let list = try rule("1.2.3\\1.2.4", .UI)
        #expect(list == .uidList(["1.2.3", "1.2.4"]))
        #expect(list.matches("1.2.4", vr: .UI))
        #expect(!list.matches("1.2.5", vr: .UI))
        #expect(throws: DicomError.self) { try rule("1.2.3\\1.2.x", .UI) }
        // Only UIDs are lists: a backslash in another VR's key is refused, with the reason.
        let error = try #require(throws: DicomError.self) { try rule("CT\\MR", .CS) }
        #expect(error.message.contains("C.2.2.2.2"))
    }

    // C.2.2.2.3 Universal Matching
    @Test func anEmptyValueIsUniversal() throws {
        #expect(try rule("", .PN) == .universal)
        #expect(try rule("", .DA) == .universal)
        #expect(try rule("", .SQ) == .universal)
        #expect(try rule("", .OB) == .universal)
    }

    // C.2.2.2.4 Wild Card Matching
    @Test func wildCardsMatchRunsAndSingleCharacters() throws {
        #expect(try matches("*", .LO, "anything"))
        #expect(try matches("*", .LO, ""))
        #expect(try matches("Head*", .LO, "Head"))
        #expect(try matches("Head*", .LO, "Head First"))
        #expect(try !matches("Head*", .LO, "Feet First"))
        #expect(try matches("?T", .CS, "CT"))
        #expect(try matches("?T", .CS, "MT"))
        #expect(try !matches("?T", .CS, "T"))
        #expect(try matches("*a*b*c*", .LO, "xxaxxbxxcxx"))
        #expect(try !matches("*a*b*c*", .LO, "xxaxxcxxbxx"))
        #expect(try matches("A*?", .SH, "AB"))
        #expect(try !matches("A*?", .SH, "A"))
        // Characters, not bytes: one '?' is one accented letter.
        #expect(try matches("M?ller", .LO, "Müller"))
        // Case-sensitive except PN.
        #expect(try !matches("head*", .LO, "Head First"))
    }

    @Test func wildCardsAreRefusedWhereTheStandardForbidsThem() throws {
        for vr: VR in [.DA, .TM, .DT, .UI, .DS, .IS, .US, .SL, .FD, .AS, .AT] {
            let error = try #require(throws: DicomError.self) { try rule("1*", vr) }
            #expect(error.code == .usage)
            #expect(error.message.contains("C.2.2.2.4"), "\(vr): \(error.message)")
        }
        #expect(throws: DicomError.self) { try rule("2019*", .DA) }
    }

    // C.2.2.2.5 Range Matching: the standard's examples
    @Test func dateRanges() throws {
        #expect(try matches("20060705-20060707", .DA, "20060705"))
        #expect(try matches("20060705-20060707", .DA, "20060707"))
        #expect(try !matches("20060705-20060707", .DA, "20060708"))
        #expect(try !matches("20060705-20060707", .DA, "20060704"))
        #expect(try matches("-20060707", .DA, "19000101"))
        #expect(try !matches("-20060707", .DA, "20060708"))
        #expect(try matches("20060705-", .DA, "29991231"))
        #expect(try !matches("20060705-", .DA, "20060704"))
        // Partial ends: a year or a month, from its first to its last day.
        #expect(try matches("2019-2020", .DA, "20201231"))
        #expect(try matches("-2020", .DA, "20201231"))
        #expect(try !matches("-2020", .DA, "20210101"))
        #expect(try matches("2019-", .DA, "20190101"))
        #expect(try !matches("2019-", .DA, "20181231"))
        #expect(try matches("201902-201902", .DA, "20190228"))
        #expect(try !matches("201902-201902", .DA, "20190301"))
        // A single date is one day; the legacy dotted form of a value is read.
        #expect(try matches("20190101", .DA, "20190101"))
        #expect(try matches("20190101", .DA, "2019.01.01"))
        #expect(try !matches("20190101", .DA, "20190102"))
        // A malformed value in a file never matches.
        #expect(try !matches("2019-", .DA, "2019"))
    }

    @Test func malformedRangesAreRefused() throws {
        for bad in ["2019", "20191301", "20190230", "2020-2019", "-", "2019-2020-2021", "abc-", "20190101-x"] {
            #expect(throws: DicomError.self, "\(bad)") { try rule(bad, .DA) }
        }
        for bad in ["25", "1260", "1200-1100", "12.5", "120000.1234567"] {
            #expect(throws: DicomError.self, "\(bad)") { try rule(bad, .TM) }
        }
        #expect(throws: DicomError.self) { try rule("2019-x", .DT) }
    }

    @Test func timeRangesAndPrecision() throws {
        #expect(try matches("0700-1200", .TM, "070000"))
        #expect(try matches("0700-1200", .TM, "120059.999999"))
        #expect(try !matches("0700-1200", .TM, "120100"))
        #expect(try !matches("0700-1200", .TM, "065959.999"))
        #expect(try matches("-0700", .TM, "00"))
        #expect(try matches("1200", .TM, "120030.5"))
        #expect(try matches("120030.5", .TM, "120030.55"))
        #expect(try !matches("120030.5", .TM, "120030.6"))
        // The legacy colon form of a value.
        #expect(try matches("0700-1200", .TM, "08:30:00"))
    }

    @Test func dateTimeRangesWithOffsets() throws {
        #expect(try matches("20190101-20191231", .DT, "20190615103000"))
        #expect(try !matches("20190101-20191231", .DT, "20200101000000"))
        #expect(try matches("2019-", .DT, "2019"))
        // The same instant written in two zones.
        #expect(try matches("20190101120000+0100", .DT, "20190101110000+0000"))
        #expect(try matches("201901011200-201901011300", .DT, "20190101123000.5"))
        // A '-' that is an offset's sign inside a closed range.
        #expect(try matches("20190101000000-0500-20190102", .DT, "20190101060000+0000"))
        #expect(try !matches("20190101000000-0500-20190102", .DT, "20190101040000+0000"))
        // A single DT with a negative offset.
        #expect(try matches("20190101070000-0500", .DT, "20190101120000+0000"))
    }

    @Test func numbersCompareByValue() throws {
        #expect(try matches("1", .DS, "1.0"))
        #expect(try matches("512", .US, "512"))
        #expect(try !matches("512", .US, "256"))
        #expect(try matches("-3", .IS, "-3"))
        let error = try #require(throws: DicomError.self) { try rule("abc", .IS) }
        #expect(error.message.contains("not a number"))
    }

    @Test func sequencesAndBinaryValuesMatchOnlyByPresence() throws {
        let sequence = try #require(throws: DicomError.self) { try rule("x", .SQ) }
        #expect(sequence.message.contains("[*]"))
        #expect(throws: DicomError.self) { try rule("00", .OB) }
        #expect(throws: DicomError.self) { try rule("00", .UN) }
    }

    @Test func unknownVRsCompareAsText() throws {
        #expect(try rule("SIEMENS*", nil) == .wildcard("SIEMENS*"))
        #expect(try rule("abc ", nil) == .single("abc"))
        #expect(throws: DicomError.self) { try rule("a\\b", nil) }
    }

    @Test func globIsNotExponential() {
        let text = Array(String(repeating: "a", count: 2000))
        let pattern = Array(String(repeating: "*a", count: 30) + "b")
        #expect(!MatchRule.glob(pattern, text))
    }
}
