import DicomCore
import DicomIO

/// PS3.3 IOD checks from the generated tables: module usage, attribute types (1, 1C, 2, 2C),
/// enumerated values, attributes foreign to the IOD, functional group macros (C.7.6.16).
struct IODChecks {
    let reportForeign: Bool

    /// What the module walks learn about elements before anything is reported: an element is
    /// foreign, or forbidden by a false exclusive condition, only if no rule of any present
    /// module allows it (the same attribute can be in several modules of one IOD).
    final class Ledger {
        /// Tag paths of elements that some applicable rule allows.
        var permitted = Set<String>()
        /// Elements present against an exclusive 1C/2C condition evaluated false.
        var forbidden: [(path: String, element: Element, rule: IODRules.AttributeRule, condition: IODRules.Condition, reference: String)] = []
        /// Sequence items whose content the tables list: path -> (item, reference of the module).
        var items: [String: (item: Dataset, reference: String)] = [:]
        var itemOrder: [String] = []
    }

    static let sopClassUID = Tag.sopClassUID
    static let sharedFG = Tag.sharedFunctionalGroupsSequence, perFrameFG = Tag.perFrameFunctionalGroupsSequence
    static let imageType = Tag.imageType
    static let contentSequence = Tag.contentSequence

    /// The SOP Class of the Basic Directory IOD, which a DICOMDIR names only in its File Meta
    /// Information: its data set has no SOP Class UID (PS3.3 F.3, PS3.10 7.2).
    static let basicDirectory = "1.2.840.10008.1.3.10"

    func run(_ ds: Dataset, mediaStorageSOPClass: String? = nil, into out: inout Findings) {
        let declared = ds.string(Self.sopClassUID).flatMap { $0.isEmpty ? nil : $0 }
            ?? (mediaStorageSOPClass == Self.basicDirectory ? Self.basicDirectory : nil)
        guard let sopClass = declared else {
            out.add(.error, "iod.type1.missing", "SOPClassUID", Self.sopClassUID,
                    "SOPClassUID is missing: the IOD cannot be determined", "PS3.3 C.12.1")
            return
        }
        let idx = IODRules.index
        guard let ciod = idx.ciodBySOPClass[sopClass] else {
            out.add(.warning, "iod.sop-class.unknown", "SOPClassUID", Self.sopClassUID,
                    "SOP Class \(sopClass) has no IOD in the PS3.4 Annex B tables: IOD checks skipped", "PS3.4 B.5")
            return
        }
        let uses = idx.modulesByCIOD[ciod] ?? []
        var mandatoryTop = Set<IODRules.TagPattern>()
        var allowedTop = Set<IODRules.TagPattern>()
        for use in uses {
            for rule in IODRules.attributes(ofModule: use.moduleID) {
                allowedTop.insert(rule.pattern)
                if use.usage == "M" { mandatoryTop.insert(rule.pattern) }
            }
        }
        let ciodRef = "PS3.3 " + (idx.sectionByCIOD[ciod] ?? "A")
        let ledger = Ledger()
        for use in uses {
            let rules = IODRules.attributes(ofModule: use.moduleID)
            let present: Bool
            switch use.usage {
            case "M": present = true
            default:
                if use.usage == "C", let condition = use.condition {
                    present = evaluate(condition, item: ds, root: ds)
                } else {
                    // Present when any attribute that only this (optional) module brings is present.
                    present = rules.contains { rule in
                        !mandatoryTop.contains(rule.pattern) && !matches(rule.pattern, in: ds).isEmpty
                    }
                }
            }
            guard present else { continue }
            let ref = use.section.isEmpty ? ciodRef : "PS3.3 " + use.section
            check(rules, item: ds, root: ds, ancestors: [], path: "", inFunctionalGroup: false, reference: ref,
                  ledger: ledger, into: &out)
        }
        reportForbidden(ledger, into: &out)
        checkImageType(ds, into: &out)
        checkFunctionalGroups(ds, ciod: ciod, into: &out)
        guard reportForeign else { return }
        // Data Set Trailing Padding (FFFC,FFFC) belongs to no module: PS3.10 7.2 lets any top-level
        // data set of a file end with it.
        let trailingPadding = Tag.dataSetTrailingPadding
        for e in ds.elements where !e.tag.isPrivate && !e.tag.isGroupLength && e.tag.group != 0x0002 && e.tag != trailingPadding {
            if allowedTop.contains(where: { $0.matches(e.tag) }) || idx.gapTags.contains(e.tag) { continue }
            // Retired attributes are reported as such by the encoding checks.
            if DataDictionary.entry(for: e.tag)?.isRetired == true { continue }
            out.add(.warning, "iod.attribute.foreign", keyword(e.tag), e.tag,
                    "\(keyword(e.tag)) is not defined by any module of the \(ciod) IOD", ciodRef, offset: e.offset)
        }
        reportForeignInItems(ledger, into: &out)
    }

    /// Present 1C/2C attributes whose exclusive condition is false, unless another rule allows them.
    func reportForbidden(_ ledger: Ledger, into out: inout Findings) {
        for f in ledger.forbidden where !ledger.permitted.contains(f.path) {
            let t = f.rule.type.rawValue
            let clause = f.rule.type == .type1C ? "PS3.5 7.4.2" : "PS3.5 7.4.4"
            out.add(.error, "iod.type\(t.lowercased()).present", f.path, f.element.tag,
                    "Type \(t) \(keyword(f.element.tag)) is present but its condition is false (\(describe(f.condition))), and the condition allows it only then",
                    "\(clause); \(f.reference)", offset: f.element.offset)
        }
    }

    /// Elements of sequence items that no rule for the item lists (private tags, group lengths,
    /// retired attributes and attributes newer than the tables excepted, as at the top level).
    func reportForeignInItems(_ ledger: Ledger, into out: inout Findings) {
        let gaps = IODRules.index.gapTags
        for itemPath in ledger.itemOrder {
            guard let (item, reference) = ledger.items[itemPath] else { continue }
            // A directory record's keys depend on its Directory Record Type (PS3.3 F.5), which the
            // module tables do not carry: its other elements are not foreign.
            if itemPath.hasPrefix("DirectoryRecordSequence[") { continue }
            for e in item.elements where !e.tag.isPrivate && !e.tag.isGroupLength && !gaps.contains(e.tag) {
                let here = join(itemPath, e.tag)
                if ledger.permitted.contains(here) { continue }
                if DataDictionary.entry(for: e.tag)?.isRetired == true { continue }
                out.add(.warning, "iod.attribute.foreign", here, e.tag,
                        "\(keyword(e.tag)) is not defined for the items of \(itemPath)", reference, offset: e.offset)
            }
        }
    }

    func matches(_ pattern: IODRules.TagPattern, in item: Dataset) -> [Element] {
        if pattern.isExact { return item[pattern.tag].map { [$0] } ?? [] }
        return item.elements.filter { pattern.matches($0.tag) }
    }

    func check(_ rules: [IODRules.AttributeRule], item: Dataset, root: Dataset, ancestors: [Dataset], path: String,
               inFunctionalGroup: Bool, reference: String, ledger: Ledger, into out: inout Findings) {
        for rule in rules {
            let found = matches(rule.pattern, in: item)
            let tag = rule.pattern.tag
            if found.isEmpty {
                // Macros inside functional group items are checked as a whole (checkFunctionalGroups).
                guard !inFunctionalGroup, rule.pattern.isExact else { continue }
                let here = join(path, tag)
                switch rule.type {
                case .type1, .type2:
                    let t = rule.type.rawValue
                    out.add(.error, "iod.type\(t).missing", here, tag, "Type \(t) \(keyword(tag)) is missing", reference)
                case .type1C, .type2C:
                    if let c = rule.condition, evaluate(c, item: item, root: root, ancestors: ancestors) {
                        let t = rule.type.rawValue
                        out.add(.error, "iod.type\(t.lowercased()).missing", here, tag,
                                "Type \(t) \(keyword(tag)) is missing and its condition holds (\(describe(c)))", reference)
                    }
                default: break
                }
                continue
            }
            for e in found {
                let here = join(path, e.tag)
                if rule.exclusive, let c = rule.condition, decide(c, item: item, root: root, ancestors: ancestors) == false {
                    ledger.forbidden.append((here, e, rule, c, reference))
                } else {
                    ledger.permitted.insert(here)
                }
                if rule.type == .type1 || rule.type == .type1C, isEmpty(e) {
                    let t = rule.type.rawValue
                    out.add(.error, "iod.type\(t.lowercased()).empty", here, e.tag,
                            "Type \(t) \(keyword(e.tag)) is present but empty", reference, offset: e.offset)
                }
                if !rule.enumerations.isEmpty { checkEnumerations(rule.enumerations, e, item: item, path: here, reference: reference, into: &out) }
                if !rule.children.isEmpty, let items = e.items {
                    let fg = inFunctionalGroup || e.tag == Self.sharedFG || e.tag == Self.perFrameFG
                    for (i, child) in items.enumerated() {
                        let itemPath = "\(here)[\(i)]"
                        // Functional group items hold macros checked as a whole, and SR content items
                        // nest recursively (PS3.3 C.17.3) beyond what the tables expand: no foreign check there.
                        if !fg && e.tag != Self.contentSequence && ledger.items[itemPath] == nil {
                            ledger.items[itemPath] = (child, reference)
                            ledger.itemOrder.append(itemPath)
                        }
                        check(rule.children, item: child, root: root, ancestors: ancestors + [item], path: itemPath,
                              inFunctionalGroup: fg, reference: reference, ledger: ledger, into: &out)
                    }
                }
            }
        }
    }

    func isEmpty(_ e: Element) -> Bool {
        switch e.value {
        case .bytes(let vb): return vb.count == 0
        case .sequence(let items): return items.isEmpty
        case .fragments: return false
        }
    }

    /// Enumerated values compared by type (TypedValue): numbers of binary and IS/DS VRs as
    /// numbers, tags as tags, text exactly after the trimming its VR allows.
    func checkEnumerations(_ enums: [IODRules.Enumeration], _ e: Element, item: Dataset, path: String, reference: String,
                           into out: inout Findings) {
        let vals = TypedValue.values(of: e, in: item)
        for en in enums {
            let indexed: [(Int, TypedValue)]
            if let k = en.index { indexed = k >= 1 && k <= vals.count ? [(k, vals[k - 1])] : [] } else {
                indexed = vals.enumerated().map { ($0.offset + 1, $0.element) }
            }
            for (k, v) in indexed where !v.isEmpty && !en.values.contains(where: { v.matches($0, vr: e.vr) }) {
                let which = en.index != nil || vals.count > 1 ? " value \(k)" : ""
                out.add(.error, "iod.enum.value", path, e.tag,
                        "\(keyword(e.tag))\(which) \"\(v)\" is not an enumerated value (\(en.values.sorted().joined(separator: ", ")))",
                        reference, offset: e.offset)
            }
        }
    }

    /// Image Type values 1 and 2 (PS3.3 C.7.6.1.1.2); the tables omit them (defined in the text).
    func checkImageType(_ ds: Dataset, into out: inout Findings) {
        guard let type = ds.strings(Self.imageType), !type.isEmpty else { return }
        let allowed: [(Int, Set<String>)] = [(0, ["ORIGINAL", "DERIVED"]), (1, ["PRIMARY", "SECONDARY"])]
        for (i, set) in allowed where i < type.count && !set.contains(type[i]) {
            out.add(.error, "iod.enum.value", "ImageType", Self.imageType,
                    "ImageType value \(i + 1) \"\(type[i])\" is not \(set.sorted().joined(separator: " or "))", "PS3.3 C.7.6.1.1.2")
        }
    }

    /// PS3.3 C.7.6.16: a mandatory functional group macro is in the Shared item or in every Per-frame item, not both.
    func checkFunctionalGroups(_ ds: Dataset, ciod: String, into out: inout Findings) {
        guard let macros = IODRules.index.functionalGroupsByCIOD[ciod], !macros.isEmpty else { return }
        let shared = ds.items(Self.sharedFG)?.first
        let perFrame = ds.items(Self.perFrameFG) ?? []
        guard shared != nil || !perFrame.isEmpty else { return }
        let frames = ds.int(Tag.numberOfFrames) ?? 1
        if !perFrame.isEmpty && perFrame.count != frames {
            out.add(.error, "iod.fg.count", "PerFrameFunctionalGroupsSequence", Self.perFrameFG,
                    "\(perFrame.count) Per-frame Functional Groups items for NumberOfFrames \(frames)", "PS3.3 C.7.6.16")
        }
        for m in macros {
            let inShared = shared?.contains(m.sequence) ?? false
            let inAllFrames = !perFrame.isEmpty && perFrame.allSatisfy { $0.contains(m.sequence) }
            let inAnyFrame = perFrame.contains { $0.contains(m.sequence) }
            if m.usage == "M" && !inShared && !inAllFrames {
                out.add(.error, "iod.fg.missing", "SharedFunctionalGroupsSequence", m.sequence,
                        "mandatory functional group \(keyword(m.sequence)) (\(m.macroID)) is neither in the Shared item nor in every Per-frame item",
                        "PS3.3 C.7.6.16")
            }
            if inShared && inAnyFrame {
                out.add(.error, "iod.fg.both", "SharedFunctionalGroupsSequence", m.sequence,
                        "functional group \(keyword(m.sequence)) is in both the Shared and Per-frame items", "PS3.3 C.7.6.16")
            }
        }
    }

    /// The element named by a condition: in the item itself, else in the enclosing items (nearest
    /// first), else at the top level.
    func lookup(_ tag: Tag, item: Dataset, root: Dataset, ancestors: [Dataset] = []) -> (Element, Dataset)? {
        if let e = item[tag] { return (e, item) }
        for a in ancestors.reversed() { if let e = a[tag] { return (e, a) } }
        if let e = root[tag] { return (e, root) }
        return nil
    }

    func evaluate(_ c: IODRules.Condition, item: Dataset, root: Dataset, ancestors: [Dataset] = []) -> Bool {
        decide(c, item: item, root: root, ancestors: ancestors) ?? false
    }

    /// The condition's truth, or nil when it cannot be decided (a value condition on an absent or
    /// empty attribute, which is reported by its own rule if it is required).
    func decide(_ c: IODRules.Condition, item: Dataset, root: Dataset, ancestors: [Dataset]) -> Bool? {
        switch c {
        case .anyPresent(let tags): return tags.contains { lookup($0, item: item, root: root, ancestors: ancestors) != nil }
        case .nonePresent(let tags): return !tags.contains { lookup($0, item: item, root: root, ancestors: ancestors) != nil }
        case .valueIn(let tag, let accepted):
            guard let (e, where_) = lookup(tag, item: item, root: root, ancestors: ancestors),
                  let first = TypedValue.values(of: e, in: where_).first, !first.isEmpty else { return nil }
            return accepted.contains { first.matches($0, vr: e.vr) }
        case .greaterThan(let tag, let n):
            guard let (e, where_) = lookup(tag, item: item, root: root, ancestors: ancestors),
                  let first = TypedValue.values(of: e, in: where_).first else { return nil }
            switch first {
            case .integer(let v): return Double(v) > n
            case .real(let v, _): return v > n
            case .tag, .text: return nil
            }
        }
    }

    func describe(_ c: IODRules.Condition) -> String {
        switch c {
        case .anyPresent(let t): return t.map(keyword).joined(separator: " or ") + " present"
        case .nonePresent(let t): return t.map(keyword).joined(separator: " and ") + " absent"
        case .valueIn(let t, let v): return "\(keyword(t)) is \(v.joined(separator: " or "))"
        case .greaterThan(let t, let n): return "\(keyword(t)) > \(Int(n))"  // conversion: a small constant of the generated rule tables
        }
    }
}
