import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The matching rule (see `IdentityScanner`): values folded to lower case, found anywhere or as
/// whole tokens, byte for byte; and Clean Descriptors' replacement by the same rule.
extension IdentityScanner {
    /// `text` with every match of `values` replaced by "X", in the order given (longest first,
    /// so that a value is replaced before a shorter value inside it). Clean Descriptors' rule.
    public static func clean(_ text: String, of values: [IdentifyingValue]) -> String {
        var bytes = Array(text.utf8)
        var hay = folded(bytes)   // folded again only after a replacement
        var changed = false
        for f in values {
            let needle = folded(f.value.utf8)
            guard !needle.isEmpty, needle.count <= bytes.count else { continue }
            var out: [UInt8] = []
            var kept = 0
            hay.withUnsafeBytes { h in
                needle.withUnsafeBytes { n in
                    var from = 0
                    while let i = firstMatch(h, n, from: from, match: f.match) {
                        out.append(contentsOf: bytes[kept..<i])
                        out.append(0x58)   // "X"
                        kept = i + n.count
                        from = kept
                    }
                }
            }
            if kept > 0 {
                out.append(contentsOf: bytes[kept...])
                bytes = out
                hay = folded(bytes)
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// ASCII upper-case letters to lower case; every other byte as it is (UTF-8 stays valid).
    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    static func folded<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var out = Array(bytes)
        foldInPlace(&out)
        return out
    }

    static func foldInPlace(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { b in
            for i in b.indices where b[i] &- 0x41 < 26 { b[i] |= 0x20 }
        }
    }

    /// An ASCII letter or digit: what a token is made of (every other byte bounds a token).
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool { b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26 }

    /// Whether `needle` matches in `haystack` under `match` (both folded).
    static func matches(_ haystack: [UInt8], _ needle: [UInt8], _ match: Match) -> Bool {
        haystack.withUnsafeBytes { h in needle.withUnsafeBytes { firstMatch(h, $0, from: 0, match: match) != nil } }
    }

    /// The offset of the first match of `needle` in `haystack` at or after `from`: anywhere
    /// (`.substring`), or only where the bytes before and after are no ASCII letter or digit
    /// (`.token`). Both are folded by the caller.
    static func firstMatch(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer, from: Int, match: Match) -> Int? {
        let n = needle.count
        var start = from
        while n > 0, start + n <= haystack.count {
            guard let i = find(haystack, needle, from: start) else { return nil }
            if match == .substring { return i }
            if (i == 0 || !isWordByte(haystack[i - 1])) && (i + n == haystack.count || !isWordByte(haystack[i + n])) { return i }
            start = i + 1
        }
        return nil
    }

    /// Whether `needle` occurs in `haystack`, byte for byte.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        needle.isEmpty || find(haystack, needle, from: 0) != nil
    }

    /// The offset of the first occurrence of `needle` in `haystack` at or after `from`, byte for
    /// byte (memchr finds each candidate start; the last byte is compared before memcmp, since
    /// first bytes such as digits are common).
    static func find(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer, from: Int) -> Int? {
        let n = needle.count
        guard n > 0, from >= 0, from + n <= haystack.count, let h = haystack.baseAddress, let first = needle.baseAddress else { return nil }
        let firstByte = Int32(widening: needle[0])
        let lastByte = needle[n - 1]
        let end = h + (haystack.count - n + 1)
        var p = h + from
        while p < end {
            guard let found = memchr(p, firstByte, end - p) else { return nil }
            let candidate = UnsafeRawPointer(found)
            if candidate.load(fromByteOffset: n - 1, as: UInt8.self) == lastByte && memcmp(candidate, first, n) == 0 {
                return candidate - UnsafeRawPointer(h)
            }
            p = candidate + 1
        }
        return nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { h in needle.withUnsafeBytes { contains(h, $0) } }
    }
}
