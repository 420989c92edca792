import DicomCodecs
import DicomCore
import DicomIO

/// Colour frames to 8-bit RGB pictures: RGB (and the RGB a JPEG 2000 decoder gives for YBR_RCT/ICT)
/// scaled from Bits Stored, YBR_FULL and native YBR_FULL_422 through the PS3.3 C.7.6.3.1.2
/// equations, PALETTE COLOR through its three LUTs (PS3.3 C.7.6.3.1.5, segmented ones included).
enum ColourRender {
    static func render(_ frame: DecodedFrame, _ ds: Dataset, grey: Bool) throws(DicomError) -> RenderedImage {
        let d = frame.description
        var rgb: RenderedImage
        switch d.photometricInterpretation {
        case "PALETTE COLOR":
            rgb = try palette(frame, ds)
        case "RGB", "YBR_RCT", "YBR_ICT":
            // JPEG 2000 decoders undo the component transform: what comes out is RGB.
            rgb = try scaled(frame, ybr: false)
        case "YBR_FULL" where grey, "YBR_FULL_422" where grey:
            // Y is the luminance (the same 0.299/0.587/0.114 weights): taken as it is, not
            // recomputed from rounded RGB.
            return try luma(frame)
        case "YBR_FULL":
            rgb = try scaled(frame, ybr: true)
        case "YBR_FULL_422":
            rgb = try native422(frame)
        default:
            throw DicomError(.unsupported, "cannot render Photometric Interpretation \(d.photometricInterpretation) "
                             + "with \(d.samplesPerPixel) samples per pixel", tag: .photometricInterpretation)
        }
        return grey ? luminance(rgb) : rgb
    }

    /// 3-sample frames at any Bits Stored to 8 bits (v * 255 / (2^bits - 1), rounded), YBR_FULL converted.
    private static func scaled(_ frame: DecodedFrame, ybr: Bool) throws(DicomError) -> RenderedImage {
        let d = frame.description
        guard d.samplesPerPixel == 3 else {
            throw DicomError(.invalidInput, "\(d.photometricInterpretation) with \(d.samplesPerPixel) samples per pixel",
                             tag: .samplesPerPixel)
        }
        let n = d.rows * d.columns
        if !ybr, d.bitsAllocated == 8, d.bitsStored == 8, !d.isSigned, frame.bytes.count >= n * 3 {
            // Already 8-bit RGB by pixel: the samples are the picture.
            return RenderedImage(columns: d.columns, rows: d.rows, channels: 3, bits: 8, bytes: Array(frame.bytes.prefix(n * 3)))
        }
        var out = RenderedImage(columns: d.columns, rows: d.rows, channels: 3, bits: 8)
        let bits = d.bitsStored, top = Double((1 << bits) - 1)
        var samples: [Int] = []
        samples.reserveCapacity(n * 3)
        StoredSamples(frame: frame).forEach { samples.append($0) }
        guard samples.count >= n * 3 else {
            throw DicomError(.decodeFailed, "frame has \(samples.count) samples, \(n * 3) needed", tag: .pixelData)
        }
        let offset = d.isSigned ? 1 << (bits - 1) : 0
        out.bytes.withUnsafeMutableBufferPointer { o in
            for p in 0..<n {
                var r = Double(samples[3 * p] + offset), g = Double(samples[3 * p + 1] + offset), b = Double(samples[3 * p + 2] + offset)
                if ybr {
                    let half = Double(1 << (bits - 1))
                    let y = r, cb = g - half, cr = b - half
                    r = y + 1.402 * cr
                    g = y - 0.344136 * cb - 0.714136 * cr
                    b = y + 1.772 * cb
                }
                o[3 * p] = eight(r, top)
                o[3 * p + 1] = eight(g, top)
                o[3 * p + 2] = eight(b, top)
            }
        }
        return out
    }

    @inline(__always)
    private static func eight(_ v: Double, _ top: Double) -> UInt8 {
        let x = (max(0, min(top, v)) * 255 / top).rounded()
        return UInt8(exactly: x) ?? 0  // x is a whole number within 0...255
    }

    /// Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): each pair of pixels stored as Y1 Y2 Cb Cr.
    private static func native422(_ frame: DecodedFrame) throws(DicomError) -> RenderedImage {
        let d = frame.description
        guard d.bitsAllocated == 8 else {
            throw DicomError(.unsupported, "native YBR_FULL_422 with \(d.bitsAllocated) bits allocated", tag: .bitsAllocated)
        }
        // A decoder that upsampled gives 3 samples a pixel: then it is plain YBR_FULL.
        if frame.bytes.count >= d.rows * d.columns * 3 { return try scaled(frame, ybr: true) }
        let pairsPerRow = (d.columns + 1) / 2
        guard frame.bytes.count >= d.rows * pairsPerRow * 4 else {
            throw DicomError(.decodeFailed, "YBR_FULL_422 frame has \(frame.bytes.count) bytes, \(d.rows * pairsPerRow * 4) needed",
                             tag: .pixelData)
        }
        var full = [UInt8](repeating: 0, count: d.rows * d.columns * 3)
        for y in 0..<d.rows {
            for pair in 0..<pairsPerRow {
                let s = (y * pairsPerRow + pair) * 4
                for k in 0..<2 where 2 * pair + k < d.columns {
                    let o = (y * d.columns + 2 * pair + k) * 3
                    full[o] = frame.bytes[s + k]
                    full[o + 1] = frame.bytes[s + 2]
                    full[o + 2] = frame.bytes[s + 3]
                }
            }
        }
        var nd = d
        nd.photometricInterpretation = "YBR_FULL"
        return try scaled(DecodedFrame(bytes: full, description: nd), ybr: true)
    }

    /// PALETTE COLOR: each stored index through the red, green and blue LUTs, entries scaled to 8 bits.
    private static func palette(_ frame: DecodedFrame, _ ds: Dataset) throws(DicomError) -> RenderedImage {
        let d = frame.description
        let signed = d.isSigned
        let luts = [
            try LookupTable.palette(ds, descriptor: .redPaletteColorLookupTableDescriptor, data: .redPaletteColorLookupTableData,
                                    segmented: .segmentedRedPaletteColorLookupTableData, signedInput: signed, what: "red palette"),
            try LookupTable.palette(ds, descriptor: .greenPaletteColorLookupTableDescriptor, data: .greenPaletteColorLookupTableData,
                                    segmented: .segmentedGreenPaletteColorLookupTableData, signedInput: signed, what: "green palette"),
            try LookupTable.palette(ds, descriptor: .bluePaletteColorLookupTableDescriptor, data: .bluePaletteColorLookupTableData,
                                    segmented: .segmentedBluePaletteColorLookupTableData, signedInput: signed, what: "blue palette"),
        ]
        // Entries of a 16-bit palette are scaled to 8 bits; some 8-bit palettes' data hold 16-bit
        // words anyway (the high byte then carries the value, as in dcmtk's reading).
        let tables: [[UInt8]] = luts.map { lut in
            let top = lut.entries.max() ?? 0
            let scale = lut.bits > 8 || top > 255 ? Double(lut.bits > 8 ? lut.maximum : 65535) : 0
            return lut.entries.map { v in scale > 0 ? eight(Double(v), scale) : UInt8(truncatingIfNeeded: v) }
        }
        var out = RenderedImage(columns: d.columns, rows: d.rows, channels: 3, bits: 8)
        var p = 0
        let n = d.rows * d.columns
        out.bytes.withUnsafeMutableBufferPointer { o in
            StoredSamples(frame: frame).forEach { v in
                guard p < n else { return }
                for c in 0..<3 {
                    let lut = luts[c]
                    o[3 * p + c] = tables[c][max(0, min(lut.entries.count - 1, v - lut.firstMapped))]
                }
                p += 1
            }
        }
        return out
    }

    /// The Y samples of 8-bit YBR_FULL (3 samples a pixel) or native YBR_FULL_422 (Y1 Y2 Cb Cr a pair).
    private static func luma(_ frame: DecodedFrame) throws(DicomError) -> RenderedImage {
        let d = frame.description
        guard d.bitsAllocated == 8 else { return luminance(try scaled(frame, ybr: true)) }
        let n = d.rows * d.columns
        var out = RenderedImage(columns: d.columns, rows: d.rows, channels: 1, bits: 8)
        if frame.bytes.count >= n * 3 {
            for p in 0..<n { out.bytes[p] = frame.bytes[3 * p] }
            return out
        }
        let pairsPerRow = (d.columns + 1) / 2
        guard frame.bytes.count >= d.rows * pairsPerRow * 4 else {
            throw DicomError(.decodeFailed, "YBR_FULL_422 frame has \(frame.bytes.count) bytes, \(d.rows * pairsPerRow * 4) needed",
                             tag: .pixelData)
        }
        for y in 0..<d.rows {
            for x in 0..<d.columns { out.bytes[y * d.columns + x] = frame.bytes[(y * pairsPerRow + x / 2) * 4 + x % 2] }
        }
        return out
    }

    /// Grey from RGB: 0.299 R + 0.587 G + 0.114 B, rounded (as dcmj2pnm +G).
    static func luminance(_ rgb: RenderedImage) -> RenderedImage {
        var out = RenderedImage(columns: rgb.columns, rows: rgb.rows, channels: 1, bits: 8)
        for p in 0..<(rgb.columns * rgb.rows) {
            let r = Double(rgb.bytes[3 * p]), g = Double(rgb.bytes[3 * p + 1]), b = Double(rgb.bytes[3 * p + 2])
            out.bytes[p] = UInt8(exactly: (0.299 * r + 0.587 * g + 0.114 * b).rounded()) ?? 255
        }
        return out
    }
}
