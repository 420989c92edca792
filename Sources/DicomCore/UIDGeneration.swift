// The UIDs dicomtool makes and the one it is known by. A UID concern, not a writer's: the writer
// puts Implementation's identity into the meta, and anonymize and the pixel commands make new
// instance UIDs with newUID().

/// dicomtool's own identity in the File Meta Information of what it writes.
public enum Implementation {
    /// A UUID-derived UID (PS3.5 B.2), fixed for dicomtool.
    public static let classUID = "2.25.289801407461035959767730085465167762596"
    public static let versionName = "DICOMTOOL_0_1"
    /// Root for UIDs dicomtool makes: 2.25 followed by a random 128-bit integer (PS3.5 B.2).
    public static func newUID() -> String {
        let hi = RandomSource.next(), lo = RandomSource.next()
        return "2.25." + UInt128Decimal.string(hi: hi, lo: lo)
    }
}

/// Decimal text of a 128-bit unsigned integer, without needing UInt128 (not on every platform).
public enum UInt128Decimal {
    public static func string(hi: UInt64, lo: UInt64) -> String {
        var words: [UInt32] = [UInt32(truncatingIfNeeded: hi >> 32), UInt32(truncatingIfNeeded: hi),
                                UInt32(truncatingIfNeeded: lo >> 32), UInt32(truncatingIfNeeded: lo)]
        var digits: [UInt8] = []
        while words.contains(where: { $0 != 0 }) {
            var rem: UInt64 = 0
            for i in 0..<words.count {
                let cur = rem << 32 | UInt64(widening: words[i])
                words[i] = UInt32(cur / 10)  // conversion: cur < 10 << 32, so cur / 10 < 2^32
                rem = cur % 10
            }
            digits.append(UInt8(rem) + 48)  // conversion: rem is a remainder of 10
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }
}
