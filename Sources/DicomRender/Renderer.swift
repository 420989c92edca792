import DicomCodecs
import DicomCore
import DicomIO
import DicomPixels

/// One picture made from an image: a frame (`frame`, from 1), or a contact sheet (`frame` nil).
public struct Picture: Sendable {
    public var image: RenderedImage
    public var frame: Int?
    /// The VOI the picture's (first) frame was rendered with; nil for colour.
    public var voi: GreyPipeline.ResolvedVOI?
}

/// What was rendered of one file.
public struct RenderSummary: Sendable {
    public var frameCount: Int
    public var photometric: String
    public var columns: Int
    public var rows: Int
    public var warnings: [ReadWarning]
}

/// A DICOM image to pictures: frames decoded one at a time through DicomPixels' FrameReader (every
/// transfer syntax the codec core reads), each through the grey pipeline or the colour
/// conversions, overlays burned in on request, resized by area averaging, and handed to `emit`
/// as soon as it is made (memory: one decoded frame and one picture, or the sheet of a montage).
public enum Renderer {
    public static func render(_ file: DicomFile, options: RenderOptions,
                              emit: (Picture) throws(DicomError) -> Void) throws(DicomError) -> RenderSummary {
        guard var source = try FrameSource(dataset: file.dataset, syntax: file.transferSyntax) else {
            throw DicomError(.unsupported, "no Pixel Data: nothing to render", tag: .pixelData)
        }
        let warnings = source.module.warnings + source.warnings
        source.warnings = []
        let reader = try FrameReader(source)
        let d = source.description
        let count = source.frameCount
        let overlays = options.overlays ? try OverlayPlane.planes(in: file.dataset) : []
        let context = FrameContext(dataset: file.dataset, reader: reader, options: options, overlays: overlays)
        func check(_ n: Int) throws(DicomError) {
            guard n >= 1, n <= count else {
                throw DicomError(.usage, "frame \(n) asked for, the image has \(count) frame\(count == 1 ? "" : "s")", tag: .numberOfFrames)
            }
        }
        switch options.frames {
        case .one(let n):
            try check(n)
            let (image, voi) = try context.picture(n - 1)
            try emit(Picture(image: image, frame: n, voi: voi))
        case .all:
            for k in 0..<count {
                let (image, voi) = try context.picture(k)
                try emit(Picture(image: image, frame: k + 1, voi: voi))
            }
        case .list(let frames):
            for n in frames { try check(n) }
            for n in frames {
                let (image, voi) = try context.picture(n - 1)
                try emit(Picture(image: image, frame: n, voi: voi))
            }
        case .montage(let columns, let rows):
            let (sheet, voi) = try montage(context, count: count, columns: columns, rows: rows)
            try emit(Picture(image: sheet, frame: nil, voi: voi))
        }
        return RenderSummary(frameCount: count, photometric: d.photometricInterpretation, columns: d.columns, rows: d.rows,
                             warnings: warnings)
    }

    /// The frames of tile t: frame t when the file has no more frames than tiles, else frames
    /// spread evenly (t * count / tiles); tiles past the last frame stay black.
    static func montageFrames(count: Int, tiles: Int) -> [Int?] {
        (0..<tiles).map { t in count <= tiles ? (t < count ? t : nil) : t * count / tiles }
    }

    private static func montage(_ context: FrameContext, count: Int, columns: Int, rows: Int) throws(DicomError)
        -> (RenderedImage, GreyPipeline.ResolvedVOI?) {
        var sheet: RenderedImage?
        var firstVOI: GreyPipeline.ResolvedVOI?
        for (t, frame) in montageFrames(count: count, tiles: columns * rows).enumerated() {
            guard let frame else { continue }
            let (tile, voi) = try context.picture(frame)
            if sheet == nil {
                firstVOI = voi
                let (w, h) = (tile.columns.multipliedReportingOverflow(by: columns), tile.rows.multipliedReportingOverflow(by: rows))
                guard !w.overflow, !h.overflow, w.partialValue <= 65535, h.partialValue <= 65535 else {
                    throw DicomError(.usage, "a \(columns)x\(rows) montage of \(tile.columns)x\(tile.rows) frames is too large: add --size")
                }
                sheet = RenderedImage(columns: w.partialValue, rows: h.partialValue, channels: tile.channels, bits: tile.bits)
            }
            guard var s = sheet, tile.channels == s.channels, tile.bits == s.bits else { continue }
            sheet = nil  // unique while edited (no copy of the sheet per tile)
            let bytesPerPixel = tile.channels * tile.bits / 8
            let tileW = s.columns / columns, tileH = s.rows / rows
            let x0 = (t % columns) * tileW, y0 = (t / columns) * tileH
            for y in 0..<min(tile.rows, tileH) {
                let src = y * tile.columns * bytesPerPixel
                let dst = ((y0 + y) * s.columns + x0) * bytesPerPixel
                let n = min(tile.columns, tileW) * bytesPerPixel
                s.bytes.replaceSubrange(dst..<dst + n, with: tile.bytes[src..<src + n])
            }
            sheet = s
        }
        guard let sheet else { throw DicomError(.invalidInput, "no frame to put on the montage", tag: .pixelData) }
        return (sheet, firstVOI)
    }

    /// The size a picture of `columns` x `rows` gets, or nil when it stays as it is.
    public static func targetSize(_ size: RenderOptions.Size?, columns: Int, rows: Int) -> (columns: Int, rows: Int)? {
        switch size {
        case nil: return nil
        case .exact(let c, let r): return c == columns && r == rows ? nil : (c, r)
        case .fit(let n):
            let longer = max(columns, rows)
            guard n < longer else { return nil }
            // Rounded half up in integers: side * n / longer.
            return (max(1, (2 * columns * n + longer) / (2 * longer)), max(1, (2 * rows * n + longer) / (2 * longer)))
        }
    }
}

/// What every frame of one file is rendered with.
struct FrameContext {
    let dataset: Dataset
    let reader: FrameReader
    let options: RenderOptions
    let overlays: [OverlayPlane]

    /// Frame k (from 0) as a finished picture: pipeline, overlays, size.
    func picture(_ k: Int) throws(DicomError) -> (RenderedImage, GreyPipeline.ResolvedVOI?) {
        let frame = try reader.decoded(k)
        let d = frame.description
        var image: RenderedImage
        var voi: GreyPipeline.ResolvedVOI?
        if d.samplesPerPixel == 1 && d.photometricInterpretation != "PALETTE COLOR" {
            guard d.photometricInterpretation.hasPrefix("MONOCHROME") || d.bitsAllocated == 1 || !dataset.contains(.photometricInterpretation) else {
                throw DicomError(.unsupported, "cannot render Photometric Interpretation \(d.photometricInterpretation) with one sample per pixel",
                                 tag: .photometricInterpretation)
            }
            let pipeline = try GreyPipeline(dataset, photometric: d.photometricInterpretation, signed: d.isSigned,
                                            bitsStored: d.bitsStored, options: options)
            (image, voi) = try GreyRender.render(frame, pipeline, bits: options.bits)
        } else {
            image = try ColourRender.render(frame, dataset, grey: options.grey)
            if options.bits == 16 && image.channels == 1 { image = widened(image) }
        }
        for plane in overlays { plane.burn(into: &image, frame: k + 1) }
        if let (c, r) = Renderer.targetSize(options.size, columns: image.columns, rows: image.rows) {
            image = RenderedImage(try PixelTransforms.resize(image.asFrame, columns: c, rows: r))
        }
        return (image, voi)
    }

    /// An 8-bit grey picture as 16 bits (v * 257: 255 becomes 65535).
    private func widened(_ image: RenderedImage) -> RenderedImage {
        var out = RenderedImage(columns: image.columns, rows: image.rows, channels: 1, bits: 16)
        for (i, v) in image.bytes.enumerated() { out.bytes[2 * i] = v; out.bytes[2 * i + 1] = v }
        return out
    }
}
