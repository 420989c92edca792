// The check of a value typed as text against its VR and VM: one checker for every command that
// takes values (anonymize and modify --set, create's models, a query's keys, a private creator
// in an attribute path).

/// Whether text can be written as a value of a VR with a VM (PS3.5 6.2 format, length and range;
/// PS3.5 6.4 multiplicity).
public enum ValueCheck {
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

}
