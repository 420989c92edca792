import DicomCore
import FoundationEssentials

/// Turns element values into text for people (dump) and into typed values for the JSON and XML models.
public enum ValueText {
    /// Text with control bytes escaped, so a value can never break a line or a terminal.
    public static func escaped(_ s: String) -> String {
        if !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return s }
        var out = ""
        out.reserveCapacity(s.count + 8)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7F: out += "\\x" + NumberText.hex(u.value, width: 2, uppercase: true)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The value split into its values (VM), as text; binary numbers formatted; nil for bulk VRs.
    public static func values(_ e: Element, in ds: Dataset) -> [String]? {
        guard let b = e.valueBytes else { return nil }
        switch e.vr {
        case .AT:
            return b.withUnsafeBytes { raw in
                stride(from: 0, to: raw.count - 3, by: 4).map { i in
                    let g = UInt16(raw[i]) | UInt16(raw[i + 1]) << 8, el = UInt16(raw[i + 2]) | UInt16(raw[i + 3]) << 8
                    let t = b.isBigEndian ? Tag(g.byteSwapped, el.byteSwapped) : Tag(g, el)
                    return t.compactHex
                }
            }
        case .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD:
            return binaryValues(b, vr: e.vr).map(\.text)
        case .OB, .OW, .OF, .OD, .OL, .OV, .UN, .SQ:
            return nil
        case .LT, .ST, .UT, .UR:
            let s = ds.decodeText(b, vr: e.vr)
            return s.isEmpty ? [] : [s]
        default:
            let s = ds.decodeText(b, vr: e.vr)
            if s.isEmpty { return [] }
            return s.split(separator: "\\", omittingEmptySubsequences: false).map { part in
                // Leading spaces are padding for most string VRs (PS3.5 6.2), not for text VRs above.
                e.vr == .PN ? String(part).trimmingTrailingSpaces() : part.trimmingWhitespace()
            }
        }
    }

    static func hexBytes(_ b: ValueBytes, max: Int?) -> String {
        b.withUnsafeBytes { raw in
            let n = max.map { Swift.min($0, raw.count) } ?? raw.count
            var s = ""
            s.reserveCapacity(n * 3)
            for i in 0..<n {
                if i > 0 { s += "\\" }
                s += NumberText.hex(raw[i], width: 2)
            }
            if n < raw.count { s += "..." }
            return s
        }
    }

    static func hexWords(_ b: ValueBytes, max: Int?) -> String {
        let words = binaryValues(b, vr: .OW)
        let n = max.map { Swift.min($0, words.count) } ?? words.count
        var s = words[0..<n].map { word in
            guard case .unsigned(let w) = word else { return "" }
            return NumberText.hex(w, width: 4)
        }.joined(separator: "\\")
        if n < words.count { s += "..." }
        return s
    }
}
