import DicomCore

// The marker layer of ITU-T T.81 shared by the Swift JPEG decoders (lossless process 14 and
// DCT extended): segments, frame and scan headers, Huffman tables, and the entropy-coded bit
// reader with byte stuffing and restart markers.

/// A JPEG frame header (SOFn), as read from a codestream: lets any caller check a codestream's
/// geometry against the DICOM header before decoding it.
public struct JPEGFrameHeader: Sendable, Equatable {
    public struct Component: Sendable, Equatable {
        public var id: Int
        /// Horizontal and vertical sampling factors (1...4).
        public var h: Int
        public var v: Int
        /// Quantisation table selector (0 for lossless).
        public var tq: Int
    }

    /// The SOF type n of marker 0xFFCn: 0 baseline, 1 extended, 2 progressive, 3 lossless, ...
    public var process: Int
    public var precision: Int
    public var rows: Int
    public var columns: Int
    public var components: [Component]

    public var isLossless: Bool { process == 3 || process == 7 || process == 11 || process == 15 }
    public var isArithmetic: Bool { process >= 9 }
    public var maxH: Int { components.map(\.h).max() ?? 1 }
    public var maxV: Int { components.map(\.v).max() ?? 1 }

    /// The first frame header of `bytes`, which must start with SOI.
    public static func parse(_ bytes: [UInt8]) throws(DicomError) -> JPEGFrameHeader {
        var reader = try JPEGMarkerReader(bytes)
        var tables = JPEGTables()
        while true {
            switch try reader.next(&tables) {
            case .frame(let header): return header
            case .scan: throw DicomError(.decodeFailed, "JPEG: SOS before any SOF marker", offset: reader.position)
            case .end: throw DicomError(.decodeFailed, "JPEG: no SOF marker before EOI", offset: reader.position)
            }
        }
    }

    /// Parses the payload of an SOFn segment starting at `offset`.
    static func parseSegment(_ bytes: [UInt8], marker: UInt8, payload: Range<Int>) throws(DicomError) -> JPEGFrameHeader {
        let o = payload.lowerBound
        guard payload.count >= 6 else {
            throw DicomError(.decodeFailed, "JPEG: SOF segment of \(payload.count) bytes is too short", offset: o)
        }
        let precision = Int(widening: bytes[o])
        let rows = Int(widening: bytes[o + 1]) << 8 | Int(widening: bytes[o + 2])
        let columns = Int(widening: bytes[o + 3]) << 8 | Int(widening: bytes[o + 4])
        let count = Int(widening: bytes[o + 5])
        guard count >= 1, payload.count >= 6 + 3 * count else {
            throw DicomError(.decodeFailed, "JPEG: SOF declares \(count) components in a \(payload.count)-byte segment", offset: o)
        }
        guard precision >= 2, precision <= 16 else {
            throw DicomError(.decodeFailed, "JPEG: SOF precision \(precision) is outside 2...16", offset: o)
        }
        guard columns > 0 else {
            throw DicomError(.decodeFailed, "JPEG: SOF declares zero columns", offset: o + 3)
        }
        var components: [Component] = []
        for i in 0..<count {
            let p = o + 6 + 3 * i
            let h = Int(widening: bytes[p + 1] >> 4), v = Int(widening: bytes[p + 1] & 15)
            guard (1...4).contains(h), (1...4).contains(v) else {
                throw DicomError(.decodeFailed, "JPEG: component \(bytes[p]) has sampling factors \(h)x\(v)", offset: p + 1)
            }
            components.append(Component(id: Int(widening: bytes[p]), h: h, v: v, tq: Int(widening: bytes[p + 2])))
        }
        return JPEGFrameHeader(process: Int(widening: marker & 0x0F), precision: precision, rows: rows,
                               columns: columns, components: components)
    }
}

/// One component of a scan: its index in the frame's component list and its table selectors.
struct JPEGScanComponent: Sendable {
    var frameIndex: Int
    var dcTable: Int
    var acTable: Int
}

/// An SOS header; `dataStart` is the offset of the first entropy-coded byte.
struct JPEGScanHeader: Sendable {
    var components: [JPEGScanComponent]
    /// Spectral selection start: the predictor selection value in lossless mode.
    var ss: Int
    var se: Int
    var ah: Int
    /// Successive approximation low bit: the point transform in lossless mode.
    var al: Int
    var dataStart: Int
}

/// The tables in force at a scan (DHT, DQT and DRI may appear between scans).
struct JPEGTables: Sendable {
    var dc: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    var ac: [JPEGHuffmanTable?] = [nil, nil, nil, nil]
    /// Quantisation tables in zig-zag order.
    var quant: [[Int]?] = [nil, nil, nil, nil]
    var restartInterval = 0
    var sawAdobe = false
    var adobeTransform = -1
    var sawJFIF = false
}

enum JPEGEvent {
    case frame(JPEGFrameHeader)
    case scan(JPEGScanHeader)
    case end
}

/// Walks the marker segments of a codestream, collecting tables, and stops at SOF, SOS and EOI.
struct JPEGMarkerReader {
    let bytes: [UInt8]
    var position: Int
    var frame: JPEGFrameHeader?

    init(_ bytes: [UInt8]) throws(DicomError) {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw DicomError(.decodeFailed, "JPEG: codestream does not start with SOI (FFD8)", offset: 0)
        }
        self.bytes = bytes
        self.position = 2
    }

    /// The next marker code; skips fill bytes and, leniently, garbage before a marker.
    private mutating func nextMarker() throws(DicomError) -> UInt8 {
        while position < bytes.count, bytes[position] != 0xFF { position += 1 }
        while position < bytes.count, bytes[position] == 0xFF { position += 1 }
        guard position < bytes.count else {
            throw DicomError(.decodeFailed, "JPEG: codestream ends without EOI", offset: bytes.count)
        }
        let marker = bytes[position]
        position += 1
        return marker
    }

    /// The payload range of the segment whose length field is at `position`.
    private mutating func segmentPayload(_ marker: UInt8) throws(DicomError) -> Range<Int> {
        guard position + 2 <= bytes.count else {
            throw DicomError(.decodeFailed, "JPEG: marker FF\(jpegMarkerHex(marker)) is cut short", offset: position)
        }
        let length = Int(widening: bytes[position]) << 8 | Int(widening: bytes[position + 1])
        guard length >= 2, position + length <= bytes.count else {
            throw DicomError(.decodeFailed, "JPEG: marker FF\(jpegMarkerHex(marker)) declares \(length) bytes, "
                             + "\(bytes.count - position) are left", offset: position)
        }
        let payload = (position + 2)..<(position + length)
        position += length
        return payload
    }

    mutating func next(_ tables: inout JPEGTables) throws(DicomError) -> JPEGEvent {
        while true {
            let markerOffset = position
            let marker = try nextMarker()
            switch marker {
            case 0xD9:
                return .end
            case 0xD0...0xD7, 0x01, 0xD8:
                continue  // stray RSTn / TEM / repeated SOI carry no segment
            case 0xC4:
                try parseDHT(try segmentPayload(marker), into: &tables)
            case 0xDB:
                try parseDQT(try segmentPayload(marker), into: &tables)
            case 0xDD:
                let p = try segmentPayload(marker)
                guard p.count >= 2 else {
                    throw DicomError(.decodeFailed, "JPEG: DRI segment too short", offset: p.lowerBound)
                }
                tables.restartInterval = Int(widening: bytes[p.lowerBound]) << 8 | Int(widening: bytes[p.lowerBound + 1])
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                let p = try segmentPayload(marker)
                guard frame == nil else {
                    throw DicomError(.unsupported, "JPEG: a second frame header (hierarchical mode) is not supported",
                                     offset: markerOffset)
                }
                let header = try JPEGFrameHeader.parseSegment(bytes, marker: marker, payload: p)
                frame = header
                return .frame(header)
            case 0xDA:
                let p = try segmentPayload(marker)
                return .scan(try parseSOS(p))
            case 0xE0:
                let p = try segmentPayload(marker)
                if p.count >= 5, Array(bytes[p.lowerBound..<p.lowerBound + 5]) == [0x4A, 0x46, 0x49, 0x46, 0] {
                    tables.sawJFIF = true
                }
            case 0xEE:
                let p = try segmentPayload(marker)
                if p.count >= 12, Array(bytes[p.lowerBound..<p.lowerBound + 5]) == [0x41, 0x64, 0x6F, 0x62, 0x65] {
                    tables.sawAdobe = true
                    tables.adobeTransform = Int(widening: bytes[p.lowerBound + 11])
                }
            default:
                _ = try segmentPayload(marker)  // APPn, COM, DNL, DHP, EXP, JPGn: skipped
            }
        }
    }

    private func parseDHT(_ p: Range<Int>, into tables: inout JPEGTables) throws(DicomError) {
        var o = p.lowerBound
        while o < p.upperBound {
            guard o + 17 <= p.upperBound else {
                throw DicomError(.decodeFailed, "JPEG: DHT table header is cut short", offset: o)
            }
            let tc = Int(widening: bytes[o] >> 4), th = Int(widening: bytes[o] & 15)
            guard tc <= 1, th <= 3 else {
                throw DicomError(.decodeFailed, "JPEG: DHT class \(tc) / destination \(th) is invalid", offset: o)
            }
            let counts = (1...16).map { Int(widening: bytes[o + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256, o + 17 + total <= p.upperBound else {
                throw DicomError(.decodeFailed, "JPEG: DHT declares \(total) codes, the segment holds fewer", offset: o)
            }
            let values = Array(bytes[(o + 17)..<(o + 17 + total)])
            let table = try JPEGHuffmanTable(counts: counts, values: values, offset: o)
            if tc == 0 { tables.dc[th] = table } else { tables.ac[th] = table }
            o += 17 + total
        }
    }

    private func parseDQT(_ p: Range<Int>, into tables: inout JPEGTables) throws(DicomError) {
        var o = p.lowerBound
        while o < p.upperBound {
            let pq = Int(widening: bytes[o] >> 4), tq = Int(widening: bytes[o] & 15)
            let size = pq == 0 ? 64 : 128
            guard pq <= 1, tq <= 3, o + 1 + size <= p.upperBound else {
                throw DicomError(.decodeFailed, "JPEG: DQT table (precision \(pq), destination \(tq)) is invalid or cut short",
                                 offset: o)
            }
            var q = [Int](repeating: 0, count: 64)
            for i in 0..<64 {
                q[i] = pq == 0 ? Int(widening: bytes[o + 1 + i]) : Int(widening: bytes[o + 1 + 2 * i]) << 8 | Int(widening: bytes[o + 2 + 2 * i])
            }
            tables.quant[tq] = q
            o += 1 + size
        }
    }

    private func parseSOS(_ p: Range<Int>) throws(DicomError) -> JPEGScanHeader {
        let o = p.lowerBound
        guard let frame else {
            throw DicomError(.decodeFailed, "JPEG: SOS before any SOF marker", offset: o)
        }
        guard p.count >= 1 else { throw DicomError(.decodeFailed, "JPEG: empty SOS segment", offset: o) }
        let count = Int(widening: bytes[o])
        guard count >= 1, count <= 4, p.count >= 1 + 2 * count + 3 else {
            throw DicomError(.decodeFailed, "JPEG: SOS declares \(count) components in a \(p.count)-byte segment", offset: o)
        }
        var components: [JPEGScanComponent] = []
        for i in 0..<count {
            let c = o + 1 + 2 * i
            guard let index = frame.components.firstIndex(where: { $0.id == Int(widening: bytes[c]) }) else {
                throw DicomError(.decodeFailed, "JPEG: SOS names component \(bytes[c]), absent from the frame header", offset: c)
            }
            guard !components.contains(where: { $0.frameIndex == index }) else {
                throw DicomError(.decodeFailed, "JPEG: SOS names component \(bytes[c]) twice", offset: c)
            }
            components.append(JPEGScanComponent(frameIndex: index, dcTable: Int(widening: bytes[c + 1] >> 4),
                                                acTable: Int(widening: bytes[c + 1] & 15)))
        }
        let s = o + 1 + 2 * count
        return JPEGScanHeader(components: components, ss: Int(widening: bytes[s]), se: Int(widening: bytes[s + 1]),
                              ah: Int(widening: bytes[s + 2] >> 4), al: Int(widening: bytes[s + 2] & 15), dataStart: p.upperBound)
    }
}

func jpegMarkerHex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(widening: byte >> 4)], digits[Int(widening: byte & 15)]])
}

/// A Huffman decoding table (T.81 F.2.2.3) with a 9-bit lookahead table for the common codes.
struct JPEGHuffmanTable: Sendable {
    static let lookaheadBits = 9
    /// Indexed by the next 9 bits: code length << 8 | value, 0 when the code is longer.
    var lookahead: [UInt16]
    /// Largest code of each length 1...16 (index = length), -1 when none.
    var maxCode: [Int]
    /// Index into `values` of the first code of each length, minus that code.
    var valueOffset: [Int]
    var values: [UInt8]

    init(counts: [Int], values: [UInt8], offset: Int) throws(DicomError) {
        self.values = values
        maxCode = [Int](repeating: -1, count: 18)
        valueOffset = [Int](repeating: 0, count: 18)
        lookahead = [UInt16](repeating: 0, count: 1 << Self.lookaheadBits)
        var code = 0, k = 0
        for length in 1...16 {
            let n = counts[length - 1]
            if n > 0 {
                valueOffset[length] = k - code
                for _ in 0..<n {
                    guard code < (1 << length) else {
                        throw DicomError(.decodeFailed, "JPEG: DHT code lengths overflow at length \(length)", offset: offset)
                    }
                    if length <= Self.lookaheadBits {
                        let shift = Self.lookaheadBits - length
                        // conversion: length <= lookaheadBits (9): at most 0x0900; a byte widens
                        let entry = UInt16(length << 8) | UInt16(values[k])
                        for fill in 0..<(1 << shift) { lookahead[(code << shift) | fill] = entry }
                    }
                    code += 1
                    k += 1
                }
                maxCode[length] = code - 1
            }
            guard code <= (1 << length) else {
                throw DicomError(.decodeFailed, "JPEG: DHT code lengths overflow at length \(length)", offset: offset)
            }
            code <<= 1
        }
        maxCode[17] = Int.max
    }
}

/// Reads an entropy-coded segment MSB first, removing stuffed zero bytes. At a marker it stops
/// consuming input and supplies zero bits, as libjpeg does; `marker` then holds the marker code.
struct JPEGBitReader {
    let bytes: [UInt8]
    var position: Int
    var buffer: UInt64 = 0
    var count = 0
    var marker: UInt8?
    /// Offset of the 0xFF that starts `marker` (or the end of the data).
    var markerOffset = 0
    /// Zero bytes supplied past a marker or the end of the data; a lot means corrupt data.
    var paddedBytes = 0

    init(_ bytes: [UInt8], start: Int) {
        self.bytes = bytes
        self.position = start
    }

    @inline(__always)
    mutating func fill() {
        while count <= 56 {
            var byte: UInt8 = 0
            if marker == nil, position < bytes.count {
                byte = bytes[position]
                if byte == 0xFF {
                    var next = position + 1
                    while next < bytes.count, bytes[next] == 0xFF { next += 1 }
                    if next < bytes.count, bytes[next] == 0 {
                        position = next + 1
                    } else {
                        markerOffset = position
                        marker = next < bytes.count ? bytes[next] : 0xD9
                        position = min(next + 1, bytes.count)
                        byte = 0
                        paddedBytes += 1
                    }
                } else {
                    position += 1
                }
            } else {
                if marker == nil { marker = 0xD9; markerOffset = bytes.count }
                paddedBytes += 1
            }
            buffer |= UInt64(byte) << UInt64(56 - count)  // conversion: a byte widens; count <= 56 here
            count += 8
        }
    }

    @inline(__always)
    mutating func bits(_ n: Int) -> Int {
        if n == 0 { return 0 }
        if count < n { fill() }
        let value = Int(buffer >> UInt64(64 - n))  // conversion: n 1...16: below 2^16
        buffer <<= UInt64(n)  // conversion: n 1...16
        count -= n
        return value
    }

    /// Decodes one Huffman symbol.
    @inline(__always)
    mutating func decode(_ table: JPEGHuffmanTable) throws(DicomError) -> Int {
        if count < 16 { fill() }
        // conversion: UInt16 widens; the index has lookaheadBits bits
        let entry = Int(table.lookahead[Int(buffer >> UInt64(64 - JPEGHuffmanTable.lookaheadBits))])
        if entry != 0 {
            let length = entry >> 8
            buffer <<= UInt64(length)  // conversion: a code length 1...16
            count -= length
            return entry & 0xFF
        }
        var length = JPEGHuffmanTable.lookaheadBits + 1
        var code = Int(buffer >> UInt64(64 - length))  // conversion: length 1...16: below 2^16
        while length <= 16 && code > table.maxCode[length] {
            length += 1
            code = Int(buffer >> UInt64(64 - length))  // conversion: length 1...17: below 2^17
        }
        guard length <= 16 else {
            throw DicomError(.decodeFailed, "JPEG: invalid Huffman code", offset: position)
        }
        buffer <<= UInt64(length)  // conversion: a code length 1...16
        count -= length
        let index = table.valueOffset[length] + code
        guard index >= 0, index < table.values.count else {
            throw DicomError(.decodeFailed, "JPEG: Huffman code outside its table", offset: position)
        }
        return Int(widening: table.values[index])
    }

    /// `bits(n)` extended to a signed difference (T.81 F.2.2.1 EXTEND).
    @inline(__always)
    mutating func receiveExtend(_ n: Int) -> Int {
        if n == 0 { return 0 }
        let v = bits(n)
        return v < (1 << (n - 1)) ? v - (1 << n) + 1 : v
    }

    /// Consumes the RSTn marker expected at the end of a restart interval.
    mutating func restart() throws(DicomError) {
        buffer = 0
        count = 0
        if marker == nil {
            // The entropy data ended exactly at a byte boundary: find the marker.
            while position + 1 < bytes.count, !(bytes[position] == 0xFF && bytes[position + 1] != 0 && bytes[position + 1] != 0xFF) {
                position += 1
            }
            guard position + 1 < bytes.count else {
                throw DicomError(.decodeFailed, "JPEG: missing RST marker", offset: position)
            }
            markerOffset = position
            marker = bytes[position + 1]
            position += 2
        }
        guard let m = marker, (0xD0...0xD7).contains(m) else {
            throw DicomError(.decodeFailed, "JPEG: expected an RST marker, found FF\(jpegMarkerHex(marker ?? 0))", offset: markerOffset)
        }
        marker = nil
        paddedBytes = 0
    }

    /// Where the marker reader continues after this scan: the marker that ended it.
    mutating func endOfScan() -> Int {
        if marker == nil {
            var p = position
            while p + 1 < bytes.count, !(bytes[p] == 0xFF && bytes[p + 1] != 0 && bytes[p + 1] != 0xFF) { p += 1 }
            return p
        }
        return markerOffset
    }
}
