#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Code tables for the character sets of PS3.3 C.12.1.1.2, built once from the platform's iconv.
// Building them up front (they are small: 128 entries per single-byte set, 94x94 per multi-byte
// set) means decoding ISO 2022 text never calls iconv and never shares an `iconv_t` between
// threads; Swift initialises each `static let` exactly once, thread-safely.

/// The upper halves (G1, bytes 0x80...0xFF) of the single-byte character sets DICOM names.
enum SingleByteSet: String, Sendable, CaseIterable {
    case latin1 = "ISO-8859-1"      // ISO-IR 100
    case latin2 = "ISO-8859-2"      // ISO-IR 101
    case latin3 = "ISO-8859-3"      // ISO-IR 109
    case latin4 = "ISO-8859-4"      // ISO-IR 110
    case cyrillic = "ISO-8859-5"    // ISO-IR 144
    case arabic = "ISO-8859-6"      // ISO-IR 127
    case greek = "ISO-8859-7"       // ISO-IR 126
    case hebrew = "ISO-8859-8"      // ISO-IR 138
    case latin5 = "ISO-8859-9"      // ISO-IR 148
    case thai = "TIS-620"           // ISO-IR 166

    /// Final byte of the ESC 02/13 F sequence that designates this set to G1 (PS3.3 Table C.12-3).
    var escapeFinal: UInt8 {
        switch self {
        case .latin1: return 0x41
        case .latin2: return 0x42
        case .latin3: return 0x43
        case .latin4: return 0x44
        case .greek: return 0x46
        case .arabic: return 0x47
        case .hebrew: return 0x48
        case .cyrillic: return 0x4C
        case .latin5: return 0x4D
        case .thai: return 0x54
        }
    }

    /// Unicode scalar for byte `0x80 + index`, 0 where the set leaves the byte unassigned.
    var upperHalf: [UInt32] {
        switch self {
        case .latin1: return CodeTables.latin1
        case .latin2: return CodeTables.latin2
        case .latin3: return CodeTables.latin3
        case .latin4: return CodeTables.latin4
        case .cyrillic: return CodeTables.cyrillic
        case .arabic: return CodeTables.arabic
        case .greek: return CodeTables.greek
        case .hebrew: return CodeTables.hebrew
        case .latin5: return CodeTables.latin5
        case .thai: return CodeTables.thai
        }
    }

    /// Byte for a Unicode scalar in the upper half, nil when the set cannot represent it.
    func encode(_ scalar: UInt32) -> UInt8? {
        CodeTables.reverseSingleByte[self]?[scalar]
    }
}

/// The 94x94 double-byte sets, each decoded through the EUC form iconv knows.
enum DoubleByteSet: Sendable, CaseIterable {
    case jisX0208   // ISO-IR 87, G0, EUC-JP code set 1
    case jisX0212   // ISO-IR 159, G0, EUC-JP code set 3 (single shift 0x8F)
    case ksX1001    // ISO-IR 149, G1, EUC-KR
    case gb2312     // ISO-IR 58, G1, EUC-CN

    /// Unicode scalar for row r, cell c (both 0...93) at index r * 94 + c, 0 if unassigned.
    var table: [UInt32] {
        switch self {
        case .jisX0208: return CodeTables.jisX0208
        case .jisX0212: return CodeTables.jisX0212
        case .ksX1001: return CodeTables.ksX1001
        case .gb2312: return CodeTables.gb2312
        }
    }

    /// Row/cell bytes (each 0x21...0x7E, the 7-bit form) for a scalar, nil if not in the set.
    func encode(_ scalar: UInt32) -> (UInt8, UInt8)? {
        guard let index = CodeTables.reverseDoubleByte[self]?[scalar] else { return nil }
        return (UInt8(0x21 + Int(widening: index) / 94), UInt8(0x21 + Int(widening: index) % 94))  // conversion: index < 94 x 94: 0x21...0x7E
    }

    fileprivate var iconvName: String {
        switch self {
        case .jisX0208, .jisX0212: return "EUC-JP"
        case .ksX1001: return "EUC-KR"
        case .gb2312: return "GB2312"
        }
    }

    fileprivate func eucBytes(row: Int, cell: Int) -> [UInt8] {
        let pair = [UInt8(0xA1 + row), UInt8(0xA1 + cell)]  // conversion: row, cell 0...93: 0xA1...0xFE
        return self == .jisX0212 ? [0x8F] + pair : pair
    }
}

enum CodeTables {
    static let latin1 = singleByteTable(.latin1)
    static let latin2 = singleByteTable(.latin2)
    static let latin3 = singleByteTable(.latin3)
    static let latin4 = singleByteTable(.latin4)
    static let cyrillic = singleByteTable(.cyrillic)
    static let arabic = singleByteTable(.arabic)
    static let greek = singleByteTable(.greek)
    static let hebrew = singleByteTable(.hebrew)
    static let latin5 = singleByteTable(.latin5)
    static let thai = singleByteTable(.thai)

    static let jisX0208 = doubleByteTable(.jisX0208)
    static let jisX0212 = doubleByteTable(.jisX0212)
    static let ksX1001 = doubleByteTable(.ksX1001)
    static let gb2312 = doubleByteTable(.gb2312)

    static let reverseSingleByte: [SingleByteSet: [UInt32: UInt8]] = {
        var all: [SingleByteSet: [UInt32: UInt8]] = [:]
        for set in SingleByteSet.allCases {
            var reverse: [UInt32: UInt8] = [:]
            for (index, scalar) in set.upperHalf.enumerated() where scalar != 0 && reverse[scalar] == nil {
                reverse[scalar] = UInt8(0x80 + index)  // conversion: index of a 128-entry upper half
            }
            all[set] = reverse
        }
        return all
    }()

    static let reverseDoubleByte: [DoubleByteSet: [UInt32: UInt16]] = {
        var all: [DoubleByteSet: [UInt32: UInt16]] = [:]
        for set in DoubleByteSet.allCases {
            var reverse: [UInt32: UInt16] = [:]
            for (index, scalar) in set.table.enumerated() where scalar != 0 && reverse[scalar] == nil {
                reverse[scalar] = UInt16(index)  // conversion: index < 94 x 94
            }
            all[set] = reverse
        }
        return all
    }()

    private static func singleByteTable(_ set: SingleByteSet) -> [UInt32] {
        IconvTableBuilder.scalars(from: set.rawValue, sequences: (0x80...0xFF).map { [UInt8($0)] })  // conversion: 0x80...0xFF
    }

    private static func doubleByteTable(_ set: DoubleByteSet) -> [UInt32] {
        var sequences: [[UInt8]] = []
        sequences.reserveCapacity(94 * 94)
        for row in 0..<94 {
            for cell in 0..<94 { sequences.append(set.eucBytes(row: row, cell: cell)) }
        }
        return IconvTableBuilder.scalars(from: set.iconvName, sequences: sequences)
    }
}

/// Converts many short byte sequences, each expected to be exactly one character, to scalars.
enum IconvTableBuilder {
    static func scalars(from charset: String, sequences: [[UInt8]]) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: sequences.count)
        guard let converter = IconvConverter(from: charset, to: "UTF-32LE") else { return result }
        for (index, sequence) in sequences.enumerated() {
            guard let output = converter.convertWhole(sequence), output.count == 4 else { continue }
            result[index] = UInt32(widening: output[0]) | UInt32(widening: output[1]) << 8
                | UInt32(widening: output[2]) << 16 | UInt32(widening: output[3]) << 24
        }
        return result
    }
}

/// One owner of one `iconv_t`. Not thread-safe: each use creates its own and drops it after.
final class IconvConverter {
    private let handle: iconv_t

    init?(from source: String, to target: String) {
        let opened = iconv_open(target, source)
        // iconv_open signals failure with (iconv_t)-1.
        guard let opened, Int(bitPattern: opened) != -1 else { return nil }
        handle = opened
    }

    deinit { iconv_close(handle) }

    /// Converts all of `input`; nil if any byte sequence is invalid or incomplete.
    func convertWhole(_ input: [UInt8]) -> [UInt8]? {
        var failed = false
        let output = convert(input) { _ in failed = true; return nil }
        return failed ? nil : output
    }

    /// Converts `input`; at each invalid or incomplete sequence, `onInvalid(offset)` returns the
    /// bytes to emit instead of the one input byte skipped, or nil to stop and return nil.
    func convert(_ input: [UInt8], onInvalid: (Int) -> [UInt8]?) -> [UInt8]? {
        _ = iconv(handle, nil, nil, nil, nil)  // back to the initial shift state
        if input.isEmpty { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 2 + 16)
        var chunk = [UInt8](repeating: 0, count: max(64, input.count * 4))
        var mutableInput = input
        let stopped: Bool = mutableInput.withUnsafeMutableBytes { inputBytes in
            chunk.withUnsafeMutableBytes { chunkBytes in
                guard let inputBase = inputBytes.baseAddress, let chunkBase = chunkBytes.baseAddress else {
                    return true
                }
                var inPointer: UnsafeMutablePointer<CChar>? = inputBase.assumingMemoryBound(to: CChar.self)
                var inLeft = inputBytes.count
                while inLeft > 0 {
                    var outPointer: UnsafeMutablePointer<CChar>? = chunkBase.assumingMemoryBound(to: CChar.self)
                    var outLeft = chunkBytes.count
                    let status = iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
                    let produced = chunkBytes.count - outLeft
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunkBytes[0..<produced]))
                    if status != -1 { continue }
                    let code = errno
                    if code == E2BIG { continue }
                    // EILSEQ or EINVAL: replace one byte and resume after it.
                    let offset = inputBytes.count - inLeft
                    guard let replacement = onInvalid(offset) else { return true }
                    output.append(contentsOf: replacement)
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                    _ = iconv(handle, nil, nil, nil, nil)
                }
                // Flush any pending shift state.
                var outPointer: UnsafeMutablePointer<CChar>? = chunkBase.assumingMemoryBound(to: CChar.self)
                var outLeft = chunkBytes.count
                _ = iconv(handle, nil, nil, &outPointer, &outLeft)
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunkBytes[0..<(chunkBytes.count - outLeft)]))
                return false
            }
        }
        return stopped ? nil : output
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 form of `scalar`; anything that is not a Unicode scalar becomes U+FFFD.
    @inline(__always)
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            append(UInt8(scalar))  // conversion: this case is scalar < 0x80
        case 0x80..<0x800:
            append(UInt8(0xC0 | scalar >> 6))  // conversion: scalar < 0x800 in this case
            append(UInt8(0x80 | scalar & 0x3F))  // conversion: 6 bits
        case 0x800..<0xD800, 0xE000..<0x10000:
            append(UInt8(0xE0 | scalar >> 12))  // conversion: scalar < 0x10000 in this case
            append(UInt8(0x80 | (scalar >> 6) & 0x3F))  // conversion: 6 bits
            append(UInt8(0x80 | scalar & 0x3F))  // conversion: 6 bits
        case 0x10000...0x10FFFF:
            append(UInt8(0xF0 | scalar >> 18))  // conversion: scalar <= 0x10FFFF in this case
            append(UInt8(0x80 | (scalar >> 12) & 0x3F))  // conversion: 6 bits
            append(UInt8(0x80 | (scalar >> 6) & 0x3F))  // conversion: 6 bits
            append(UInt8(0x80 | scalar & 0x3F))  // conversion: 6 bits
        default:
            append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
    }
}
