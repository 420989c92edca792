import DicomCore
import DicomIO

/// One value of an element, typed by its VR, for comparison with the values PS3.3 writes in its
/// tables (enumerated values, the values of 1C/2C conditions): numbers compare as numbers, tags as
/// tags, text as text. PS3.3 writes the numbers of binary VRs in several forms ("0001H", "0001",
/// "1", "+1", "FFFFH", "00181063H" for a tag), so a textual comparison of "4" with "0004" or of
/// "1" with "+1" reports conformant values as errors (dciodvfy compares them as numbers).
enum TypedValue: Equatable, CustomStringConvertible {
    /// US, SS, UL, SL, SV, UV exactly, and IS text that is an integer.
    case integer(Int128)
    /// FL, FD, and DS text (IS text that is a decimal but no integer).
    case real(Double, single: Bool)
    /// AT: (group << 16) | element.
    case tag(UInt32)
    /// Every text VR, trimmed as PS3.5 Table 6.2-1 allows for it (and IS/DS text that is no number).
    case text(String)

    var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v, _): return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)  // conversion: a whole number below 1e15
        case .tag(let t): return Tag(rawValue: t).description
        case .text(let s): return s
        }
    }

    /// Whether the value is empty text (an empty value of a multi-valued text element).
    var isEmpty: Bool {
        if case .text(let s) = self { return s.isEmpty }
        return false
    }

    /// The values of `e` (an element of `item`, whose character set decodes its text); [] for a VR
    /// with no comparable values (sequences, OB/OW/UN bulk data).
    static func values(of e: Element, in item: Dataset) -> [TypedValue] {
        switch e.vr {
        case .IS, .DS:
            return (item.strings(e.tag) ?? []).map { number(text: $0, vr: e.vr) }
        case .US, .SS, .UL, .SL, .SV, .UV:
            return e.valueBytes.map { integers($0, vr: e.vr).map(TypedValue.integer) } ?? []
        case .FL, .FD:
            return e.valueBytes.map { vb in binaryNumbers(vb, vr: e.vr).map { TypedValue.real($0, single: e.vr == .FL) } } ?? []
        case .AT:
            return e.valueBytes.map { tags($0).map(TypedValue.tag) } ?? []
        default:
            guard e.vr.isString else { return [] }
            return (item.strings(e.tag) ?? []).map(TypedValue.text)
        }
    }

    /// IS/DS text as a number when it is one (PS3.5 Table 6.2-1 syntax), else as text.
    static func number(text: String, vr: VR) -> TypedValue {
        if text.isEmpty { return .text(text) }
        if vr == .IS, let n = Int64(text) { return .integer(Int128(n)) }
        // Double(_:) also takes "nan", "inf" and hexadecimal floats, which no DS/IS value may be.
        guard ValueFormat.isDecimal(Array(text.utf8)), let d = Double(text), d.isFinite else { return .text(text) }
        return .real(d, single: false)
    }

    /// Exact integers of a binary VR, in the value's byte order (DicomIO's binaryValues: a Double
    /// would round SV/UV).
    static func integers(_ vb: ValueBytes, vr: VR) -> [Int128] {
        binaryValues(vb, vr: vr).compactMap { n in
            switch n {
            case .signed(let v): return Int128(v)
            case .unsigned(let v): return Int128(v)
            case .single, .double: return nil
            }
        }
    }

    /// AT values: pairs of 16-bit group and element numbers, each in the value's byte order.
    static func tags(_ vb: ValueBytes) -> [UInt32] {
        integers(vb, vr: .US).chunked2().map { UInt32(truncatingIfNeeded: $0.0) << 16 | UInt32(truncatingIfNeeded: $0.1) }
    }

    /// Whether this value is the one PS3.3 writes as `standard` for an element of VR `vr`.
    func matches(_ standard: String, vr: VR) -> Bool {
        switch self {
        case .text(let s): return s == standard
        case .integer(let v): return Self.integer(standard, vr: vr) == v
        case .real(let v, let single):
            guard ValueFormat.isDecimal(Array(standard.utf8)), let d = Double(standard) else { return false }
            return single ? Float(v) == Float(d) : v == d
        case .tag(let t): return Self.tagValue(standard) == t
        }
    }

    /// A number as PS3.3 writes it: decimal with an optional sign ("1", "+1", "-1", "0004"), or
    /// hexadecimal with a trailing H ("0001H", "FFFFH"). A hexadecimal number of a signed VR with
    /// the VR's full width is its two's complement bit pattern ("FFFFH" of SS is -1).
    static func integer(_ text: String, vr: VR) -> Int128? {
        let b = Array(text.utf8)
        guard !b.isEmpty else { return nil }
        if b.last == UInt8(ascii: "H") {
            let digits = b.dropLast()
            guard !digits.isEmpty, digits.count <= 16, let u = UInt64(String(decoding: digits, as: UTF8.self), radix: 16) else { return nil }
            let width = vr.byteSwapUnit * 2
            if digits.count == width, [VR.SS, .SL, .SV].contains(vr) {
                let bits = UInt64(truncatingIfNeeded: width * 4)
                let signBit: UInt64 = 1 << (bits - 1)
                if u & signBit != 0 { return Int128(u) - (Int128(1) << Int128(bits)) }
            }
            return Int128(u)
        }
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") { negative = b[0] == UInt8(ascii: "-"); i = 1 }
        guard i < b.count, b.count - i <= 20, b[i...].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var v: Int128 = 0
        for d in b[i...] { v = v * 10 + Int128(d - 48) }
        return negative ? -v : v
    }

    /// A tag as PS3.3 writes it in a value: "00181063H" or "(0018,1063)".
    static func tagValue(_ text: String) -> UInt32? {
        if text.hasSuffix("H"), text.utf8.count == 9 { return UInt32(text.dropLast(), radix: 16) }
        let hex = text.filter { $0 != "(" && $0 != ")" && $0 != "," }
        guard text.hasPrefix("("), hex.utf8.count == 8 else { return nil }
        return UInt32(hex, radix: 16)
    }
}

extension Array {
    /// Consecutive pairs; an odd last element is dropped.
    fileprivate func chunked2() -> [(Element, Element)] {
        stride(from: 0, to: count - 1, by: 2).map { (self[$0], self[$0 + 1]) }
    }
}
