// GB18030 and GBK (PS3.3 Table C.12-5, stand-alone: no code extensions), decoded from tables
// built once through iconv, so decoding needs no iconv handle and is safe on any thread.
//
// Structure (GB 18030-2005): 0x00...0x7F one byte; lead 0x81...0xFE with trail 0x40...0x7E or
// 0x80...0xFE two bytes (GBK is this part); lead 0x81...0xFE, 0x30...0x39, 0x81...0xFE,
// 0x30...0x39 four bytes (GB18030 only), numbered linearly: BMP characters up to lead 0x84
// come from a table, lead 0x90...0xE3 maps arithmetically onto U+10000...U+10FFFF.

enum GBVariant: Sendable {
    case gbk
    case gb18030

    var iconvName: String { self == .gbk ? "GBK" : "GB18030" }

    fileprivate var twoByteTable: [UInt32] { self == .gbk ? GBTables.gbkTwoByte : GBTables.gb18030TwoByte }
}

enum GBTables {
    static let trailCount = 0xFE - 0x40 + 1  // trail bytes 0x40...0xFE (0x7F never valid)
    static let gbkTwoByte = twoByteTable(.gbk)
    static let gb18030TwoByte = twoByteTable(.gb18030)
    /// Four-byte sequences 0x81308130...0x8431A439: linear index 0...39419 to a BMP scalar.
    static let gb18030FourByteBMP: [UInt32] = {
        var sequences: [[UInt8]] = []
        sequences.reserveCapacity(bmpFourByteCount)
        for linear in 0..<bmpFourByteCount {
            // conversion: linear < 39420: bytes of a GB18030 four-byte code
            sequences.append([UInt8(0x81 + linear / 12600), UInt8(0x30 + linear / 1260 % 10),
                              UInt8(0x81 + linear / 10 % 126), UInt8(0x30 + linear % 10)])  // conversion: as above
        }
        return IconvTableBuilder.scalars(from: "GB18030", sequences: sequences)
    }()
    static let bmpFourByteCount = 39420
    /// Linear index of 0x90308130, the first four-byte sequence of U+10000.
    static let supplementaryStart = 189_000

    private static func twoByteTable(_ variant: GBVariant) -> [UInt32] {
        var sequences: [[UInt8]] = []
        sequences.reserveCapacity(126 * trailCount)
        for lead in 0x81...0xFE {
            for trail in 0x40...0xFE { sequences.append([UInt8(lead), UInt8(trail)]) }  // conversion: lead 0x81...0xFE, trail 0x40...0xFE
        }
        return IconvTableBuilder.scalars(from: variant.iconvName, sequences: sequences)
    }
}

struct GBDecoder {
    let variant: GBVariant

    func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let twoByte = variant.twoByteTable
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                output.append(lead)
                index += 1
                continue
            }
            let second = index + 1 < count ? bytes[index + 1] : 0
            if lead == 0x80 || lead == 0xFF {
                output.appendUTF8(0xFFFD)
                index += 1
            } else if second >= 0x40, second <= 0xFE, second != 0x7F {
                let scalar = twoByte[Int(widening: lead - 0x81) * GBTables.trailCount + Int(widening: second - 0x40)]
                output.appendUTF8(scalar == 0 ? 0xFFFD : scalar)
                index += 2
            } else if variant == .gb18030, second >= 0x30, second <= 0x39, index + 3 < count,
                      bytes[index + 2] >= 0x81, bytes[index + 2] <= 0xFE,
                      bytes[index + 3] >= 0x30, bytes[index + 3] <= 0x39 {
                let linear = Int(widening: lead - 0x81) * 12600 + Int(widening: second - 0x30) * 1260
                    + Int(widening: bytes[index + 2] - 0x81) * 10 + Int(widening: bytes[index + 3] - 0x30)
                output.appendUTF8(Self.fourByteScalar(linear))
                index += 4
            } else {
                output.appendUTF8(0xFFFD)  // a lead byte without a valid continuation
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func fourByteScalar(_ linear: Int) -> UInt32 {
        if linear < GBTables.bmpFourByteCount {
            let scalar = GBTables.gb18030FourByteBMP[linear]
            return scalar == 0 ? 0xFFFD : scalar
        }
        let offset = linear - GBTables.supplementaryStart
        guard offset >= 0, offset <= 0x10FFFF - 0x10000 else { return 0xFFFD }
        return UInt32(0x10000 + offset)  // conversion: offset 0...0xFFFFF (checked above)
    }
}
