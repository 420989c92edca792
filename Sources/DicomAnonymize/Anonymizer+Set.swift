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
            let (vr, vm) = try SetValues.vr(for: step.tag, in: ds, path: shown)
            if let problem = SetValues.problem(value, vr: vr, vm: vm) {
                throw DicomError(.usage, "--set\(shown): \(problem)", tag: step.tag)
            }
            let old = ds[step.tag].flatMap { $0.valueBytes }.map { ds.decodeText($0, vr: vr) }
            guard let bytes = SetValues.binaryValue(value, vr: vr) else {
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
}
