import DicomCore
import DicomIO
import Testing
@testable import DicomPixels

/// LossyBookkeeping's edits as a value: exactly the attributes it owns, the same value for the same
/// step, and the change list described from it.
@Suite struct LossyBookkeepingTests {
    static func image(lossy: Bool = false) -> Dataset {
        var ds = Dataset()
        ds.setStrings(Tag.imageType, .CS, ["ORIGINAL", "PRIMARY", "AXIAL"])
        ds.setString(Tag.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
        ds.setString(Tag.sopInstanceUID, .UI, "1.2.3.4")
        ds.setString(Tag.patientName, .PN, "Doe^Jane")
        if lossy {
            ds.setString(Tag.lossyImageCompression, .CS, "01")
            ds.setStrings(Tag.lossyImageCompressionRatio, .DS, ["5.000"])
        }
        return ds
    }

    static let step = LossyBookkeeping.LossyStep(method: "ISO_15444_1", syntaxName: "JPEG 2000 Image Compression",
                                                 predecessorMethod: "ISO_10918_1", uids: .init(instance: "2.25.99"))

    @Test func aLossyStepEditsOnlyTheAttributesItOwns() throws {
        let source = Self.image()
        let edits = LossyBookkeeping.lossyStep(source, Self.step, ratio: 10)
        #expect(edits.tags == [Tag.imageType, Tag.sopInstanceUID, Tag.derivationDescription, Tag.sourceImageSequence,
                               Tag.derivationCodeSequence, Tag.lossyImageCompression, Tag.lossyImageCompressionRatio,
                               Tag.lossyImageCompressionMethod].sorted())
        let out = edits.applied(to: source)
        #expect(out.strings(Tag.imageType) == ["DERIVED", "PRIMARY", "AXIAL"])
        #expect(out.string(Tag.sopInstanceUID) == "2.25.99")
        #expect(out.string(Tag.lossyImageCompression) == "01")
        #expect(out.strings(Tag.lossyImageCompressionRatio) == ["10.000"])
        #expect(out.strings(Tag.lossyImageCompressionMethod) == ["ISO_15444_1"])
        #expect(out.string(Tag.derivationDescription) == "Lossy compression with JPEG 2000 Image Compression, ratio 10.000:1")
        let item = try #require(out.items(Tag.sourceImageSequence)?.first)
        #expect(item.string(Tag.referencedSOPInstanceUID) == "1.2.3.4")
        #expect(item.items(Tag.purposeOfReferenceCodeSequence)?.first?.string(Tag.codeValue) == "121320")
        #expect(out.items(Tag.derivationCodeSequence)?.map { $0.string(Tag.codeValue) } == ["113040"])
        #expect(out.string(Tag.patientName) == "Doe^Jane")

        // The change list is the value, described against the source, in tag order.
        let changes = edits.describe(against: source)
        #expect(changes.first == "(0008,0008) ImageType: ORIGINAL\\PRIMARY\\AXIAL -> DERIVED\\PRIMARY\\AXIAL")
        #expect(changes.contains("(0008,0018) SOPInstanceUID: 1.2.3.4 -> 2.25.99"))
        #expect(changes.contains("(0028,2112) LossyImageCompressionRatio: (absent) -> 10.000"))
        #expect(changes.count == 8)
        // The same step is the same value: UIDs come in, nothing is generated inside.
        #expect(LossyBookkeeping.lossyStep(source, Self.step, ratio: 10).describe(against: source) == changes)
    }

    @Test func aSecondStepKeepsRatiosAndMethodsAligned() throws {
        let source = Self.image(lossy: true)
        let out = LossyBookkeeping.lossyStep(source, Self.step, ratio: 2.5).applied(to: source)
        #expect(out.strings(Tag.lossyImageCompressionRatio) == ["5.000", "2.500"])
        #expect(out.strings(Tag.lossyImageCompressionMethod) == ["ISO_10918_1", "ISO_15444_1"])
        let item = try #require(out.items(Tag.sourceImageSequence)?.first)
        #expect(item.items(Tag.purposeOfReferenceCodeSequence)?.first?.string(Tag.codeValue) == "121330")
    }

    /// Streamed output: the ratio-bearing values are reserved at the widest ratio, and the measured
    /// value fills them with trailing spaces; every other edit is the same as the measured step's.
    @Test func reservedValuesHoldTheMeasuredOnes() throws {
        let source = Self.image()
        let reserved = LossyBookkeeping.reservedStep(source, Self.step)
        let measured = LossyBookkeeping.lossyStep(source, Self.step, ratio: 12.25)
        #expect(reserved.tags == measured.tags)
        for tag in reserved.tags where !LossyBookkeeping.ratioBearingTags.contains(tag) {
            #expect(reserved.describe(against: source).filter { $0.hasPrefix("\(tag)") }
                    == measured.describe(against: source).filter { $0.hasPrefix("\(tag)") })
        }
        let length = try #require((reserved[Tag.lossyImageCompressionRatio] ?? nil)?.valueBytes?.count)
        #expect(length == 16)
        let value = try #require(LossyBookkeeping.reservedValue(measured, Tag.lossyImageCompressionRatio, length: length))
        #expect(value == Array("12.250          ".utf8))
        #expect(LossyBookkeeping.reservedValue(measured, Tag.lossyImageCompressionRatio, length: 4) == nil)
    }

    @Test func aDerivationRecordsEveryCodeAndImageTypeValue2() throws {
        let source = Self.image()
        let crop = LossyBookkeeping.Code("CROP", "99DICOMTOOL", "Image cropping")
        let resample = LossyBookkeeping.Code("113085", "DCM", "Spatial resampling")
        let edits = LossyBookkeeping.derivation(source, purpose: .sourceForProcessing, codes: [crop, resample, crop],
                                                description: "dicomtool derive: crop", imageTypeValue2: "SECONDARY",
                                                referencedFrames: [2, 3], uids: .init(instance: "2.25.7", series: "2.25.8"))
        let out = edits.applied(to: source)
        #expect(out.strings(Tag.imageType) == ["DERIVED", "SECONDARY", "AXIAL"])
        #expect(out.items(Tag.derivationCodeSequence)?.map { $0.string(Tag.codeValue) } == ["CROP", "113085"])
        #expect(out.items(Tag.sourceImageSequence)?.first?.strings(Tag.referencedFrameNumber) == ["2", "3"])
        #expect(out.string(Tag.seriesInstanceUID) == "2.25.8")
        #expect(out.string(Tag.seriesDescription) == "derived")
        #expect(out[Tag.lossyImageCompression] == nil)

        // A derived image's lossy copy names the stored source, not the unstored derived pixels.
        let copied = LossyBookkeeping.lossyStep(out, Self.step, ratio: 8).applied(to: out)
        let named = LossyBookkeeping.namingStoredPredecessor(copied, unstored: "2.25.7", original: "1.2.3.4", frames: [2, 3],
                                                             imageTypeValue2: "PRIMARY").applied(to: copied)
        let references = named.items(Tag.sourceImageSequence)?.map { $0.string(Tag.referencedSOPInstanceUID) }
        #expect(references == ["1.2.3.4", "1.2.3.4"])
        #expect(named.strings(Tag.imageType)?.prefix(2) == ["DERIVED", "PRIMARY"])
    }

    @Test func editsMergeWithTheLaterWinning() {
        var a = DatasetEdits()
        var scratch = Dataset()
        scratch.setString(Tag.patientName, .PN, "A")
        a.set(scratch[Tag.patientName]!)
        a.remove(Tag.patientID)
        var b = DatasetEdits()
        scratch.setString(Tag.patientName, .PN, "B")
        b.set(scratch[Tag.patientName]!)
        let merged = a.merging(b)
        #expect(merged.applied(to: Self.image()).string(Tag.patientName) == "B")
        #expect(merged.tags == [Tag.patientName, Tag.patientID].sorted())
    }
}
