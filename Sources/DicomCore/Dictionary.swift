/// One row of the PS3.6 data dictionary.
public struct DictionaryEntry: Sendable {
    public let tag: Tag
    public let keyword: String
    public let name: String
    /// Every VR PS3.6 allows, first the usual one: `US or SS` gives [.US, .SS]. Empty for
    /// delimiters and the few retired rows PS3.6 lists without a VR.
    public let vrs: [VR]
    public let vm: String
    public let isRetired: Bool

    public var vr: VR? { vrs.first }
}

/// Line offsets into one embedded TSV table, found by a single byte scan on first use. Rows are
/// parsed only when a lookup lands on them, so a process that names a few tags does not pay for
/// turning every row into Swift strings.
struct EmbeddedTable: Sendable {
    let text: String
    /// Start offset of each row, plus one final entry one past the end of the text.
    let rowStarts: [Int]

    init(_ text: String) {
        self.text = text
        var starts: [Int] = []
        Self.withBytes(text) { bytes in
            starts.reserveCapacity(bytes.count / 40)
            var lineStart = 0
            for i in 0..<bytes.count where bytes[i] == 0x0A {
                if i > lineStart { starts.append(lineStart) }
                lineStart = i + 1
            }
            if lineStart < bytes.count { starts.append(lineStart) }
            starts.append(bytes.count + 1)  // as if the text ended with a newline
        }
        rowStarts = starts
    }

    var rowCount: Int { rowStarts.count - 1 }

    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = text.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R { Self.withBytes(text, body) }

    /// Row `row`'s byte range, without its newline.
    func range(ofRow row: Int) -> Range<Int> { rowStarts[row]..<(rowStarts[row + 1] - 1) }

    /// The tab-separated cells of row `row` as byte ranges.
    static func cells(_ bytes: UnsafeBufferPointer<UInt8>, _ row: Range<Int>) -> [Range<Int>] {
        var cells: [Range<Int>] = []
        cells.reserveCapacity(8)
        var cellStart = row.lowerBound
        for i in row where bytes[i] == 0x09 {
            cells.append(cellStart..<i)
            cellStart = i + 1
        }
        cells.append(cellStart..<row.upperBound)
        return cells
    }

    /// A cell holding exactly "R": the generated tables' retired flag.
    static func isRetiredMark(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.count == 1 && bytes[range.lowerBound] == UInt8(ascii: "R")
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Eight hex digits at `offset`, or nil.
    static func hex32(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32? {
        guard offset + 8 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for i in offset..<(offset + 8) {
            let c = bytes[i]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(widening: digit)
        }
        return value
    }

    static func vrs(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [VR] {
        string(bytes, range).split(separator: "/").compactMap { VR(rawValue: String($0)) }
    }
}

/// The public data dictionary, generated from ../shared/standard/dictionary.tsv.
public enum DataDictionary {
    typealias MaskedRow = (mask: UInt32, value: UInt32, entry: DictionaryEntry)

    static let table = EmbeddedTable(tsv)

    /// The repeating-group rows such as (60xx,3000), after the exact rows; few, so parsed together.
    static let masked: [MaskedRow] = table.withBytes { bytes in
        var rows: [MaskedRow] = []
        for row in min(exactRowCount, table.rowCount)..<table.rowCount {
            guard let (mask, entry) = parseRow(bytes, row) else { continue }
            rows.append((mask, entry.tag.rawValue, entry))
        }
        return rows
    }

    /// Keyword -> row, built only when a keyword is first asked for.
    static let byKeyword: [String: Int] = table.withBytes { bytes in
        var index: [String: Int] = [:]
        index.reserveCapacity(table.rowCount)
        for row in 0..<table.rowCount {
            let r = table.range(ofRow: row)
            // The keyword is the third cell: skip two tabs.
            var tabs = 0, start = r.lowerBound
            while start < r.upperBound, tabs < 2 {
                if bytes[start] == 0x09 { tabs += 1 }
                start += 1
            }
            var end = start
            while end < r.upperBound, bytes[end] != 0x09 { end += 1 }
            if end > start { index[EmbeddedTable.string(bytes, start..<end)] = row }
        }
        return index
    }

    static func parseRow(_ bytes: UnsafeBufferPointer<UInt8>, _ row: Int) -> (mask: UInt32, entry: DictionaryEntry)? {
        let c = EmbeddedTable.cells(bytes, table.range(ofRow: row))
        guard c.count >= 7, let mask = EmbeddedTable.hex32(bytes, at: c[0].lowerBound), c[0].count == 8,
              let value = EmbeddedTable.hex32(bytes, at: c[1].lowerBound), c[1].count == 8 else { return nil }
        let entry = DictionaryEntry(tag: Tag(rawValue: value), keyword: EmbeddedTable.string(bytes, c[2]),
                                    name: EmbeddedTable.string(bytes, c[3]), vrs: EmbeddedTable.vrs(bytes, c[4]),
                                    vm: EmbeddedTable.string(bytes, c[5]), isRetired: EmbeddedTable.isRetiredMark(bytes, c[6]))
        return (mask, entry)
    }

    static func entry(row: Int) -> DictionaryEntry? { table.withBytes { parseRow($0, row)?.entry } }

    /// The entry for a concrete tag, trying exact rows before masked ones such as (60xx,3000).
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        let t = table
        let found: DictionaryEntry? = t.withBytes { bytes in
            // Exact rows are sorted by tag value (gen-standard); the value is the second cell, at byte 9.
            var lo = 0, hi = min(exactRowCount, t.rowCount)
            while lo < hi {
                let mid = (lo + hi) / 2
                guard let v = EmbeddedTable.hex32(bytes, at: t.rowStarts[mid] + 9) else { return nil }
                if v == tag.rawValue { return parseRow(bytes, mid)?.entry }
                if v < tag.rawValue { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
        if let found { return found }
        if tag.isPrivate { return nil }
        for m in masked where tag.rawValue & m.mask == m.value {
            // Repeating groups 50xx and 60xx are even groups only (PS3.5 7.6).
            if m.mask & 0xFF00_0000 == 0xFF00_0000, m.mask & 0x00FF_0000 != 0x00FF_0000, tag.group & 1 == 1 { continue }
            return DictionaryEntry(tag: tag, keyword: m.entry.keyword, name: m.entry.name, vrs: m.entry.vrs,
                                   vm: m.entry.vm, isRetired: m.entry.isRetired)
        }
        return nil
    }

    public static func entry(forKeyword keyword: String) -> DictionaryEntry? {
        guard let row = byKeyword[keyword] else { return nil }
        return entry(row: row)
    }

    public static func tag(forKeyword keyword: String) -> Tag? { entry(forKeyword: keyword)?.tag }

    /// All keywords, for suggestions and completion.
    public static var keywords: [String] { Array(byKeyword.keys) }

    public static var count: Int { rowCount }
}

/// Names of known private elements by creator, generated from private_dictionary.tsv (via pydicom, from GDCM).
public enum PrivateDictionary {
    public struct Entry: Sendable {
        public let creator: String
        public let vrs: [VR]
        public let vm: String
        public let name: String
        public let isRetired: Bool
        public var vr: VR? { vrs.first }
    }

    static let table = EmbeddedTable(tsv)

    /// The entry for private element `tag` among the rows of `creator`: block-relative rows (mask
    /// leaves the block byte open) first, then rows naming a concrete element. Rows are sorted by
    /// creator bytes (gen-standard), so this is a binary search and a short run; only the tag cell
    /// is read per row, and only the matching row is turned into an entry.
    static func lookup(creator: String, tag: Tag) -> Entry? {
        let key = Array(creator.utf8)
        let t = table
        return t.withBytes { bytes in
            func compare(_ row: Int) -> Int {  // creator of `row` against key: <0, 0, >0
                let r = t.range(ofRow: row)
                var i = 0
                while true {
                    let p = r.lowerBound + i
                    let atCellEnd = p >= r.upperBound || bytes[p] == 0x09
                    if i == key.count { return atCellEnd ? 0 : 1 }
                    if atCellEnd { return -1 }
                    if bytes[p] != key[i] { return bytes[p] < key[i] ? -1 : 1 }
                    i += 1
                }
            }
            var lo = 0, hi = t.rowCount
            while lo < hi {
                let mid = (lo + hi) / 2
                if compare(mid) < 0 { lo = mid + 1 } else { hi = mid }
            }
            var end = lo
            while end < t.rowCount, compare(end) == 0 { end += 1 }
            for wantBlockRelative in [true, false] {
                for row in lo..<end {
                    let range = t.range(ofRow: row)
                    guard let (mask, value, blockRelative) = tagPattern(bytes, tagCell(bytes, range, creatorLength: key.count)),
                          blockRelative == wantBlockRelative, tag.rawValue & mask == value else { continue }
                    return parseRow(bytes, range)
                }
            }
            return nil
        }
    }

    static func tagCell(_ bytes: UnsafeBufferPointer<UInt8>, _ row: Range<Int>, creatorLength: Int) -> Range<Int> {
        let start = min(row.lowerBound + creatorLength + 1, row.upperBound)
        var end = start
        while end < row.upperBound, bytes[end] != 0x09 { end += 1 }
        return start..<end
    }

    /// Tag text `(GGGG,xxEE)` as mask and value: x digits (group or element) match anything; the
    /// block byte is never compared, because the element's high byte is the block number.
    static func tagPattern(_ bytes: UnsafeBufferPointer<UInt8>, _ cell: Range<Int>) -> (mask: UInt32, value: UInt32, blockRelative: Bool)? {
        var digits: [UInt8] = []
        digits.reserveCapacity(8)
        for i in cell where bytes[i] != UInt8(ascii: "(") && bytes[i] != UInt8(ascii: ")") && bytes[i] != UInt8(ascii: ",") {
            digits.append(bytes[i])
        }
        guard digits.count == 8 else { return nil }
        var mask: UInt32 = 0, value: UInt32 = 0
        // Positions 4-5 are the block byte `xx` in most rows; a few rows name a concrete
        // element such as (0009,10xx) and match only literally, after the block-relative rows.
        let blockRelative = digits[4] == UInt8(ascii: "x") && digits[5] == UInt8(ascii: "x")
        for (i, ch) in digits.enumerated() where !(blockRelative && (i == 4 || i == 5)) {
            let d: UInt8
            switch ch {
            case 0x30...0x39: d = ch - 0x30
            case 0x41...0x46: d = ch - 0x41 + 10
            case 0x61...0x66: d = ch - 0x61 + 10
            default: continue  // an x digit matches anything
            }
            let shift = UInt32(28 - 4 * i)  // conversion: i is 0...7
            mask |= 0xF << shift
            value |= UInt32(widening: d) << shift
        }
        return (mask, value, blockRelative)
    }

    static func parseRow(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Entry? {
        let c = EmbeddedTable.cells(bytes, range)
        guard c.count >= 6 else { return nil }
        return Entry(creator: EmbeddedTable.string(bytes, c[0]), vrs: EmbeddedTable.vrs(bytes, c[2]),
                     vm: EmbeddedTable.string(bytes, c[3]), name: EmbeddedTable.string(bytes, c[4]),
                     isRetired: EmbeddedTable.isRetiredMark(bytes, c[5]))
    }

    /// The entry for private element `tag` whose block is reserved by `creator`.
    public static func entry(creator: String, tag: Tag) -> Entry? {
        if let e = lookup(creator: creator, tag: tag) { return e }
        let key = creator.trimmingTrailingSpaces()
        return key == creator ? nil : lookup(creator: key, tag: tag)
    }

    public static var count: Int { rowCount }
}

/// One row of PS3.6 Annex A: a registered UID.
public struct UIDEntry: Sendable {
    public let uid: String
    public let keyword: String
    public let name: String
    public let type: String
    public let isRetired: Bool
}

/// Registered UIDs, generated from uids.tsv.
public enum UIDDictionary {
    static let table = EmbeddedTable(tsv)

    /// Both indexes, built only when a keyword or the whole list is asked for; a lookup by UID
    /// (every file's transfer syntax) scans the first cells instead.
    static let index: (byUID: [String: UIDEntry], byKeyword: [String: UIDEntry]) = table.withBytes { bytes in
        var byUID: [String: UIDEntry] = [:], byKeyword: [String: UIDEntry] = [:]
        for row in 0..<table.rowCount {
            guard let e = parseRow(bytes, table.range(ofRow: row)) else { continue }
            byUID[e.uid] = e
            if !e.keyword.isEmpty { byKeyword[e.keyword] = e }
        }
        return (byUID, byKeyword)
    }

    static func parseRow(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UIDEntry? {
        let c = EmbeddedTable.cells(bytes, range)
        guard c.count >= 5 else { return nil }
        return UIDEntry(uid: EmbeddedTable.string(bytes, c[0]), keyword: EmbeddedTable.string(bytes, c[1]),
                        name: EmbeddedTable.string(bytes, c[2]), type: EmbeddedTable.string(bytes, c[3]),
                        isRetired: EmbeddedTable.isRetiredMark(bytes, c[4]))
    }

    public static func entry(for uid: String) -> UIDEntry? {
        let key = Array(uid.utf8)
        let t = table
        return t.withBytes { bytes in
            // Last match wins, as in a dictionary built row by row.
            var found: Int?
            for row in 0..<t.rowCount {
                let r = t.range(ofRow: row)
                guard r.count > key.count, bytes[r.lowerBound + key.count] == 0x09 else { continue }
                var same = true
                for i in 0..<key.count where bytes[r.lowerBound + i] != key[i] { same = false; break }
                if same { found = row }
            }
            return found.flatMap { parseRow(bytes, t.range(ofRow: $0)) }
        }
    }
    public static func entry(forKeyword keyword: String) -> UIDEntry? { index.byKeyword[keyword] }
    public static var all: [UIDEntry] { Array(index.byUID.values) }
    public static var count: Int { rowCount }
}

extension StringProtocol {
    /// DICOM pads text with trailing spaces (and UIDs with NUL); values compare without them.
    public func trimmingTrailingSpaces() -> String {
        var end = endIndex
        while end > startIndex {
            let prev = index(before: end)
            if self[prev] == " " || self[prev] == "\0" { end = prev } else { break }
        }
        return String(self[startIndex..<end])
    }
}
