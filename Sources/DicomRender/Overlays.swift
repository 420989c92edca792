import DicomCore
import DicomIO

/// The overlay planes of groups 6000-601E (PS3.3 C.9.2), burned into a picture on request: each
/// set bit makes its pixel white (dcmj2pnm's "Replace" mode at full foreground density).
/// Overlays in the unused high bits of Pixel Data (retired) are not read.
public struct OverlayPlane: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    /// Row and column of the overlay's first pixel in the image, from 1 (may be outside it).
    public var originRow: Int
    public var originColumn: Int
    /// Frames of the overlay and the image frame (from 1) its first frame lies on.
    public var frames: Int
    public var imageFrameOrigin: Int
    public var bits: [UInt8]

    /// The repeating-group elements (60xx,eeee) have no keyword constants: their element numbers.
    enum Element {
        static let rows: UInt16 = 0x0010, columns: UInt16 = 0x0011, frames: UInt16 = 0x0015
        static let origin: UInt16 = 0x0050, imageFrameOrigin: UInt16 = 0x0051, bitsAllocated: UInt16 = 0x0100
        static let data: UInt16 = 0x3000
    }

    /// Every overlay plane of `ds` that has Overlay Data, in group order.
    public static func planes(in ds: Dataset) throws(DicomError) -> [OverlayPlane] {
        var planes: [OverlayPlane] = []
        let firstGroup: UInt16 = 0x6000  // the overlay repeating groups 6000-601E (PS3.5 7.6)
        for k in 0..<16 {
            let g = firstGroup + UInt16(truncatingIfNeeded: 2 * k)
            let dataTag = Tag(g, Element.data)
            // Empty Overlay Data (an empty template left by a writer) is no overlay.
            guard let data = ds[dataTag]?.valueBytes, data.count > 0 else { continue }
            guard let rows = ds.int(Tag(g, Element.rows)), let columns = ds.int(Tag(g, Element.columns)),
                  rows > 0, columns > 0, rows <= 65535, columns <= 65535 else {
                throw DicomError(.invalidInput, "overlay group \(hex4(g)) has Overlay Data but no valid Overlay Rows/Columns",
                                 offset: ds[dataTag]?.offset, tag: dataTag)
            }
            let origin = ds.numbers(Tag(g, Element.origin)) ?? [1, 1]
            let frames = max(1, ds.int(Tag(g, Element.frames)) ?? 1)
            let bitsAllocated = ds.int(Tag(g, Element.bitsAllocated)) ?? 1
            guard bitsAllocated == 1 else { continue }  // retired: overlay bits inside Pixel Data
            let bits = data.littleEndianBytes(swapUnit: ds[dataTag]?.vr == .OW ? 2 : 1)
            guard bits.count * 8 >= rows * columns * frames else {
                throw DicomError(.invalidInput, "overlay group \(hex4(g)): Overlay Data has \(bits.count) bytes, "
                                 + "\((rows * columns * frames + 7) / 8) needed", offset: ds[dataTag]?.offset, tag: dataTag)
            }
            let o = origin.count == 2 && origin.allSatisfy({ $0.isFinite && abs($0) < 1e6 }) ? origin : [1, 1]
            planes.append(OverlayPlane(rows: rows, columns: columns,
                                       originRow: Int(o[0]), originColumn: Int(o[1]),  // conversion: checked finite and small above
                                       frames: frames, imageFrameOrigin: max(1, ds.int(Tag(g, Element.imageFrameOrigin)) ?? 1),
                                       bits: bits))
        }
        return planes
    }

    /// Burns this plane's frame for image frame `frame` (from 1) into `image`, white.
    public func burn(into image: inout RenderedImage, frame: Int) {
        let k = frame - imageFrameOrigin
        guard k >= 0, k < frames else { return }
        let white = image.maximum
        let start = k * rows * columns
        for r in 0..<rows {
            let y = originRow - 1 + r
            guard y >= 0, y < image.rows else { continue }
            for c in 0..<columns {
                let x = originColumn - 1 + c
                guard x >= 0, x < image.columns else { continue }
                let bit = start + r * columns + c
                guard bits[bit >> 3] >> UInt8(truncatingIfNeeded: bit & 7) & 1 == 1 else { continue }
                for ch in 0..<image.channels { image.set(x: x, y: y, channel: ch, white) }
            }
        }
    }
}
