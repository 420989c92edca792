#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where dicomtool's random bytes come from: the system generator, or, when the environment
/// variable `DICOMTOOL_TEST_SEED` holds a decimal number, a SplitMix64 sequence from that seed.
///
/// Generated UIDs and anonymize's random secret are the only nondeterminism in what dicomtool
/// writes. Seeding them lets two builds (before and after a refactoring) be compared byte for byte
/// (scripts/compare-builds). Test-only: a seeded run with `-j N > 1` hands out the sequence in
/// whatever order the workers ask, so comparisons run with `-j 1`.
package enum RandomSource {
    private static let lock = Lock()
    nonisolated(unsafe) private static var state: UInt64 = 0
    private static let seed: UInt64? = {
        guard let raw = getenv("DICOMTOOL_TEST_SEED") else { return nil }
        return UInt64(String(cString: raw))  // conversion: parsing text, nil when not a number
    }()

    /// True when the seeded sequence is in use.
    package static var isSeeded: Bool { seed != nil }

    /// The next 64 random bits.
    package static func next() -> UInt64 {
        guard let seed else {
            var g = SystemRandomNumberGenerator()
            return g.next()
        }
        return lock.withLock {
            // SplitMix64 (Steele, Lea, Flood 2014): a counter through a bijective mixer.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = (seed ^ 0x5DEE_CE66_D1CE_4E5B) &+ state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `count` random bytes.
    package static func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var word = next()
            for _ in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }
}
