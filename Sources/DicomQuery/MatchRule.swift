import DicomCore

/// How one key's value matches an attribute's values: the attribute matching of a C-FIND request
/// (PS3.4 C.2.2.2), chosen from the key's value and the attribute's VR, checked before anything is
/// read. A multi-valued attribute matches when any one of its values matches.
public enum MatchRule: Sendable, Equatable {
    /// An empty value: the attribute is present (C.2.2.2.3; in C-FIND every entity matches, here a
    /// file matches when it has the attribute, empty or not).
    case universal
    /// Single value matching (C.2.2.2.1): the same text, case-sensitive; PN ignoring case, as the
    /// standard allows for PN only.
    case single(String)
    /// Wild card matching (C.2.2.2.4): `*` any run of characters (none too), `?` one character.
    case wildcard(String)
    /// List of UID matching (C.2.2.2.2): `uid1\uid2`, any one of them.
    case uidList([String])
    /// Range matching (C.2.2.2.5) for DA, TM and DT, and single values of those VRs, which match
    /// the span they name (`1200` is 12:00:00 to 12:00:59.999999; a full value is one instant).
    case span(TemporalSpan)
    /// Single value matching of a number (IS, DS and the binary number VRs), by value: `1.0` is `1`.
    case number(Double)
    /// Single value matching of an AT value.
    case tag(Tag)

    /// VRs whose values wild cards may match (C.2.2.2.4 excludes dates, times, numbers, binary
    /// values, AT, AS and UI).
    public static func allowsWildcards(_ vr: VR) -> Bool {
        switch vr {
        case .AE, .CS, .LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT: return true
        default: return false
        }
    }

    /// The rule for `value` on an attribute of `vr` (nil: not in the data dictionary, e.g. a private
    /// element: its values are compared as text, wild cards allowed). Throws `.usage` naming `key`
    /// and the reason for a value the VR cannot match.
    public init(parsing value: String, vr: VR?, key: String) throws(DicomError) {
        func refuse(_ reason: String) -> DicomError {
            DicomError(.usage, "--where \(key)=\(value): \(reason)")
        }
        if value.isEmpty {
            self = .universal
            return
        }
        let hasWildcard = value.contains("*") || value.contains("?")
        let hasList = value.contains("\\")
        guard let vr else {
            guard !hasList else { throw refuse("a list of values ('\\') is for UIDs only (PS3.4 C.2.2.2.2)") }
            self = hasWildcard ? .wildcard(value) : .single(value.trimmingWhitespace())
            return
        }
        if hasWildcard && !Self.allowsWildcards(vr) {
            throw refuse("wild cards '*' and '?' cannot match \(vr.rawValue) values (PS3.4 C.2.2.2.4)"
                         + (vr == .DA || vr == .TM || vr == .DT ? "; use a range such as 20190101-20191231" : ""))
        }
        if hasList && vr != .UI && vr != .LT && vr != .ST && vr != .UT && vr != .UR {
            throw refuse("a list of values ('\\') is for UIDs only (PS3.4 C.2.2.2.2); a multi-valued attribute "
                         + "matches when any one of its values matches")
        }
        switch vr {
        case .SQ:
            throw refuse("a sequence matches through the attributes of its items: give a path such as "
                         + "\(key)[*].Keyword=VALUE, or \(key)= for its presence")
        case .OB, .OW, .OF, .OD, .OL, .OV, .UN:
            throw refuse("\(vr.rawValue) values cannot be matched; only their presence (\(key)=)")
        case .UI:
            let uids = hasList ? value.split(separator: "\\", omittingEmptySubsequences: false).map(String.init) : [value]
            for uid in uids where !Self.isUID(uid) {
                throw refuse("'\(uid)' is not a UID (digits and dots, at most 64 characters)")
            }
            self = hasList ? .uidList(uids) : .single(value)
        case .DA, .TM, .DT:
            self = .span(try Self.span(value, vr: vr, refuse: refuse))
        case .IS, .DS, .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV:
            guard let number = Double(value.trimmingWhitespace()), number.isFinite else {
                throw refuse("not a number, as \(vr.rawValue) values are")
            }
            self = .number(number)
        case .AT:
            guard let tag = Tag(parsing: value) ?? DataDictionary.tag(forKeyword: value) else {
                throw refuse("an AT value is a tag such as (0010,0010) or a keyword")
            }
            self = .tag(tag)
        case .LT, .ST, .UT, .UR:
            // Leading spaces are significant in these VRs; trailing ones are padding.
            self = hasWildcard ? .wildcard(value) : .single(value.trimmingTrailingSpaces())
        default:
            self = hasWildcard ? .wildcard(value) : .single(value.trimmingWhitespace())
        }
    }

    static func isUID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { $0 == 0x2E || (0x30...0x39).contains($0) }
    }

    /// `A-B`, `-B`, `A-` or a single value `A` of a DA, TM or DT. For DT a `-` may also be a UTC
    /// offset's sign: the first split whose two sides are both values wins, then an open range, then
    /// the whole text as one value.
    static func span(_ text: String, vr: VR, refuse: (String) -> DicomError) throws(DicomError) -> TemporalSpan {
        let what = vr == .DA ? "a date YYYYMMDD (a range end may be YYYY or YYYYMM)"
            : vr == .TM ? "a time HHMMSS.FFFFFF (or a prefix of it)" : "a date-time YYYYMMDDHHMMSS.FFFFFF&ZZXX (or a prefix of it)"
        let dashes = text.indices.filter { text[$0] == "-" }
        if vr != .DT && dashes.count > 1 { throw refuse("a range is A-B, -B or A- (one '-')") }
        var candidates: [(String, String)] = dashes.map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
        // Closed ranges first (DT: '-' inside a side is then an offset sign).
        candidates.sort { a, b in (!a.0.isEmpty && !a.1.isEmpty) && (b.0.isEmpty || b.1.isEmpty) }
        var reversed = false
        for (low, high) in candidates {
            if low.isEmpty && high.isEmpty { throw refuse("a range needs at least one end") }
            let lower = low.isEmpty ? TemporalSpan(lower: Int64.min, upper: Int64.min) : TemporalSpan(low, vr: vr, partial: true)
            let upper = high.isEmpty ? TemporalSpan(lower: Int64.max, upper: Int64.max) : TemporalSpan(high, vr: vr, partial: true)
            guard let lower, let upper else { continue }
            guard lower.lower <= upper.upper else { reversed = true; continue }
            return TemporalSpan(lower: lower.lower, upper: upper.upper)
        }
        if vr == .DT || dashes.isEmpty, let single = TemporalSpan(text, vr: vr, partial: vr != .DA) {
            return single
        }
        if reversed { throw refuse("the range ends before it starts") }
        throw refuse(dashes.isEmpty ? "not \(what)" : "a range of \(vr.rawValue) is A-B, -B or A-, each end \(what)")
    }

    /// Whether one value of an attribute of `vr` (as `ValueText.values` gives it) matches.
    public func matches(_ value: String, vr: VR) -> Bool {
        switch self {
        case .universal:
            return true
        case .single(let wanted):
            let have = vr == .LT || vr == .ST || vr == .UT || vr == .UR ? value.trimmingTrailingSpaces() : value.trimmingWhitespace()
            return vr == .PN ? have.lowercased() == wanted.lowercased() : have == wanted
        case .wildcard(let pattern):
            let have = vr == .LT || vr == .ST || vr == .UT || vr == .UR ? value.trimmingTrailingSpaces() : value.trimmingWhitespace()
            return vr == .PN ? Self.glob(Array(pattern.lowercased()), Array(have.lowercased())) : Self.glob(Array(pattern), Array(have))
        case .uidList(let uids):
            return uids.contains(value.trimmingWhitespace())
        case .span(let span):
            guard let have = TemporalSpan(value.trimmingWhitespace(), vr: vr) else { return false }
            return have.lower >= span.lower && have.lower <= span.upper
        case .number(let wanted):
            return Double(value.trimmingWhitespace()) == wanted
        case .tag(let wanted):
            return value == wanted.compactHex
        }
    }

    /// `*` and `?` over characters (iterative, backtracking to the last `*` only: linear in
    /// practice, never exponential).
    static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var star: Int?, resume = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == text[t])) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if let s = star {
                p = s + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
