import DicomCore
import DicomIO

/// How text kept inside a sequence is treated: as is; cleaned of the file's identifying values
/// (C on a sequence, or inside a D sequence for coded text); or, for free text inside a D
/// sequence (Content Sequence, Graphic Annotation Sequence...), replaced by a dummy.
enum TextTreatment: Equatable { case asIs, clean, dummyFreeText }

/// The decision for one attribute.
enum Decision: Equatable {
    case keepVerbatim, keep, remove, zero, dummy, uid, clean, shiftDate, removePrivate
}

/// One anonymization of one data set (mutable state: the report, the date offset).
final class Pass {
    let anonymizer: Anonymizer
    var options: AnonymizeOptions { anonymizer.options }
    let sopClass: String?
    /// The Types of the file's IOD (see `DeidentificationIODTypes`).
    let iodTypes: DeidentificationIODTypes.IODTypes?
    let enabled: [DeidentificationProfile.Option]
    var report: AnonymizeReport
    /// The per-patient date shift (HMAC of the Patient ID): computed only when a date is shifted.
    lazy var dateOffset: Int = anonymizer.mapping.dayOffset(forPatient: original.string(Tag.patientID) ?? "")
    /// Identifying values of the original, for cleaning text (longest first).
    lazy var identifyingValues: [IdentityScanner.IdentifyingValue] = Self.cleaningOrder(identifyingValuesFound)
    /// The original's identifying values (given by the caller, or found when first needed).
    lazy var identifyingValuesFound: [IdentityScanner.IdentifyingValue] = IdentityScanner.identifyingValues(in: original, options: options)
    let original: Dataset

    init(anonymizer: Anonymizer, original: Dataset, report: AnonymizeReport) {
        self.anonymizer = anonymizer
        self.original = original
        self.report = report
        sopClass = original.string(Tag.sopClassUID)
        iodTypes = DeidentificationIODTypes.types(forSOPClass: sopClass)
        enabled = anonymizer.options.enabledOptions
    }

    /// A step into a sequence item; `creator` is the sequence's private creator when it is a
    /// private element (so a path naming it by creator can match).
    struct Step { let tag: Tag; let item: Int; let creator: String? }

    static let patientID = Tag.patientID, patientName = Tag.patientName

    /// The values to replace when cleaning text: longest first, so that a value is replaced
    /// before any shorter value inside it.
    static func cleaningOrder(_ values: [IdentityScanner.IdentifyingValue]) -> [IdentityScanner.IdentifyingValue] {
        values.sorted { (a: IdentityScanner.IdentifyingValue, b: IdentityScanner.IdentifyingValue) -> Bool in
            let la = a.value.utf8.count, lb = b.value.utf8.count
            return la != lb ? la > lb : a.value < b.value
        }
    }

    /// The values of a UI attribute: split on backslashes (empty ones kept), without padding.
    /// UIDs are ASCII: split and trimmed byte by byte, the same result as by Character.
    static func uidValues(_ text: String) -> [String] {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.split(separator: "\\", omittingEmptySubsequences: false).map { IdentityScanner.trimmingPadding($0) }
        }
        return text.utf8.split(separator: 0x5C, omittingEmptySubsequences: false).map { part in
            var part = part[...]
            while let b = part.first, b == 0x20 || b == 0 { part = part.dropFirst() }
            while let b = part.last, b == 0x20 || b == 0 { part = part.dropLast() }
            return String(Substring(part))
        }
    }

    static func describe(_ path: [Step], _ tag: Tag) -> String {
        if path.isEmpty { return tag.description }
        return path.map { "\($0.tag.description)[\($0.item)]." }.joined() + tag.description
    }

    /// Whether one of `paths` names the element `tag` of `ds`, reached through `path`: a lone name
    /// at any depth, a longer path from the top level (a step without an index: any item).
    static func matches(_ paths: [EditPath], _ tag: Tag, in ds: Dataset, _ path: [Step]) -> Bool {
        for p in paths {
            guard let last = p.steps.last, last.name.names(tag, creator: ds.privateCreator(of: tag)) else { continue }
            if p.loneName != nil { return true }
            guard p.steps.count == path.count + 1 else { continue }
            let through = zip(p.steps.dropLast(), path).allSatisfy { step, taken in
                guard step.name.names(taken.tag, creator: taken.creator) else { return false }
                if case .index(let i)? = step.items { return i == taken.item }
                return true
            }
            if through { return true }
        }
        return false
    }

    /// UI attributes Table E.1-1 does not list whose values are class, syntax or coding UIDs
    /// (kept); other unlisted UI attributes hold instance or frame of reference UIDs (mapped).
    static func isMappableUnlistedUID(_ tag: Tag) -> Bool { TagFacts.of(tag).isMappableUnlistedUID }

    /// Types of the identifying keys of the DICOMDIR Patient and Study directory records
    /// (PS3.3 F.5.1, F.5.2), which the generated IOD types do not cover.
    static let directoryRecordTypes: [Tag: DeidentificationIODTypes.AttributeType] = [
        Tag.studyDate: .type1, Tag.studyTime: .type1, Tag.studyID: .type1, Tag.patientID: .type1,
        Tag.studyDescription: .type2, Tag.accessionNumber: .type2, Tag.patientName: .type2,
    ]

    /// The profile's decision for `e` (before the VR-specific handling in `process`).
    func decide(_ e: Element, in ds: Dataset, path: [Step], honouringKeep: Bool = true) -> Decision {
        if honouringKeep && Self.matches(options.keep, e.tag, in: ds, path) { return .keepVerbatim }
        if Self.matches(options.remove, e.tag, in: ds, path) { return .remove }
        if e.tag.isPrivate {
            if e.tag.isPrivateCreator { return .keep }   // settled once the block is known
            if options.retainSafePrivate, let creatorTag = e.tag.privateCreatorTag, let creator = ds.string(creatorTag),
               SafePrivateAttributes.isSafe(creator: creator, tag: e.tag) {
                return .keepVerbatim
            }
            return .removePrivate
        }
        guard let rule = DeidentificationProfile.rule(for: e.tag) else {
            if e.vr == .UI, !options.retainUIDs, Self.isMappableUnlistedUID(e.tag) { return .uid }
            return .keep
        }
        var action = rule.basic
        let overrides = enabled.compactMap { o in rule.options[o].map { (o, $0) } }
        if overrides.contains(where: { $0.1 == .keep }) {
            action = .keep
        } else if let c = overrides.first(where: { $0.1 == .clean }) {
            return c.0 == .retainLongModifiedDates ? .shiftDate : .clean
        }
        let recordType = path.first?.tag == Tag.directoryRecordSequence ? Self.directoryRecordTypes[e.tag] : nil
        if let recordType, action == .remove || action == .zero {
            // A record key the directory needs is emptied or dummied rather than removed.
            action = recordType == .type1 ? .dummy : .zero
        }
        let type = { recordType ?? DeidentificationIODTypes.type(of: e.tag, in: self.iodTypes, nested: !path.isEmpty) }
        switch action {
        case .keep: return .keep
        case .remove: return .remove
        case .uid, .removeOrZeroOrUIDs: return options.retainUIDs && e.vr != .SQ ? .keep : .uid
        case .clean: return .clean
        case .dummy: return .dummy
        case .zero: return type() == .type1 ? .dummy : .zero
        case .removeOrZero, .removeOrDummy, .removeOrZeroOrDummy, .zeroOrDummy:
            switch type() {
            case .type1: return .dummy
            case .type2: return .zero
            case .type3, .absent: return action == .zeroOrDummy ? .zero : .remove
            }
        }
    }

    func process(_ ds: Dataset, path: [Step], cleaning: TextTreatment) -> Dataset {
        var out = ds
        var removedOverlayGroups = Set<UInt16>()
        var privateBlocksInUse = Set<UInt32>()
        for var e in ds.elements {
            if path.isEmpty && e.tag.group == 0x0002 { continue }
            // A standard text attribute stored as UN (explicit VR files written without the
            // dictionary) is treated, and rewritten when changed, with its dictionary VR.
            if e.vr == .UN, !e.tag.isPrivate, case .bytes = e.value, let vr = TagFacts.of(e.tag).dictionaryVR, vr.isString {
                e.vr = vr
            }
            lazy var where_ = Self.describe(path, e.tag)   // only for the report: most elements are kept unrecorded
            var decision = decide(e, in: ds, path: path)
            if cleaning != .asIs && decision == .keep && e.vr != .SQ && e.vr.usesSpecificCharacterSet {
                let freeText: Set<VR> = [.LT, .ST, .UT, .UC, .PN]
                decision = cleaning == .dummyFreeText && freeText.contains(e.vr) ? .dummy : .clean
            }
            // Patient ID and Patient's Name that the profile empties or dummies become the patient's
            // keyed pseudonym, in the data set and in a DICOMDIR's records (see `patientPseudonym`).
            if decision == .zero || decision == .dummy, e.tag == Self.patientID || e.tag == Self.patientName,
               path.isEmpty || (path.count == 1 && path[0].tag == Tag.directoryRecordSequence), case .bytes = e.value,
               let pseudonym = anonymizer.patientPseudonym(id: ds.string(Self.patientID) ?? "", name: ds.string(Self.patientName) ?? "") {
                let old = text(e, ds) ?? ""
                out.setString(e.tag, e.tag == Self.patientName ? .PN : .LO, pseudonym)
                report.record(where_, e.tag, "P", old: old, new: pseudonym)
                if e.tag == Self.patientID { report.patientIDMap[old] = pseudonym } else { report.patientNameMap[old] = pseudonym }
                continue
            }
            switch decision {
            case .keepVerbatim:
                if e.tag.isPrivate, let c = e.tag.privateCreatorTag { privateBlocksInUse.insert(c.rawValue) }
                if TagFacts.of(e.tag).isInDictionary || e.tag.isPrivate,
                   Self.matches(options.keep, e.tag, in: ds, path) {
                    report.record(where_, e.tag, "keep")
                    // Kept although the profile would change it: the identity is not removed. A
                    // private attribute kept by name is the user's word that it is safe (as the
                    // Retain Safe Private list is the standard's).
                    if !e.tag.isPrivate, ![.keep, .keepVerbatim].contains(decide(e, in: ds, path: path, honouringKeep: false)) {
                        let facts = TagFacts.of(e.tag)
                        let name = facts.isInDictionary ? facts.keyword : e.tag.description
                        if !report.identityKept.contains(name) { report.identityKept.append(name) }
                    }
                }
            case .keep:
                if case .sequence(let items) = e.value, !items.isEmpty {
                    replaceItems(e, items, in: &out, path: path, cleaning: cleaning, where_: where_)
                }
            case .remove, .removePrivate:
                out.remove(e.tag)
                report.record(where_, e.tag, decision == .remove ? "X" : "private", old: text(e, ds))
                if e.tag.group & 0xFF00 == 0x6000, e.tag.element == 0x3000 { removedOverlayGroups.insert(e.tag.group) }
            case .zero:
                if e.vr == .SQ {
                    // Zero items only where a Type 2 sequence must stay; inside items a sequence
                    // the IOD does not require as Type 2 is removed instead.
                    if path.isEmpty || DeidentificationIODTypes.type(of: e.tag, in: iodTypes, nested: true) == .type2 {
                        out.setSequence(e.tag, [])
                    } else {
                        out.remove(e.tag)
                        report.record(where_, e.tag, "X")
                        continue
                    }
                } else {
                    out.set(Element(tag: e.tag, vr: e.vr, value: .bytes(ValueBytes([]))))
                }
                report.record(where_, e.tag, "Z", old: text(e, ds), new: "")
            case .dummy:
                if case .sequence(let items) = e.value {
                    // D on a sequence: keep its structure, de-identify the items, and replace
                    // the free text they keep (PS3.15: dummy content).
                    let inner: TextTreatment = cleaning == .clean ? .clean : .dummyFreeText
                    replaceItems(e, items, in: &out, path: path, cleaning: inner, where_: where_)
                } else {
                    let (bytes, shown) = dummy(for: e, in: ds, path: where_)
                    out.set(Element(tag: e.tag, vr: e.vr, value: .bytes(ValueBytes(bytes))))
                    report.record(where_, e.tag, "D", old: text(e, ds), new: shown)
                }
            case .uid:
                if case .sequence(let items) = e.value {
                    replaceItems(e, items, in: &out, path: path, cleaning: cleaning, where_: where_)
                } else if e.vr == .UI {
                    if options.retainUIDs { break }
                    let values = Self.uidValues(ds.string(e.tag) ?? "")
                    let mapped = values.map { $0.isEmpty ? $0 : mapUID($0, path: where_) }
                    if mapped != values {
                        out.setStrings(e.tag, .UI, mapped)
                        report.record(where_, e.tag, "U", old: values.joined(separator: "\\"), new: mapped.joined(separator: "\\"))
                    }
                } else {
                    let (bytes, shown) = dummy(for: e, in: ds, path: where_)
                    out.set(Element(tag: e.tag, vr: e.vr, value: .bytes(ValueBytes(bytes))))
                    report.record(where_, e.tag, "D", old: text(e, ds), new: shown)
                }
            case .shiftDate:
                guard e.vr == .DA || e.vr == .DT, let old = ds.string(e.tag) else { break }
                let shifted = old.split(separator: "\\", omittingEmptySubsequences: false).map { v -> String in
                    let value = v.trimmingWhitespace()
                    if value.isEmpty { return value }
                    // A range (query style "A-B") shifts both ends.
                    let ends = e.vr == .DA ? value.split(separator: "-", omittingEmptySubsequences: false).map(String.init) : [value]
                    return ends.map { $0.isEmpty ? $0 : (CivilDate.shift($0, by: dateOffset) ?? (e.vr == .DA ? "19000101" : "19000101000000")) }
                        .joined(separator: "-")
                }.joined(separator: "\\")
                out.setString(e.tag, e.vr, shifted)
                report.record(where_, e.tag, "S", old: old, new: shifted)
            case .clean:
                if case .sequence(let items) = e.value {
                    replaceItems(e, items, in: &out, path: path, cleaning: .clean, where_: where_)
                } else if e.vr == .PN, let old = ds.string(e.tag), !old.isEmpty {
                    out.setString(e.tag, .PN, "ANONYMOUS")
                    report.record(where_, e.tag, "C", old: old, new: "ANONYMOUS")
                } else if e.vr == .UI, !options.retainUIDs, let old = ds.string(e.tag), !old.isEmpty {
                    out.setString(e.tag, .UI, mapUID(old, path: where_))
                    report.record(where_, e.tag, "U", old: old, new: out.string(e.tag))
                } else if e.vr.isString, e.vr != .UI, let old = ds.string(e.tag) {
                    let cleaned = cleanText(old)
                    if cleaned != old {
                        out.setString(e.tag, e.vr, cleaned)
                        report.record(where_, e.tag, "C", old: old, new: cleaned)
                    }
                }
            }
        }
        // Private creators stay only while their block keeps an element.
        for e in out.elements where e.tag.isPrivateCreator && !privateBlocksInUse.contains(e.tag.rawValue) {
            if !Self.matches(options.keep, e.tag, in: out, path) {
                out.remove(e.tag)
                report.record(Self.describe(path, e.tag), e.tag, "private", old: text(e, ds))
            }
        }
        if !removedOverlayGroups.isEmpty {
            for e in out.elements where removedOverlayGroups.contains(e.tag.group) {
                out.remove(e.tag)
                report.record(Self.describe(path, e.tag), e.tag, "overlay")
            }
        }
        return out
    }

    private func replaceItems(_ e: Element, _ items: [Dataset], in out: inout Dataset, path: [Step], cleaning: TextTreatment, where_: String) {
        var newItems: [Dataset] = []
        for (i, item) in items.enumerated() {
            let processed = process(item, path: path + [Step(tag: e.tag, item: i, creator: out.privateCreator(of: e.tag))],
                                    cleaning: cleaning)
            if !processed.isEmpty { newItems.append(processed) }
        }
        if newItems.isEmpty {
            out.remove(e.tag)
            report.record(where_, e.tag, "X")
        } else {
            var copy = e
            copy.value = .sequence(newItems)
            out.set(copy)
        }
    }

    func text(_ e: Element, _ ds: Dataset) -> String? {
        guard e.vr.isString, let b = e.valueBytes else { return nil }
        return ds.decodeText(b, vr: e.vr)
    }

    func mapUID(_ uid: String, path: String) -> String {
        if let known = report.uidMap[uid] { return known }
        if WellKnownUIDs.contains(uid) { return uid }
        let new = anonymizer.mapping.uid(for: uid)
        report.uidMap[uid] = new
        return new
    }

    /// Text with every identifying value of the file replaced by "X", by the matching rule of
    /// the self-check (`IdentityScanner`: long values anywhere, short ones as whole tokens).
    func cleanText(_ text: String) -> String { IdentityScanner.clean(text, of: identifyingValues) }

    /// A dummy value valid for the VR (PS3.15 E.1.1 D): bytes and how to show them.
    func dummy(for e: Element, in ds: Dataset, path: String) -> ([UInt8], String) {
        func text(_ s: String) -> ([UInt8], String) {
            var b = Array(s.utf8)
            if b.count % 2 == 1 { b.append(e.vr.paddingByte) }
            return (b, s)
        }
        let keyword = TagFacts.of(e.tag).keyword
        switch e.vr {
        case .PN: return text("ANONYMOUS")
        case .LO, .SH:
            // Identifiers get a keyed pseudonym: the same patient keeps one ID across files.
            if keyword.hasSuffix("ID"), let old = ds.string(e.tag), !old.isEmpty {
                return text(anonymizer.mapping.pseudonym(for: old))
            }
            return text("ANONYMOUS")
        case .LT, .ST, .UT, .UC, .AE: return text("ANONYMOUS")
        case .CS: return text("ANONYMOUS")
        case .DA: return text("19000101")
        case .TM: return text("000000")
        case .DT: return text("19000101000000")
        case .AS: return text("000D")
        case .IS, .DS: return text("0")
        case .UI:
            if let old = ds.string(e.tag), !old.isEmpty { return text(mapUID(old, path: path)) }
            return text(anonymizer.mapping.uid(for: path))
        case .UR: return text("urn:x:anonymous")
        case .US, .SS, .OW: return ([0, 0], "0")
        case .UL, .SL, .FL, .AT, .OL, .OF: return ([0, 0, 0, 0], "0")
        case .FD, .SV, .UV, .OD, .OV: return ([UInt8](repeating: 0, count: 8), "0")
        default: return ([0, 0], "00")
        }
    }
}
