import DicomCore
import DicomIO

/// `--set TAG=VALUE`: values written into the anonymized data set, checked against the attribute's
/// VR and VM first (`SetValues`).
extension Anonymizer {
    func apply(set steps: ArraySlice<TagSelector.Step>, value: String, to ds: inout Dataset,
                       path: String, report: inout AnonymizeReport) throws(DicomError) {
        guard let step = steps.first else { return }
        let here = path + step.tag.description
        if steps.count == 1 {
            // At the top level the error's tag prefix names the attribute; inside items the path does.
            let shown = path.isEmpty ? "" : " " + here
            let (vr, vm) = try Self.setVR(step.tag, in: ds, path: shown)
            if let problem = SetValues.problem(value, vr: vr, vm: vm) {
                throw DicomError(.usage, "--set\(shown): \(problem)", tag: step.tag)
            }
            let old = ds[step.tag].flatMap { $0.valueBytes }.map { ds.decodeText($0, vr: vr) }
            guard let bytes = Anonymizer.encode(value, vr: vr) else {
                throw DicomError(.usage, "--set\(shown): '\(value)' is not a valid \(vr.rawValue) value", tag: step.tag)
            }
            if vr.isString { ds.setString(step.tag, vr, value) } else {
                ds.set(Element(tag: step.tag, vr: vr, value: .bytes(ValueBytes(bytes))))
            }
            report.record(here, step.tag, "set", old: old, new: value)
            return
        }
        guard var items = ds.items(step.tag) else {
            throw DicomError(.usage, "--set: \(here) is not a sequence present in the data set", tag: step.tag)
        }
        for i in items.indices where step.item == nil || step.item == i {
            try apply(set: steps.dropFirst(), value: value, to: &items[i], path: here + "[\(i)].", report: &report)
        }
        if let item = step.item, item >= items.count {
            throw DicomError(.usage, "--set: \(here) has no item \(item)", tag: step.tag)
        }
        ds.setSequence(step.tag, items)
    }

    /// The VR and VM a `--set` value of `tag` is checked and written with: a standard attribute's
    /// VR in the data set when the dictionary allows it, else the dictionary's; a private data
    /// element's VR in the data set, else the private dictionary's for its creator, else LO. A
    /// private data element whose creator (gggg,00xx) is not in the data set is refused (PS3.5 7.8.1).
    static func setVR(_ tag: Tag, in ds: Dataset, path: String) throws(DicomError) -> (VR, String?) {
        let existing = ds[tag].map(\.vr).flatMap { $0 == .UN ? nil : $0 }
        if tag.isPrivateCreator { return (.LO, "1") }
        if tag.isPrivate {
            guard let creatorTag = tag.privateCreatorTag else {
                throw DicomError(.usage, "--set\(path): not a private data element or creator (PS3.5 7.8.1)", tag: tag)
            }
            guard let creator = ds.string(creatorTag)?.trimmingWhitespace(), !creator.isEmpty else {
                throw DicomError(.usage, "--set\(path): a private element needs its private creator \(creatorTag) in the data set "
                                 + "(set it too, e.g. --set '\(creatorTag)=VENDOR NAME', or --keep it)", tag: tag)
            }
            if let existing { return (existing, nil) }
            if let entry = PrivateDictionary.entry(creator: creator, tag: tag), let vr = entry.vr { return (vr, entry.vm) }
            return (.LO, nil)   // unknown to the dictionaries: text, as most private values are
        }
        guard let entry = DataDictionary.entry(for: tag), let first = entry.vr else {
            if let existing { return (existing, nil) }
            throw DicomError(.usage, "--set\(path): not in the PS3.6 data dictionary, so its VR is unknown", tag: tag)
        }
        if let existing, entry.vrs.contains(existing) { return (existing, entry.vm) }
        return (first, entry.vm)
    }

    /// Bytes of `text` as a value of `vr`: text VRs as given, binary numbers parsed.
    static func encode(_ text: String, vr: VR) -> [UInt8]? {
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
