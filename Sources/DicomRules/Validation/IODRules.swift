import DicomCore

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
                mask |= 0xF; value |= UInt32(d)
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

    /// Enumerated values: for every value (`index == nil`) or for value `index` (1-based).
    struct Enumeration: Sendable {
        let index: Int?
        let values: Set<String>
    }

    final class AttributeRule: Sendable {
        let pattern: TagPattern
        let type: AttributeType
        let condition: Condition?
        let hasConditionText: Bool
        let enumerations: [Enumeration]
        let children: [AttributeRule]

        init(pattern: TagPattern, type: AttributeType, condition: Condition?, hasConditionText: Bool,
             enumerations: [Enumeration], children: [AttributeRule]) {
            self.pattern = pattern; self.type = type; self.condition = condition
            self.hasConditionText = hasConditionText; self.enumerations = enumerations; self.children = children
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
        var attributesByModule: [String: [AttributeRule]] = [:]
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
        // Module rows come in document order with their depth: rebuild the nesting with a stack.
        struct Pending { var row: (TagPattern, AttributeType, Condition?, Bool, [Enumeration]); var children: [AttributeRule] }
        var module: String?
        var stack: [Pending] = []
        var roots: [AttributeRule] = []
        func close(to depth: Int) {
            while stack.count > depth {
                let p = stack.removeLast()
                let rule = AttributeRule(pattern: p.row.0, type: p.row.1, condition: p.row.2, hasConditionText: p.row.3,
                                         enumerations: p.row.4, children: p.children)
                if stack.isEmpty { roots.append(rule) } else { stack[stack.count - 1].children.append(rule) }
            }
        }
        func finishModule() {
            close(to: 0)
            if let module { idx.attributesByModule[module] = roots }
            roots = []
        }
        for c in rows(moduleTable) {
            if let first = c.first, first.hasPrefix("@") {
                finishModule()
                module = String(first.dropFirst())
                continue
            }
            guard c.count >= 5, let depth = Int(c[0]), let pattern = TagPattern(c[1]) else { continue }
            close(to: depth)
            // A row deeper than its parent + 1 would be malformed: attach it at the deepest open level.
            let type = AttributeType(rawValue: String(c[2])) ?? .none
            let enums: [Enumeration] = c[4].isEmpty ? [] : c[4].split(separator: ";").compactMap { part in
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let i = Int(kv[0]) {
                    return Enumeration(index: i, values: Set(kv[1].split(separator: "|").map(String.init)))
                }
                return Enumeration(index: nil, values: Set(part.split(separator: "|").map(String.init)))
            }
            stack.append(Pending(row: (pattern, type, Condition(code: c[3]), !c[3].isEmpty, enums), children: []))
        }
        finishModule()
        return idx
    }()

    /// The CIOD id (e.g. "ct-image") of a storage SOP Class, nil when the tables have none.
    public static func ciod(forSOPClass uid: String) -> String? { index.ciodBySOPClass[uid] }

    /// Module ids with usage (M/C/U) of a CIOD, in PS3.3 order.
    public static func modules(ofCIOD ciod: String) -> [(id: String, usage: String)] {
        (index.modulesByCIOD[ciod] ?? []).map { ($0.moduleID, $0.usage) }
    }
}
