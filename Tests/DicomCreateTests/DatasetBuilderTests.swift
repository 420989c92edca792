import DicomCore
import DicomIO
import Testing
@testable import DicomCreate

/// The builder through both readers: values per VR, the checks and their messages, character
/// sets, private creators, binary data and encapsulated Pixel Data.
@Suite struct DatasetBuilderTests {
    static let sop = #""00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.7"]},"00080018":{"vr":"UI","Value":["1.2.3"]}"#

    func json(_ body: String, acceptInvalid: Bool = false) throws(DicomError) -> BuiltDataset {
        var options = CreateOptions()
        options.acceptInvalid = acceptInvalid
        return try DatasetBuilder.build(try JSONModelReader.read(Array(("{" + Self.sop + (body.isEmpty ? "" : ",") + body + "}").utf8)),
                                        options: options)
    }

    func xml(_ body: String) throws(DicomError) -> BuiltDataset {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModel xml:space=\"preserve\">\n" + body + "\n</NativeDicomModel>\n"
        return try DatasetBuilder.build(try XMLModelReader.read(Array(text.utf8)))
    }

    func refusal(_ body: String) -> String? {
        do { _ = try json(body); return nil } catch { return error.message }
    }

    func raw(_ ds: Dataset, _ tag: DicomCore.Tag) -> [UInt8] { ds[tag]?.valueBytes?.bytes ?? [] }

    @Test func numbersOfEveryBinaryVRAreEncodedLittleEndian() throws {
        let b = try json(#""00280010":{"vr":"US","Value":[65535]},"00186020":{"vr":"SL","Value":[-2147483648]},"#
                         + #""00720076":{"vr":"FL","Value":["NaN",1.5]},"00189087":{"vr":"FD","Value":[-0.0]},"#
                         + #""00080301":{"vr":"US","Value":[0]},"00280009":{"vr":"AT","Value":["00100010","7FE00010"]}"#)
        #expect(raw(b.dataset, DicomCore.Tag.rows) == [0xFF, 0xFF])
        #expect(raw(b.dataset, DicomCore.Tag(0x0018, 0x6020)) == [0, 0, 0, 0x80])
        #expect(raw(b.dataset, DicomCore.Tag(0x0072, 0x0076)) == [0, 0, 0xC0, 0x7F, 0, 0, 0xC0, 0x3F])
        #expect(raw(b.dataset, DicomCore.Tag(0x0018, 0x9087)) == [0, 0, 0, 0, 0, 0, 0, 0x80])
        #expect(raw(b.dataset, DicomCore.Tag.frameIncrementPointer) == [0x10, 0, 0x10, 0, 0xE0, 0x7F, 0x10, 0])
    }

    @Test func textKeepsNumberTextAndPadsOddLengths() throws {
        let b = try json(#""00281050":{"vr":"DS","Value":[1.50, -0]},"00200013":{"vr":"IS","Value":[7]},"#
                         + #""00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^Jane","Phonetic":"doe"}]},"00081030":{"vr":"LO"}"#)
        #expect(raw(b.dataset, DicomCore.Tag.windowCenter) == Array("1.50\\-0 ".utf8))
        #expect(raw(b.dataset, DicomCore.Tag.instanceNumber) == Array("7 ".utf8))
        #expect(raw(b.dataset, DicomCore.Tag.patientName) == Array("Doe^Jane==doe ".utf8))
        #expect(b.dataset[DicomCore.Tag.studyDescription]?.valueBytes?.count == 0)
        #expect(raw(b.dataset, DicomCore.Tag.sopInstanceUID) == Array("1.2.3\0".utf8))
    }

    @Test func checksNameTheJSONPathAndTheReason() {
        #expect(refusal(#""00100020":{"vr":"LO","Value":["a\\b"]}"#)?.contains(#"$["00100020"].Value[0]: a value holds '\'"#) == true)
        #expect(refusal(#""00080020":{"vr":"DA","Value":["2019-01-01"]}"#)?.hasPrefix(#"$["00080020"]: "#) == true)
        #expect(refusal(#""00100010":{"vr":"PN","Value":["A","B"]}"#)?.contains("VM is 1") == true)
        #expect(refusal(#""00280010":{"vr":"US","Value":[70000]}"#)?.contains("0 to 65535") == true)
        #expect(refusal(#""00280010":{"vr":"LO","Value":["1"]}"#)?.contains("PS3.6 gives US") == true)
        #expect(refusal(#""00280010":{"vr":"XX"}"#)?.contains("not a VR") == true)
        #expect(refusal(#""00091001":{"vr":"LO","Value":["x"]}"#)?.contains("private creator (0009,0010)") == true)
        #expect(refusal(#""7FE00010":{"vr":"OB","Value":["x"]}"#)?.contains("InlineBinary or BulkDataURI") == true)
        #expect(refusal(#""7FE00010":{"vr":"OW","InlineBinary":"AAE="}"#) == nil)
        #expect(refusal(#""7FE00010":{"vr":"OW","InlineBinary":"AAEC"}"#)?.contains("2-byte") == true)
        #expect(refusal(#""00081140":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.x"]}}]}"#)?
            .hasPrefix(#"$["00081140"].Value[0]["00081155"]: "#) == true)
        #expect(refusal(#""00100010":{"vr":"PN","Value":["x"],"InlineBinary":""}"#)?.contains("together") == true)
        #expect(refusal(#""0010001":{"vr":"PN"}"#)?.contains("eight hex digits") == true)
    }

    @Test func acceptInvalidWritesWithAWarningButNeverWhatCannotBeEncoded() throws {
        let b = try json(#""00080020":{"vr":"DA","Value":["2019-01-01"]}"#, acceptInvalid: true)
        #expect(raw(b.dataset, DicomCore.Tag.studyDate) == Array("2019-01-01".utf8))
        #expect(b.warnings.count == 1)
        #expect(throws: DicomError.self) { try json(#""00280010":{"vr":"US","Value":[70000]}"#, acceptInvalid: true) }
    }

    @Test func textIsEncodedInTheDeclaredSetOrTheDataSetBecomesUTF8() throws {
        let latin = try json(#""00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller"}]}"#)
        #expect(raw(latin.dataset, DicomCore.Tag.patientName) == [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72])
        #expect(latin.warnings.isEmpty)
        let fallback = try json(#""00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"山田^Müller"}]},"#
                                + #""00081030":{"vr":"LO","Value":["Müller"]}"#)
        #expect(raw(fallback.dataset, DicomCore.Tag.specificCharacterSet) == Array("ISO_IR 192".utf8))
        #expect(raw(fallback.dataset, DicomCore.Tag.patientName) == Array("山田^Müller".utf8))
        #expect(raw(fallback.dataset, DicomCore.Tag.studyDescription) == Array("Müller ".utf8))
        #expect(fallback.warnings.first?.contains("ISO_IR 192") == true)
        let japanese = try json(#""00080005":{"vr":"CS","Value":[null,"ISO 2022 IR 87"]},"#
                                + #""00100010":{"vr":"PN","Value":[{"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎"}]}"#)
        #expect(raw(japanese.dataset, DicomCore.Tag.patientName).starts(with: Array("Yamada^Tarou=\u{1B}$B".utf8)))
        // A value of a VR without character set is ASCII.
        #expect(refusal(#""00080060":{"vr":"CS","Value":["É"]}"#)?.contains("not a valid CS") == true)
    }

    @Test func sequencesEmptyItemsAndInheritedCharacterSets() throws {
        let b = try json(#""00080005":{"vr":"CS","Value":["ISO_IR 100"]},"#
                         + #""00081140":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2"]},"00080100":{"vr":"SH","Value":["é"]}},{}]},"#
                         + #""00081115":{"vr":"SQ","Value":[]}"#)
        let items = try #require(b.dataset.items(DicomCore.Tag.referencedImageSequence))
        #expect(items.count == 2 && items[1].isEmpty)
        #expect(raw(items[0], DicomCore.Tag.codeValue) == [0xE9, 0x20])
        #expect(b.dataset.items(DicomCore.Tag.referencedSeriesSequence)?.isEmpty == true)
    }

    @Test func encapsulatedPixelDataBecomesFragments() throws {
        // Basic Offset Table (empty), one fragment of 4 bytes, the sequence delimiter.
        let items: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 1, 2, 3, 4,
                              0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        let b = try json(#""7FE00010":{"vr":"OB","InlineBinary":""# + base64(items) + "\"}")
        let f = try #require(b.dataset[DicomCore.Tag.pixelData]?.fragments)
        #expect(f.offsetTable.count == 0 && f.fragments.count == 1 && f.fragments.first?.bytes == [1, 2, 3, 4])
        // Native bytes stay bytes.
        let native = try json(#""7FE00010":{"vr":"OB","InlineBinary":"AQIDBA=="}"#)
        #expect(native.dataset[DicomCore.Tag.pixelData]?.valueBytes?.bytes == [1, 2, 3, 4])
    }

    func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            var v = 0
            for k in 0..<3 { v = v << 8 | (k < n ? Int(bytes[i + k]) : 0) }
            for k in 0..<4 { out.append(k <= n ? alphabet[(v >> (18 - 6 * k)) & 63] : "=") }
            i += 3
        }
        return out
    }

    @Test func xmlPersonNamesValuesPrivateCreatorsAndLines() throws {
        let b = try xml("""
        <DicomAttribute tag="00080016" vr="UI"><Value number="1">1.2.840.10008.5.1.4.1.1.7</Value></DicomAttribute>
        <DicomAttribute tag="00100010" vr="PN"><PersonName number="1"><Alphabetic><FamilyName>Doe</FamilyName><MiddleName>Q</MiddleName></Alphabetic><Ideographic><FamilyName>山田</FamilyName></Ideographic></PersonName></DicomAttribute>
        <DicomAttribute tag="00080008" vr="CS"><Value number="1">ORIGINAL</Value><Value number="3">AXIAL</Value></DicomAttribute>
        <DicomAttribute tag="00091002" vr="LO" privateCreator="ACME 1.0"><Value number="1">x &amp; y</Value></DicomAttribute>
        """)
        #expect(raw(b.dataset, DicomCore.Tag.patientName) == Array("Doe^^Q=山田".utf8) + [0x20])
        #expect(raw(b.dataset, DicomCore.Tag.imageType) == Array("ORIGINAL\\\\AXIAL ".utf8))
        #expect(raw(b.dataset, DicomCore.Tag(0x0009, 0x0010)) == Array("ACME 1.0".utf8))
        #expect(raw(b.dataset, DicomCore.Tag(0x0009, 0x1002)) == Array("x & y ".utf8))
        do {
            _ = try xml("<DicomAttribute tag=\"00080016\" vr=\"UI\">\n<Value number=\"1\">1.2</Value></DicomAttribute>\n"
                        + "<DicomAttribute tag=\"00080020\" vr=\"DA\"><Value number=\"1\">2019</Value></DicomAttribute>")
            Issue.record("a bad DA was accepted")
        } catch {
            #expect(error.message.hasPrefix("XML line 5: DicomAttribute tag=\"00080020\""), "\(error.message)")
        }
    }

    @Test func xmlRefusesDoctypesAndEntities() {
        let laughs = """
        <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
        <NativeDicomModel><DicomAttribute tag="00100010" vr="PN"><Value number="1">&lol2;</Value></DicomAttribute></NativeDicomModel>
        """
        let external = """
        <?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NativeDicomModel>&e;</NativeDicomModel>
        """
        for text in [laughs, external] {
            #expect(throws: DicomError.self) { try XMLModelReader.read(Array(text.utf8)) }
        }
        #expect(throws: DicomError.self) { try XMLModelReader.read(Array("<NativeDicomModel><Foo/></NativeDicomModel>".utf8)) }
        #expect(throws: DicomError.self) { try XMLModelReader.read(Array("<NativeDicomModel>".utf8)) }
    }
}

extension DatasetBuilderTests {
    /// dcm2xml's form (PS3.19): (gggg,00ee) with privateCreator, placed in that creator's block.
    @Test func xmlPrivateElementsWithoutTheirBlockGoIntoTheirCreatorsBlock() throws {
        let b = try xml("""
        <DicomAttribute tag="00080016" vr="UI"><Value number="1">1.2.840.10008.5.1.4.1.1.7</Value></DicomAttribute>
        <DicomAttribute tag="00090010" vr="LO"><Value number="1">OTHER</Value></DicomAttribute>
        <DicomAttribute tag="00090011" vr="LO"><Value number="1">GEMS_GENIE_1</Value></DicomAttribute>
        <DicomAttribute tag="00090010" vr="LO" privateCreator="GEMS_GENIE_1"><Value number="1">WB BONE</Value></DicomAttribute>
        <DicomAttribute tag="00090002" vr="LO" privateCreator="NEW CREATOR"><Value number="1">x</Value></DicomAttribute>
        """)
        #expect(raw(b.dataset, DicomCore.Tag(0x0009, 0x1110)) == Array("WB BONE ".utf8))
        #expect(raw(b.dataset, DicomCore.Tag(0x0009, 0x0012)) == Array("NEW CREATOR ".utf8))
        #expect(raw(b.dataset, DicomCore.Tag(0x0009, 0x1202)) == Array("x ".utf8))
        #expect(raw(b.dataset, DicomCore.Tag(0x0009, 0x0010)) == Array("OTHER ".utf8))
    }
}
