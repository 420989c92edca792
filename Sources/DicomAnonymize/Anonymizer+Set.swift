import DicomCore
import DicomIO

/// `--set PATH=VALUE`: values written into the anonymized data set, checked against the attribute's
/// VR and VM first (`SetValues`).
extension Anonymizer {
    func apply(set steps: ArraySlice<EditPath.Step>, value: String, to ds: inout Dataset,
               path: String, report: inout AnonymizeReport) throws(DicomError) {
        guard let step = steps.first else { return }
        let tag = try resolve(step.name, in: &ds, creating: steps.count == 1, path: path)
        let here = path + tag.description
        if steps.count == 1 {
            // At the top level the error's tag prefix names the attribute; inside items the path does.
            let shown = path.isEmpty ? "" : " " + here
            let (vr, vm) = try SetValues.vr(for: tag, in: ds, path: shown)
            if let problem = ValueCheck.problem(value, vr: vr, vm: vm) {
                throw DicomError(.usage, "--set\(shown): \(problem)", tag: tag)
            }
            let old = ds[tag].flatMap { $0.valueBytes }.map { ds.decodeText($0, vr: vr) }
            guard let bytes = SetValues.binaryValue(value, vr: vr) else {
                throw DicomError(.usage, "--set\(shown): '\(value)' is not a valid \(vr.rawValue) value", tag: tag)
            }
            if vr.isString { ds.setString(tag, vr, value) } else {
                ds.set(Element(tag: tag, vr: vr, value: .bytes(ValueBytes(bytes))))
            }
            report.record(here, tag, "set", old: old, new: value)
            return
        }
        guard var items = ds.items(tag) else {
            throw DicomError(.usage, "--set: \(here) is not a sequence present in the data set", tag: tag)
        }
        for i in items.indices {
            if case .index(let wanted)? = step.items, wanted != i { continue }
            try apply(set: steps.dropFirst(), value: value, to: &items[i], path: here + "[\(i)].", report: &report)
        }
        if case .index(let wanted)? = step.items, wanted >= items.count {
            throw DicomError(.usage, "--set: \(here) has no item \(wanted)", tag: tag)
        }
        ds.setSequence(tag, items)
    }

    /// The tag `name` has in `ds`. A private element by creator whose creator has no block yet
    /// gets one (the first free block, the creator inserted: as modify does) when it is the
    /// attribute being set; a sequence on the way must be there.
    private func resolve(_ name: AttributeName, in ds: inout Dataset, creating: Bool, path: String) throws(DicomError) -> Tag {
        if let tag = name.resolve(in: ds) { return tag }
        guard case .privateElement(let group, let creator, let element) = name, creating else {
            throw DicomError(.usage, "--set: \(path)\(name) is not a sequence present in the data set")
        }
        guard let block = AttributeName.freeBlock(group: group, in: ds) else {
            throw DicomError(.usage, "--set: \(path)\(name): group \(hex4(group)) has no free private block for the creator")
        }
        ds.setString(Tag(group, block), .LO, creator)
        return Tag(group, block << 8 | UInt16(widening: element))
    }
}
