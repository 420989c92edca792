import DicomCore
import DicomIO

/// Encapsulated Pixel Data (PS3.5 A.4) for every encapsulated output: each frame's codestream in
/// one or more fragment items after the Basic Offset Table item, and the Basic or Extended Offset
/// Table. Streamed: frames are pulled one at a time and written as they come. When the output can
/// be patched, the tables are reserved and filled in after the last frame; when the frames are
/// already known (`Layout` computed first), the tables are written as they are.
public struct Encapsulator: Sendable {
    public let table: TranscodeOptions.OffsetTable
    /// Each codestream cut into fragments of at most this many bytes (even); nil: one per frame.
    public let fragmentSize: Int?

    public init(table: TranscodeOptions.OffsetTable, fragmentSize: Int?) {
        self.table = table
        self.fragmentSize = fragmentSize
    }

    /// Where each frame starts (from the first fragment's item tag) and how long its codestream is.
    public struct Layout: Sendable, Equatable {
        public private(set) var frameOffsets: [Int] = []
        public private(set) var frameLengths: [Int] = []
        /// Bytes of every fragment item so far (headers included): the next frame's offset.
        public private(set) var end = 0

        public init() {}

        mutating func add(frameLength: Int, itemBytes: Int) {
            frameOffsets.append(end)
            frameLengths.append(frameLength)
            end += itemBytes
        }
    }

    /// A codestream (even length) cut into fragments of at most `fragmentSize` bytes.
    public func fragments(of bytes: [UInt8]) -> [[UInt8]] {
        guard let size = fragmentSize, size >= 2, bytes.count > size else { return [bytes] }
        return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min(bytes.count, $0 + size)]) }
    }

    /// The layout of frames of these codestream lengths (each already even).
    public func layout(frameLengths: [Int]) -> Layout {
        var layout = Layout()
        for n in frameLengths {
            let pieces = fragmentSize.map { size in size >= 2 && n > size ? (n + size - 1) / size : 1 } ?? 1
            layout.add(frameLength: n, itemBytes: n + 8 * pieces)
        }
        return layout
    }

    /// The Basic Offset Table's value: empty unless `table` is basic. Its entries are 32-bit, so a
    /// frame that starts 4 GiB or more into the fragments needs the Extended Offset Table.
    public func basicTable(_ layout: Layout) throws(DicomError) -> [UInt8] {
        guard table == .basic else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(4 * layout.frameOffsets.count)
        for offset in layout.frameOffsets {
            guard let v = UInt32(exactly: offset) else {
                throw DicomError(.encodeFailed, "encapsulated Pixel Data exceeds 4 GiB: use --offset-table extended")
            }
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The Extended Offset Table and its lengths (PS3.3 C.7.6.3.1.8), 64-bit each.
    public static func extendedTables(_ layout: Layout) -> (offsets: [UInt8], lengths: [UInt8]) {
        (le64(layout.frameOffsets), le64(layout.frameLengths))
    }

    /// The Extended Offset Table elements of a layout.
    public static func extendedTableElements(_ layout: Layout) -> [Element] {
        let t = extendedTables(layout)
        return [Element(tag: .extendedOffsetTable, vr: .OV, value: .bytes(ValueBytes(t.offsets))),
                Element(tag: .extendedOffsetTableLengths, vr: .OV, value: .bytes(ValueBytes(t.lengths)))]
    }

    /// Writes Pixel Data: header, Basic Offset Table item, the fragments of frames 0..<count pulled
    /// from `frame` in order (each of even length), the delimiter. With `known`, the table is
    /// written from it; otherwise the sink must be patchable: the table is reserved and patched,
    /// and so is `extended` (the Extended Offset Table elements, reserved earlier in the data set).
    func write<S: OutputSink>(count: Int, frame: (Int) throws(DicomError) -> [UInt8], known: Layout?, extended: ExtendedTableSlots?,
                              to sink: inout S, encoding: DatasetEncoding) throws(DicomError) -> Layout {
        let w = DatasetWriter(syntax: .explicitVRLittleEndian)
        let patchable = sink as? any PatchableSink
        // Only the tables are patched: streamed with neither (an empty Basic Offset Table), any
        // sink takes it, e.g. an association (send).
        if known == nil && patchable == nil && (table == .basic || extended != nil) {
            throw DicomError(.internalError, "streamed encapsulated Pixel Data with an offset table needs a file output")
        }
        try sink.write(w.elementHeader(.pixelData, .OB, length: 0xFFFF_FFFF, encoding))
        let tableBytes = table == .basic ? 4 * count : 0
        guard let tableLength = UInt32(exactly: tableBytes), tableLength != 0xFFFF_FFFF else {
            throw DicomError(.unsupported, "a Basic Offset Table of \(count) frames exceeds 4 GiB: use --offset-table extended")
        }
        try sink.write(w.elementHeader(.item, .OB, length: tableLength, encoding))
        let tableOffset = patchable?.bytesWritten ?? 0
        if let known {
            try sink.write(try basicTable(known))
        } else {
            try sink.write([UInt8](repeating: 0, count: tableBytes))
        }
        var layout = Layout()
        for k in 0..<count {
            let bytes = try frame(k)
            let pieces = fragments(of: bytes)
            for fragment in pieces {
                guard let fragmentLength = UInt32(exactly: fragment.count), fragmentLength != 0xFFFF_FFFF else {
                    throw DicomError(.unsupported, "frame \(k + 1) needs a fragment of \(fragment.count) bytes, more than an item's "
                                     + "32-bit length", tag: .pixelData)
                }
                try sink.write(w.elementHeader(.item, .OB, length: fragmentLength, encoding))
                try sink.write(fragment)
            }
            layout.add(frameLength: bytes.count, itemBytes: bytes.count + 8 * pieces.count)
        }
        try sink.write(w.elementHeader(.sequenceDelimitationItem, .OB, length: 0, encoding))
        if known == nil, let patchable {
            if table == .basic { try patchable.patch(at: tableOffset, try basicTable(layout)) }
            if let extended {
                let t = Self.extendedTables(layout)
                try patchable.patch(at: extended.offsets.position, t.offsets)
                try patchable.patch(at: extended.lengths.position, t.lengths)
            }
        }
        return layout
    }
}

/// The Extended Offset Table elements written with reserved bytes, patched after the last frame.
struct ExtendedTableSlots: Sendable {
    let offsets: ReservedElement
    let lengths: ReservedElement

    init(frameCount: Int) {
        offsets = ReservedElement(tag: .extendedOffsetTable, vr: .OV, count: 8 * frameCount)
        lengths = ReservedElement(tag: .extendedOffsetTableLengths, vr: .OV, count: 8 * frameCount)
    }
}

/// An element written with reserved bytes (zeros, even length) whose value position is
/// remembered, to be patched later with as many bytes.
final class ReservedElement: StreamedElement, @unchecked Sendable {
    // @unchecked: `position` is set while the file is written and read after, by one thread.
    let tag: Tag, vr: VR
    let count: Int
    private(set) var position = 0

    init(tag: Tag, vr: VR, count: Int) {
        self.tag = tag
        self.vr = vr
        self.count = count + count % 2
    }

    func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
        guard let patchable = sink as? any PatchableSink else {
            throw DicomError(.internalError, "a reserved element needs a file output")
        }
        guard let length = UInt32(exactly: count), length != 0xFFFF_FFFF else {
            throw DicomError(.unsupported, "a value of \(count) bytes exceeds the 32-bit length of an element", tag: tag)
        }
        try sink.write(DatasetWriter(syntax: .explicitVRLittleEndian).elementHeader(tag, vr, length: length, encoding))
        position = patchable.bytesWritten
        try sink.write([UInt8](repeating: 0, count: count))
    }

    /// The value written in the reserved bytes (`bytes.count` must be `count`).
    func fill(_ bytes: [UInt8], in sink: any PatchableSink) throws(DicomError) {
        guard position > 0, bytes.count == count else {
            throw DicomError(.internalError, "\(tag): reserved value could not be filled in", tag: tag)
        }
        try sink.patch(at: position, bytes)
    }
}

private func le64(_ values: [Int]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(8 * values.count)
    // conversion: offsets and lengths are byte counts, never negative
    for v in values { withUnsafeBytes(of: UInt64(v).littleEndian) { out.append(contentsOf: $0) } }
    return out
}
