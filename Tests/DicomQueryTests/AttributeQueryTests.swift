import DicomCore
import DicomIO
import Testing
@testable import DicomQuery

/// `KEY=VALUE` criteria over data sets: paths into sequences, private elements by creator,
/// multi-valued attributes, character sets, the meta group, and refusals before any file is read.
@Suite struct AttributeQueryTests {
    static func sample() -> Dataset {
        var ds = Dataset()
        ds.setString(Tag.modality, .CS, "CT")
        ds.setStrings(Tag.imageType, .CS, ["ORIGINAL", "PRIMARY", "AXIAL"])
        ds.setString(Tag.studyDate, .DA, "20190615")
        ds.setString(Tag.patientName, .PN, "Doe^John")
        ds.setString(Tag.accessionNumber, .SH, "")
        ds.setUInt16(Tag.rows, 512)
        var first = Dataset(), second = Dataset()
        first.setString(Tag.seriesInstanceUID, .UI, "1.2.3")
        second.setString(Tag.seriesInstanceUID, .UI, "1.2.4")
        ds.setSequence(Tag.referencedSeriesSequence, [first, second])
        ds.setString(Tag(0x0029, 0x0010), .LO, "ACME 1.0")
        ds.setString(Tag(0x0029, 0x1001), .LO, "private value")
        return ds
    }

    func selects(_ criteria: String..., in ds: Dataset = sample(), meta: Dataset = Dataset()) throws -> Bool {
        try AttributeQuery(parsing: criteria).matches(meta: meta, dataset: ds)
    }

    @Test func everyCriterionMustMatch() throws {
        #expect(try selects("Modality=CT"))
        #expect(try selects("Modality=CT", "StudyDate=20190101-20201231"))
        #expect(try !selects("Modality=CT", "StudyDate=2020-"))
        #expect(try !selects("Modality=MR"))
    }

    @Test func aMultiValuedAttributeMatchesWhenAnyValueDoes() throws {
        #expect(try selects("ImageType=PRIMARY"))
        #expect(try selects("ImageType=AX*"))
        #expect(try !selects("ImageType=DERIVED"))
        #expect(try selects("Rows=512"))
    }

    @Test func universalMatchingMeansTheAttributeIsPresentEvenEmpty() throws {
        #expect(try selects("AccessionNumber="))
        #expect(try selects("ReferencedSeriesSequence="))
        #expect(try !selects("InstitutionName="))
        // An empty value matches nothing but universal matching.
        #expect(try !selects("AccessionNumber=*A"))
    }

    @Test func pathsIntoSequences() throws {
        #expect(try selects("ReferencedSeriesSequence[*].SeriesInstanceUID=1.2.4"))
        #expect(try selects("ReferencedSeriesSequence.SeriesInstanceUID=1.2.4"))
        #expect(try selects("ReferencedSeriesSequence[0].SeriesInstanceUID=1.2.3"))
        #expect(try !selects("ReferencedSeriesSequence[0].SeriesInstanceUID=1.2.4"))
        #expect(try selects("ReferencedSeriesSequence[*].SeriesInstanceUID=1.2.9\\1.2.4"))
        #expect(try selects("ReferencedSeriesSequence[1]="))
        #expect(try !selects("ReferencedSeriesSequence[2]="))
        #expect(try selects("(0008,1115)[*].(0020,000E)="))
        #expect(try !selects("SourceImageSequence[*].ReferencedSOPInstanceUID="))
    }

    @Test func privateElementsByCreatorWhereverTheirBlockIs() throws {
        #expect(try selects("(0029,{ACME 1.0},01)=private*"))
        #expect(try !selects("(0029,{OTHER},01)="))
        var moved = Dataset()
        moved.setString(Tag(0x0029, 0x0011), .LO, "ACME 1.0")
        moved.setString(Tag(0x0029, 0x1101), .LO, "private value")
        #expect(try selects("(0029,{ACME 1.0},01)=private value", in: moved))
        // By tag too, compared as text (the dictionary does not know it).
        #expect(try selects("(0029,1001)=private value"))
        // Read from an implicit VR file whose creator no dictionary knows: UN, compared as text.
        var unknown = Dataset()
        unknown.setString(Tag(0x0029, 0x0010), .LO, "ACME 1.0")
        unknown.set(Element(tag: Tag(0x0029, 0x1001), vr: .UN, value: .bytes(ValueBytes(Array("A\\B ".utf8)))))
        #expect(try selects("(0029,{ACME 1.0},01)=B", in: unknown))
        #expect(try selects("(0029,{ACME 1.0},01)=A*", in: unknown))
    }

    @Test func valuesAreComparedAfterDecodingTheCharacterSet() throws {
        // "Müller^Zoë" in ISO 8859-1 bytes, as a file declaring ISO_IR 100 holds it.
        let latin1: [UInt8] = [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x5E, 0x5A, 0x6F, 0xEB]
        var ds = Dataset(characterSet: SpecificCharacterSet(terms: ["ISO_IR 100"]))
        ds.setString(Tag.specificCharacterSet, .CS, "ISO_IR 100")
        ds.set(Element(tag: Tag.patientName, vr: .PN, value: .bytes(ValueBytes(latin1))))
        #expect(try selects("PatientName=Müller^Zoë", in: ds))
        #expect(try selects("PatientName=M?ller*", in: ds))
        #expect(try !selects("PatientName=Muller*", in: ds))
    }

    @Test func groupTwoKeysLookAtTheMeta() throws {
        var meta = Dataset()
        meta.setString(Tag.transferSyntaxUID, .UI, "1.2.840.10008.1.2.1")
        #expect(try selects("TransferSyntaxUID=1.2.840.10008.1.2.1", meta: meta))
        #expect(try !selects("TransferSyntaxUID=1.2.840.10008.1.2", meta: meta))
    }

    @Test func badKeysAndValuesAreRefusedWithTheReason() throws {
        func refusal(_ text: String) throws -> String {
            try #require(throws: DicomError.self) { try AttributeCriterion(parsing: text) }.message
        }
        #expect(try refusal("PatientsName=x").contains("neither a tag"))
        #expect(try refusal("Modality").contains("KEY=VALUE"))
        #expect(try refusal("=CT").contains("KEY=VALUE"))
        #expect(try refusal("StudyDate=2019*").contains("C.2.2.2.4"))
        #expect(try refusal("StudyDate=20191301").contains("not a date"))
        #expect(try refusal("StudyDate=2020-2019").contains("ends before it starts"))
        #expect(try refusal("Modality.SeriesInstanceUID=1").contains("not a sequence"))
        #expect(try refusal("ReferencedSeriesSequence[0]=x").contains("an item has no value"))
        #expect(try refusal("ReferencedSeriesSequence[x].SeriesInstanceUID=1").contains("item index"))
        #expect(try refusal("PixelData=00").contains("only their presence"))
    }

    @Test func theHeaderReadStopsAfterTheLastAttributeNamed() throws {
        #expect(try AttributeQuery(parsing: ["Modality=CT", "StudyDate=2019-"]).stopBefore == Tag(0x0008, 0x0061))
        #expect(try AttributeQuery(parsing: ["(0029,{ACME},01)="]).stopBefore == Tag(0x002A, 0x0000))
        #expect(try AttributeQuery(parsing: ["ReferencedSeriesSequence[*].SeriesInstanceUID=1.2.3"]).stopBefore == Tag(0x0008, 0x1116))
        #expect(try AttributeQuery(parsing: ["PixelData="]).stopBefore == Tag(0x7FE0, 0x0011))
    }
}
