import DicomCore

/// `--shard I/N`: a deterministic partition of the expanded inputs, so that N machines (or N
/// array jobs) can each take one part of the same inputs without talking to each other.
///
/// Each input has a shard key:
/// - a file found under a directory argument: its path relative to that directory
///   (`series1/IM0001`), so the partition does not depend on where the tree is mounted;
/// - a file argument or a `--files-from` entry: the path exactly as given;
/// - standard input: `-`.
///
/// The input belongs to shard `floor(fmix64(FNV1a64(utf8(key))) * N / 2^64) + 1`: FNV-1a 64 with
/// offset basis 0xcbf29ce484222325 and prime 0x100000001b3, then MurmurHash3's 64-bit finaliser
/// (fmix64), reduced by the high bits. The finaliser is there because FNV-1a alone barely moves
/// its high bits for a change in the last bytes: keys that differ only at the end (IM0001 ...
/// IM1000 in one list) fell 499/301/0/200 into four shards; with it, 250 +- 20 each. (Before
/// 2026-12-05 the finaliser was missing: shards from builds of both sides of that date must not be
/// mixed.) It depends on nothing but the key and N: not the order of arguments, not the machine,
/// not the Swift version (Swift's `Hasher` is randomly seeded per process, so it is not used).
/// The union of shards 1...N is every input, and no input is in two shards.
public enum InputShard {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a, 64 bits.
    public static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt64(widening: byte)
            hash = hash &* prime
        }
        return hash
    }

    /// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit.
    public static func fmix64(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    /// The 1-based shard, in 1...count, that `key` belongs to.
    public static func shard(forKey key: String, count: Int) -> Int {
        guard count > 1 else { return 1 }
        let hash = fmix64(fnv1a64(key.utf8))
        return Int(hash.multipliedFullWidth(by: UInt64(count)).high) + 1  // conversion: count > 1; the high word is below count
    }

    /// Parses `I/N` (1 <= I <= N). Errors are usage errors naming the text.
    public static func parse(_ text: String) throws(DicomError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw DicomError(.usage, "--shard: expected I/N (e.g. 2/8), got '\(text)'")
        }
        try validate((index, count))
        return (index, count)
    }

    /// Checks that 1 <= index <= count.
    public static func validate(_ shard: (index: Int, count: Int)) throws(DicomError) {
        guard shard.count >= 1, shard.index >= 1, shard.index <= shard.count else {
            throw DicomError(.usage,
                             "--shard: \(shard.index)/\(shard.count): need 1 <= I <= N (I counts from 1)")
        }
    }
}
