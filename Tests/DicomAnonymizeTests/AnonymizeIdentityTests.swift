import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomAnonymize

// Issue 14 item 5: short identifiers, one self-check, patient pseudonyms, Patient Identity
// Removed next to --keep, and --set values checked against their VR and VM.

private func t(_ g: UInt16, _ e: UInt16) -> DicomCore.Tag { DicomCore.Tag(g, e) }

private func cleaning() -> AnonymizeOptions {
    var o = AnonymizeOptions(secret: testSecret)
    o.cleanDescriptors = true
    return o
}

/// A DICOMDIR-like data set: a PATIENT record (ID, name) and an IMAGE record whose Referenced
/// File ID names the patient's folder by the Patient ID.
func directory(patientID: String, name: String, fileID: [String]) -> Dataset {
    var ds = Dataset()
    ds.setString(t(0x0004, 0x1130), .CS, "")
    var patient = Dataset()
    patient.setString(t(0x0004, 0x1430), .CS, "PATIENT")
    patient.setString(t(0x0010, 0x0010), .PN, name)
    patient.setString(t(0x0010, 0x0020), .LO, patientID)
    var image = Dataset()
    image.setString(t(0x0004, 0x1430), .CS, "IMAGE")
    image.setStrings(t(0x0004, 0x1500), .CS, fileID)
    image.setString(t(0x0004, 0x1510), .UI, "1.2.840.10008.5.1.4.1.1.2")
    image.setString(t(0x0004, 0x1511), .UI, "1.2.826.0.1.3680043.99.1.1")
    image.setString(t(0x0020, 0x0013), .IS, "1")
    ds.setSequence(t(0x0004, 0x1220), [patient, image])
    return ds
}

@Suite struct ShortIdentifierTests {
    /// The matching rule itself: a short value is a whole token, case-insensitive; a long one
    /// matches anywhere.
    @Test func matchingRuleWholeTokensForShortValuesSubstringsForLongOnes() {
        let short = IdentityScanner.IdentifyingValue(value: "12345", source: "(0010,0020)", match: .token)
        #expect(IdentityScanner.clean("Study of 12345 today", of: [short]) == "Study of X today")
        #expect(IdentityScanner.clean("12345", of: [short]) == "X")
        #expect(IdentityScanner.clean("id:12345/12345.", of: [short]) == "id:X/X.")
        #expect(IdentityScanner.clean("DICOM\\12345\\IM1", of: [short]) == "DICOM\\X\\IM1")
        // Inside a longer number or word: not the identifier.
        #expect(IdentityScanner.clean("ref 123456789", of: [short]) == "ref 123456789")
        #expect(IdentityScanner.clean("A12345 and 123450", of: [short]) == "A12345 and 123450")
        let ann = IdentityScanner.IdentifyingValue(value: "Ann", source: "(0010,0010)", match: .token)
        #expect(IdentityScanner.clean("ANN seen; Annex and planning", of: [ann]) == "X seen; Annex and planning")
        let long = IdentityScanner.IdentifyingValue(value: "Plantagenet", source: "(0010,0010)", match: .substring)
        #expect(IdentityScanner.clean("for PLANTAGENETS", of: [long]) == "for XS")
        #expect(IdentityScanner.clean("no identifier", of: [long, short, ann]) == "no identifier")
    }

    /// Which values get which rule: 3 to 5 characters of a text attribute are tokens; shorter
    /// values, short numbers of other VRs and short private values are not searched.
    @Test func shortValuesAreTokensFromTextAttributesOnly() throws {
        let file = try part10File(plantedDataset { ds in
            ds.setString(t(0x0010, 0x0020), .LO, "12345")
            ds.setString(t(0x0008, 0x1010), .SH, "CT7")
            ds.setString(t(0x0010, 0x2160), .SH, "Li")          // Ethnic Group: 2 characters
            ds.setString(t(0x0010, 0x1030), .DS, "71.5")        // Patient's Weight: a number
            ds.setString(t(0x0009, 0x1004), .LO, "ABC")         // a short private value
        })
        let found = IdentityScanner.identifyingValues(in: file.dataset, options: AnonymizeOptions(secret: testSecret))
        let byValue = Dictionary(found.map { ($0.value, $0.match) }, uniquingKeysWith: { a, _ in a })
        #expect(byValue["12345"] == .token)
        #expect(byValue["CT7"] == .token)
        #expect(byValue["PID-5550123"] == nil)   // replaced by the plant above
        #expect(byValue["Plantagenet^Richard^Middle"] == .substring && byValue["Richard"] == .substring)
        #expect(byValue["Li"] == nil && byValue["71.5"] == nil && byValue["ABC"] == nil)
    }

    /// Patient ID 12345 inside Study Description and Image Comments: cleaned by Clean Descriptors
    /// as a whole token, ordinary text and longer numbers kept; a planted leftover is a residual.
    @Test func patientIDOfFiveDigitsIsCleanedAndFound() throws {
        let file = try part10File(plantedDataset { ds in
            ds.setString(t(0x0010, 0x0020), .LO, "12345")
            ds.setString(t(0x0010, 0x0010), .PN, "Ann^Plantagenet")
            ds.setString(t(0x0008, 0x1030), .LO, "Study of 12345 today")
            ds.setString(t(0x0020, 0x4000), .LT, "ref 123456789; ANN seen, Annex planning; patient 12345.")
        })
        let opts = cleaning()
        let r = try Anonymizer(options: opts).anonymize(file)
        #expect(r.dataset.string(t(0x0008, 0x1030)) == "Study of X today")
        #expect(r.dataset.string(t(0x0020, 0x4000)) == "ref 123456789; X seen, Annex planning; patient X.")
        #expect(IdentityScanner.residuals(original: file, anonymized: r.dataset, options: opts) == [])
        // The same short value left in the output is found; a longer number holding it is not.
        var leaked = r.dataset
        leaked.setString(t(0x0008, 0x1030), .LO, "Study of 12345 today")
        let hits = IdentityScanner.residuals(original: file, anonymized: leaked, options: opts)
        #expect(hits.contains { $0.hasPrefix("(0008,1030)") && $0.contains("'12345'") }, "\(hits)")
        leaked.setString(t(0x0008, 0x1030), .LO, "Study 123456789")
        #expect(IdentityScanner.residuals(original: file, anonymized: leaked, options: opts) == [])
    }

    /// A Patient ID kept in a DICOMDIR's Referenced File ID is a residual (file names excuse
    /// nothing), short or long, through the one check function.
    @Test func patientIDInAReferencedFileIDIsFound() throws {
        for id in ["12345", "PID12345X"] {
            let file = try part10File(directory(patientID: id, name: "Doe^Jane", fileID: ["DICOM", id, "IM1"]))
            let opts = AnonymizeOptions(secret: testSecret)
            let anonymizer = Anonymizer(options: opts)
            let r = try anonymizer.anonymizeUnchecked(file)
            let hits = IdentityScanner.residuals(original: file, anonymized: r.dataset, options: opts)
            #expect(hits.contains { $0.hasPrefix("(0004,1220)[1].(0004,1500)") && $0.contains(id) }, "\(id): \(hits)")
            #expect(IdentityScanner.residuals(original: file.dataset, anonymizedMeta: r.meta, anonymized: r.dataset,
                                              anonymizer: anonymizer) == hits)
            // With a file ID that does not hold it, the directory is clean.
            let clean = try part10File(directory(patientID: id, name: "Doe^Jane", fileID: ["DICOM", "P0001", "IM1"]))
            let rc = try anonymizer.anonymize(clean)
            #expect(IdentityScanner.residuals(original: clean, anonymized: rc.dataset, options: opts) == [])
        }
    }

    /// The bookkeeping the anonymizer writes is no residual even where letters compare without
    /// case: a removed "patient" is not found in "Retain Patient Characteristics Option" nor in
    /// "kept as is: PatientName"; anything else written into those attributes is searched.
    @Test func ownBookkeepingIsNoResidual() throws {
        let file = try part10File(plantedDataset { $0.setString(t(0x0008, 0x1030), .LO, "patient") })
        var opts = AnonymizeOptions(secret: testSecret)
        opts.retainPatientCharacteristics = true
        opts.keep = [try EditPath(parsing: "PatientName")]
        let r = try Anonymizer(options: opts).anonymize(file)
        #expect(r.dataset.strings(t(0x0012, 0x0063))?.contains("Retain Patient Characteristics Option") == true)
        #expect(IdentityScanner.residuals(original: file, anonymized: r.dataset, options: opts) == [])
        var planted = r.dataset
        planted.setStrings(t(0x0012, 0x0063), .LO, (r.dataset.strings(t(0x0012, 0x0063)) ?? []) + ["seen by the patient"])
        let hits = IdentityScanner.residuals(original: file, anonymized: planted, options: opts)
        #expect(hits == ["(0012,0063): contains 'patient' from the original's (0008,1030)"], "\(hits)")
    }

    /// The anonymized meta is searched too (a Source AE Title kept by Retain Device Identity).
    @Test func theMetaIsSearched() throws {
        let file = try part10File(plantedDataset())
        let anonymizer = Anonymizer(options: AnonymizeOptions(secret: testSecret))
        let r = try anonymizer.anonymize(file)
        var meta = r.meta
        meta.setString(t(0x0002, 0x0016), .AE, "PID-5550123")
        let hits = IdentityScanner.residuals(original: file.dataset, anonymizedMeta: meta, anonymized: r.dataset, anonymizer: anonymizer)
        #expect(hits == ["meta (0002,0016): contains 'PID-5550123' from the original's (0010,0020)"])
    }
}

@Suite struct PatientPseudonymTests {
    /// One keyed pseudonym per original patient, as Patient ID and Patient's Name, the same in
    /// every file of the patient and in a DICOMDIR patient record, and in the audit lines.
    @Test func oneKeyedPseudonymPerPatient() throws {
        let opts = AnonymizeOptions(secret: testSecret)
        let anonymizer = Anonymizer(options: opts)
        let a = try anonymizer.anonymize(try part10File(plantedDataset(sopInstance: "1.2.826.0.1.3680043.99.1.1")))
        let b = try Anonymizer(options: opts).anonymize(try part10File(plantedDataset(sopInstance: "1.2.826.0.1.3680043.99.1.7")))
        let other = try anonymizer.anonymize(try part10File(plantedDataset { $0.setString(t(0x0010, 0x0020), .LO, "PID-5550124") }))
        let expected = try #require(anonymizer.patientPseudonym(id: "PID-5550123", name: "Plantagenet^Richard^Middle"))
        #expect(expected.hasPrefix("ANON") && expected.count == 16)
        #expect(a.dataset.string(t(0x0010, 0x0020)) == expected && a.dataset.string(t(0x0010, 0x0010)) == expected)
        #expect(b.dataset.string(t(0x0010, 0x0020)) == expected && b.dataset.string(t(0x0010, 0x0010)) == expected)
        let otherID = try #require(other.dataset.string(t(0x0010, 0x0020)))
        #expect(!otherID.isEmpty && otherID != expected)
        // Padding and empty trailing name components do not make another patient.
        #expect(anonymizer.patientPseudonym(id: "PID-5550123 ", name: "Plantagenet^Richard^Middle^^") == expected)
        // Another secret, another pseudonym; no identity, no pseudonym.
        #expect(Anonymizer(options: AnonymizeOptions(secret: Array("other".utf8))).patientPseudonym(id: "PID-5550123", name: "Plantagenet^Richard^Middle") != expected)
        #expect(anonymizer.patientPseudonym(id: "", name: "") == nil)
        // The audit lists both, sorted with the UIDs.
        #expect(a.report.auditLines.contains("PatientID\tPID-5550123\t\(expected)"))
        #expect(a.report.auditLines.contains("PatientName\tPlantagenet^Richard^Middle\t\(expected)"))
        #expect(a.report.auditLines == a.report.auditLines.sorted())
        // A DICOMDIR patient record of the same patient gets the same pseudonym.
        let dir = try anonymizer.anonymize(try part10File(directory(patientID: "PID-5550123", name: "Plantagenet^Richard^Middle",
                                                                     fileID: ["DICOM", "P1", "IM1"])))
        let record = try #require(dir.dataset.items(t(0x0004, 0x1220))?.first)
        #expect(record.string(t(0x0010, 0x0020)) == expected && record.string(t(0x0010, 0x0010)) == expected)
        // A Patient ID given by --set is what the file, and so the audit, holds.
        var setOpts = opts
        setOpts.set = [(try EditPath(parsing: "PatientID"), "SUBJECT-01")]
        let s = try Anonymizer(options: setOpts).anonymize(try part10File(plantedDataset()))
        #expect(s.dataset.string(t(0x0010, 0x0020)) == "SUBJECT-01")
        #expect(s.report.auditLines.contains("PatientID\tPID-5550123\tSUBJECT-01"))
        #expect(s.report.auditLines.contains("PatientName\tPlantagenet^Richard^Middle\t\(expected)"))
        // The self-check is clean: the pseudonym holds nothing of the original.
        #expect(IdentityScanner.residuals(original: try part10File(plantedDataset()), anonymized: a.dataset, options: opts) == [])
    }
}

@Suite struct PatientIdentityRemovedTests {
    @Test func keepOfAnIdentifyingAttributeWritesNOAndSaysWhatWasKept() throws {
        let file = try part10File(plantedDataset())
        func run(_ keep: [String]) throws -> Dataset {
            var o = AnonymizeOptions(secret: testSecret)
            o.keep = try keep.map { try EditPath(parsing: $0) }
            return try Anonymizer(options: o).anonymize(file).dataset
        }
        let kept = try run(["PatientName", "InstitutionName"])
        #expect(kept.string(t(0x0012, 0x0062)) == "NO")
        let method = try #require(kept.strings(t(0x0012, 0x0063)))
        #expect(method.contains("kept as is: PatientName") && method.contains("kept as is: InstitutionName"), "\(method)")
        #expect(method.first == "Basic Application Confidentiality Profile")
        #expect(kept.items(t(0x0012, 0x0064))?.isEmpty == false)
        // Nothing identifying kept: YES. A private element kept by name (the user's word that it is
        // safe) and an attribute the profile keeps anyway (Slice Thickness) leave it YES.
        for keep in [[], ["(0009,1001)"], ["SliceThickness"]] {
            let ds = try run(keep)
            #expect(ds.string(t(0x0012, 0x0062)) == "YES", "\(keep)")
            #expect(ds.strings(t(0x0012, 0x0063)) == ["Basic Application Confidentiality Profile"], "\(keep)")
        }
    }
}

@Suite struct SetValueTests {
    private func check(_ set: String, _ value: String) -> String? {
        do {
            try SetValues.check([(try EditPath(parsing: set), value)])
            return nil
        } catch {
            return error.message
        }
    }

    @Test func valuesAreCheckedAgainstTheirVRAndVM() {
        #expect(check("StudyDate", "20200101") == nil)
        #expect(check("StudyDate", "2020-01-01")?.contains("YYYYMMDD") == true)
        #expect(check("StudyDate", "20200230") != nil)
        #expect(check("Rows", "512") == nil)
        #expect(check("Rows", "70000")?.contains("0 to 65535") == true)
        #expect(check("Rows", "-1") != nil)
        #expect(check("StudyInstanceUID", "1.2.3.4") == nil)
        #expect(check("StudyInstanceUID", "1.2.03") != nil)
        #expect(check("StudyInstanceUID", "1.2.abc") != nil)
        #expect(check("PatientID", String(repeating: "9", count: 65))?.contains("more than 64") == true)
        #expect(check("StationName", "ABCDEFGHIJKLMNOPQ") != nil)   // SH: 16
        #expect(check("PatientName", "Subject^42") == nil)
        #expect(check("PatientName", "a^b^c^d^e^f") != nil)
        // VM: Rows is 1, Pixel Spacing 2, Image Type 2-n.
        #expect(check("Rows", "1\\2")?.contains("VM is 1") == true)
        #expect(check("PixelSpacing", "0.5\\0.5") == nil)
        #expect(check("PixelSpacing", "0.5") != nil)
        #expect(check("ImageType", "DERIVED\\SECONDARY") == nil)
        #expect(check("ImageType", "derived\\secondary") != nil)   // CS: upper case
        #expect(check("PatientName", "") == nil)                   // an empty value is allowed
        // "US or SS": either fits.
        #expect(check("(0028,0106)", "-5") == nil)
        #expect(check("PixelData", "00") != nil)
        #expect(check("(0002,0016)", "X") != nil)
    }

    @Test func aPrivateElementWithoutItsCreatorIsRefused() throws {
        let file = try part10File(plantedDataset())
        var o = AnonymizeOptions(secret: testSecret)
        o.set = [(try EditPath(parsing: "(0011,1001)"), "x")]
        do {
            _ = try Anonymizer(options: o).anonymize(file)
            Issue.record("a private element without its creator must be refused")
        } catch {
            #expect(error.code == .usage && error.message.contains("private creator (0011,0010)"), "\(error.message)")
        }
        // With its creator set in the same run (given after it, even): written as LO.
        o.set = [(try EditPath(parsing: "(0011,1001)"), "x"), (try EditPath(parsing: "(0011,0010)"), "ACME 1")]
        let r = try Anonymizer(options: o).anonymize(file)
        #expect(r.dataset.string(t(0x0011, 0x0010)) == "ACME 1" && r.dataset.string(t(0x0011, 0x1001)) == "x")
        #expect(r.dataset[t(0x0011, 0x1001)]?.vr == .LO)
        // A value that does not suit the element's VR in the data set is refused when applied.
        var ds = plantedDataset()
        ds.setString(t(0x0011, 0x0010), .LO, "ACME 1")
        ds.setUInt16(t(0x0011, 0x1002), 7)
        o.keep = [try EditPath(parsing: "(0011,1002)")]
        o.set = [(try EditPath(parsing: "(0011,1002)"), "70000")]
        #expect(throws: DicomError.self) { try Anonymizer(options: o).anonymize(try part10File(ds)) }
        o.set = [(try EditPath(parsing: "(0011,1002)"), "9")]
        #expect(try Anonymizer(options: o).anonymize(try part10File(ds)).dataset[t(0x0011, 0x1002)]?.valueBytes?.bytes == [9, 0])
    }

    /// --keep (and --remove, the same matching) and --set name a private element by its creator,
    /// wherever its block is: at the top level and inside items.
    @Test func privateElementsByCreatorAreKeptRemovedAndSetInTheirBlock() throws {
        var item = Dataset()
        item.setString(t(0x0011, 0x0012), .LO, "ACME 1")
        item.setString(t(0x0011, 0x1201), .LO, "in item")
        var ds = plantedDataset()
        ds.setString(t(0x0011, 0x0013), .LO, "ACME 1")
        ds.setString(t(0x0011, 0x1301), .LO, "top")
        ds.setString(t(0x0011, 0x1302), .LO, "second")
        ds.setSequence(Tag.referencedImageSequence, [item])
        let file = try part10File(ds)
        var o = AnonymizeOptions(secret: testSecret)
        o.keep = [try EditPath(parsing: "(0011,{ACME 1},01)")]
        var r = try Anonymizer(options: o).anonymize(file).dataset
        // A lone name: kept at every depth, with its creator; the block's other element removed.
        #expect(r.string(t(0x0011, 0x1301)) == "top" && r.string(t(0x0011, 0x0013)) == "ACME 1")
        #expect(r[t(0x0011, 0x1302)] == nil)
        #expect(r.items(Tag.referencedImageSequence)?.first?.string(t(0x0011, 0x1201)) == "in item")
        // A path: only there.
        o.keep = [try EditPath(parsing: "ReferencedImageSequence[0].(0011,{ACME 1},01)")]
        r = try Anonymizer(options: o).anonymize(file).dataset
        #expect(r[t(0x0011, 0x1301)] == nil)
        #expect(r.items(Tag.referencedImageSequence)?.first?.string(t(0x0011, 0x1201)) == "in item")
        // --set by creator: the creator's block when it is there, else the first free one.
        o = AnonymizeOptions(secret: testSecret)
        o.set = [(try EditPath(parsing: "(0011,{NEW VENDOR},05)"), "v")]
        r = try Anonymizer(options: o).anonymize(file).dataset
        let block = try #require(AttributeName.block(of: "NEW VENDOR", group: 0x0011, in: r))
        #expect(r.string(t(0x0011, block << 8 | 0x05)) == "v")
    }
}
