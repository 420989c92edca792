import DicomCore
import DicomIO

/// The checks of `anonymize --set TAG=VALUE`: the value must be one the attribute can hold, by
/// its VR (PS3.5 6.2: format, length, range) and its VM (PS3.5 6.4, from PS3.6); a private data
/// element needs its private creator (PS3.5 7.8.1), in the data set or set in the same run.
public enum SetValues {
    /// The check of `--set` selectors and values that needs no data set: standard attributes by
    /// the data dictionary (VR and VM); a private data element needs its creator set in the same
    /// run or present in each data set (checked when applied). Throws `.usage`.
    public static func check(_ sets: [(EditPath, String)]) throws(DicomError) {
        for (path, value) in sets {
            let name = "--set"
            guard let last = path.steps.last else { continue }
            if last.items != nil {
                throw DicomError(.usage, "\(name) \(path): names items of a sequence, which have no value; name an attribute inside them (\(path).Keyword)")
            }
            // A private element by creator: its creator is found or inserted when applied.
            guard case .tag(let tag) = last.name else { continue }
            // The error's tag prefix names the attribute: the message need not repeat it.
            if tag.group == 0x0000 || tag.group == 0x0002 {
                throw DicomError(.usage, "\(name): group \(String(tag.group, radix: 16, uppercase: true)) is not set by --set (file meta and command elements are written by the tool)", tag: tag)
            }
            if tag.isGroupLength { throw DicomError(.usage, "\(name): group lengths are computed, not set", tag: tag) }
            if tag.isPrivate {
                if tag.group <= 0x0007 || tag.group == 0xFFFF || (0x0001...0x000F).contains(tag.element) {
                    throw DicomError(.usage, "\(name): not a valid private tag (PS3.5 7.8.1)", tag: tag)
                }
                if tag.isPrivateCreator {
                    if let p = ValueCheck.problem(value, vr: .LO, vm: "1") { throw DicomError(.usage, "\(name) (a private creator): \(p)", tag: tag) }
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
                if let p = ValueCheck.problem(value, vr: vr, vm: entry.vm) { problems.append(p) } else { problems = []; break }
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
