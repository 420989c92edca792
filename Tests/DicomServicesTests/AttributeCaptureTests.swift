import DicomCore
import DicomIO
import DicomNet
@testable import DicomServices
import Testing

/// A receiver's attributes from the bytes as they arrive (no stored file read back): a whole
/// instance read as its file would be; of a large one, the elements before the last one wanted;
/// nil (read the file) whenever the first bytes cannot tell.
@Suite struct AttributeCaptureTests {
    static let wanted: Set<DicomCore.Tag> = [.patientID, .studyInstanceUID, .sopInstanceUID, .sopClassUID]

    /// The meta header as the receiver writes it, and a data set with `pixels` bytes of Pixel Data
    /// (and, with `trailing`, a wanted-looking element after it).
    static func instance(pixels: Int, syntax: TransferSyntax = .explicitVRLittleEndian) throws -> (meta: [UInt8], dataSet: [UInt8]) {
        var ds = Dataset()
        ds.setString(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.setString(.sopInstanceUID, .UI, "1.2.3.4.5")
        ds.setString(.specificCharacterSet, .CS, "ISO_IR 192")
        ds.setString(.patientName, .PN, "Müller^Jürgen")
        ds.setString(.patientID, .LO, " ID-42 ")
        ds.setString(.studyInstanceUID, .UI, "1.2.3.4")
        ds.set(Element(tag: .pixelData, vr: .OW, value: .bytes(ValueBytes([UInt8](repeating: 9, count: pixels)))))
        var previous = Dataset()
        previous.setString(.mediaStorageSOPClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        previous.setString(.mediaStorageSOPInstanceUID, .UI, "1.2.3.4.5")
        var meta = MemorySink()
        try DatasetWriter(syntax: .explicitVRLittleEndian)
            .writeFile(meta: DatasetWriter.makeMeta(for: Dataset(), syntax: syntax, previous: previous), dataset: Dataset(), to: &meta)
        var body = MemorySink()
        try DatasetWriter(syntax: syntax).writeBare(ds, to: &body)
        return (meta.bytes, body.bytes)
    }

    static func capture(_ meta: [UInt8], _ dataSet: [UInt8], fragment: Int) -> AttributeCapture {
        var capture = AttributeCapture()
        capture.start(meta: meta)
        var start = 0
        while start < dataSet.count {
            let end = min(dataSet.count, start + fragment)
            capture.append(PDVData(dataSet[start..<end]))
            start = end
        }
        return capture
    }

    @Test(arguments: [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian])
    func aWholeInstanceAndALargeOneGiveTheSameValues(syntax: TransferSyntax) throws {
        let expected: [DicomCore.Tag: String] = [.patientID: "ID-42", .studyInstanceUID: "1.2.3.4", .sopInstanceUID: "1.2.3.4.5",
                                       .sopClassUID: "1.2.840.10008.5.1.4.1.1.7"]
        let small = try Self.instance(pixels: 2048, syntax: syntax)
        let whole = Self.capture(small.meta, small.dataSet, fragment: 16_378)
        #expect(whole.isWhole)
        #expect(try whole.values(of: Self.wanted, syntax: syntax, name: "t") == expected)
        let large = try Self.instance(pixels: 3 << 20, syntax: syntax)
        let prefix = Self.capture(large.meta, large.dataSet, fragment: 262_138)
        #expect(!prefix.isWhole)
        #expect(try prefix.values(of: Self.wanted, syntax: syntax, name: "t") == expected)
        // The character set comes along: a name is decoded as the stored file's reader decodes it.
        #expect(try prefix.values(of: [.patientName], syntax: syntax, name: "t") == [.patientName: "Müller^Jürgen"])
    }

    @Test func aWantedAttributePastTheFirstBytesAsksForTheFile() throws {
        let large = try Self.instance(pixels: 3 << 20)
        let prefix = Self.capture(large.meta, large.dataSet, fragment: 1 << 20)
        #expect(try prefix.values(of: Self.wanted.union([.dataSetTrailingPadding]), syntax: .explicitVRLittleEndian, name: "t") == nil)
        #expect(try prefix.values(of: Self.wanted, syntax: .deflatedExplicitVRLittleEndian, name: "t") == nil)
    }

    @Test func firstBytesEndingBetweenElementsTellNothing() throws {
        let large = try Self.instance(pixels: 16)
        let encoding = DatasetEncoding.explicitLittle
        // Cut just before Study Instance UID (0020,000D): elements wanted may follow the cut.
        let cut = try #require(Self.offset(of: .studyInstanceUID, in: large.dataSet))
        #expect(BareDatasetReader.readPrefix(Array(large.dataSet[..<cut]), encoding: encoding, stopBefore: .pixelData, name: "t") == nil)
        // Cut inside an element: nothing either.
        #expect(BareDatasetReader.readPrefix(Array(large.dataSet[..<(cut + 3)]), encoding: encoding, stopBefore: .pixelData, name: "t") == nil)
        // Reaching the stop: the elements before it.
        let read = BareDatasetReader.readPrefix(large.dataSet, encoding: encoding, stopBefore: .pixelData, name: "t")
        #expect(read?.string(.studyInstanceUID) == "1.2.3.4" && read?[.pixelData] == nil)
    }

    @Test func aWholeInstanceThatCannotBeReadIsAnError() throws {
        let small = try Self.instance(pixels: 64)
        var broken = small.dataSet
        broken.removeLast(10)  // Pixel Data shorter than its length says
        let whole = Self.capture(small.meta, broken, fragment: 1 << 16)
        #expect(throws: DicomError.self) { try whole.values(of: Self.wanted, syntax: .explicitVRLittleEndian, name: "t") }
    }

    /// Where the top-level element `tag` starts in an Explicit VR Little Endian data set.
    static func offset(of tag: DicomCore.Tag, in bytes: [UInt8]) -> Int? {
        var pos = 0
        while pos + 8 <= bytes.count {
            let group = UInt16(bytes[pos]) | UInt16(bytes[pos + 1]) << 8
            let element = UInt16(bytes[pos + 2]) | UInt16(bytes[pos + 3]) << 8
            if DicomCore.Tag(group, element) == tag { return pos }
            let vr = String(decoding: bytes[(pos + 4)..<(pos + 6)], as: UTF8.self)
            if ["OB", "OW", "OF", "OD", "OL", "OV", "SQ", "UC", "UR", "UT", "UN", "SV", "UV"].contains(vr) {
                let length = Int(bytes[pos + 8]) | Int(bytes[pos + 9]) << 8 | Int(bytes[pos + 10]) << 16 | Int(bytes[pos + 11]) << 24
                pos += 12 + length
            } else {
                pos += 8 + (Int(bytes[pos + 6]) | Int(bytes[pos + 7]) << 8)
            }
        }
        return nil
    }
}
