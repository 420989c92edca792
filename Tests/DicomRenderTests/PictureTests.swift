import DicomCodecs
import DicomCore
import DicomIO
import Testing
@testable import DicomRender

/// Colour conversions, overlays, sizes, montage layout and the encoders' output.
@Suite struct PictureTests {
    @Test func paletteWith16BitEntriesScalesToEightBits() throws {
        var ds = Dataset()
        for (descriptor, data, entries) in [
            (Tag.redPaletteColorLookupTableDescriptor, Tag.redPaletteColorLookupTableData, [0, 65535, 32896]),
            (.greenPaletteColorLookupTableDescriptor, .greenPaletteColorLookupTableData, [65535, 0, 257]),
            (.bluePaletteColorLookupTableDescriptor, .bluePaletteColorLookupTableData, [0, 0, 65535]),
        ] {
            let d: [UInt16] = [3, 0, 16]
            ds.set(Element(tag: descriptor, vr: .US, value: .bytes(ValueBytes(d.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))))
            ds.set(Element(tag: data, vr: .OW, value: .bytes(ValueBytes(entries.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))))
        }
        let frame = DecodedFrame(bytes: [0, 1, 2, 7], description: PixelDescription(
            rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "PALETTE COLOR"))
        let image = try ColourRender.render(frame, ds, grey: false)
        #expect(image.bytes == [0, 255, 0, 255, 0, 0, 128, 1, 255, 128, 1, 255])  // index 7 takes the last entry
    }

    @Test func nativeYBRFull422IsUpsampledAndConverted() throws {
        // Two pixels: Y 100 and 200 sharing Cb = Cr = 128 (no chroma): grey 100 and 200.
        let frame = DecodedFrame(bytes: [100, 200, 128, 128], description: PixelDescription(
            rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "YBR_FULL_422"))
        let image = try ColourRender.render(frame, Dataset(), grey: false)
        #expect(image.bytes == [100, 100, 100, 200, 200, 200])
        #expect(ColourRender.luminance(image).bytes == [100, 200])
    }

    @Test func overlayBurnsAtItsOrigin() throws {
        let plane = OverlayPlane(rows: 2, columns: 2, originRow: 2, originColumn: 3, frames: 1, imageFrameOrigin: 1,
                                 bits: [0b1001])
        var image = RenderedImage(columns: 4, rows: 3, channels: 1, bits: 8)
        plane.burn(into: &image, frame: 1)
        #expect(image.bytes == [0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255])
        var other = RenderedImage(columns: 4, rows: 3, channels: 1, bits: 8)
        plane.burn(into: &other, frame: 2)
        #expect(other.bytes.allSatisfy { $0 == 0 })
    }

    @Test func sizesAndMontageLayout() {
        #expect(Renderer.targetSize(.fit(100), columns: 512, rows: 256)! == (100, 50))
        #expect(Renderer.targetSize(.fit(1000), columns: 512, rows: 256) == nil)
        #expect(Renderer.targetSize(.exact(columns: 3, rows: 4), columns: 512, rows: 256)! == (3, 4))
        #expect(Renderer.montageFrames(count: 3, tiles: 4) == [0, 1, 2, nil])
        #expect(Renderer.montageFrames(count: 30, tiles: 4) == [0, 7, 15, 22])
    }

    @Test func pngHeaderAndNoGammaFor16Bit() throws {
        let image = RenderedImage(columns: 3, rows: 2, channels: 1, bits: 16, bytes: [0, 0, 255, 255, 1, 2, 3, 4, 5, 6, 7, 8])
        let png = try PictureEncoding.png(image)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: width 3, height 2, depth 16, colour type 0 (grey)
        #expect(Array(png[16..<26]) == [0, 0, 0, 3, 0, 0, 0, 2, 16, 0])
        #expect(!chunks(png).contains("gAMA"))
        let rgb = try PictureEncoding.png(RenderedImage(columns: 1, rows: 1, channels: 3, bits: 8, bytes: [1, 2, 3]))
        #expect(Array(rgb[24..<26]) == [8, 2])
        let jpeg = try PictureEncoding.jpeg(RenderedImage(columns: 8, rows: 8, channels: 1, bits: 8), quality: 90)
        #expect(Array(jpeg.prefix(2)) == [0xFF, 0xD8])
        #expect(throws: DicomError.self) { try PictureEncoding.jpeg(image, quality: 90) }
    }

    private func chunks(_ png: [UInt8]) -> [String] {
        var names: [String] = [], i = 8
        while i + 12 <= png.count {
            let n = png[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
            names.append(String(decoding: png[i + 4..<i + 8], as: UTF8.self))
            i += 12 + n
        }
        return names
    }
}
