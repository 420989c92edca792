import DicomAnonymize
import DicomCore
import DicomIO
import FoundationEssentials

/// One change as `--plan` and the reports show it.
public struct ModifyChange: Sendable, Equatable {
    /// insert, replace, erase, erase-item, new-uid, reference, charset, reencode.
    public var action: String
    /// `(0008,1115)[0].(0020,000E)`; empty for a change of the whole data set.
    public var path: String
    public var keyword: String
    public var oldValue: String?
    public var newValue: String?
}

/// The edits of one data set, applied in order: paths walked, values checked and encoded, every
/// change recorded. `needsUnicode` says a value could not be written in the character set in force.
struct EditSession {
    var changes: [ModifyChange] = []
    var needsUnicode = false
    /// How typed values are checked: an attribute's value (modify), or a matching key (C-FIND).
    var rules = EditValueRules.attributeValues

    mutating func apply(_ op: EditOperation, to ds: inout Dataset) throws(DicomError) {
        switch op {
        case .set(let path, _), .replace(let path, _), .erase(let path):
            try walk(path.steps[...], in: &ds, inheriting: .default, at: "", op: op, path: path)
        case .eraseAll(let name):
            eraseAll(name, in: &ds, at: "")
        case .erasePrivate:
            erasePrivate(in: &ds, at: "")
        }
    }

    /// `inherited`: the character set `ds` has without a (0008,0005) of its own (its parent's).
    private mutating func walk(_ steps: ArraySlice<EditPath.Step>, in ds: inout Dataset, inheriting inherited: SpecificCharacterSet,
                               at prefix: String, op: EditOperation, path: EditPath) throws(DicomError) {
        guard let step = steps.first else { return }
        let inserting: Bool
        if case .set = op { inserting = true } else { inserting = false }
        if steps.count == 1 {
            try final(step, in: &ds, inheriting: inherited, at: prefix, op: op, path: path)
            return
        }
        guard let tag = try resolve(step.name, in: &ds, at: prefix, inserting: inserting) else {
            if case .index(let i)? = step.items {
                throw DicomError(.usage, "\(op.flag) \(path): \(prefix)\(step.name) is not present, so it has no item \(i)")
            }
            return
        }
        let element = ds[tag]
        if let element, element.items == nil {
            throw DicomError(.usage, "\(op.flag) \(path): \(prefix)\(tag) is not a sequence (VR \(element.vr.rawValue))", tag: tag)
        }
        var items = element?.items ?? []
        var selected: [Int]
        switch step.items {
        case .index(let i)?:
            if i >= items.count {
                guard inserting else {
                    throw DicomError(.usage, "\(op.flag) \(path): \(prefix)\(tag) has no item \(i) (\(items.count) item\(items.count == 1 ? "" : "s")); "
                                     + "only --set inserts items", tag: tag)
                }
                while items.count <= i { items.append(Dataset(characterSet: ds.characterSet)) }
            }
            selected = [i]
        case .all?:
            selected = Array(items.indices)
        case nil:
            if items.isEmpty && inserting { items.append(Dataset(characterSet: ds.characterSet)) }
            selected = Array(items.indices)
        }
        let before = changes.count
        // Items made here (only --set makes them): the sequence is written back even if the
        // attribute under them turned out to need no change. Nothing made, nothing changed: the
        // data set stays as it was (no empty sequence appears).
        let appended = items.count > (element?.items?.count ?? 0)
        for i in selected {
            try walk(steps.dropFirst(), in: &items[i], inheriting: ds.characterSet, at: prefix + "\(tag)[\(i)].", op: op, path: path)
        }
        guard changes.count > before || appended else { return }
        var updated = element ?? Element(tag: tag, vr: .SQ, value: .sequence([]))
        updated.value = .sequence(items)
        ds.set(updated)
    }

    /// The tag of `name` in `ds`; a private element's creator is inserted when `inserting` and
    /// its block is missing. Nil when the creator has no block and nothing is inserted.
    private mutating func resolve(_ name: AttributeName, in ds: inout Dataset, at prefix: String,
                                  inserting: Bool) throws(DicomError) -> Tag? {
        if let tag = name.resolve(in: ds) { return tag }
        guard inserting, case .privateElement(let group, let creator, _) = name else { return nil }
        guard let block = AttributeName.freeBlock(group: group, in: ds) else {
            throw DicomError(.usage, "\(prefix)\(name): group \(hex4(group)) has no free private creator block (0010-00FF)")
        }
        let creatorTag = Tag(group, block)
        var bytes = Array(creator.utf8)
        if bytes.count % 2 == 1 { bytes.append(0x20) }
        ds.set(Element(tag: creatorTag, vr: .LO, value: .bytes(ValueBytes(bytes))))
        changes.append(ModifyChange(action: "insert", path: prefix + creatorTag.description, keyword: "PrivateCreator",
                                    oldValue: nil, newValue: creator))
        return name.resolve(in: ds)
    }

    private mutating func final(_ step: EditPath.Step, in ds: inout Dataset, inheriting inherited: SpecificCharacterSet,
                                at prefix: String, op: EditOperation, path: EditPath) throws(DicomError) {
        switch op {
        case .erase:
            guard let tag = step.name.resolve(in: ds), let element = ds[tag] else {
                if case .index(let i)? = step.items {
                    throw DicomError(.usage, "--erase \(path): \(prefix)\(step.name) is not present, so it has no item \(i)")
                }
                return
            }
            let here = prefix + tag.description
            guard let selector = step.items else {
                if tag == Tag.specificCharacterSet {
                    // Without it the set is the parent's (the default at the top level): the values follow.
                    let terms = inherited.terms.isEmpty ? ["ISO_IR 6"] : inherited.terms
                    let n = try TextReencoding.reencode(&ds, to: inherited, targetTerms: terms, intoItemsWithOwnSet: false, at: prefix)
                    if n > 0 {
                        changes.append(ModifyChange(action: "reencode", path: prefix, keyword: "", oldValue: nil,
                                                    newValue: "\(n) text value\(n == 1 ? "" : "s") in \(TextReencoding.describe(inherited))"))
                    }
                }
                ds.remove(tag)
                changes.append(ModifyChange(action: "erase", path: here, keyword: keyword(tag, ds),
                                            oldValue: Self.render(element, in: ds), newValue: nil))
                return
            }
            guard var items = element.items else {
                throw DicomError(.usage, "--erase \(path): \(here) is not a sequence (VR \(element.vr.rawValue))", tag: tag)
            }
            switch selector {
            case .index(let i):
                guard i < items.count else {
                    throw DicomError(.usage, "--erase \(path): \(here) has no item \(i) (\(items.count) item\(items.count == 1 ? "" : "s"))", tag: tag)
                }
                items.remove(at: i)
                changes.append(ModifyChange(action: "erase-item", path: here + "[\(i)]", keyword: keyword(tag, ds), oldValue: nil, newValue: nil))
            case .all:
                guard !items.isEmpty else { return }
                changes.append(ModifyChange(action: "erase-item", path: here + "[*]", keyword: keyword(tag, ds),
                                            oldValue: "(\(items.count) items)", newValue: nil))
                items.removeAll()
            }
            var updated = element
            updated.value = .sequence(items)
            ds.set(updated)
        case .set(_, let value), .replace(_, let value):
            let inserting: Bool
            if case .set = op { inserting = true } else { inserting = false }
            guard let tag = try resolve(step.name, in: &ds, at: prefix, inserting: inserting) else { return }
            try ModifyOptions.checkWritable(tag, flag: op.flag)
            let existing = ds[tag]
            if existing == nil && !inserting { return }
            let here = prefix + tag.description
            let shown = prefix.isEmpty ? "" : " " + here
            if rules.emptyValueMakesEmptySequence, value == .text(""),
               existing?.items != nil || (existing == nil && (try? SetValues.vr(for: tag, in: ds, path: shown, flag: op.flag))?.0 == .SQ) {
                // A whole sequence asked for (C-FIND universal sequence matching): present, or empty.
                guard existing == nil else { return }
                ds.set(Element(tag: tag, vr: .SQ, value: .sequence([])))
                changes.append(ModifyChange(action: "insert", path: here, keyword: keyword(tag, ds), oldValue: nil, newValue: "(0 items)"))
                return
            }
            if existing?.items != nil || existing?.fragments != nil {
                throw DicomError(.usage, "\(op.flag)\(shown): \(tag) is a sequence: set attributes inside its items", tag: tag)
            }
            if tag.isPrivate && !tag.isPrivateCreator {
                guard let creatorTag = tag.privateCreatorTag else {
                    throw DicomError(.usage, "\(op.flag)\(shown): not a private data element or creator (PS3.5 7.8.1)", tag: tag)
                }
                guard let creator = ds.string(creatorTag)?.trimmingWhitespace(), !creator.isEmpty else {
                    throw DicomError(.usage, "\(op.flag)\(shown): a private element needs its private creator \(creatorTag) in the data set; "
                                     + "name it by its creator, (\(hex4(tag.group)),{CREATOR},\(String(hex4(tag.element & 0xFF).suffix(2)))), "
                                     + "and the creator is inserted", tag: tag)
                }
            }
            let (vr, vm) = try SetValues.vr(for: tag, in: ds, path: shown, flag: op.flag)
            let bytes = try encode(value, vr: vr, vm: vm, in: ds, tag: tag, flag: op.flag + shown)
            let element = Element(tag: tag, vr: vr, value: .bytes(ValueBytes(bytes)))
            let old = existing.map { Self.render($0, in: ds) }
            if tag == Tag.specificCharacterSet {
                // The values this set covers follow it, character for character.
                let terms = ds.decodeText(ValueBytes(bytes), vr: .CS).split(separator: "\\", omittingEmptySubsequences: false)
                    .map { $0.trimmingWhitespace() }
                let target = SpecificCharacterSet(terms: terms)
                if !target.unknownTerms.isEmpty {
                    throw DicomError(.usage, "\(op.flag)\(shown): unknown character set term \(target.unknownTerms.joined(separator: ", "))", tag: tag)
                }
                let n = try TextReencoding.reencode(&ds, to: target, targetTerms: terms, intoItemsWithOwnSet: false, at: prefix)
                if n > 0 {
                    changes.append(ModifyChange(action: "reencode", path: prefix, keyword: "", oldValue: nil,
                                                newValue: "\(n) text value\(n == 1 ? "" : "s") in \(terms.joined(separator: "\\"))"))
                }
            }
            ds.set(element)
            changes.append(ModifyChange(action: existing == nil ? "insert" : "replace", path: here, keyword: keyword(tag, ds),
                                        oldValue: old, newValue: Self.render(element, in: ds)))
        case .eraseAll, .erasePrivate:
            return
        }
    }

    /// The bytes of `value` as a value of `vr`, checked against the VR and VM first.
    private mutating func encode(_ value: EditValue, vr: VR, vm: String?, in ds: Dataset, tag: Tag,
                                 flag: String) throws(DicomError) -> [UInt8] {
        var text: String
        switch value {
        case .unreadFile(let path):
            throw DicomError(.internalError, "\(flag): the value file \(path) was not read", tag: tag)
        case .file(let path, let bytes):
            if vr.isBulkBinary {
                let unit = max(vr.byteSwapUnit, 1)
                guard bytes.count % unit == 0 else {
                    throw DicomError(.usage, "\(flag): \(path) holds \(bytes.count) bytes, not a whole number of \(vr.rawValue) values (\(unit) bytes each)", tag: tag)
                }
                guard bytes.count <= 0xFFFF_FFFE else {
                    throw DicomError(.usage, "\(flag): \(path) is larger than an element can hold", tag: tag)
                }
                var out = bytes
                if out.count % 2 == 1 { out.append(0) }
                return out
            }
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                throw DicomError(.usage, "\(flag): \(path) is not UTF-8 text (a value of VR \(vr.rawValue) is text)", tag: tag)
            }
            text = decoded
            if text.hasSuffix("\r\n") { text.removeLast() } else if text.hasSuffix("\n") { text.removeLast() }
        case .text(let t):
            text = t
        }
        if vr == .AT { return try ModifyOptions.attributeTags(text, vm: vm, flag: flag, tag: tag) }
        if let problem = rules.problem(text, vr, vm) {
            throw DicomError(.usage, "\(flag): \(problem)", tag: tag)
        }
        var bytes: [UInt8]
        if vr.isString {
            if vr.usesSpecificCharacterSet {
                guard let encoded = ds.characterSet.encode(text, vr: vr) else {
                    needsUnicode = true
                    throw DicomError(.unsupported, "\(flag): '\(text)' cannot be written in \(TextReencoding.describe(ds.characterSet))", tag: tag)
                }
                bytes = encoded
            } else {
                guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
                    throw DicomError(.usage, "\(flag): a \(vr.rawValue) value holds only characters of the default repertoire (ASCII)", tag: tag)
                }
                bytes = Array(text.utf8)
            }
            if bytes.count % 2 == 1 { bytes.append(vr.paddingByte) }
        } else {
            guard let encoded = SetValues.binaryValue(text, vr: vr) else {
                throw DicomError(.usage, "\(flag): '\(text)' is not a valid \(vr.rawValue) value", tag: tag)
            }
            bytes = encoded
        }
        return bytes
    }

    mutating func eraseAll(_ name: AttributeName, in ds: inout Dataset, at prefix: String) {
        if let tag = name.resolve(in: ds), let element = ds.remove(tag) {
            changes.append(ModifyChange(action: "erase", path: prefix + tag.description, keyword: keyword(tag, ds),
                                        oldValue: Self.render(element, in: ds), newValue: nil))
        }
        forEachSequence(in: &ds, at: prefix) { session, item, itemPrefix in session.eraseAll(name, in: &item, at: itemPrefix) }
    }

    mutating func erasePrivate(in ds: inout Dataset, at prefix: String) {
        for e in ds.elements where e.tag.isPrivate {
            ds.remove(e.tag)
            changes.append(ModifyChange(action: "erase", path: prefix + e.tag.description, keyword: keyword(e.tag, ds),
                                        oldValue: Self.render(e, in: ds), newValue: nil))
        }
        forEachSequence(in: &ds, at: prefix) { session, item, itemPrefix in session.erasePrivate(in: &item, at: itemPrefix) }
    }

    /// Runs `body` on every item of every sequence of `ds`, writing back the sequences it changed.
    mutating func forEachSequence(in ds: inout Dataset, at prefix: String,
                                  _ body: (inout EditSession, inout Dataset, String) -> Void) {
        for e in ds.elements {
            guard var items = e.items else { continue }
            let before = changes.count
            for i in items.indices { body(&self, &items[i], prefix + "\(e.tag)[\(i)].") }
            guard changes.count > before else { continue }
            var updated = e
            updated.value = .sequence(items)
            ds.set(updated)
        }
    }

    func keyword(_ tag: Tag, _ ds: Dataset) -> String {
        if let k = DataDictionary.entry(for: tag)?.keyword { return k }
        if tag.isPrivateCreator { return "PrivateCreator" }
        return ""
    }

    /// A value as the change list shows it: numbers, text, or a count of items, fragments or bytes.
    static func render(_ e: Element, in ds: Dataset) -> String {
        switch e.value {
        case .sequence(let items): return "(\(items.count) item\(items.count == 1 ? "" : "s"))"
        case .fragments(let f): return "(\(f.fragments.count) fragments)"
        case .bytes(let b):
            if e.vr.isBinaryNumber && e.vr != .AT {
                return binaryNumbers(b, vr: e.vr).map { Int(exactly: $0).map(String.init) ?? String($0) }.joined(separator: "\\")
            }
            if e.vr == .AT {
                let u = b.littleEndianBytes(swapUnit: 2)
                func half(_ i: Int) -> UInt16 { UInt16(widening: u[i]) | UInt16(widening: u[i + 1]) << 8 }
                var tags: [String] = []
                for i in stride(from: 0, to: u.count - u.count % 4, by: 4) { tags.append(Tag(half(i), half(i + 2)).description) }
                return tags.joined(separator: "\\")
            }
            if e.vr.isBulkBinary { return "(\(b.count) bytes)" }
            return ds.decodeText(b, vr: e.vr)
        }
    }
}
