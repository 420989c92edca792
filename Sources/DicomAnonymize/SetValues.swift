import DicomCore
import DicomIO

/// The checks of `anonymize --set TAG=VALUE`: the value must be one the attribute can hold, by
/// its VR (PS3.5 6.2: format, length, range) and its VM (PS3.5 6.4, from PS3.6); a private data
/// element needs its private creator (PS3.5 7.8.1), in the data set or set in the same run.
public enum SetValues {
    /// VRs whose value is one value even when it holds a backslash (PS3.5 6.4).
    static let singleValued: Set<VR> = [.LT, .ST, .UT, .UR]
    /// VRs that cannot be given as text on a command line.
    static let notFromText: Set<VR> = [.SQ, .AT, .OB, .OW, .OF, .OD, .OL, .OV, .UN]

    /// Why `value` cannot be written with `vr` and multiplicity `vm` (a PS3.6 VM string, nil when
    /// unknown), nil when it can. An empty value (zero length) is always allowed.
    public static func problem(_ value: String, vr: VR, vm: String?) -> String? {
        if notFromText.contains(vr) { return "a value of VR \(vr.rawValue) cannot be given as text" }
        if value.isEmpty { return nil }
        let values: [Substring] = singleValued.contains(vr) ? [Substring(value)] : value.split(separator: "\\", omittingEmptySubsequences: false)
        if let vm, !VMRange.accepts(vm, count: values.count) {
            return "\(values.count) value\(values.count == 1 ? "" : "s"), but the attribute's VM is \(vm) (values are separated by '\\')"
        }
        for (i, raw) in values.enumerated() {
            let at = values.count > 1 ? "value \(i + 1) '\(raw)'" : "'\(raw)'"
            if let problem = problem(one: String(raw), vr: vr) { return "\(at) is not a valid \(vr.rawValue): \(problem)" }
        }
        return nil
    }

    static func problem(one raw: String, vr: VR) -> String? {
        switch vr {
        case .US, .SS, .UL, .SL, .UV, .SV, .FL, .FD:
            let v = raw.trimmingWhitespace()
            let ok: Bool
            switch vr {
            case .US: ok = UInt16(v) != nil   // conversion: parses text, nil when out of range
            case .SS: ok = Int16(v) != nil   // conversion: parses text, nil when out of range
            case .UL: ok = UInt32(v) != nil   // conversion: parses text, nil when out of range
            case .SL: ok = Int32(v) != nil   // conversion: parses text, nil when out of range
            case .UV: ok = UInt64(v) != nil   // conversion: parses text, nil when out of range
            case .SV: ok = Int64(v) != nil   // conversion: parses text, nil when out of range
            default: ok = Double(v).map { $0.isFinite } ?? false
            }
            guard ok else {
                let ranges: [VR: String] = [.US: "0 to 65535", .SS: "-32768 to 32767", .UL: "0 to 4294967295",
                                            .SL: "-2147483648 to 2147483647", .UV: "0 to 2^64-1", .SV: "-2^63 to 2^63-1"]
                return ranges[vr].map { "not an integer from \($0)" } ?? "not a finite number"
            }
            return nil
        default:
            break
        }
        // Text holds no control characters but ESC; LT, ST and UT also TAB, LF, FF and CR (PS3.5 6.1.3, 6.2).
        let allowed: Set<UInt32> = vr == .LT || vr == .ST || vr == .UT ? [0x09, 0x0A, 0x0C, 0x0D, 0x1B] : [0x1B]
        if raw.unicodeScalars.contains(where: { ($0.value < 0x20 && !allowed.contains($0.value)) || $0.value == 0x7F }) {
            return "it holds control characters"
        }
        // Leading and trailing spaces are padding for these VRs (PS3.5 Table 6.2-1).
        var v = Substring(raw)
        if [.AE, .CS, .DS, .IS, .LO, .SH, .AS, .DT, .TM, .DA, .UI, .PN].contains(vr) {
            while v.first == " " { v = v.dropFirst() }
            while v.last == " " { v = v.dropLast() }
        }
        if !v.isEmpty, let format = ValueFormat.problem(String(v), vr: vr) { return format.message }
        if let max = ValueFormat.maxLength[vr] {
            let length = [.LO, .LT, .SH, .ST].contains(vr) ? v.count : v.utf8.count
            if length > max { return "\(length) characters, more than \(max)" }
        }
        if vr == .UR, v.contains(" ") { return "a URI holds no spaces" }
        return nil
    }

    /// The check of `--set` selectors and values that needs no data set: standard attributes by
    /// the data dictionary (VR and VM); a private data element needs its creator set in the same
    /// run or present in each data set (checked when applied). Throws `.usage`.
    public static func check(_ sets: [(TagSelector, String)]) throws(DicomError) {
        for (selector, value) in sets {
            guard let tag = selector.steps.last?.tag else { continue }
            // The error's tag prefix names the attribute: the message need not repeat it.
            let name = "--set"
            if tag.group == 0x0000 || tag.group == 0x0002 {
                throw DicomError(.usage, "\(name): group \(String(tag.group, radix: 16, uppercase: true)) is not set by --set (file meta and command elements are written by the tool)", tag: tag)
            }
            if tag.isGroupLength { throw DicomError(.usage, "\(name): group lengths are computed, not set", tag: tag) }
            if tag.isPrivate {
                if tag.group <= 0x0007 || tag.group == 0xFFFF || (0x0001...0x000F).contains(tag.element) {
                    throw DicomError(.usage, "\(name): not a valid private tag (PS3.5 7.8.1)", tag: tag)
                }
                if tag.isPrivateCreator {
                    if let p = problem(value, vr: .LO, vm: "1") { throw DicomError(.usage, "\(name) (a private creator): \(p)", tag: tag) }
                    if value.trimmingWhitespace().isEmpty { throw DicomError(.usage, "\(name): a private creator cannot be empty", tag: tag) }
                }
                // A private data element's creator may be in the data set: checked when applied.
                continue
            }
            guard let entry = DataDictionary.entry(for: tag), !entry.vrs.isEmpty else {
                throw DicomError(.usage, "\(name): \(tag) is not in the PS3.6 data dictionary, so its VR is unknown", tag: tag)
            }
            // "US or SS" attributes: the value must fit one of them (the data set's decides when applied).
            var problems: [String] = []
            for vr in entry.vrs {
                if let p = problem(value, vr: vr, vm: entry.vm) { problems.append(p) } else { problems = []; break }
            }
            if let p = problems.first { throw DicomError(.usage, "\(name): \(p)", tag: tag) }
        }
    }

    /// The VR and VM a `--set` value (anonymize's, modify's) of `tag` is checked and written with: a standard attribute's
    /// VR in the data set when the dictionary allows it, else the dictionary's; a private data
    /// element's VR in the data set, else the private dictionary's for its creator, else LO. A
    /// private data element whose creator (gggg,00xx) is not in the data set is refused (PS3.5 7.8.1).
    public static func vr(for tag: Tag, in ds: Dataset, path: String, flag: String = "--set") throws(DicomError) -> (VR, String?) {
        let existing = ds[tag].map(\.vr).flatMap { $0 == .UN ? nil : $0 }
        if tag.isPrivateCreator { return (.LO, "1") }
        if tag.isPrivate {
            guard let creatorTag = tag.privateCreatorTag else {
                throw DicomError(.usage, "\(flag)\(path): not a private data element or creator (PS3.5 7.8.1)", tag: tag)
            }
            guard let creator = ds.string(creatorTag)?.trimmingWhitespace(), !creator.isEmpty else {
                throw DicomError(.usage, "\(flag)\(path): a private element needs its private creator \(creatorTag) in the data set "
                                 + "(set it too, e.g. --set '\(creatorTag)=VENDOR NAME', or --keep it)", tag: tag)
            }
            if let existing { return (existing, nil) }
            if let entry = PrivateDictionary.entry(creator: creator, tag: tag), let vr = entry.vr { return (vr, entry.vm) }
            return (.LO, nil)   // unknown to the dictionaries: text, as most private values are
        }
        guard let entry = DataDictionary.entry(for: tag), let first = entry.vr else {
            if let existing { return (existing, nil) }
            throw DicomError(.usage, "\(flag)\(path): not in the PS3.6 data dictionary, so its VR is unknown", tag: tag)
        }
        if let existing, entry.vrs.contains(existing) { return (existing, entry.vm) }
        return (first, entry.vm)
    }

    /// Bytes of `text` as a value of `vr`: text VRs as given, binary numbers parsed.
    public static func binaryValue(_ text: String, vr: VR) -> [UInt8]? {
        if vr.isString { return Array(text.utf8) }
        let parts = text.split(separator: "\\").map { $0.trimmingWhitespace() }
        var out: [UInt8] = []
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for p in parts {
            switch vr {
            case .US: guard let v = UInt16(p) else { return nil }; append(v)
            case .SS: guard let v = Int16(p) else { return nil }; append(v)
            case .UL: guard let v = UInt32(p) else { return nil }; append(v)
            case .SL: guard let v = Int32(p) else { return nil }; append(v)
            case .UV: guard let v = UInt64(p) else { return nil }; append(v)
            case .SV: guard let v = Int64(p) else { return nil }; append(v)
            case .FL: guard let v = Float(p) else { return nil }; append(v.bitPattern)
            case .FD: guard let v = Double(p) else { return nil }; append(v.bitPattern)
            default: return nil
            }
        }
        return out
    }
}
