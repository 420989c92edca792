import DicomAnonymize
import DicomCore
import DicomIO

extension DatasetBuilder {
    /// One attribute as an element: its VR checked against the dictionary, its values against the
    /// VR and VM, then encoded (little endian; the writer orders bytes for the target syntax).
    mutating func element(_ a: ModelAttribute, characterSet: SpecificCharacterSet, creators: Creators,
                          topLevel: Bool) throws(DicomError) -> Element {
        guard let vr = VR(rawValue: a.vr) else {
            throw DicomError(.invalidInput, "\(a.location): \"\(a.vr)\" is not a VR", tag: a.tag)
        }
        let vm = try expectedVM(a, vr: vr, creators: creators)
        if a.inlineBinary != nil || a.bulkDataURI != nil {
            let resolved = try bulk.resolve(a)
            if vr == .SQ { throw DicomError(.invalidInput, "\(a.location): a sequence has items, not binary data", tag: a.tag) }
            if topLevel, a.tag == .pixelData, vr == .OB || vr == .OW, let fragments = try BulkData.fragments(resolved, at: a.location) {
                return Element(tag: a.tag, vr: vr, value: .fragments(fragments))
            }
            let unit = vr.byteSwapUnit
            if vr.isBulkBinary, unit > 1, resolved.count % unit != 0 {
                throw DicomError(.invalidInput, "\(a.location): \(resolved.count) bytes, not a whole number of \(unit)-byte \(vr.rawValue) values",
                                 tag: a.tag)
            }
            return Element(tag: a.tag, vr: vr, value: .bytes(resolved))
        }
        if vr.isBulkBinary {
            if !a.values.isEmpty {
                throw DicomError(.invalidInput, "\(a.location): a value of VR \(vr.rawValue) is given as InlineBinary or BulkDataURI, not Value",
                                 tag: a.tag)
            }
            return Element(tag: a.tag, vr: vr, value: .bytes(ValueBytes([])))
        }
        if vr == .SQ {
            var items: [Dataset] = []
            for (i, v) in a.values.enumerated() {
                switch v {
                case .item(let model): items.append(try dataset(model, inherited: characterSet, topLevel: false))
                case .empty: items.append(Dataset(characterSet: characterSet))
                default:
                    throw DicomError(.invalidInput, "\(ModelValue.location(a.location, index: i, xml: isXML(a))): a sequence's values are items",
                                     tag: a.tag)
                }
            }
            return Element(tag: a.tag, vr: .SQ, value: .sequence(items))
        }
        let bytes: [UInt8]
        switch vr {
        case .US, .SS, .UL, .SL, .UV, .SV, .FL, .FD: bytes = try binaryNumbers(a, vr: vr, vm: vm)
        case .AT: bytes = try tags(a, vm: vm)
        default: bytes = try text(a, vr: vr, vm: vm, characterSet: characterSet)
        }
        return Element(tag: a.tag, vr: vr, value: .bytes(ValueBytes(bytes)))
    }

    func isXML(_ a: ModelAttribute) -> Bool { !a.location.hasPrefix("$") }

    /// The VM the attribute's values are checked against (nil when unknown), after checking the
    /// VR against the dictionary: a standard attribute's, or a private one's for its creator.
    mutating func expectedVM(_ a: ModelAttribute, vr: VR, creators: Creators) throws(DicomError) -> String? {
        if a.tag.isPrivateCreator { return "1" }
        if a.tag.isPrivate {
            guard let creatorTag = a.tag.privateCreatorTag,
                  let creator = creators.byTag[creatorTag] ?? creators.missing[creatorTag],
                  let entry = PrivateDictionary.entry(creator: creator, tag: a.tag) else { return nil }
            return entry.vrs.contains(vr) ? entry.vm : nil
        }
        guard let entry = DataDictionary.entry(for: a.tag), !entry.vrs.isEmpty else { return nil }
        if vr != .UN, !entry.vrs.contains(vr) {
            try invalid(a.location, "VR \(vr.rawValue), but PS3.6 gives \(entry.vrs.map(\.rawValue).joined(separator: " or ")) "
                        + "for \(entry.keyword.isEmpty ? "this attribute" : entry.keyword)", tag: a.tag)
            return nil
        }
        return vr == .UN ? nil : entry.vm
    }

    /// US, SS, UL, SL, UV, SV, FL and FD from numbers (or their text): checked by `SetValues`, then
    /// encoded. FL/FD NaN and infinities come as the strings "NaN", "Infinity", "-Infinity" (as
    /// `dump --json` writes them, the JSON model having no number for them).
    mutating func binaryNumbers(_ a: ModelAttribute, vr: VR, vm: String?) throws(DicomError) -> [UInt8] {
        var texts: [String] = []
        for (i, v) in a.values.enumerated() {
            let at = ModelValue.location(a.location, index: i, xml: isXML(a))
            switch v {
            case .number(let n): texts.append(n)
            case .text(let s):
                let t = s.trimmingWhitespace()
                if vr == .FL || vr == .FD, ["NaN", "Infinity", "-Infinity"].contains(t) { texts.append(t); continue }
                texts.append(t)
            default:
                throw DicomError(.invalidInput, "\(at): a value of VR \(vr.rawValue) is a number", tag: a.tag)
            }
            if texts.last?.contains("\\") == true { throw DicomError(.invalidInput, "\(at): not a number", tag: a.tag) }
        }
        if texts.isEmpty { return [] }
        // The check sees non-finite floats as 0: PS3.5 allows them (CP-2352), SetValues' text form does not.
        let checked = texts.map { t in (vr == .FL || vr == .FD) && Double(t).map({ !$0.isFinite }) == true ? "0" : t }
        if let p = ValueCheck.problem(checked.joined(separator: "\\"), vr: vr, vm: vm) {
            // A number out of its VR's range cannot be encoded at all: refused even with --accept-invalid.
            if SetValues.binaryValue(texts.joined(separator: "\\"), vr: vr) == nil || texts.contains(where: { Double($0) == nil }) {
                throw DicomError(.invalidInput, "\(a.location): \(p)", tag: a.tag)
            }
            try invalid(a.location, p, tag: a.tag)
        }
        guard let bytes = SetValues.binaryValue(texts.joined(separator: "\\"), vr: vr) else {
            throw DicomError(.invalidInput, "\(a.location): not \(vr.rawValue) numbers", tag: a.tag)
        }
        return bytes
    }

    /// AT values: tags as eight hex digits ("00100010", as PS3.18 F.2.3 writes them).
    mutating func tags(_ a: ModelAttribute, vm: String?) throws(DicomError) -> [UInt8] {
        var out: [UInt8] = []
        for (i, v) in a.values.enumerated() {
            guard case .text(let s) = v, let tag = JSONModelReader.parseTag(s.trimmingWhitespace()) else {
                throw DicomError(.invalidInput, "\(ModelValue.location(a.location, index: i, xml: isXML(a))): an AT value is a tag "
                                 + "of eight hex digits (\"00100010\")", tag: a.tag)
            }
            for half in [tag.group, tag.element] { out += [UInt8(truncatingIfNeeded: half), UInt8(truncatingIfNeeded: half >> 8)] }
        }
        if let vm, !a.values.isEmpty, !VMRange.accepts(vm, count: a.values.count) {
            try invalid(a.location, "\(a.values.count) values, but the attribute's VM is \(vm)", tag: a.tag)
        }
        return out
    }

    /// Text values: each one checked, joined with backslashes, checked by `SetValues` (format,
    /// length, VM), encoded in the character set in force.
    mutating func text(_ a: ModelAttribute, vr: VR, vm: String?, characterSet: SpecificCharacterSet) throws(DicomError) -> [UInt8] {
        var texts: [String] = []
        for (i, v) in a.values.enumerated() {
            let at = ModelValue.location(a.location, index: i, xml: isXML(a))
            switch v {
            case .text(let s): texts.append(s)
            case .empty: texts.append("")
            case .number(let n):
                guard vr == .IS || vr == .DS else {
                    throw DicomError(.invalidInput, "\(at): a value of VR \(vr.rawValue) is a string, not a number", tag: a.tag)
                }
                texts.append(n)
            case .personName(let alphabetic, let ideographic, let phonetic):
                guard vr == .PN else {
                    throw DicomError(.invalidInput, "\(at): a person name where VR \(vr.rawValue) is expected", tag: a.tag)
                }
                var groups = [alphabetic ?? "", ideographic ?? "", phonetic ?? ""]
                while groups.last == "" { groups.removeLast() }
                for g in groups where g.contains("=") {
                    throw DicomError(.invalidInput, "\(at): a component group holds '=', the group delimiter", tag: a.tag)
                }
                texts.append(groups.joined(separator: "="))
            case .item(let model) where vr == .PN && model.attributes.isEmpty:
                texts.append("")
            case .item:
                throw DicomError(.invalidInput, "\(at): an item where VR \(vr.rawValue) is expected", tag: a.tag)
            }
            if !([.LT, .ST, .UT, .UR] as Set<VR>).contains(vr), texts.last?.contains("\\") == true {
                throw DicomError(.invalidInput, "\(at): a value holds '\\', the value delimiter", tag: a.tag)
            }
        }
        if ([.LT, .ST, .UT, .UR] as Set<VR>).contains(vr), texts.count > 1 {
            throw DicomError(.invalidInput, "\(a.location): VR \(vr.rawValue) holds one value, not \(texts.count)", tag: a.tag)
        }
        let joined = texts.joined(separator: "\\")
        if texts.count > 1 || !joined.isEmpty, let p = ValueCheck.problem(joined, vr: vr, vm: vm) {
            try invalid(a.location, p, tag: a.tag)
        }
        var bytes: [UInt8]
        if let encoded = characterSet.encode(joined, vr: vr) {
            bytes = encoded
        } else if vr.usesSpecificCharacterSet {
            needsUnicode = true   // the build is done again in ISO_IR 192
            bytes = Array(joined.utf8)
        } else {
            try invalid(a.location, "VR \(vr.rawValue) holds only ASCII characters (its values use no Specific Character Set)", tag: a.tag)
            bytes = Array(joined.utf8)
        }
        if bytes.count % 2 == 1 { bytes.append(vr.paddingByte) }
        return bytes
    }
}
