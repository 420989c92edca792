import DicomCodecs
import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomPixels

/// The derive operations on small frames computed by hand, and the Deriver's data set edits on a
/// synthetic enhanced multi-frame image (per-frame functional groups, plane positions, spacing).
@Suite struct DeriveTests {
    // MARK: Helpers

    static func frame16(_ values: [Int], columns: Int, rows: Int, signed: Bool = true, bits: Int = 16,
                        photometric: String = "MONOCHROME2") -> DecodedFrame {
        let d = PixelDescription(rows: rows, columns: columns, bitsAllocated: 16, bitsStored: bits,
                                 pixelRepresentation: signed ? 1 : 0, photometricInterpretation: photometric)
        return PixelTransforms.frame(values, d)
    }

    static func values(_ f: DecodedFrame) throws -> [Int] { try PixelTransforms.samples(f) }

    // MARK: Pure transforms

    @Test func frameListsParseAndRefuseNonsense() throws {
        #expect(try PixelTransforms.parseFrameList("1,3,5-7") == [1, 3, 5, 6, 7])
        #expect(try PixelTransforms.parseFrameList("4,2") == [4, 2])
        for bad in ["0", "3-1", "1,1", "a", "", "1,,2", "2-"] {
            #expect(throws: DicomError.self) { try PixelTransforms.parseFrameList(bad) }
        }
        #expect(throws: DicomError.self) { try PixelTransforms.parseFrameList("1-16", frameCount: 15) }
    }

    @Test func cropKeepsTheRectangle() throws {
        let f = Self.frame16(Array(0..<12), columns: 4, rows: 3)
        let c = try PixelTransforms.crop(f, .init(x: 1, y: 1, width: 2, height: 2))
        #expect(try Self.values(c) == [5, 6, 9, 10])
        #expect(c.description.rows == 2 && c.description.columns == 2)
        #expect(throws: DicomError.self) { try PixelTransforms.crop(f, .init(x: 3, y: 0, width: 2, height: 1)) }
    }

    @Test func downsampleIsABoxMeanRoundedHalfUp() throws {
        // Blocks: [-1,-2,0,0] mean -0.75 -> -1; [1,2,2,2] mean 1.75 -> 2; [0,0,1,1] 0.5 -> 1; [-3,-3,-3,-2] -2.75 -> -3.
        let f = Self.frame16([-1, -2, 1, 2,
                              0, 0, 2, 2,
                              0, 0, -3, -3,
                              1, 1, -3, -2, 9, 9, 9, 9], columns: 4, rows: 5)
        let d = try PixelTransforms.downsample(f, by: 2)
        #expect(try Self.values(d) == [-1, 2, 1, -3])
        #expect(d.description.rows == 2 && d.description.columns == 2)  // the fifth row is a partial block
    }

    @Test func resizeAveragesAreasExactly() throws {
        // 3 -> 2 columns: [0,3,6] covers (0*2+3*1)/3 = 1 and (3*1+6*2)/3 = 5.
        let f = Self.frame16([0, 3, 6], columns: 3, rows: 1)
        #expect(try Self.values(PixelTransforms.resize(f, columns: 2, rows: 1)) == [1, 5])
        // Enlarging repeats pixels; an integer reduction equals the box filter.
        #expect(try Self.values(PixelTransforms.resize(Self.frame16([4, 8], columns: 2, rows: 1), columns: 4, rows: 2))
                == [4, 4, 8, 8, 4, 4, 8, 8])
        let g = Self.frame16((0..<36).map { $0 * 7 % 23 - 11 }, columns: 6, rows: 6)
        #expect(try Self.values(PixelTransforms.resize(g, columns: 3, rows: 3)) == Self.values(PixelTransforms.downsample(g, by: 2)))
    }

    @Test func windowAppliesRescaleThenLinearVOI() throws {
        // Slope 1, intercept -1024: stored 1064 is 40 HU, the centre: ((40 - 39.5) / 399 + 0.5) * 255 = 127.8 -> 128.
        let f = Self.frame16([1064, 0, 3000, 864, 1263], columns: 5, rows: 1, signed: false, bits: 12)
        let w = try PixelTransforms.windowTo8Bit(f, window: .init(center: 40, width: 400), slope: 1, intercept: -1024)
        #expect(w.bytes == [128, 0, 255, 0, 255])
        #expect(w.description.bitsAllocated == 8 && w.description.photometricInterpretation == "MONOCHROME2")
        let m1 = Self.frame16([1064, 0], columns: 2, rows: 1, signed: false, bits: 12, photometric: "MONOCHROME1")
        #expect(try PixelTransforms.windowTo8Bit(m1, window: .init(center: 40, width: 400), intercept: -1024).bytes == [127, 255])
        // Width 1 is a threshold at centre - 0.5.
        #expect(try PixelTransforms.windowTo8Bit(Self.frame16([9, 10], columns: 2, rows: 1), window: .init(center: 10, width: 1)).bytes
                == [0, 255])
    }

    @Test func paletteImagesAreNotAveraged() throws {
        var d = PixelDescription(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "PALETTE COLOR")
        d.numberOfFrames = 1
        let f = DecodedFrame(bytes: [1, 2, 3, 4], description: d)
        #expect(throws: DicomError.self) { try PixelTransforms.downsample(f, by: 2) }
        #expect(try PixelTransforms.crop(f, .init(x: 1, y: 0, width: 1, height: 2)).bytes == [2, 4])
    }

    // MARK: Deriver on a synthetic enhanced multi-frame image

    static let sourceUID = "2.25.1234"

    /// 3 frames of 4x4 signed 16-bit; shared Pixel Measures (0.5 \ 0.25) and Plane Orientation;
    /// per-frame Plane Position (0, 0, k) and a Frame Content marker.
    static func enhanced() -> DicomFile {
        var ds = Dataset()
        ds.setStrings(Tag(0x0008, 0x0008), .CS, ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"])
        ds.setString(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.2.1")
        ds.setString(Tag(0x0008, 0x0018), .UI, sourceUID)
        ds.setString(Tag(0x0028, 0x0008), .IS, "3")
        ds.setUInt16(PixelModule.samplesPerPixel, 1)
        ds.setString(PixelModule.photometric, .CS, "MONOCHROME2")
        ds.setUInt16(PixelModule.rows, 4)
        ds.setUInt16(PixelModule.columns, 4)
        ds.setUInt16(PixelModule.bitsAllocated, 16)
        ds.setUInt16(PixelModule.bitsStored, 16)
        ds.setUInt16(PixelModule.highBit, 15)
        ds.setUInt16(PixelModule.pixelRepresentation, 1)
        var measures = Dataset()
        measures.setStrings(Tag(0x0028, 0x0030), .DS, ["0.5", "0.25"])
        var orientation = Dataset()
        orientation.setStrings(Tag(0x0020, 0x0037), .DS, ["1", "0", "0", "0", "1", "0"])
        var shared = Dataset()
        shared.setSequence(Tag(0x0028, 0x9110), [measures])
        shared.setSequence(Tag(0x0020, 0x9116), [orientation])
        ds.setSequence(Tag(0x5200, 0x9229), [shared])
        var perFrame: [Dataset] = []
        for k in 0..<3 {
            var position = Dataset()
            position.setStrings(Tag(0x0020, 0x0032), .DS, ["0", "0", String(k)])
            var content = Dataset()
            content.set(Element(tag: Tag(0x0020, 0x9157), vr: .UL, value: .bytes(ValueBytes([UInt8(k + 1), 0, 0, 0]))))
            var item = Dataset()
            item.setSequence(Tag(0x0020, 0x9113), [position])
            item.setSequence(Tag(0x0020, 0x9111), [content])
            perFrame.append(item)
        }
        ds.setSequence(Tag(0x5200, 0x9230), perFrame)
        var pixels: [UInt8] = []
        for k in 0..<3 {
            for i in 0..<16 {
                let v = Int16(k * 100 + i - 8)
                pixels += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)]
            }
        }
        ds.set(Element(tag: .pixelData, vr: .OW, value: .bytes(ValueBytes(pixels))))
        let meta = DatasetWriter.makeMeta(for: ds, syntax: .explicitVRLittleEndian, previous: Dataset())
        return DicomFile(meta: meta, dataset: ds, transferSyntax: .explicitVRLittleEndian,
                         source: ByteSource(ownedBytes: [0], name: "<test>"))
    }

    static func codeValues(_ ds: Dataset) -> [String] {
        (ds.items(Tag(0x0008, 0x9215)) ?? []).compactMap { $0.string(Tag(0x0008, 0x0100)) }
    }

    @Test func framesAndCropKeepFunctionalGroupsTrue() throws {
        var o = DeriveOptions()
        o.frames = [3, 1]
        o.crop = .init(x: 1, y: 2, width: 2, height: 2)
        let outputs = try Deriver(o).derive(Self.enhanced())
        try #require(outputs.count == 1)
        let ds = outputs[0].dataset
        #expect(ds.int(Tag(0x0028, 0x0008)) == 2)
        #expect(ds.int(PixelModule.rows) == 2 && ds.int(PixelModule.columns) == 2)
        // Pixels: frame 3 then frame 1, rows 2-3, columns 1-2.
        let pixels = try #require(ds[.pixelData]?.valueBytes).bytes
        let samples = stride(from: 0, to: pixels.count, by: 2).map { Int(Int16(bitPattern: UInt16(pixels[$0]) | UInt16(pixels[$0 + 1]) << 8)) }
        #expect(samples == [200 + 9 - 8, 200 + 10 - 8, 200 + 13 - 8, 200 + 14 - 8, 9 - 8, 10 - 8, 13 - 8, 14 - 8])
        // Per-frame groups of the kept frames, in order, with positions moved by (1 column, 2 rows).
        let groups = try #require(ds.items(Tag(0x5200, 0x9230)))
        #expect(groups.count == 2)
        let markers = groups.compactMap { $0.items(Tag(0x0020, 0x9111))?.first?.int(Tag(0x0020, 0x9157)) }
        #expect(markers == [3, 1])
        let positions = groups.compactMap { $0.items(Tag(0x0020, 0x9113))?.first?.numbers(Tag(0x0020, 0x0032)) }
        #expect(positions == [[0.25, 1.0, 2.0], [0.25, 1.0, 0.0]])
        // Spacing unchanged by a crop.
        let spacing = ds.items(Tag(0x5200, 0x9229))?.first?.items(Tag(0x0028, 0x9110))?.first?.numbers(Tag(0x0028, 0x0030))
        #expect(spacing == [0.5, 0.25])
        // Provenance.
        #expect(ds.strings(Tag(0x0008, 0x0008)) == ["DERIVED", "SECONDARY", "AXIAL", "NONE"])
        #expect(ds.string(Tag(0x0008, 0x0018)) != Self.sourceUID)
        #expect(outputs[0].meta.string(Tag(0x0002, 0x0003)) == ds.string(Tag(0x0008, 0x0018)))
        let source = try #require(ds.items(Tag(0x0008, 0x2112))?.first)
        #expect(source.string(Tag(0x0008, 0x1155)) == Self.sourceUID)
        #expect(source.strings(Tag(0x0008, 0x1160)) == ["3", "1"])
        #expect(source.items(Tag(0x0040, 0xA170))?.first?.string(Tag(0x0008, 0x0100)) == "121322")
        #expect(Self.codeValues(ds) == ["113091", "CROP"])
        let extraction = try #require(ds.items(Tag(0x0008, 0x1164))?.first)
        #expect(extraction.string(Tag(0x0008, 0x1167)) == Self.sourceUID)
        #expect(extraction.numbers(Tag(0x0008, 0x1161)) == [3, 1])
        #expect(ds.string(Tag(0x0008, 0x2111))?.contains("frames 3,1 of 3; crop x=1 y=2 width=2 height=2") == true)
    }

    @Test func downsampleScalesSpacingAndCentresThePosition() throws {
        var o = DeriveOptions()
        o.resample = .downsample(2)
        o.primary = true
        let ds = try #require(try Deriver(o).derive(Self.enhanced()).first).dataset
        let spacing = ds.items(Tag(0x5200, 0x9229))?.first?.items(Tag(0x0028, 0x9110))?.first?.numbers(Tag(0x0028, 0x0030))
        #expect(spacing == [1.0, 0.5])
        let first = ds.items(Tag(0x5200, 0x9230))?.first?.items(Tag(0x0020, 0x9113))?.first?.numbers(Tag(0x0020, 0x0032))
        #expect(first == [0.125, 0.25, 0])  // half a pixel: 0.5 column * 0.25, 0.5 row * 0.5
        #expect(ds.strings(Tag(0x0008, 0x0008))?.prefix(2) == ["DERIVED", "PRIMARY"])
        #expect(Self.codeValues(ds) == ["113085"])
        #expect(ds[Tag(0x0008, 0x1164)] == nil)  // every frame kept: no extraction
        #expect(ds.items(Tag(0x0008, 0x2112))?.first?[Tag(0x0008, 0x1160)] == nil)
    }

    @Test func splitFramesGivesOneInstancePerFrame() throws {
        var o = DeriveOptions()
        o.splitFrames = true
        o.frames = [2, 3]
        let outputs = try Deriver(o).derive(Self.enhanced())
        #expect(outputs.map(\.frameNumber) == [2, 3])
        #expect(Set(outputs.compactMap { $0.dataset.string(Tag(0x0008, 0x0018)) }).count == 2)
        for out in outputs {
            #expect(out.dataset.int(Tag(0x0028, 0x0008)) == 1)
            #expect(out.dataset.items(Tag(0x5200, 0x9230))?.count == 1)
            #expect(out.dataset.items(Tag(0x0008, 0x2112))?.first?.strings(Tag(0x0008, 0x1160)) == [String(out.frameNumber ?? 0)])
        }
    }

    @Test func to8BitMakesSecondaryCaptureAndIdentityTransforms() throws {
        var o = DeriveOptions()
        o.to8Bit = true
        o.window = .init(center: 100, width: 200)
        let ds = try #require(try Deriver(o).derive(Self.enhanced()).first).dataset
        #expect(ds.string(Tag(0x0008, 0x0016)) == "1.2.840.10008.5.1.4.1.1.7.2")  // Multi-frame Grayscale Byte SC
        #expect(ds.items(Tag(0x0008, 0x2112))?.first?.string(Tag(0x0008, 0x1150)) == "1.2.840.10008.5.1.4.1.1.2.1")
        #expect(ds.int(PixelModule.bitsAllocated) == 8 && ds.int(PixelModule.pixelRepresentation) == 0)
        #expect(ds.strings(Tag(0x0020, 0x0020)) == [])  // no top-level orientation: Patient Orientation empty (type 2)
        // Window 100/200 maps (0, 199] linearly: frame 1 starts at -8 (below: 0); frame 2 holds 92...107
        // (92: ((92 - 99.5) / 199 + 0.5) * 255 = 117.9 -> 118); frame 3 ends at 207 (above: 255).
        let bytes = try #require(ds[.pixelData]?.valueBytes).bytes
        #expect(bytes.count == 48)
        #expect(bytes[0] == 0 && bytes[16] == 118 && bytes[47] == 255)
    }

    @Test func lossyOnlyGoesThroughTheTranscodeBookkeeping() throws {
        var o = DeriveOptions()
        var encode = EncodeOptions()
        encode.near = 2
        o.lossy = .init(target: .jpegLSNearLossless, encode: encode)
        let out = try #require(try Deriver(o).derive(Self.enhanced()).first)
        let ds = out.dataset
        #expect(out.syntax == .jpegLSNearLossless)
        #expect(ds.string(Tag(0x0028, 0x2110)) == "01")
        #expect(ds.strings(Tag(0x0028, 0x2114)) == ["ISO_14495_1"])
        #expect(ds.strings(Tag(0x0008, 0x0008))?.prefix(2) == ["DERIVED", "SECONDARY"])
        let items = try #require(ds.items(Tag(0x0008, 0x2112)))
        #expect(items.count == 1 && items[0].string(Tag(0x0008, 0x1155)) == Self.sourceUID)
        #expect(items[0].items(Tag(0x0040, 0xA170))?.first?.string(Tag(0x0008, 0x0100)) == "121320")
        encode.near = 0
        o.lossy = .init(target: .jpegLSNearLossless, encode: encode)
        #expect(throws: DicomError.self) { try Deriver(o).derive(Self.enhanced()) }
    }

    @Test func operationsThenLossyNameTheStoredSource() throws {
        var o = DeriveOptions()
        o.crop = .init(x: 0, y: 0, width: 2, height: 2)
        var encode = EncodeOptions()
        encode.j2k = .ratio(4)
        o.lossy = .init(target: .jpeg2000, encode: encode)
        let ds = try #require(try Deriver(o).derive(Self.enhanced()).first).dataset
        let items = try #require(ds.items(Tag(0x0008, 0x2112)))
        #expect(items.map { $0.string(Tag(0x0008, 0x1155)) } == [Self.sourceUID, Self.sourceUID])
        #expect(items.map { $0.items(Tag(0x0040, 0xA170))?.first?.string(Tag(0x0008, 0x0100)) } == ["121322", "121320"])
        #expect(Self.codeValues(ds) == ["CROP", "113040"])
    }

    @Test func patientOrientationFollowsImageOrientation() {
        #expect(Deriver.patientOrientation([1, 0, 0, 0, 1, 0]) == ["L", "P"])
        #expect(Deriver.patientOrientation([0, 1, 0, 0, 0, -1]) == ["P", "F"])
        #expect(Deriver.patientOrientation([0.8, 0.6, 0, 0, 0, -1]) == ["LP", "F"])
        #expect(Deriver.patientOrientation(nil) == [])
    }
}
