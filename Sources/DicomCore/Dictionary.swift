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

/// The public data dictionary, generated from ../shared/standard/dictionary.tsv.
public enum DataDictionary {
    struct Index: Sendable {
        var exact: [UInt32: DictionaryEntry] = [:]
        var masked: [(mask: UInt32, value: UInt32, entry: DictionaryEntry)] = []
        var byKeyword: [String: DictionaryEntry] = [:]
    }

    static let index: Index = {
        var index = Index()
        index.exact.reserveCapacity(rowCount)
        for line in tsv.split(separator: "\n", omittingEmptySubsequences: true) {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard c.count >= 7, let mask = UInt32(c[0], radix: 16), let value = UInt32(c[1], radix: 16) else { continue }
            let vrs = c[4].split(separator: "/").compactMap { VR(rawValue: String($0)) }
            let entry = DictionaryEntry(tag: Tag(rawValue: value), keyword: String(c[2]), name: String(c[3]),
                                        vrs: vrs, vm: String(c[5]), isRetired: c[6] == "R")
            if mask == 0xFFFF_FFFF { index.exact[value] = entry } else { index.masked.append((mask, value, entry)) }
            if !entry.keyword.isEmpty { index.byKeyword[entry.keyword] = entry }
        }
        return index
    }()

    /// The entry for a concrete tag, trying exact rows before masked ones such as (60xx,3000).
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        let idx = index
        if let e = idx.exact[tag.rawValue] { return e }
        if tag.isPrivate { return nil }
        for m in idx.masked where tag.rawValue & m.mask == m.value {
            // Repeating groups 50xx and 60xx are even groups only (PS3.5 7.6).
            if m.mask & 0xFF00_0000 == 0xFF00_0000, m.mask & 0x00FF_0000 != 0x00FF_0000, tag.group & 1 == 1 { continue }
            return DictionaryEntry(tag: tag, keyword: m.entry.keyword, name: m.entry.name, vrs: m.entry.vrs,
                                   vm: m.entry.vm, isRetired: m.entry.isRetired)
        }
        return nil
    }

    public static func entry(forKeyword keyword: String) -> DictionaryEntry? { index.byKeyword[keyword] }

    public static func tag(forKeyword keyword: String) -> Tag? { index.byKeyword[keyword]?.tag }

    /// All keywords, for suggestions and completion.
    public static var keywords: [String] { Array(index.byKeyword.keys) }

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

    /// creator -> rows as (mask over group and low element byte, value, entry).
    static let index: [String: [(mask: UInt32, value: UInt32, entry: Entry)]] = {
        var index: [String: [(mask: UInt32, value: UInt32, entry: Entry)]] = [:]
        for line in tsv.split(separator: "\n", omittingEmptySubsequences: true) {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard c.count >= 6 else { continue }
            // Tag text `(GGGG,xxEE)`: x digits (group or element) match anything; the block
            // byte is never compared, because the element's high byte is the block number.
            let tagText = c[1].filter { $0 != "(" && $0 != ")" && $0 != "," }
            guard tagText.count == 8 else { continue }
            var mask: UInt32 = 0, value: UInt32 = 0
            // Positions 4-5 are the block byte `xx` in most rows; a few rows name a concrete
            // element such as (0009,10xx) and match only literally, after the block-relative rows.
            let blockRelative = tagText.dropFirst(4).prefix(2) == "xx"
            for (i, ch) in tagText.enumerated() where !(blockRelative && (i == 4 || i == 5)) {
                guard let d = ch.hexDigitValue else { continue }  // an x digit matches anything
                let shift = UInt32(28 - 4 * i)
                mask |= 0xF << shift
                value |= UInt32(d) << shift
            }
            let entry = Entry(creator: String(c[0]), vrs: c[2].split(separator: "/").compactMap { VR(rawValue: String($0)) },
                              vm: String(c[3]), name: String(c[4]), isRetired: c[5] == "R")
            index[entry.creator, default: []].append((mask, value, entry))
        }
        // Block-relative rows (mask leaves the block byte open) first.
        for (k, rows) in index {
            index[k] = rows.filter { $0.mask & 0x0000_FF00 == 0 } + rows.filter { $0.mask & 0x0000_FF00 != 0 }
        }
        return index
    }()

    /// The entry for private element `tag` whose block is reserved by `creator`.
    public static func entry(creator: String, tag: Tag) -> Entry? {
        let key = creator.trimmingTrailingSpaces()
        guard let rows = index[creator] ?? index[key] else { return nil }
        return rows.first { tag.rawValue & $0.mask == $0.value }?.entry
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
    static let index: (byUID: [String: UIDEntry], byKeyword: [String: UIDEntry]) = {
        var byUID: [String: UIDEntry] = [:], byKeyword: [String: UIDEntry] = [:]
        for line in tsv.split(separator: "\n", omittingEmptySubsequences: true) {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard c.count >= 5 else { continue }
            let e = UIDEntry(uid: String(c[0]), keyword: String(c[1]), name: String(c[2]), type: String(c[3]),
                             isRetired: c[4] == "R")
            byUID[e.uid] = e
            if !e.keyword.isEmpty { byKeyword[e.keyword] = e }
        }
        return (byUID, byKeyword)
    }()

    public static func entry(for uid: String) -> UIDEntry? { index.byUID[uid] }
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
