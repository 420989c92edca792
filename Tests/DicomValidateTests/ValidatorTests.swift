import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomValidate

// Swift Testing also exports a `Tag` (test tags); this module means the DICOM one.
typealias Tag = DicomCore.Tag

/// Builders of minimal data sets: a conformant Secondary Capture image, then one mutation per rule.
enum Fixture {
    static let explicitLE = TransferSyntax(uid: "1.2.840.10008.1.2.1")!

    static func tag(_ keyword: String) -> Tag { DataDictionary.tag(forKeyword: keyword)! }

    /// A Secondary Capture Image (PS3.3 A.8.1) with every Type 1 and 2 attribute of its M modules.
    static func secondaryCapture() -> Dataset {
        var ds = Dataset()
        ds.setString(tag("SpecificCharacterSet"), .CS, "ISO_IR 100")
        ds.setStrings(tag("ImageType"), .CS, ["DERIVED", "SECONDARY"])
        ds.setString(tag("SOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.setString(tag("SOPInstanceUID"), .UI, "2.25.1234")
        ds.setString(tag("StudyDate"), .DA, "20240131")
        ds.setString(tag("StudyTime"), .TM, "101500.25")
        ds.setString(tag("AccessionNumber"), .SH, "")
        ds.setString(tag("Modality"), .CS, "OT")
        ds.setString(tag("ConversionType"), .CS, "WSD")
        ds.setString(tag("ReferringPhysicianName"), .PN, "")
        ds.setString(tag("PatientName"), .PN, "Doe^Jane")
        ds.setString(tag("PatientID"), .LO, "P1")
        ds.setString(tag("PatientBirthDate"), .DA, "")
        ds.setString(tag("PatientSex"), .CS, "F")
        ds.setString(tag("StudyInstanceUID"), .UI, "2.25.1")
        ds.setString(tag("SeriesInstanceUID"), .UI, "2.25.12")
        ds.setString(tag("StudyID"), .SH, "")
        ds.setString(tag("SeriesNumber"), .IS, "1")
        ds.setString(tag("InstanceNumber"), .IS, "1")
        ds.setString(tag("PatientOrientation"), .CS, "")
        ds.setUInt16(tag("SamplesPerPixel"), 1)
        ds.setString(tag("PhotometricInterpretation"), .CS, "MONOCHROME2")
        ds.setUInt16(tag("Rows"), 2)
        ds.setUInt16(tag("Columns"), 2)
        ds.setUInt16(tag("BitsAllocated"), 8)
        ds.setUInt16(tag("BitsStored"), 8)
        ds.setUInt16(tag("HighBit"), 7)
        ds.setUInt16(tag("PixelRepresentation"), 0)
        ds.set(Element(tag: Tag.pixelData, vr: .OB, value: .bytes(ValueBytes([1, 2, 3, 4]))))
        return ds
    }

    /// Writes a Part 10 file in memory and reads it back, as the validator sees real inputs.
    static func roundTrip(_ ds: Dataset, syntax: TransferSyntax = explicitLE, meta edit: (inout Dataset) -> Void = { _ in })
        throws -> DicomFile {
        var meta = DatasetWriter.makeMeta(for: ds, syntax: syntax, previous: Dataset())
        edit(&meta)
        var sink = MemorySink()
        try DatasetWriter(syntax: syntax).writeFile(meta: meta, dataset: ds, preamble: [UInt8](repeating: 0, count: 128), to: &sink)
        return try Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "memory"))
    }

    static func findings(_ ds: Dataset, options: Validator.Options = .init()) throws -> [Finding] {
        Validator(options: options).validate(try roundTrip(ds))
    }

    static func rules(_ ds: Dataset) throws -> Set<String> { Set(try findings(ds).map(\.rule)) }
}

@Suite struct ValidatorRuleTests {
    @Test func conformantSecondaryCaptureHasNoErrors() throws {
        let found = try Fixture.findings(Fixture.secondaryCapture())
        let errors = found.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map { "\($0.rule) \($0.path): \($0.message)" })")
        #expect(!found.contains { $0.rule == "iod.attribute.foreign" })
    }

    /// Data Set Trailing Padding ends a file's data set in no module's name (PS3.10 7.2): never foreign.
    @Test func trailingPaddingIsNotForeign() throws {
        var ds = Fixture.secondaryCapture()
        ds.set(Element(tag: Tag(0xFFFC, 0xFFFC), vr: .OB, value: .bytes(ValueBytes([0, 0, 0, 0]))))
        let found = try Fixture.findings(ds)
        #expect(!found.contains { $0.rule == "iod.attribute.foreign" }, "\(found.map { "\($0.rule) \($0.path)" })")
        // The same element count check: the padding is really in the validated data set.
        #expect(try Fixture.roundTrip(ds).dataset[Tag(0xFFFC, 0xFFFC)] != nil)
    }

    /// One mutation per rule: the mutated data set reports the rule, the conformant one does not.
    static let mutations: [(rule: String, path: String, mutate: @Sendable (inout Dataset) -> Void)] = [
        ("iod.type1.missing", "SeriesInstanceUID", { _ = $0.remove(Fixture.tag("SeriesInstanceUID")) }),
        ("iod.type2.missing", "PatientName", { _ = $0.remove(Fixture.tag("PatientName")) }),
        ("iod.type1.empty", "Modality", { $0.setString(Fixture.tag("Modality"), .CS, "") }),
        ("iod.type1c.missing", "PlanarConfiguration", {
            $0.setUInt16(Fixture.tag("SamplesPerPixel"), 3)
            $0.setString(Fixture.tag("PhotometricInterpretation"), .CS, "RGB")
            $0.set(Element(tag: Tag.pixelData, vr: .OB, value: .bytes(ValueBytes([UInt8](repeating: 0, count: 12)))))
        }),
        ("iod.type1c.missing", "AnatomicRegionSequence[0]>CodingSchemeDesignator", {
            var code = Dataset()
            code.setString(Fixture.tag("CodeValue"), .SH, "T-D3000")
            code.setString(Fixture.tag("CodeMeaning"), .LO, "Chest")
            $0.setSequence(Fixture.tag("AnatomicRegionSequence"), [code])
        }),
        ("iod.enum.value", "ImageType", { $0.setStrings(Fixture.tag("ImageType"), .CS, ["COPY", "PRIMARY"]) }),
        ("iod.enum.value", "BurnedInAnnotation", { $0.setString(Fixture.tag("BurnedInAnnotation"), .CS, "MAYBE") }),
        ("iod.attribute.foreign", "KVP", { $0.setString(Fixture.tag("KVP"), .DS, "120") }),
        ("attr.retired", "ImageDimensions", { $0.setUInt16(Tag(0x0028, 0x0005), 2) }),
        ("vr.da.format", "StudyDate", { $0.setString(Fixture.tag("StudyDate"), .DA, "20240231") }),
        ("vr.tm.format", "StudyTime", { $0.setString(Fixture.tag("StudyTime"), .TM, "2561") }),
        ("vr.dt.format", "AcquisitionDateTime", { $0.setString(Fixture.tag("AcquisitionDateTime"), .DT, "2024133112") }),
        ("vr.as.format", "PatientAge", { $0.setString(Fixture.tag("PatientAge"), .AS, "45Y ") }),
        ("vr.ds.format", "PatientWeight", { $0.setString(Fixture.tag("PatientWeight"), .DS, "7O") }),
        ("vr.is.format", "SeriesNumber", { $0.setString(Fixture.tag("SeriesNumber"), .IS, "1.5") }),
        ("vr.ui.syntax", "SeriesInstanceUID", { $0.setString(Fixture.tag("SeriesInstanceUID"), .UI, "2.25.012") }),
        ("vr.length.max", "StudyInstanceUID", {
            $0.setString(Fixture.tag("StudyInstanceUID"), .UI, "2.25." + String(repeating: "1", count: 62))
        }),
        ("vr.cs.repertoire", "Modality", { $0.setString(Fixture.tag("Modality"), .CS, "ot") }),
        ("vr.length.max", "ConversionType", { $0.setString(Fixture.tag("ConversionType"), .CS, "ABCDEFGHIJKLMNOPQ") }),
        ("vr.pn.groups", "PatientName", { $0.setString(Fixture.tag("PatientName"), .PN, "a=b=c=d") }),
        ("vm.mismatch", "PatientSex", { $0.setStrings(Fixture.tag("PatientSex"), .CS, ["F", "M"]) }),
        ("vr.mismatch", "PatientID", {
            $0.set(Element(tag: Fixture.tag("PatientID"), vr: .SH, value: .bytes(ValueBytes(Array("P1".utf8)))))
        }),
        ("pixel.length", "PixelData", {
            $0.set(Element(tag: Tag.pixelData, vr: .OB, value: .bytes(ValueBytes([1, 2]))))
        }),
        ("lossy.history.vm", "LossyImageCompressionMethod", {
            $0.setString(Fixture.tag("LossyImageCompression"), .CS, "01")
            $0.setStrings(Fixture.tag("LossyImageCompressionRatio"), .DS, ["10"])
            $0.setStrings(Fixture.tag("LossyImageCompressionMethod"), .CS, ["ISO_10918_1", "ISO_15444_1"])
        }),
        ("lossy.flag.history", "LossyImageCompression", {
            $0.setString(Fixture.tag("LossyImageCompression"), .CS, "00")
            $0.setStrings(Fixture.tag("LossyImageCompressionMethod"), .CS, ["ISO_10918_1"])
        }),
        ("lossy.source.self-reference", "SourceImageSequence[0]>ReferencedSOPInstanceUID", {
            var item = Dataset()
            item.setString(Fixture.tag("ReferencedSOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.7")
            item.setString(Fixture.tag("ReferencedSOPInstanceUID"), .UI, "2.25.1234")
            $0.setSequence(Fixture.tag("SourceImageSequence"), [item])
        }),
        ("iod.type2c.missing", "DeviceSequence[0]>DeviceDiameterUnits", {
            var device = Dataset()
            device.setString(Fixture.tag("CodeValue"), .SH, "A-00001")
            device.setString(Fixture.tag("CodingSchemeDesignator"), .SH, "SRT")
            device.setString(Fixture.tag("CodeMeaning"), .LO, "Catheter")
            device.setString(Fixture.tag("DeviceDiameter"), .DS, "5")
            $0.setSequence(Fixture.tag("DeviceSequence"), [device])
        }),
        ("iod.enum.value", "CalibrationImage", {
            // Ophthalmic Photography 8 Bit Image: Calibration Image is YES or NO (PS3.3 C.8.17.2).
            $0.setString(Fixture.tag("SOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.77.1.5.1")
            $0.setString(Fixture.tag("CalibrationImage"), .CS, "MAYBE")
        }),
        ("iod.sop-class.unknown", "SOPClassUID", { $0.setString(Fixture.tag("SOPClassUID"), .UI, "1.2.3.4") }),
        ("uid.reused", "SeriesInstanceUID", { $0.setString(Fixture.tag("SeriesInstanceUID"), .UI, "2.25.1") }),
        ("private.element.invalid", "(0009,0005)", {
            $0.set(Element(tag: Tag(0x0009, 0x0005), vr: .LO, value: .bytes(ValueBytes(Array("AB".utf8)))))
        }),
        ("private.group.illegal", "(0005,0010)", {
            $0.set(Element(tag: Tag(0x0005, 0x0010), vr: .LO, value: .bytes(ValueBytes(Array("AB".utf8)))))
        }),
        ("attr.unknown", "(0050,0065)", {
            $0.set(Element(tag: Tag(0x0050, 0x0065), vr: .LO, value: .bytes(ValueBytes(Array("AB".utf8)))))
        }),
        ("vr.charset.repertoire", "InstitutionName", {
            $0.remove(Fixture.tag("SpecificCharacterSet"))
            $0.set(Element(tag: Fixture.tag("InstitutionName"), vr: .LO, value: .bytes(ValueBytes([0x4D, 0xFC, 0x6E, 0x20]))))
        }),
        ("vr.padding", "StationName", {
            $0.set(Element(tag: Fixture.tag("StationName"), vr: .SH, value: .bytes(ValueBytes([0x41, 0x00]))))
        }),
        ("vr.length.multiple", "DiffusionBValue", {
            $0.set(Element(tag: Fixture.tag("DiffusionBValue"), vr: .FD, value: .bytes(ValueBytes([0, 0, 0, 0]))))
        }),
    ]

    @Test(arguments: 0..<mutations.count) func mutationBreaksItsRule(index: Int) throws {
        let m = Self.mutations[index]
        let clean = try Fixture.findings(Fixture.secondaryCapture())
        #expect(!clean.contains { $0.rule == m.rule && $0.path == m.path }, "clean data set reports \(m.rule) at \(m.path)")
        var ds = Fixture.secondaryCapture()
        m.mutate(&ds)
        let found = try Fixture.findings(ds)
        let hit = found.first { $0.rule == m.rule && $0.path == m.path }
        #expect(hit != nil, "\(m.rule) at \(m.path) not reported; got \(found.map { "\($0.rule) \($0.path)" })")
        if let hit { #expect(hit.reference.hasPrefix("PS3.")) }
    }

    @Test func sequencePathsNameItems() throws {
        var ds = Fixture.secondaryCapture()
        var item = Dataset()
        item.setString(Fixture.tag("ReferencedSOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.setSequence(Fixture.tag("SourceImageSequence"), [item])
        let found = try Fixture.findings(ds)
        #expect(found.contains { $0.rule == "iod.type1.missing" && $0.path == "SourceImageSequence[0]>ReferencedSOPInstanceUID" },
                "\(found.map { "\($0.rule) \($0.path)" })")
    }

    @Test func metaMismatchAndGroupLength() throws {
        let ds = Fixture.secondaryCapture()
        let good = Validator().validate(try Fixture.roundTrip(ds))
        #expect(!good.contains { $0.rule.hasPrefix("meta.") }, "\(good.filter { $0.rule.hasPrefix("meta.") })")
        let bad = Validator().validate(try Fixture.roundTrip(ds) { meta in
            meta.setString(Tag(0x0002, 0x0003), .UI, "2.25.999")
        })
        #expect(bad.contains { $0.rule == "meta.sop-instance.mismatch" })
        #expect(bad.contains { $0.rule == "meta.group-length.wrong" }, "group length not recomputed after the edit")
    }

    @Test func oddLengthsAreErrors() throws {
        // The writer pads every value, so the odd value is put into the data set after reading.
        var file = try Fixture.roundTrip(Fixture.secondaryCapture())
        #expect(!Validator().validate(file).contains { $0.rule == "encoding.length.odd" })
        file.dataset.set(Element(tag: Fixture.tag("PatientID"), vr: .LO, value: .bytes(ValueBytes(Array("P12".utf8)))))
        #expect(Validator().validate(file).contains { $0.rule == "encoding.length.odd" && $0.path == "PatientID" })
    }

    @Test func lossyCompressionRatioAndMethodWhenFlagged() throws {
        // Ophthalmic Photography Image (PS3.3 C.8.17.2) requires both when Lossy Image Compression is "01".
        var ds = Fixture.secondaryCapture()
        ds.setString(Fixture.tag("SOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.77.1.5.1")
        let before = try Fixture.findings(ds)
        #expect(!before.contains { $0.rule == "iod.type1c.missing" && $0.path == "LossyImageCompressionMethod" })
        ds.setString(Fixture.tag("LossyImageCompression"), .CS, "01")
        ds.setString(Fixture.tag("LossyImageCompressionRatio"), .DS, "10")
        let after = try Fixture.findings(ds)
        #expect(after.contains { $0.rule == "iod.type1c.missing" && $0.path == "LossyImageCompressionMethod" },
                "\(after.map { "\($0.rule) \($0.path)" })")
    }

    @Test func metaGroupLengthAndType1() throws {
        let ds = Fixture.secondaryCapture()
        let found = Validator().validate(try Fixture.roundTrip(ds) { meta in
            _ = meta.remove(Tag(0x0002, 0x0000))
            _ = meta.remove(Tag(0x0002, 0x0012))
        })
        #expect(found.contains { $0.rule == "meta.group-length.missing" })
        #expect(found.contains { $0.rule == "meta.type1.missing" && $0.path == "ImplementationClassUID" })
        let clean = Validator().validate(try Fixture.roundTrip(ds))
        #expect(!clean.contains { $0.rule.hasPrefix("meta.") })
        var bare = try Fixture.roundTrip(ds)
        bare.preamble = nil
        #expect(Validator().validate(bare).contains { $0.rule == "meta.preamble.missing" })
    }

    @Test func readRepairsAreReported() throws {
        var file = try Fixture.roundTrip(Fixture.secondaryCapture())
        #expect(!Validator().validate(file).contains { $0.rule == "encoding.malformed" })
        file.warnings.append(ReadWarning(message: "implicit VR element in an explicit VR data set", offset: 300, tag: Tag(0x0010, 0x0010)))
        let hit = Validator().validate(file).first { $0.rule == "encoding.malformed" }
        #expect(hit?.path == "PatientName" && hit?.offset == 300)
    }

    @Test func functionalGroupsPerFrameCountAndMandatoryMacros() throws {
        // Enhanced CT: Pixel Measures, Plane Position, CT Image Frame Type... are mandatory macros.
        var ds = Fixture.secondaryCapture()
        ds.setString(Fixture.tag("SOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.2.1")
        ds.setString(Fixture.tag("NumberOfFrames"), .IS, "2")
        ds.setSequence(Tag(0x5200, 0x9229), [Dataset()])
        ds.setSequence(Tag(0x5200, 0x9230), [Dataset()])
        let found = try Fixture.findings(ds)
        #expect(found.contains { $0.rule == "iod.fg.count" })
        #expect(found.contains { $0.rule == "iod.fg.missing" && $0.tag == "(0028,9110)" }, "Pixel Measures not required")
        var frame = Dataset()
        var measures = Dataset()
        measures.setStrings(Fixture.tag("PixelSpacing"), .DS, ["1", "1"])
        frame.setSequence(Tag(0x0028, 0x9110), [measures])
        ds.setSequence(Tag(0x5200, 0x9230), [frame, frame])
        let fixed = try Fixture.findings(ds)
        #expect(!fixed.contains { $0.rule == "iod.fg.count" })
        #expect(!fixed.contains { $0.rule == "iod.fg.missing" && $0.tag == "(0028,9110)" })
    }

    @Test func lossySyntaxRequiresFlag() throws {
        var file = try Fixture.roundTrip(Fixture.secondaryCapture())
        file.transferSyntax = TransferSyntax(uid: "1.2.840.10008.1.2.4.50")!
        #expect(Validator().validate(file).contains { $0.rule == "lossy.flag.missing" })
        file.dataset.setString(Fixture.tag("LossyImageCompression"), .CS, "01")
        #expect(!Validator().validate(file).contains { $0.rule == "lossy.flag.missing" })
    }

    @Test func offsetTableMustPointAtFragments() throws {
        var file = try Fixture.roundTrip(Fixture.secondaryCapture())
        file.transferSyntax = TransferSyntax(uid: "1.2.840.10008.1.2.4.70")!
        func frags(_ bot: [UInt8]) -> Element {
            Element(tag: Tag.pixelData, vr: .OB, value: .fragments(Fragments(
                offsetTable: ValueBytes(bot), fragments: [ValueBytes([1, 2, 3, 4]), ValueBytes([5, 6])])))
        }
        file.dataset.setString(Fixture.tag("NumberOfFrames"), .IS, "2")
        file.dataset.set(frags([0, 0, 0, 0, 12, 0, 0, 0]))  // fragment 1 starts at 8 + 4 = 12
        #expect(!Validator().validate(file).contains { $0.rule.hasPrefix("pixel.") })
        file.dataset.set(frags([0, 0, 0, 0, 10, 0, 0, 0]))
        #expect(Validator().validate(file).contains { $0.rule == "pixel.offset-table.target" })
        file.dataset.set(frags([0, 0, 0, 0]))
        #expect(Validator().validate(file).contains { $0.rule == "pixel.offset-table.count" })
    }

    /// RLE (PS3.5 A.4.2) and the frame-wise uncompressed and deflated syntaxes hold each frame in
    /// one fragment; JPEG syntaxes may split a frame.
    @Test func oneFragmentPerFrameWhereTheSyntaxSaysSo() throws {
        var file = try Fixture.roundTrip(Fixture.secondaryCapture())
        file.dataset.set(Element(tag: Tag.pixelData, vr: .OB, value: .fragments(Fragments(
            offsetTable: ValueBytes([]), fragments: [ValueBytes([1, 2, 3, 4]), ValueBytes([5, 6])]))))
        for uid in ["1.2.840.10008.1.2.5", "1.2.840.10008.1.2.1.98", "1.2.840.10008.1.2.8.1"] {
            file.transferSyntax = TransferSyntax(uid: uid)!
            #expect(Validator().validate(file).contains { $0.rule == "pixel.fragments.per-frame" }, "\(uid)")
        }
        file.transferSyntax = TransferSyntax(uid: "1.2.840.10008.1.2.4.70")!
        #expect(!Validator().validate(file).contains { $0.rule == "pixel.fragments.per-frame" })
    }

    /// The Extended Offset Table requires each frame in one fragment (PS3.3 C.7.6.3.1.8).
    @Test func extendedOffsetTableWithSplitFramesIsAnError() throws {
        var file = try Fixture.roundTrip(Fixture.secondaryCapture())
        file.transferSyntax = TransferSyntax(uid: "1.2.840.10008.1.2.4.70")!
        file.dataset.set(Element(tag: Tag.pixelData, vr: .OB, value: .fragments(Fragments(
            offsetTable: ValueBytes([]), fragments: [ValueBytes([1, 2, 3, 4]), ValueBytes([5, 6])]))))
        file.dataset.set(Element(tag: Tag.extendedOffsetTable, vr: .OV, value: .bytes(ValueBytes([UInt8](repeating: 0, count: 8)))))
        file.dataset.set(Element(tag: Tag.extendedOffsetTableLengths, vr: .OV,
                                 value: .bytes(ValueBytes([22] + [UInt8](repeating: 0, count: 7)))))
        #expect(Validator().validate(file).contains { $0.rule == "pixel.offset-table.fragmented" })
        file.dataset.set(Element(tag: Tag.pixelData, vr: .OB, value: .fragments(Fragments(
            offsetTable: ValueBytes([]), fragments: [ValueBytes([1, 2, 3, 4, 5, 6])]))))
        #expect(!Validator().validate(file).contains { $0.rule == "pixel.offset-table.fragmented" })
    }

    @Test func ignoredRulesAreDropped() throws {
        var ds = Fixture.secondaryCapture()
        ds.setString(Fixture.tag("StudyDate"), .DA, "2024")
        var options = Validator.Options()
        #expect(try Fixture.findings(ds, options: options).contains { $0.rule == "vr.da.format" })
        options.ignoredRules = ["vr."]
        #expect(!(try Fixture.findings(ds, options: options)).contains { $0.rule.hasPrefix("vr.") })
    }

    @Test func generatedTablesResolveCT() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for m in IODRules.modules(ofCIOD: "ct-image") { _ = IODRules.attributes(ofModule: m.id) }
        }
        print("IOD tables indexed and the CT Image modules parsed in \(elapsed) (first use in this process, or already warm)")
        #expect(IODRules.index.moduleRanges.count > 400)
        #expect(IODRules.ciod(forSOPClass: "1.2.840.10008.5.1.4.1.1.2") == "ct-image")
        let modules = IODRules.modules(ofCIOD: "ct-image")
        #expect(modules.contains { $0.id == "image-pixel" && $0.usage == "M" })
        let pixel = IODRules.attributes(ofModule: "image-pixel")
        let planar = pixel.first { $0.pattern.tag == Tag(0x0028, 0x0006) }
        #expect(planar?.type == .type1C)
        if case .greaterThan(let t, let n)? = planar?.condition { #expect(t == Tag(0x0028, 0x0002) && n == 1) } else {
            Issue.record("Planar Configuration condition not evaluated")
        }
    }
}

@Suite struct ValidationConsistencyTests {
    @Test func duplicatesAndDisagreements() {
        let tracker = ConsistencyTracker()
        var a = Fixture.secondaryCapture()
        let b = a
        tracker.add(file: "a.dcm", dataset: a)
        tracker.add(file: "b.dcm", dataset: b)  // same SOP Instance UID
        a.setString(Fixture.tag("SOPInstanceUID"), .UI, "2.25.99")
        a.setString(Fixture.tag("PatientID"), .LO, "OTHER")
        a.setString(Fixture.tag("Modality"), .CS, "CT")
        tracker.add(file: "c.dcm", dataset: a)
        let byFile = tracker.finishByFile()
        #expect(byFile.map(\.file) == ["b.dcm", "c.dcm"])
        #expect(byFile[0].findings.map(\.rule) == ["consistency.sop-instance.duplicate"])
        #expect(Set(byFile[1].findings.map(\.path)) == ["PatientID", "Modality"])
        #expect(tracker.finish().count == 3)
    }

    @Test func concurrentFeedingIsOrderIndependent() async {
        let tracker = ConsistencyTracker()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    var ds = Fixture.secondaryCapture()
                    ds.setString(Fixture.tag("SOPInstanceUID"), .UI, "2.25.\(i % 100)")
                    tracker.add(file: String(format: "f%03d.dcm", i), dataset: ds)
                }
            }
        }
        let byFile = tracker.finishByFile()
        #expect(byFile.count == 100)
        #expect(byFile.first?.file == "f100.dcm")
    }
}

/// Conditional attributes present when their exclusive condition is false (PS3.5 7.4.2, 7.4.4),
/// and attributes foreign to the sequence items the tables list.
@Suite struct ConditionalPresenceAndNestedForeignTests {
    static func code(_ edit: (inout Dataset) -> Void = { _ in }) -> Dataset {
        var item = Dataset()
        item.setString(Fixture.tag("CodeValue"), .SH, "121320")
        item.setString(Fixture.tag("CodingSchemeDesignator"), .SH, "DCM")
        item.setString(Fixture.tag("CodeMeaning"), .LO, "Uncompressed predecessor")
        edit(&item)
        return item
    }

    /// The conformant Secondary Capture with one Source Image Sequence item whose purpose code is `purpose`.
    static func withSource(purpose: Dataset, _ edit: (inout Dataset) -> Void = { _ in }) -> Dataset {
        var ds = Fixture.secondaryCapture()
        var item = Dataset()
        item.setString(Fixture.tag("ReferencedSOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.7")
        item.setString(Fixture.tag("ReferencedSOPInstanceUID"), .UI, "2.25.99")
        item.setSequence(Fixture.tag("PurposeOfReferenceCodeSequence"), [purpose])
        edit(&item)
        ds.setSequence(Fixture.tag("SourceImageSequence"), [item])
        return ds
    }

    static func has(_ found: [Finding], _ rule: String, _ path: String) -> Bool {
        found.contains { $0.rule == rule && $0.path == path }
    }

    static let purposePath = "SourceImageSequence[0]>PurposeOfReferenceCodeSequence[0]>"

    @Test func greaterThanConditionFalseForbidsPlanarConfiguration() throws {
        var ds = Fixture.secondaryCapture()
        ds.setUInt16(Fixture.tag("PlanarConfiguration"), 0)  // Samples per Pixel is 1
        let found = try Fixture.findings(ds)
        let f = try #require(found.first { $0.rule == "iod.type1c.present" && $0.path == "PlanarConfiguration" },
                             "\(found.map { "\($0.rule) \($0.path)" })")
        #expect(f.severity == .error)
        #expect(f.reference.hasPrefix("PS3.5 7.4.2"))
        #expect(!Self.has(try Fixture.findings(Fixture.secondaryCapture()), "iod.type1c.present", "PlanarConfiguration"))
    }

    @Test func presenceConditionFalseForbidsMappingResource() throws {
        let breaking = Self.withSource(purpose: Self.code { $0.setString(Fixture.tag("MappingResource"), .CS, "DCMR") })
        let found = try Fixture.findings(breaking)
        #expect(Self.has(found, "iod.type1c.present", Self.purposePath + "MappingResource"), "\(found.map { "\($0.rule) \($0.path)" })")
        let passing = Self.withSource(purpose: Self.code {
            $0.setString(Fixture.tag("MappingResource"), .CS, "DCMR")
            $0.setString(Fixture.tag("ContextIdentifier"), .CS, "7202")
        })
        let ok = try Fixture.findings(passing)
        #expect(!ok.contains { $0.rule.hasSuffix(".present") }, "\(ok.map { "\($0.rule) \($0.path)" })")
    }

    @Test func valueConditionFalseForbidsContextGroupLocalVersion() throws {
        let breaking = Self.withSource(purpose: Self.code {
            $0.setString(Fixture.tag("ContextGroupExtensionFlag"), .CS, "N")
            $0.setString(Fixture.tag("ContextGroupLocalVersion"), .DT, "20240101")
        })
        #expect(Self.has(try Fixture.findings(breaking), "iod.type1c.present", Self.purposePath + "ContextGroupLocalVersion"))
        // Condition true: allowed. Condition not evaluable (flag absent): not reported either.
        let passing = Self.withSource(purpose: Self.code {
            $0.setString(Fixture.tag("ContextGroupExtensionFlag"), .CS, "Y")
            $0.setString(Fixture.tag("ContextGroupLocalVersion"), .DT, "20240101")
            $0.setString(Fixture.tag("ContextGroupExtensionCreatorUID"), .UI, "2.25.5")
        })
        #expect(!Self.has(try Fixture.findings(passing), "iod.type1c.present", Self.purposePath + "ContextGroupLocalVersion"))
        let undecided = Self.withSource(purpose: Self.code { $0.setString(Fixture.tag("ContextGroupLocalVersion"), .DT, "20240101") })
        #expect(!Self.has(try Fixture.findings(undecided), "iod.type1c.present", Self.purposePath + "ContextGroupLocalVersion"))
    }

    @Test func attributeForeignToASequenceItemIsAWarning() throws {
        let breaking = Self.withSource(purpose: Self.code()) { $0.setString(Fixture.tag("SOPInstanceUID"), .UI, "2.25.98") }
        let found = try Fixture.findings(breaking)
        let f = try #require(found.first { $0.rule == "iod.attribute.foreign" && $0.path == "SourceImageSequence[0]>SOPInstanceUID" },
                             "\(found.map { "\($0.rule) \($0.path)" })")
        #expect(f.severity == .warning)
        // Listed attributes, private tags and the conformant item: nothing foreign.
        let passing = Self.withSource(purpose: Self.code()) {
            $0.set(Element(tag: Tag(0x0009, 0x0010), vr: .LO, value: .bytes(ValueBytes(Array("ACME".utf8)))))
        }
        let ok = try Fixture.findings(passing)
        #expect(!ok.contains { $0.rule == "iod.attribute.foreign" }, "\(ok.map { "\($0.rule) \($0.path)" })")
    }
}
