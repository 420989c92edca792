import DicomCore
import DicomIO
import Testing
@testable import DicomEdit

@Suite struct CharacterSetEditTests {
    @Test func textThatFitsIsEncodedInTheSetInForce() throws {
        let file = try roundTripped(sample { ds in ds.setString(Tag.specificCharacterSet, .CS, "ISO_IR 100") })
        let m = try modify(file, [.set(try path("PatientName"), .text("Müller^Zoë"))])
        #expect(m.warnings.isEmpty)
        #expect(m.dataset.string(Tag.specificCharacterSet) == "ISO_IR 100")
        // Latin-1 bytes, not UTF-8.
        #expect(m.dataset[Tag.patientName]?.valueBytes?.bytes == [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x5E, 0x5A, 0x6F, 0xEB])
    }

    @Test func textThatDoesNotFitMovesTheWholeFileToUTF8() throws {
        let file = try roundTripped(sample { ds in
            ds.setString(Tag.specificCharacterSet, .CS, "ISO_IR 100")
            ds.setString(Tag.institutionName, .LO, "Hôpital Général")
            var item = Dataset(characterSet: SpecificCharacterSet(terms: ["ISO_IR 100"]))
            item.setString(Tag.patientID, .LO, "Ærø")
            ds.setSequence(Tag.otherPatientIDsSequence, [item])
        })
        // The Latin-1 bytes of the old values, as read.
        #expect(file.dataset[Tag.institutionName]?.valueBytes?.bytes.contains(0xF4) == true)
        let m = try modify(file, [.set(try path("PatientName"), .text("Ιωάννης^Παπάς"))])
        #expect(m.warnings.count == 1)
        #expect(m.dataset.string(Tag.specificCharacterSet) == "ISO_IR 192")
        #expect(m.dataset.string(Tag.patientName) == "Ιωάννης^Παπάς")
        #expect(m.dataset[Tag.institutionName].map { TextReencoding.trimmed($0.valueBytes?.bytes ?? []) } == Array("Hôpital Général".utf8)[...])
        let item = try #require(m.dataset.items(Tag.otherPatientIDsSequence)?.first)
        #expect(item[Tag.patientID].map { TextReencoding.trimmed($0.valueBytes?.bytes ?? []) } == Array("Ærø".utf8)[...])
        #expect(item.string(Tag.patientID) == "Ærø")
        // ASCII values keep their original bytes (input-backed, not rewritten).
        #expect(m.dataset[Tag.patientID]?.valueBytes?.source != nil)
        #expect(m.changes.first?.action == "charset")
    }

    @Test func settingTheCharacterSetReencodesTheValuesItCovers() throws {
        let file = try roundTripped(sample { ds in
            ds.setString(Tag.specificCharacterSet, .CS, "ISO_IR 100")
            ds.setString(Tag.institutionName, .LO, "Hôpital")
        })
        let m = try modify(file, [.set(try path("SpecificCharacterSet"), .text("ISO_IR 192"))])
        #expect(m.dataset[Tag.institutionName].map { TextReencoding.trimmed($0.valueBytes?.bytes ?? []) } == Array("Hôpital".utf8)[...])
        // A set that cannot hold the values is refused.
        #expect(throws: DicomError.self) { try modify(file, [.set(try path("SpecificCharacterSet"), .text("ISO_IR 144"))]) }
    }

    @Test func erasingTheCharacterSetReencodesIntoTheDefaultOrRefuses() throws {
        let ascii = try roundTripped(sample { ds in ds.setString(Tag.specificCharacterSet, .CS, "ISO_IR 100") })
        let m = try modify(ascii, [.erase(try path("SpecificCharacterSet"))])
        #expect(m.dataset[Tag.specificCharacterSet] == nil && m.dataset.characterSet == .default)
        let latin = try roundTripped(sample { ds in
            ds.setString(Tag.specificCharacterSet, .CS, "ISO_IR 100")
            ds.setString(Tag.institutionName, .LO, "Hôpital")
        })
        #expect(throws: DicomError.self) { try modify(latin, [.erase(try path("SpecificCharacterSet"))]) }
        var options = ModifyOptions()
        options.operations = [.eraseAll(.tag(Tag.specificCharacterSet))]
        #expect(throws: DicomError.self) { try options.check() }
    }

    @Test func iso2022JapaneseValuesGetTheirEscapes() throws {
        let file = try roundTripped(sample { ds in ds.setStrings(Tag.specificCharacterSet, .CS, ["", "ISO 2022 IR 87"]) })
        let m = try modify(file, [.set(try path("PatientName"), .text("Yamada^Tarou=山田^太郎"))])
        #expect(m.warnings.isEmpty)
        let bytes = try #require(m.dataset[Tag.patientName]?.valueBytes?.bytes)
        #expect(bytes.contains(0x1B))
        #expect(m.dataset.string(Tag.patientName) == "Yamada^Tarou=山田^太郎")
    }
}

@Suite struct UIDRenewalTests {
    @Test func theSameOldUIDGetsTheSameNewOneAndReferencesFollow() throws {
        var options = ModifyOptions()
        options.renew = [.series, .study, .instance]
        let modifier = Modifier(options: options)
        let a = try modifier.modify(try roundTripped(sample()))
        let b = try modifier.modify(try roundTripped(sample { ds in ds.setString(Tag.sopInstanceUID, .UI, "1.2.3.4.5.2") }))
        let series = try #require(a.dataset.string(Tag.seriesInstanceUID))
        #expect(series != "1.2.3.4.5" && series.hasPrefix("2.25."))
        #expect(b.dataset.string(Tag.seriesInstanceUID) == series)
        #expect(a.dataset.string(Tag.studyInstanceUID) == b.dataset.string(Tag.studyInstanceUID))
        #expect(a.dataset.string(Tag.sopInstanceUID) != b.dataset.string(Tag.sopInstanceUID))
        // The reference to the old series inside the file follows; the other one stays.
        #expect(a.dataset.items(Tag.referencedSeriesSequence)?.map { $0.string(Tag.seriesInstanceUID) } == [series, "9.9.9"])
        // The meta is in step.
        #expect(a.meta.string(Tag.mediaStorageSOPInstanceUID) == a.dataset.string(Tag.sopInstanceUID))
    }

    @Test func aFileWithoutTheUIDGetsNone() throws {
        var options = ModifyOptions()
        options.renew = [.series, .study, .instance]
        var directory = Dataset()
        directory.setString(Tag.fileSetID, .CS, "SET")
        let m = try Modifier(options: options).modify(try roundTripped(directory))
        #expect(m.dataset[Tag.sopInstanceUID] == nil && m.dataset[Tag.seriesInstanceUID] == nil && m.changes.isEmpty)
    }

    @Test func keyedUIDsAgreeAcrossRunsAndDifferAcrossSecrets() throws {
        var options = ModifyOptions()
        options.renew = [.instance, .series]
        options.secret = Array("secret one".utf8)
        let first = try Modifier(options: options).modify(try roundTripped(sample()))
        let again = try Modifier(options: options).modify(try roundTripped(sample()))
        #expect(first.dataset.string(Tag.sopInstanceUID) == again.dataset.string(Tag.sopInstanceUID))
        #expect(first.dataset.string(Tag.seriesInstanceUID) == again.dataset.string(Tag.seriesInstanceUID))
        options.secret = Array("secret two".utf8)
        let other = try Modifier(options: options).modify(try roundTripped(sample()))
        #expect(first.dataset.string(Tag.sopInstanceUID) != other.dataset.string(Tag.sopInstanceUID))
    }
}
