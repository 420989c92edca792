import DicomCore
import DicomIO
import Testing
@testable import DicomEdit

// Swift Testing also exports a `Tag` (test tags); this module means the DICOM one.
typealias Tag = DicomCore.Tag

/// A Part 10 file made from `ds` and read back, so values are input-backed as in a real run.
func roundTripped(_ ds: Dataset, syntax: TransferSyntax = .explicitVRLittleEndian) throws -> DicomFile {
    let meta = DatasetWriter.makeMeta(for: ds, syntax: syntax, previous: Dataset())
    var sink = MemorySink()
    try DatasetWriter(syntax: syntax).writeFile(meta: meta, dataset: ds, to: &sink)
    return try Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "test.dcm"))
}

func sample(_ extra: (inout Dataset) -> Void = { _ in }) -> Dataset {
    var ds = Dataset()
    ds.setString(Tag.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
    ds.setString(Tag.sopInstanceUID, .UI, "1.2.3.4.5.1")
    ds.setString(Tag.studyInstanceUID, .UI, "1.2.3.4")
    ds.setString(Tag.seriesInstanceUID, .UI, "1.2.3.4.5")
    ds.setString(Tag.patientName, .PN, "Doe^John")
    ds.setString(Tag.patientID, .LO, "PID-1")
    var ref = Dataset()
    ref.setString(Tag.seriesInstanceUID, .UI, "1.2.3.4.5")
    var ref2 = Dataset()
    ref2.setString(Tag.seriesInstanceUID, .UI, "9.9.9")
    ds.setSequence(Tag.referencedSeriesSequence, [ref, ref2])
    ds.setString(Tag(0x0029, 0x0010), .LO, "ACME 1.0")
    ds.setString(Tag(0x0029, 0x1010), .LO, "private value")
    var privateItem = Dataset()
    privateItem.setString(Tag(0x0031, 0x0010), .LO, "DEEP")
    privateItem.setString(Tag(0x0031, 0x1001), .LO, "deep private")
    privateItem.setString(Tag.patientID, .LO, "PID-IN-ITEM")
    ds.setSequence(Tag.otherPatientIDsSequence, [privateItem])
    extra(&ds)
    return ds
}

func modify(_ file: DicomFile, _ ops: [EditOperation], renew: Set<RenewedUID> = [], secret: [UInt8]? = nil) throws -> ModifiedInstance {
    var options = ModifyOptions()
    options.operations = ops
    options.renew = renew
    options.secret = secret
    try options.check()
    return try Modifier(options: options).modify(file)
}

func path(_ s: String) throws -> EditPath { try EditPath(parsing: s) }

@Suite struct ModifierTests {
    @Test func setInsertsAndReplacesReplaceOnlyWherePresent() throws {
        let file = try roundTripped(sample())
        let m = try modify(file, [.set(try path("PatientName"), .text("Roe^Jane")), .set(try path("StudyID"), .text("S1")),
                                  .replace(try path("AccessionNumber"), .text("A1")), .replace(try path("PatientID"), .text("P2"))])
        #expect(m.dataset.string(Tag.patientName) == "Roe^Jane")
        #expect(m.dataset.string(Tag.studyID) == "S1")
        #expect(m.dataset[Tag.accessionNumber] == nil)
        #expect(m.dataset.string(Tag.patientID) == "P2")
        #expect(m.changes.map(\.action) == ["replace", "insert", "replace"])
        // Even lengths, padded as the VR says.
        #expect(m.dataset[Tag.studyID]?.valueBytes?.bytes == Array("S1".utf8))
        #expect(m.dataset[Tag.patientID]?.valueBytes?.bytes == Array("P2".utf8))
    }

    @Test func itemsWildCardsAndInsertionOfMissingItems() throws {
        let file = try roundTripped(sample())
        let m = try modify(file, [.set(try path("ReferencedSeriesSequence[*].SeriesInstanceUID"), .text("1.9")),
                                  .set(try path("ReferencedStudySequence[2].ReferencedSOPInstanceUID"), .text("1.8"))])
        #expect(m.dataset.items(Tag.referencedSeriesSequence)?.map { $0.string(Tag.seriesInstanceUID) } == ["1.9", "1.9"])
        let study = try #require(m.dataset.items(Tag.referencedStudySequence))
        #expect(study.count == 3)
        #expect(study[0].isEmpty && study[1].isEmpty)
        #expect(study[2].string(Tag.referencedSOPInstanceUID) == "1.8")
    }

    @Test func pathsIntoMissingItemsAreRefusedWithoutInsertion() throws {
        let file = try roundTripped(sample())
        #expect(throws: DicomError.self) { try modify(file, [.replace(try path("ReferencedSeriesSequence[5].SeriesInstanceUID"), .text("1.9"))]) }
        #expect(throws: DicomError.self) { try modify(file, [.erase(try path("ReferencedSeriesSequence[2]"))]) }
        #expect(throws: DicomError.self) { try modify(file, [.erase(try path("ReferencedStudySequence[0].StudyID"))]) }
        // Into a value that is not a sequence.
        #expect(throws: DicomError.self) { try modify(file, [.set(try path("PatientName[0].PatientID"), .text("x"))]) }
        // Without an index, a missing sequence is simply not there.
        let m = try modify(file, [.replace(try path("ReferencedStudySequence.StudyID"), .text("1")),
                                  .erase(try path("ReferencedStudySequence.StudyID")),
                                  .set(try path("ReferencedStudySequence[*].StudyID"), .text("1"))])
        #expect(m.changes.isEmpty)
        // ... and no empty sequence appears.
        #expect(m.dataset[Tag.referencedStudySequence] == nil)
        #expect(m.dataset.elements.map(\.tag) == file.dataset.elements.map(\.tag))
    }

    @Test func eraseEraseAllAndErasePrivate() throws {
        let file = try roundTripped(sample())
        let e = try modify(file, [.erase(try path("ReferencedSeriesSequence[0]")), .erase(try path("PatientName"))])
        #expect(e.dataset.items(Tag.referencedSeriesSequence)?.map { $0.string(Tag.seriesInstanceUID) } == ["9.9.9"])
        #expect(e.dataset[Tag.patientName] == nil)

        let all = try modify(file, [.eraseAll(.tag(Tag.patientID))])
        #expect(all.dataset[Tag.patientID] == nil)
        #expect(all.dataset.items(Tag.otherPatientIDsSequence)?[0][Tag.patientID] == nil)
        #expect(all.changes.map(\.path) == ["(0010,0020)", "(0010,1002)[0].(0010,0020)"])

        let priv = try modify(file, [.erasePrivate])
        #expect(!priv.dataset.elements.contains { $0.tag.isPrivate })
        #expect(priv.dataset.items(Tag.otherPatientIDsSequence)?[0].elements.map(\.tag) == [Tag.patientID])
    }

    @Test func privateElementsByCreatorInsertTheCreatorInTheFirstFreeBlock() throws {
        let file = try roundTripped(sample())
        let m = try modify(file, [.set(try path("(0029,{ACME 1.0},20)"), .text("x")),
                                  .set(try path("(0029,{NEW VENDOR},01)"), .text("y")),
                                  .erase(try path("(0029,{ABSENT},10)"))])
        #expect(m.dataset.string(Tag(0x0029, 0x1020)) == "x")
        #expect(m.dataset.string(Tag(0x0029, 0x0011)) == "NEW VENDOR")
        #expect(m.dataset.string(Tag(0x0029, 0x1101)) == "y")
        // Without a creator in the data set, a private tag is refused.
        #expect(throws: DicomError.self) { try modify(file, [.set(try path("(0033,1010)"), .text("z"))]) }
    }

    @Test(arguments: [
        ("StudyDate", "20241301"), ("StudyDate", "2024-01-01"), ("StationName", "ABCDEFGHIJKLMNOPQ"),
        ("StationName", "A\\B"), ("Rows", "70000"), ("Rows", "-1"), ("SOPInstanceUID", "1.02.3"),
        ("PatientSex", "m"), ("ImageType", String(repeating: "A\\", count: 0) + "lower"), ("PixelData", "0"),
        ("FileMetaInformationVersion", "1"), ("ReferencedSeriesSequence", "x"),
    ])
    func invalidValuesAreRefusedBeforeAnyFileIsRead(_ attribute: String, _ value: String) throws {
        var options = ModifyOptions()
        options.operations = [.set(try path(attribute), .text(value))]
        #expect(throws: DicomError.self) { try options.check() }
    }

    @Test func attributeTagsFromTagsOrKeywords() throws {
        let file = try roundTripped(sample())
        let m = try modify(file, [.set(try path("FrameIncrementPointer"), .text("(0018,1063)\\FrameDelay"))])
        #expect(m.dataset[Tag.frameIncrementPointer]?.valueBytes?.bytes == [0x18, 0x00, 0x63, 0x10, 0x18, 0x00, 0x66, 0x10])
        var options = ModifyOptions()
        options.operations = [.set(try path("FrameIncrementPointer"), .text("NoSuchKeyword"))]
        #expect(throws: DicomError.self) { try options.check() }
    }

    @Test func binaryValuesFromFilesAndNumbersFromText() throws {
        let file = try roundTripped(sample())
        let m = try modify(file, [.set(try path("Rows"), .text("512"))])
        #expect(m.dataset[Tag.rows]?.valueBytes?.bytes == [0x00, 0x02])
        // Pixel data is refused whatever the path.
        #expect(throws: DicomError.self) {
            try modify(file, [.set(try path("IconImageSequence[0].PixelData"), .file(path: "x", bytes: [1, 2, 3, 4]))])
        }
        let ob = try modify(file, [.set(try path("EncapsulatedDocument"), .file(path: "doc.pdf", bytes: [0x25, 0x50, 0x44]))])
        #expect(ob.dataset[Tag.encapsulatedDocument]?.valueBytes?.bytes == [0x25, 0x50, 0x44, 0x00])
        // A private element unknown to the dictionaries is LO text: control bytes are refused.
        #expect(throws: DicomError.self) { try modify(file, [.set(try path("(0029,{ACME 1.0},40)"), .file(path: "odd", bytes: [1, 2, 3]))]) }
        // OW from a file: whole 16-bit values only.
        #expect(throws: DicomError.self) { try modify(file, [.set(try path("RedPaletteColorLookupTableData"), .file(path: "odd", bytes: [1, 2, 3]))]) }
        let lt = try modify(file, [.set(try path("PatientComments"), .file(path: "c.txt", bytes: Array("two\nlines\n".utf8)))])
        #expect(lt.dataset.string(Tag.patientComments) == "two\nlines")
    }
}
