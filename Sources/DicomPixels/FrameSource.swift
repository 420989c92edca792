import DicomCore
import DicomIO

/// Frame k of an image as bytes: native frames as little-endian samples (big-endian values swapped
/// by their VR, as PS3.5 defines it), encapsulated frames as their codestream (fragments joined).
/// Only one frame is materialised at a time, so memory is bounded by a frame, not a file.
public struct FrameSource: Sendable {
    public let module: PixelModule
    public let syntax: TransferSyntax
    /// For encapsulated data: the fragment index ranges of each frame.
    private let frameFragments: [Range<Int>]

    public var description: PixelDescription { module.description }
    public var frameCount: Int { module.description.numberOfFrames }
    public var isEncapsulated: Bool { module.element.fragments != nil }
    public var warnings: [ReadWarning] = []

    public init?(dataset: Dataset, syntax: TransferSyntax) throws(DicomError) {
        guard let module = try PixelModule(dataset, syntax: syntax) else { return nil }
        self.module = module
        self.syntax = syntax
        if let f = module.element.fragments {
            var w: [ReadWarning] = []
            frameFragments = try Self.mapFrames(f, frames: module.description.numberOfFrames, dataset: dataset,
                                                offset: module.element.offset, warnings: &w)
            warnings = w
            // Reading the fragment item headers touched the mapped file around each of them; on
            // file systems with large page-cache folios that maps most of the data. Frames are
            // read one at a time later, so let the kernel drop those pages now.
            if let first = f.fragments.first, let last = f.fragments.last, let source = first.source,
               source === last.source {
                source.release(first.range.lowerBound..<last.range.upperBound)
            }
        } else {
            frameFragments = []
        }
    }

    /// The bytes of frame `index` (0-based).
    public func frame(_ index: Int) throws(DicomError) -> [UInt8] {
        guard index >= 0, index < frameCount else {
            throw DicomError(.invalidInput, "frame \(index + 1) requested, the image has \(frameCount)", tag: .pixelData)
        }
        switch module.element.value {
        case .bytes(let b):
            let frame = nativeFrame(b, index)
            // Frames are read once: let the kernel drop the mapped pages (memory stays one frame).
            if let source = b.source {
                let size = module.description.frameByteCount
                source.release(b.range.lowerBound + index * size..<b.range.lowerBound + (index + 1) * size)
            }
            return frame
        case .fragments(let f):
            let r = frameFragments[index]
            defer { for i in r { f.fragments[i].source?.release(f.fragments[i].range) } }
            if r.count == 1 { return f.fragments[r.lowerBound].bytes }
            var out: [UInt8] = []
            out.reserveCapacity(r.reduce(0) { $0 + f.fragments[$1].count })
            for i in r { f.fragments[i].withUnsafeBytes { out.append(contentsOf: $0) } }
            return out
        case .sequence:
            throw DicomError(.invalidInput, "Pixel Data is a sequence", offset: module.element.offset, tag: .pixelData)
        }
    }

    private func nativeFrame(_ b: ValueBytes, _ index: Int) -> [UInt8] {
        let d = module.description
        if d.bitsAllocated == 1 {
            // Frames are bit-contiguous (PS3.5 8.1.1): a frame may start mid-byte.
            let bits = d.rows * d.columns
            let start = index * bits
            return b.withUnsafeBytes { raw in
                if start % 8 == 0 { return Array(raw[start / 8..<(start + bits + 7) / 8]) }
                var out = [UInt8](repeating: 0, count: (bits + 7) / 8)
                for i in 0..<bits {
                    let s = start + i
                    if raw[s >> 3] >> (s & 7) & 1 == 1 { out[i >> 3] |= 1 << (i & 7) }
                }
                return out
            }
        }
        let size = d.frameByteCount
        let range = index * size..<(index + 1) * size
        let unit = module.element.vr == .OB ? 1 : module.element.vr.byteSwapUnit
        guard b.isBigEndian, unit > 1 else { return b.withUnsafeBytes { Array($0[range]) } }
        // Swap by the VR, as PS3.5 defines byte order: OB is a byte stream, OW 16-bit words even
        // for 8-bit samples. Swap whole words around the frame, then cut the frame out.
        let lo = range.lowerBound / unit * unit
        let hi = min(b.count, (range.upperBound + unit - 1) / unit * unit)
        var words = b.withUnsafeBytes { Array($0[lo..<hi]) }
        swapInPlace(&words, unit: unit)
        return Array(words[(range.lowerBound - lo)..<(range.upperBound - lo)])
    }

    /// Which fragments make up each frame: Extended Offset Table, else Basic Offset Table, else one
    /// fragment per frame, else codestream start markers (PS3.5 A.4).
    static func mapFrames(_ f: Fragments, frames: Int, dataset: Dataset, offset: Int?,
                          warnings: inout [ReadWarning]) throws(DicomError) -> [Range<Int>] {
        let n = f.fragments.count
        guard n > 0 else {
            throw DicomError(.invalidInput, "encapsulated Pixel Data has no fragments", offset: offset, tag: .pixelData)
        }
        // Offsets of each fragment's item tag relative to the first fragment's item tag, looked
        // up in the fragment list's own packed offsets when it has them (no n-sized copy).
        let packed = f.fragments.itemOffsets.count == n
        var computed: [Int] = []
        if !packed {
            computed.reserveCapacity(n)
            var acc = 0
            for v in f.fragments { computed.append(acc); acc += 8 + v.count }
        }
        let base = packed ? f.fragments.itemOffsets[0] : 0
        func rel(_ i: Int) -> Int { packed ? f.fragments.itemOffsets[i] - base : computed[i] }

        func byOffsets(_ offsets: [Int], what: String) throws(DicomError) -> [Range<Int>] {
            var starts: [Int] = []
            for o in offsets {
                guard let idx = binarySearch(n, rel, o) else {
                    throw DicomError(.invalidInput, "\(what) entry \(o) does not point at a fragment start", offset: offset, tag: .pixelData)
                }
                starts.append(idx)
            }
            guard starts == starts.sorted(), Set(starts).count == starts.count else {
                throw DicomError(.invalidInput, "\(what) is not ascending", offset: offset, tag: .pixelData)
            }
            return (0..<starts.count).map { k in starts[k]..<(k + 1 < starts.count ? starts[k + 1] : n) }
        }

        if let eot = dataset[.extendedOffsetTable]?.valueBytes, eot.count >= 8 {
            let offsets = eot.withUnsafeBytes { raw in stride(from: 0, to: raw.count - 7, by: 8).map { i in
                (0..<8).reduce(0) { $0 | Int(widening: raw[i + $1]) << (8 * $1) } } }
            if offsets.count == frames { return try byOffsets(offsets, what: "Extended Offset Table") }
            warnings.append(ReadWarning(message: "Extended Offset Table has \(offsets.count) entries for \(frames) frames; ignored",
                                        offset: offset, tag: .extendedOffsetTable))
        }
        let bot = f.offsetTable
        if bot.count >= 4 {
            let offsets = binaryNumbers(bot, vr: .UL).map { Int($0) }  // conversion: UL values are whole numbers below 2^32
            if offsets.count == frames { return try byOffsets(offsets, what: "Basic Offset Table") }
            warnings.append(ReadWarning(message: "Basic Offset Table has \(offsets.count) entries for \(frames) frames; ignored",
                                        offset: offset, tag: .pixelData))
        }
        if frames == 1 { return [0..<n] }
        if n == frames { return (0..<n).map { $0..<$0 + 1 } }
        // Group fragments at codestream starts (JPEG SOI, J2K SOC, JP2 signature box).
        var starts: [Int] = []
        for i in 0..<n where f.fragments[i].withUnsafeBytes({ raw in
            raw.count >= 2 && raw[0] == 0xFF && (raw[1] == 0xD8 || raw[1] == 0x4F)
                || raw.count >= 8 && raw[4] == 0x6A && raw[5] == 0x50 && raw[6] == 0x20 && raw[7] == 0x20 }) {
            starts.append(i)
        }
        if starts.count == frames, starts.first == 0 {
            return (0..<frames).map { k in starts[k]..<(k + 1 < frames ? starts[k + 1] : n) }
        }
        throw DicomError(.invalidInput, "cannot tell which of \(n) fragments belong to which of \(frames) frames "
                         + "(no offset table, no codestream markers)", offset: offset, tag: .pixelData)
    }
}

/// The index i in 0..<count where value(i) == x, for ascending values.
private func binarySearch(_ count: Int, _ value: (Int) -> Int, _ x: Int) -> Int? {
    var lo = 0, hi = count
    while lo < hi {
        let mid = (lo + hi) / 2
        let v = value(mid)
        if v == x { return mid }
        if v < x { lo = mid + 1 } else { hi = mid }
    }
    return nil
}
