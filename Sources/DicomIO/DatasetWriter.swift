import DicomCodecs
import DicomCore

/// Where written bytes go: a buffered file descriptor or memory.
public protocol OutputSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DicomError)
}

extension OutputSink {
    public mutating func write(_ bytes: [UInt8]) throws(DicomError) {
        var failure: DicomError?
        bytes.withUnsafeBytes { p in
            do throws(DicomError) { try write(p) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes a value's bytes in place, without copying input-backed values. Large mapped values
    /// go in chunks whose pages are released afterwards, so copying a 2 GiB Pixel Data does not
    /// make the process 2 GiB large.
    public mutating func write(_ value: ValueBytes) throws(DicomError) {
        var failure: DicomError?
        let chunk = 4 << 20
        value.withUnsafeBytes { p in
            var start = 0
            while start < p.count && failure == nil {
                let end = min(p.count, start + chunk)
                do throws(DicomError) { try write(UnsafeRawBufferPointer(rebasing: p[start..<end])) } catch { failure = error }
                if let source = value.source, p.count > chunk {
                    source.release(value.range.lowerBound + start..<value.range.lowerBound + end)
                }
                start = end
            }
        }
        if let failure { throw failure }
    }
}

/// A sink that can go back and fill in bytes it reserved (offset tables written before the frames
/// they index), so encapsulated Pixel Data can be streamed frame by frame.
public protocol PatchableSink: AnyObject {
    /// Bytes written so far, i.e. the offset of the next byte.
    var bytesWritten: Int { get }
    func patch(at offset: Int, _ bytes: [UInt8]) throws(DicomError)
}

public struct MemorySink: OutputSink {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func write(_ p: UnsafeRawBufferPointer) throws(DicomError) { bytes.append(contentsOf: p) }
}

/// A top-level element written by its owner at its place in the data set, e.g. Pixel Data
/// produced frame by frame, so a whole decoded image never has to be in memory.
public protocol StreamedElement: Sendable {
    func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError)
}

/// Writes data sets in any uncompressed or deflated transfer syntax. Input-backed values are
/// copied straight from the mapped input, so memory stays bounded by the largest edited value.
public struct DatasetWriter {
    public let syntax: TransferSyntax
    /// Top-level elements written by a `StreamedElement` instead of from the data set's value.
    public var streamed: [Tag: any StreamedElement] = [:]

    public init(syntax: TransferSyntax, streamed: [Tag: any StreamedElement] = [:]) {
        self.syntax = syntax
        self.streamed = streamed
    }

    /// The File Meta Information for `dataset` written in `syntax`: kept elements of `previous`
    /// (source AE titles, private information), SOP Class/Instance from the data set, our
    /// implementation identity, and a recomputed group length.
    public static func makeMeta(for dataset: Dataset, syntax: TransferSyntax, previous: Dataset) -> Dataset {
        var meta = Dataset()
        meta.set(Element(tag: Tag.fileMetaInformationVersion, vr: .OB, value: .bytes(ValueBytes([0x00, 0x01]))))
        let sopClass = dataset.string(Tag.sopClassUID) ?? previous.string(Tag.mediaStorageSOPClassUID) ?? ""
        let sopInstance = dataset.string(Tag.sopInstanceUID) ?? previous.string(Tag.mediaStorageSOPInstanceUID) ?? ""
        meta.setString(Tag.mediaStorageSOPClassUID, .UI, sopClass)
        meta.setString(Tag.mediaStorageSOPInstanceUID, .UI, sopInstance)
        meta.setString(Tag.transferSyntaxUID, .UI, syntax.uid)
        meta.setString(Tag.implementationClassUID, .UI, Implementation.classUID)
        meta.setString(Tag.implementationVersionName, .SH, Implementation.versionName)
        var length = 0
        for e in meta.elements { length += encodedLength(e, DatasetEncoding.explicitLittle) }
        // A kept element that would take the group past the 32-bit group length cannot be described
        // by it (only a hostile input has one): it is left out.
        for e in previous.elements where e.tag.element >= 0x0016 && e.tag.group == 0x0002 {
            let size = encodedLength(e, DatasetEncoding.explicitLittle)
            guard length + size <= Int(widening: UInt32.max) else { continue }
            meta.set(e)
            length += size
        }
        // Only SOP Class/Instance UIDs of gigabytes (a hostile input) could take it past 32 bits.
        let groupLength = UInt32(clamping: length)
        meta.set(Element(tag: .fileMetaInformationGroupLength, vr: .UL,
                         value: .bytes(ValueBytes(withUnsafeBytes(of: groupLength.littleEndian, Array.init)))))
        return meta
    }

    /// Writes preamble, DICM, the meta and the data set.
    public func writeFile(meta: Dataset, dataset: Dataset, preamble: [UInt8]? = nil, to sink: inout some OutputSink) throws(DicomError) {
        var head = preamble ?? [UInt8](repeating: 0, count: 128)
        if head.count != 128 { head = [UInt8](repeating: 0, count: 128) }
        head += Array("DICM".utf8)
        try sink.write(head)
        try write(meta, encoding: .explicitLittle, to: &sink)
        if syntax.isDeflated {
            var body = MemorySink()
            try write(dataset, encoding: .explicitLittle, to: &body, topLevel: true)
            try sink.write(try Deflate.deflateRaw(body.bytes, level: 6))
        } else {
            try write(dataset, encoding: DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian), to: &sink,
                      topLevel: true)
        }
    }

    /// Writes a bare data set (no preamble, no meta) in this writer's syntax: a DIMSE command set
    /// or data set sent over an association (DicomNet).
    public func writeBare(_ dataset: Dataset, to sink: inout some OutputSink) throws(DicomError) {
        try write(dataset, encoding: DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian), to: &sink,
                  topLevel: true)
    }

    func write(_ dataset: Dataset, encoding: DatasetEncoding, to sink: inout some OutputSink, topLevel: Bool = false) throws(DicomError) {
        for e in dataset.elements where !(e.tag.isGroupLength && e.tag.group != 0x0002) {
            // Group lengths other than the meta's are retired (PS3.5 7.2); dropping them keeps
            // every rewritten file consistent.
            if topLevel, let producer = streamed[e.tag] {
                try producer.write(to: &sink, encoding: encoding)
                continue
            }
            try write(e, encoding: encoding, to: &sink)
        }
    }

    /// The header of an element of `length` bytes (for streamed values).
    public func elementHeader(_ tag: Tag, _ vr: VR, length: UInt32, _ enc: DatasetEncoding) -> [UInt8] {
        header(tag, vr, length: length, enc).withBytes { Array($0) }
    }

    /// An element or item header (8 or 12 bytes), built in place: the writer makes one per
    /// element and item, and an array each was a measurable part of writing a small file.
    struct HeaderBytes {
        private var storage: (UInt64, UInt64) = (0, 0)
        private(set) var count = 0

        mutating func append(_ byte: UInt8) {
            let i = count
            withUnsafeMutableBytes(of: &storage) { $0[i] = byte }
            count += 1
        }

        func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }

    private func header(_ tag: Tag, _ vr: VR, length: UInt32, _ enc: DatasetEncoding) -> HeaderBytes {
        var out = HeaderBytes()
        // Tags and lengths are written in the syntax's byte order.
        func u16(_ v: UInt16) {
            if enc.bigEndian { out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v)) } else {
                out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
            }
        }
        func u32(_ v: UInt32) {
            let high = UInt16(truncatingIfNeeded: v >> 16), low = UInt16(truncatingIfNeeded: v)
            if enc.bigEndian { u16(high); u16(low) } else { u16(low); u16(high) }
        }
        u16(tag.group)
        u16(tag.element)
        if enc.explicitVR && tag.group != 0xFFFE {
            for byte in vr.rawValue.utf8 { out.append(byte) }
            if vr.hasLongLength {
                out.append(0); out.append(0)
                u32(length)
            } else {
                u16(UInt16(truncatingIfNeeded: length))
            }
        } else {
            u32(length)
        }
        return out
    }

    private func write(_ header: HeaderBytes, to sink: inout some OutputSink) throws(DicomError) {
        var failure: DicomError?
        header.withBytes { p in
            do throws(DicomError) { try sink.write(p) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func write(_ e: Element, encoding enc: DatasetEncoding, to sink: inout some OutputSink) throws(DicomError) {
        switch e.value {
        case .bytes(let b):
            var vr = e.vr
            let count = b.count + (b.count % 2)
            if enc.explicitVR && !vr.hasLongLength && count > 0xFFFF {
                // Too long for a 16-bit length field: UN keeps the bytes (what dcmtk does).
                vr = .UN
            }
            guard count <= 0xFFFF_FFFE else {
                throw DicomError(.cannotWrite, "a value of \(count) bytes exceeds the 32-bit length of an element", tag: e.tag)
            }
            try write(header(e.tag, vr, length: UInt32(count), enc), to: &sink)  // conversion: count <= 0xFFFF_FFFE (checked above)
            let unit = e.vr.byteSwapUnit
            if b.isBigEndian != enc.bigEndian && unit > 1 {
                var bytes = b.bytes
                swapInPlace(&bytes, unit: unit)
                try sink.write(bytes)
            } else {
                try sink.write(b)
            }
            if b.count % 2 == 1 { try sink.write([e.vr.paddingByte]) }
        case .sequence(let items):
            try write(header(e.tag, .SQ, length: 0xFFFF_FFFF, enc), to: &sink)
            for item in items {
                try write(header(.item, .SQ, length: 0xFFFF_FFFF, enc), to: &sink)
                try write(item, encoding: enc, to: &sink)
                try write(header(.itemDelimitationItem, .SQ, length: 0, enc), to: &sink)
            }
            try write(header(.sequenceDelimitationItem, .SQ, length: 0, enc), to: &sink)
        case .fragments(let f):
            guard syntax.isEncapsulated else {
                throw DicomError(.unsupported, "encapsulated Pixel Data cannot be written in \(syntax.name) without decoding",
                                 tag: e.tag)
            }
            try write(header(e.tag, .OB, length: 0xFFFF_FFFF, enc), to: &sink)
            // Item by item straight from the fragment list: a million fragments must not become a
            // million-element temporary array here.
            func writeItem(_ v: ValueBytes) throws(DicomError) {
                guard let length = UInt32(exactly: v.count + v.count % 2), length != 0xFFFF_FFFF else {
                    throw DicomError(.cannotWrite, "a fragment of \(v.count) bytes exceeds the 32-bit length of an item", tag: e.tag)
                }
                try write(header(.item, .OB, length: length, enc), to: &sink)
                try sink.write(v)
                if v.count % 2 == 1 { try sink.write([0]) }
            }
            try writeItem(f.offsetTable)
            for v in f.fragments { try writeItem(v) }
            try write(header(.sequenceDelimitationItem, .OB, length: 0, enc), to: &sink)
        }
    }

    /// Bytes an element takes when written (for group lengths; sequences use undefined length).
    static func encodedLength(_ e: Element, _ enc: DatasetEncoding) -> Int {
        var sink = MemorySink()
        try? DatasetWriter(syntax: .explicitVRLittleEndian).write(e, encoding: enc, to: &sink)
        return sink.bytes.count
    }
}
