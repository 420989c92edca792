import DicomCore
import FoundationEssentials

/// The IOD tables of PS3.3/PS3.4 (generated into Generated/IODRules+Table.swift), indexed on
/// first use: SOP Class -> CIOD -> modules with usage -> attribute trees.
public enum IODRules {
    /// A tag pattern: a concrete tag matches when `(tag & mask) == value` ("60xx3000").
    struct TagPattern: Sendable, Hashable {
        let mask: UInt32
        let value: UInt32

        init?(_ text: Substring) {
            guard text.utf8.count == 8 else { return nil }
            var mask: UInt32 = 0, value: UInt32 = 0
            for ch in text.utf8 {
                mask <<= 4; value <<= 4
                if ch == UInt8(ascii: "x") { continue }
                let d: UInt8
                switch ch {
                case 48...57: d = ch - 48
                case 65...70: d = ch - 55
                case 97...102: d = ch - 87
                default: return nil
                }
                mask |= 0xF; value |= UInt32(widening: d)
            }
            self.mask = mask; self.value = value
        }

        var isExact: Bool { mask == 0xFFFF_FFFF }
        var tag: Tag { Tag(rawValue: value) }

        func matches(_ tag: Tag) -> Bool {
            guard tag.rawValue & mask == value else { return false }
            // Repeating groups 50xx/60xx are even groups only (PS3.5 7.6).
            if mask & 0x00FF_0000 != 0x00FF_0000, tag.group & 1 == 1 { return false }
            return true
        }
    }

    /// An evaluable condition of a 1C/2C attribute or a C module.
    enum Condition: Sendable {
        case anyPresent([Tag])
        case nonePresent([Tag])
        case valueIn(Tag, [String])
        case greaterThan(Tag, Double)

        init?(code: Substring) {
            guard code.count > 2 else { return nil }
            let kind = code.prefix(2)
            let body = code.dropFirst(2)
            func tags(_ s: Substring) -> [Tag] {
                s.split(separator: ",").compactMap { UInt32($0, radix: 16).map { Tag(rawValue: $0) } }
            }
            switch kind {
            case "P:": self = .anyPresent(tags(body))
            case "A:": self = .nonePresent(tags(body))
            case "E:", "G:":
                let parts = body.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let raw = UInt32(parts[0], radix: 16) else { return nil }
                if kind == "E:" {
                    self = .valueIn(Tag(rawValue: raw), parts[1].split(separator: "|").map(String.init))
                } else {
                    guard let n = Double(parts[1]) else { return nil }
                    self = .greaterThan(Tag(rawValue: raw), n)
                }
            default: return nil
            }
        }
    }

    enum AttributeType: String, Sendable {
        case type1 = "1", type1C = "1C", type2 = "2", type2C = "2C", type3 = "3", none = ""
    }

    /// Enumerated values: for every value (`index == nil`) or for value `index` (1-based), as
    /// PS3.3 writes them ("0001H", "0004", "+1", "00181063H", "MONOCHROME2"); an element's values are
    /// compared with them by type (TypedValue.matches).
    struct Enumeration: Sendable {
        let index: Int?
        let values: Set<String>
    }

    final class AttributeRule: Sendable {
        let pattern: TagPattern
        let type: AttributeType
        /// nil when the type is not 1C/2C or its condition is not one the validator evaluates.
        let condition: Condition?
        /// The condition text is only "Required if ..." (no "may be present otherwise"): the
        /// attribute shall not be present when the condition is false (PS3.5 7.4.2, 7.4.4).
        let exclusive: Bool
        let enumerations: [Enumeration]
        let children: [AttributeRule]

        init(pattern: TagPattern, type: AttributeType, condition: Condition?, exclusive: Bool = false,
             enumerations: [Enumeration], children: [AttributeRule]) {
            self.pattern = pattern; self.type = type; self.condition = condition; self.exclusive = exclusive
            self.enumerations = enumerations; self.children = children
        }
    }

    struct ModuleUse: Sendable {
        let moduleID: String
        let usage: String  // M, C, U
        let condition: Condition?
        /// PS3.3 section of the module table, e.g. "C.7.6.3" ("" when unknown).
        let section: String
    }

    struct FunctionalGroupUse: Sendable {
        let sequence: Tag
        let usage: String
        let macroID: String
    }

    struct Index: Sendable {
        var ciodBySOPClass: [String: String] = [:]
        var sectionByCIOD: [String: String] = [:]
        var modulesByCIOD: [String: [ModuleUse]] = [:]
        var functionalGroupsByCIOD: [String: [FunctionalGroupUse]] = [:]
        var moduleRanges: [String: Range<String.Index>] = [:]
        var gapTags: Set<Tag> = []
    }

    /// TSV rows split on bytes (splitting Characters costs grapheme breaking on 100,000 rows).
    static func rows(_ text: String) -> [[Substring]] {
        text.utf8.split(separator: 10).map { line in
            line.split(separator: 9, omittingEmptySubsequences: false).map { Substring($0) }
        }
    }

    static let index: Index = {
        var idx = Index()
        for c in rows(sopClassTable) {
            guard c.count >= 3 else { continue }
            idx.ciodBySOPClass[String(c[0])] = String(c[1])
            idx.sectionByCIOD[String(c[1])] = String(c[2])
        }
        for c in rows(ciodModuleTable) {
            guard c.count >= 5 else { continue }
            idx.modulesByCIOD[String(c[0]), default: []].append(
                ModuleUse(moduleID: String(c[1]), usage: String(c[2]), condition: Condition(code: c[3]), section: String(c[4])))
        }
        for c in rows(functionalGroupTable) {
            guard c.count >= 4, let raw = UInt32(c[1], radix: 16) else { continue }
            idx.functionalGroupsByCIOD[String(c[0]), default: []].append(
                FunctionalGroupUse(sequence: Tag(rawValue: raw), usage: String(c[2]), macroID: String(c[3])))
        }
        idx.gapTags = Set(gapTagTable.split(separator: "\n").compactMap { UInt32($0, radix: 16).map { Tag(rawValue: $0) } })
        // Only where each module starts: a file needs ~25 of the 445 modules, parsed on first use.
        let bytes = moduleTable.utf8
        var i = bytes.startIndex
        var current: (String, String.Index)?
        while i < bytes.endIndex {
            let lineEnd = bytes[i...].firstIndex(of: 10) ?? bytes.endIndex
            if bytes[i] == UInt8(ascii: "@") {
                if let (name, from) = current { idx.moduleRanges[name] = from..<i }
                let nameStart = bytes.index(after: i)
                current = (String(Substring(bytes[nameStart..<lineEnd])), lineEnd < bytes.endIndex ? bytes.index(after: lineEnd) : lineEnd)
            }
            i = lineEnd < bytes.endIndex ? bytes.index(after: lineEnd) : lineEnd
        }
        if let (name, from) = current { idx.moduleRanges[name] = from..<bytes.endIndex }
        return idx
    }()

    /// Parsed modules, filled on first use from any thread.
    final class ModuleCache: @unchecked Sendable {
        // @unchecked: `parsed` is only touched under `lock`.
        private let lock = Lock()
        private var parsed: [String: [AttributeRule]] = [:]

        func rules(_ module: String) -> [AttributeRule] {
            lock.lock()
            if let r = parsed[module] { lock.unlock(); return r }
            lock.unlock()
            let r = IODRules.parseModule(module)
            lock.lock(); parsed[module] = r; lock.unlock()
            return r
        }
    }

    static let moduleCache = ModuleCache()

    /// The attribute trees of a module (top-level rules with their nested sequence contents).
    static func attributes(ofModule module: String) -> [AttributeRule] { moduleCache.rules(module) }

    static func parseModule(_ module: String) -> [AttributeRule] {
        guard let range = index.moduleRanges[module] else { return [] }
        // Rows come in document order with their depth: rebuild the nesting with a stack.
        struct Pending { var row: (TagPattern, AttributeType, Condition?, Bool, [Enumeration]); var children: [AttributeRule] }
        var stack: [Pending] = []
        var roots: [AttributeRule] = []
        func close(to depth: Int) {
            while stack.count > depth {
                let p = stack.removeLast()
                let rule = AttributeRule(pattern: p.row.0, type: p.row.1, condition: p.row.2, exclusive: p.row.3,
                                         enumerations: p.row.4, children: p.children)
                if stack.isEmpty { roots.append(rule) } else { stack[stack.count - 1].children.append(rule) }
            }
        }
        for c in rows(String(moduleTable[range])) {
            guard c.count >= 5, let depth = Int(c[0]), let pattern = TagPattern(c[1]) else { continue }
            // Closing every level at or below `depth` makes the row a child of the nearest shallower
            // open row (a malformed deeper jump attaches to the deepest open one).
            close(to: depth)
            let type = AttributeType(rawValue: String(c[2])) ?? .none
            let enums: [Enumeration] = c[4].isEmpty ? [] : c[4].split(separator: ";").compactMap { part in
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let i = Int(kv[0]) {
                    return Enumeration(index: i, values: Set(kv[1].split(separator: "|").map(String.init)))
                }
                return Enumeration(index: nil, values: Set(part.split(separator: "|").map(String.init)))
            }
            // "!" marks a condition that forbids the attribute when false (gen_standard_extra.py).
            let exclusive = c[3].hasPrefix("!")
            let code = exclusive ? c[3].dropFirst() : c[3]
            stack.append(Pending(row: (pattern, type, Condition(code: code), exclusive, enums), children: []))
        }
        close(to: 0)
        return roots
    }

    /// The CIOD id (e.g. "ct-image") of a storage SOP Class, nil when the tables have none.
    public static func ciod(forSOPClass uid: String) -> String? { index.ciodBySOPClass[uid] }

    /// Module ids with usage (M/C/U) of a CIOD, in PS3.3 order.
    public static func modules(ofCIOD ciod: String) -> [(id: String, usage: String)] {
        (index.modulesByCIOD[ciod] ?? []).map { ($0.moduleID, $0.usage) }
    }
}
