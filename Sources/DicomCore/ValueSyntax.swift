import FoundationEssentials

// The value syntax of the VRs and the VM strings of PS3.6: facts of the standard that validate
// checks files against and anonymize checks `--set` values against.

/// VM strings of PS3.6: "1", "2", "1-3", "1-n", "2-2n", "3-3n", "1-n or 1".
public enum VMRange {
    public static func accepts(_ vm: String, count: Int) -> Bool {
        for alternative in vm.components(separatedBy: " or ") {
            let parts = alternative.split(separator: "-").map(String.init)
            if parts.count == 1 {
                if let n = Int(parts[0]) { if n == count { return true } } else { return true }
                continue
            }
            guard parts.count == 2, let low = Int(parts[0]) else { return true }
            let high = parts[1]
            if high == "n" { if count >= low { return true } ; continue }
            if high.hasSuffix("n") {
                let step = Int(high.dropLast()) ?? 1  // conversion: parses text: nil when not a number
                if count >= low && step > 0 && count % step == 0 { return true }
                continue
            }
            if let h = Int(high), (low...max(low, h)).contains(count) { return true }
        }
        return false
    }
}

/// The value syntax of each VR (PS3.5 Table 6.2-1). Returns a rule suffix and a message, or nil.
public enum ValueFormat {
    /// Maximum value length per VR in bytes (characters for the text VRs), PS3.5 Table 6.2-1.
    public static let maxLength: [VR: Int] = [.AE: 16, .AS: 4, .CS: 16, .DA: 8, .DS: 16, .DT: 26, .IS: 12, .LO: 64,
                                              .LT: 10240, .SH: 16, .ST: 1024, .TM: 14, .UI: 64]

    public static func problem(_ v: String, vr: VR) -> (rule: String, message: String)? {
        let b = Array(v.utf8)
        func digits(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count, r.allSatisfy({ b[$0] >= 48 && b[$0] <= 57 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(widening: b[$1] - 48) }
        }
        switch vr {
        case .DA:
            guard b.count == 8, let y = digits(0..<4), let m = digits(4..<6), let d = digits(6..<8) else {
                return ("format", "is not YYYYMMDD")
            }
            if !validDate(y, m, d) { return ("format", "is not a calendar date") }
        case .TM:
            if !validTime(b[...]) { return ("format", "is not HH[MM[SS[.FFFFFF]]]") }
        case .DT:
            var body = b[...]
            if let sign = b.lastIndex(where: { $0 == 43 || $0 == 45 }), sign >= 4 {
                let zone = b[(sign + 1)...]
                guard zone.count == 4, let hh = digits((sign + 1)..<(sign + 3)), let mm = digits((sign + 3)..<(sign + 5)),
                      hh <= 14, mm < 60 else { return ("format", "has an invalid UTC offset (&ZZXX)") }
                body = b[..<sign]
            }
            let dateLen = min(body.count, 8)
            guard [4, 6, 8].contains(dateLen), let y = digits(0..<4) else { return ("format", "is not YYYY[MM[DD[HH[MM[SS[.F]]]]]]") }
            if dateLen >= 6 { guard let m = digits(4..<6), (1...12).contains(m) else { return ("format", "has an invalid month") } }
            if dateLen == 8 {
                guard let m = digits(4..<6), let d = digits(6..<8), validDate(y, m, d) else { return ("format", "has an invalid date") }
            }
            if body.count > 8 && !validTime(body.dropFirst(8)) { return ("format", "has an invalid time part") }
        case .AS:
            guard b.count == 4, digits(0..<3) != nil, "DWMY".utf8.contains(b[3]) else { return ("format", "is not nnnD, nnnW, nnnM or nnnY") }
        case .DS:
            if !isDecimal(b) { return ("format", "is not a decimal string") }
        case .IS:
            guard let n = Int(v), n >= -2_147_483_648, n <= 2_147_483_647, b.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 45 })
            else { return ("format", "is not an integer in -2^31...2^31-1") }
        case .UI:
            if !v.contains(".") { return ("syntax", "has a single component (a UID is a root and a suffix)") }
            if !(v.hasPrefix("0.") || v.hasPrefix("1.") || v.hasPrefix("2.")) {
                return ("syntax", "does not start with an ISO/ITU-T root arc (0, 1 or 2)")
            }
            let components = v.split(separator: ".", omittingEmptySubsequences: false)
            for c in components {
                if c.isEmpty || !c.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return ("syntax", "is not dot-separated digits") }
                if c.count > 1 && c.first == "0" { return ("syntax", "has a component with a leading zero") }
            }
        case .CS:
            if !b.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 32 || $0 == 95 }) {
                return ("repertoire", "has characters outside A-Z 0-9 space underscore")
            }
        case .PN:
            let groups = v.split(separator: "=", omittingEmptySubsequences: false)
            if groups.count > 3 { return ("groups", "has \(groups.count) component groups, at most 3") }
            for g in groups {
                if g.split(separator: "^", omittingEmptySubsequences: false).count > 5 { return ("groups", "has more than 5 components in a group") }
                if g.count > 64 { return ("length", "has a component group longer than 64 characters") }
            }
            if v.unicodeScalars.contains(where: { $0.value < 0x20 && $0.value != 0x1B }) {
                return ("repertoire", "contains control characters")
            }
        case .AE, .SH, .LO:
            if v.unicodeScalars.contains(where: { $0.value < 0x20 && $0.value != 0x1B }) {
                return ("repertoire", "contains control characters")
            }
        default: break
        }
        return nil
    }

    public static func validDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1...12).contains(m), d >= 1 else { return false }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// HH[MM[SS[.F{1,6}]]] with the ranges of PS3.5 (SS may be 60 for a leap second).
    public static func validTime(_ t: ArraySlice<UInt8>) -> Bool {
        let b = Array(t)
        var whole = b, fraction: [UInt8] = []
        if let dot = b.firstIndex(of: 46) { whole = Array(b[..<dot]); fraction = Array(b[(dot + 1)...]) }
        guard [2, 4, 6].contains(whole.count), whole.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        if b.contains(46) && (whole.count != 6 || fraction.isEmpty || fraction.count > 6 || !fraction.allSatisfy({ $0 >= 48 && $0 <= 57 })) {
            return false
        }
        func n(_ i: Int) -> Int { Int(widening: whole[i] - 48) * 10 + Int(widening: whole[i + 1] - 48) }
        if n(0) > 23 { return false }
        if whole.count >= 4 && n(2) > 59 { return false }
        if whole.count == 6 && n(4) > 60 { return false }
        return true
    }

    public static func isDecimal(_ b: [UInt8]) -> Bool {
        var i = 0
        if i < b.count && (b[i] == 43 || b[i] == 45) { i += 1 }
        var mantissa = 0
        while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1; mantissa += 1 }
        if i < b.count && b[i] == 46 {
            i += 1
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1; mantissa += 1 }
        }
        guard mantissa > 0 else { return false }
        if i < b.count && (b[i] == 69 || b[i] == 101) {
            i += 1
            if i < b.count && (b[i] == 43 || b[i] == 45) { i += 1 }
            var exp = 0
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1; exp += 1 }
            guard exp > 0 else { return false }
        }
        return i == b.count
    }
}
