import DicomCodecs
import DicomCore
import DicomIO
import Testing
@testable import DicomValidate

/// Each codestream rule with a minimal file that breaks it and one that does not.
@Suite struct CodestreamChecksTests {
    static let mono8 = PixelDescription(rows: 16, columns: 16, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "MONOCHROME2")

    static func image(_ d: PixelDescription) -> DecodedFrame {
        var bytes = [UInt8](repeating: 0, count: d.rows * d.columns)
        for i in 0..<bytes.count {
            let v: Int = i * 7 + (i / 16) * 13
            bytes[i] = UInt8(truncatingIfNeeded: v)
        }
        return DecodedFrame(bytes: bytes, description: d)
    }

    /// A single-frame encapsulated file under `syntax` whose header says `header`.
    static func file(_ codestream: [UInt8], _ syntax: TransferSyntax, header: PixelDescription, lossyFlag: String? = nil) -> DicomFile {
        var ds = Dataset()
        ds.setString(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.setString(Tag(0x0008, 0x0018), .UI, "1.2.3.4")
        ds.setUInt16(Tag(0x0028, 0x0002), UInt16(header.samplesPerPixel))
        ds.setString(Tag(0x0028, 0x0004), .CS, header.photometricInterpretation)
        ds.setUInt16(Tag(0x0028, 0x0010), UInt16(header.rows))
        ds.setUInt16(Tag(0x0028, 0x0011), UInt16(header.columns))
        ds.setUInt16(Tag(0x0028, 0x0100), UInt16(header.bitsAllocated))
        ds.setUInt16(Tag(0x0028, 0x0101), UInt16(header.bitsStored))
        ds.setUInt16(Tag(0x0028, 0x0102), UInt16(header.bitsStored - 1))
        ds.setUInt16(Tag(0x0028, 0x0103), UInt16(header.pixelRepresentation))
        if let lossyFlag { ds.setString(Tag(0x0028, 0x2110), .CS, lossyFlag) }
        var bytes = codestream
        if bytes.count % 2 == 1 { bytes.append(0) }
        ds.set(Element(tag: .pixelData, vr: .OB, value: .fragments(Fragments(offsetTable: ValueBytes([]), fragments: [ValueBytes(bytes)]))))
        return DicomFile(meta: Dataset(), dataset: ds, transferSyntax: syntax, source: ByteSource(ownedBytes: [], name: "test"))
    }

    static func rules(_ f: DicomFile) -> Set<String> {
        var out = Findings()
        CodestreamChecks.run(f, into: &out)
        return Set(out.list.map(\.rule))
    }

    @Test func jpegLSNearUnderTheLosslessSyntax() throws {
        var o = EncodeOptions()
        o.near = 2
        let near = try JPEGLSCodec().encode(Self.image(Self.mono8), options: o).bytes
        #expect(Self.rules(Self.file(near, .jpegLSLossless, header: Self.mono8)).contains("codestream.near"))
        #expect(Self.rules(Self.file(near, .jpegLSNearLossless, header: Self.mono8, lossyFlag: "01")).isEmpty)
        #expect(Self.rules(Self.file(near, .jpegLSNearLossless, header: Self.mono8)).contains("lossy.flag.codestream"))
        let lossless = try JPEGLSCodec().encode(Self.image(Self.mono8), options: EncodeOptions()).bytes
        #expect(Self.rules(Self.file(lossless, .jpegLSLossless, header: Self.mono8)).isEmpty)
    }

    @Test func j2kIrreversibleUnderTheLosslessSyntax() throws {
        var o = EncodeOptions()
        o.j2k = .ratio(4)
        let lossy = try JPEG2000Codec().encode(Self.image(Self.mono8), options: o).bytes
        #expect(Self.rules(Self.file(lossy, .jpeg2000Lossless, header: Self.mono8, lossyFlag: "01")).contains("codestream.wavelet"))
        #expect(Self.rules(Self.file(lossy, .jpeg2000, header: Self.mono8, lossyFlag: "01")).isEmpty)
        let lossless = try JPEG2000Codec().encode(Self.image(Self.mono8), options: EncodeOptions()).bytes
        #expect(Self.rules(Self.file(lossless, .jpeg2000Lossless, header: Self.mono8)).isEmpty)
    }

    @Test func geometryComponentsPrecisionAndSignedness() throws {
        let stream = try JPEG2000Codec().encode(Self.image(Self.mono8), options: EncodeOptions()).bytes
        var wrongSize = Self.mono8
        wrongSize.rows = 8
        #expect(Self.rules(Self.file(stream, .jpeg2000Lossless, header: wrongSize)).contains("codestream.geometry"))
        var rgb = Self.mono8
        rgb.samplesPerPixel = 3
        rgb.photometricInterpretation = "RGB"
        #expect(Self.rules(Self.file(stream, .jpeg2000Lossless, header: rgb)).contains("codestream.components"))
        var deeper = Self.mono8
        deeper.bitsAllocated = 16
        deeper.bitsStored = 12
        #expect(Self.rules(Self.file(stream, .jpeg2000Lossless, header: deeper)).contains("codestream.precision"))
        var signed = Self.mono8
        signed.pixelRepresentation = 1
        #expect(Self.rules(Self.file(stream, .jpeg2000Lossless, header: signed)).contains("codestream.signedness"))
    }

    @Test func jpegProcessAgainstTheSyntax() throws {
        let baseline = try JPEGBaselineCodec().encode(Self.image(Self.mono8), options: EncodeOptions()).bytes
        #expect(Self.rules(Self.file(baseline, .jpegLossless, header: Self.mono8, lossyFlag: "01")).contains("codestream.process"))
        #expect(Self.rules(Self.file(baseline, .jpegBaseline, header: Self.mono8, lossyFlag: "01")).isEmpty)
        #expect(Self.rules(Self.file([0, 1, 2, 3], .jpegBaseline, header: Self.mono8)).contains("codestream.unreadable"))
    }
}
