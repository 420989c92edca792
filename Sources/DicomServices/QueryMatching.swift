import DicomAnonymize
import DicomCore
import DicomEdit

/// The values a C-FIND matching key may hold (PS3.4 C.2.2.2): a single value, a list of UIDs, wild
/// cards, a date or time range, or nothing (universal matching). Each value in it is checked as
/// `modify` checks a value of its VR, once the matching syntax is taken off.
public enum QueryMatching {
    /// VRs whose keys may hold the wild cards `*` and `?` (PS3.4 C.2.2.2.4).
    public static let wildCardVRs: Set<VR> = [.AE, .CS, .LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT]
    /// VRs whose keys may be ranges `A-B`, `-B`, `A-` (PS3.4 C.2.2.2.5).
    public static let rangeVRs: Set<VR> = [.DA, .TM, .DT]

    /// The rule of `DatasetEditing` for identifiers: empty return keys of sequences allowed.
    public static let rules = EditValueRules(problem: { text, vr, _ in problem(text, vr: vr) }, emptyValueMakesEmptySequence: true)

    /// Why `text` cannot be a matching key of `vr`; nil when it can. A list (`A\B`) is checked value
    /// by value and not against the attribute's VM: UID lists are standard (PS3.4 C.2.2.2.2) and
    /// many peers read other lists as "any of these".
    public static func problem(_ text: String, vr: VR) -> String? {
        if text.isEmpty { return nil }
        if vr == .SQ {
            return "a sequence is matched through the attributes of its items (Sequence[0].Attribute=VALUE), or returned whole with an empty value"
        }
        if [.OB, .OW, .OF, .OD, .OL, .OV, .UN, .AT].contains(vr) {
            return "a value of VR \(vr.rawValue) cannot be a matching key; give it an empty value to have it returned"
        }
        let values = [.LT, .ST, .UT, .UR].contains(vr) ? [Substring(text)] : text.split(separator: "\\", omittingEmptySubsequences: false)
        for (i, value) in values.enumerated() {
            let at = values.count > 1 ? "value \(i + 1) '\(value)'" : "'\(value)'"
            if let problem = problem(one: String(value), vr: vr) { return "\(at): \(problem)" }
        }
        return nil
    }

    static func problem(one value: String, vr: VR) -> String? {
        if rangeVRs.contains(vr), let (low, high) = rangeEnds(value, vr: vr) {
            if low.isEmpty && high.isEmpty { return "a range needs at least one end (A-B, -B or A-)" }
            for end in [low, high] where !end.isEmpty {
                if let problem = ValueCheck.problem(end, vr: vr, vm: "1") { return "range end \(problem)" }
            }
            return nil
        }
        if value.contains(where: { $0 == "*" || $0 == "?" }) {
            guard wildCardVRs.contains(vr) else {
                let instead = rangeVRs.contains(vr) ? " (a range such as 20240101-20241231 or an empty value matches several)" : ""
                return "the wild cards * and ? match only \(wildCardVRs.map(\.rawValue).sorted().joined(separator: ", ")) values, not \(vr.rawValue)\(instead)"
            }
            let rest = value.filter { $0 != "*" && $0 != "?" }
            return rest.isEmpty ? nil : ValueCheck.problem(rest, vr: vr, vm: "1")
        }
        return ValueCheck.problem(value, vr: vr, vm: "1")
    }

    /// The two ends of a range, or nil when `value` is a single value. A DT may hold a '-' in its
    /// UTC offset (20240101120000-0500): the split is the '-' that leaves valid values each side.
    static func rangeEnds(_ value: String, vr: VR) -> (String, String)? {
        let dashes = value.indices.filter { value[$0] == "-" }
        guard !dashes.isEmpty else { return nil }
        if vr != .DT {
            guard dashes.count == 1, let dash = dashes.first else { return (value, "") }
            return (String(value[..<dash]), String(value[value.index(after: dash)...]))
        }
        if ValueCheck.problem(value, vr: .DT, vm: "1") == nil { return nil }
        for dash in dashes {
            let low = String(value[..<dash]), high = String(value[value.index(after: dash)...])
            if (low.isEmpty || ValueCheck.problem(low, vr: .DT, vm: "1") == nil)
                && (high.isEmpty || ValueCheck.problem(high, vr: .DT, vm: "1") == nil) {
                return (low, high)
            }
        }
        return (value, "")
    }
}
