#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// printf-style number formatting without Foundation. `String(format:)` exists only in full
/// Foundation, whose ICU data costs every process start-up more than a small file's whole dump or
/// encode; the executable links FoundationEssentials only, and every formatted number goes through
/// here. Floating-point text comes from the C library's `vsnprintf`, the same code
/// `String(format:)` ends in on Linux, so the output stays byte-identical (correct rounding of the
/// exact binary value included); integers are formatted in Swift.
package enum NumberText {
    /// `%.<digits>f`: fixed-point with exactly `digits` decimals.
    package static func fixed(_ value: Double, digits: Int) -> String {
        printf("%.\(Swift.max(0, digits))f", value)
    }

    /// `%.<significant>g`: at most `significant` significant digits, exponent form when shorter.
    package static func general(_ value: Double, significant: Int) -> String {
        printf("%.\(Swift.max(1, significant))g", value)
    }

    /// `%0<width>x` (or `X`): the magnitude in hexadecimal, zero-padded to at least `width` digits.
    package static func hex<T: BinaryInteger>(_ value: T, width: Int, uppercase: Bool = false) -> String {
        padded(String(value.magnitude, radix: 16, uppercase: uppercase), width: width, negative: value < 0)
    }

    /// `%0<width>d`: the decimal value zero-padded to at least `width` characters, sign included.
    package static func decimal<T: BinaryInteger>(_ value: T, width: Int) -> String {
        padded(String(value.magnitude), width: width - (value < 0 ? 1 : 0), negative: value < 0)
    }

    private static func padded(_ digits: String, width: Int, negative: Bool) -> String {
        let zeros = String(repeating: "0", count: Swift.max(0, width - digits.utf8.count))
        return (negative ? "-" : "") + zeros + digits
    }

    /// One double through the C formatter; a second pass with the exact size when it did not fit.
    private static func printf(_ format: String, _ value: Double) -> String {
        var capacity = 64
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let needed = withVaList([value]) { args in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, capacity, format, args) }
            }
            guard needed >= 0 else { return "\(value)" }  // an encoding error: not possible for %f/%g
            if Int(widening: needed) < capacity {
                return String(decoding: buffer[0..<Int(widening: needed)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(widening: needed) + 1
        }
    }
}
