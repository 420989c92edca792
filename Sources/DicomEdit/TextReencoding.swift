import DicomCore
import DicomIO

/// Text values moved from one Specific Character Set to another (PS3.5 6.1, PS3.3 C.12.1.1.2),
/// character for character: when a value given to `modify` cannot be written in the set in
/// force, the whole file becomes ISO_IR 192 (UTF-8), and when `--set SpecificCharacterSet=...`
/// names a new set, the values it covers follow it. Values whose bytes come out the same (all of
/// them when they are ASCII) keep their original bytes.
enum TextReencoding {
    static let unicode = SpecificCharacterSet(terms: ["ISO_IR 192"])

    /// Re-encodes every text value of `ds` whose set is `ds.characterSet` into `target`, and the
    /// items that inherit it; items declaring a set of their own are left alone unless
    /// `intoItemsWithOwnSet` (then they get `target` too, declared). Returns the number of values
    /// whose bytes changed. Throws when a value cannot be decoded exactly or not represented.
    static func reencode(_ ds: inout Dataset, to target: SpecificCharacterSet, targetTerms: [String],
                         intoItemsWithOwnSet: Bool, at prefix: String) throws(DicomError) -> Int {
        let sourceIsUnicode = ds.characterSet.terms.first == "ISO_IR 192"
        var changed = 0
        for e in ds.elements {
            switch e.value {
            case .bytes(let b) where e.vr.usesSpecificCharacterSet:
                let text = ds.decodeText(b, vr: e.vr)
                if !sourceIsUnicode && text.unicodeScalars.contains("\u{FFFD}") {
                    throw DicomError(.unsupported, "\(prefix)\(e.tag): the value has bytes that are not characters of "
                                     + "its Specific Character Set (\(describe(ds.characterSet))), so it cannot be re-encoded exactly",
                                     tag: e.tag)
                }
                guard var bytes = target.encode(text, vr: e.vr) else {
                    throw DicomError(.unsupported, "\(prefix)\(e.tag): '\(text)' cannot be written in \(targetTerms.joined(separator: "\\"))",
                                     tag: e.tag)
                }
                if bytes.count % 2 == 1 { bytes.append(e.vr.paddingByte) }
                if trimmed(bytes) != trimmed(b.bytes) {
                    var copy = e
                    copy.value = .bytes(ValueBytes(bytes))
                    ds.set(copy)
                    changed += 1
                }
            case .sequence(let items):
                var newItems = items
                for i in newItems.indices {
                    let ownSet = newItems[i].contains(Tag.specificCharacterSet)
                    if ownSet && !intoItemsWithOwnSet { continue }
                    let n = try reencode(&newItems[i], to: target, targetTerms: targetTerms, intoItemsWithOwnSet: intoItemsWithOwnSet,
                                         at: prefix + "\(e.tag)[\(i)].")
                    if ownSet { newItems[i].set(characterSetElement(targetTerms)) }
                    newItems[i].characterSet = target
                    changed += n
                }
                var copy = e
                copy.value = .sequence(newItems)
                // The items' inherited set changes even when no byte does.
                ds.set(copy)
            default: break
            }
        }
        ds.characterSet = target
        return changed
    }

    /// (0008,0005) with `terms`.
    static func characterSetElement(_ terms: [String]) -> Element {
        var bytes = Array(terms.joined(separator: "\\").utf8)
        if bytes.count % 2 == 1 { bytes.append(0x20) }
        return Element(tag: Tag.specificCharacterSet, vr: .CS, value: .bytes(ValueBytes(bytes)))
    }

    /// A value's bytes without trailing padding (spaces, NULs).
    static func trimmed(_ b: [UInt8]) -> ArraySlice<UInt8> {
        var n = b.count
        while n > 0, b[n - 1] == 0x20 || b[n - 1] == 0 { n -= 1 }
        return b[..<n]
    }

    static func describe(_ set: SpecificCharacterSet) -> String {
        set.terms.isEmpty || set.terms == [""] ? "the default repertoire" : set.terms.joined(separator: "\\")
    }
}
