// Helpers that lay bytes out the way PS3.8 9.3 draws its PDUs: numbers big endian, items as
// type, reserved byte, 2-byte length, value. They only concatenate; the layouts are in the tests.

func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
func be32(_ v: Int) -> [UInt8] { be16(v >> 16) + be16(v) }
func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
/// A 16-byte AE title field, space padded.
func ae16(_ s: String) -> [UInt8] { ascii(s) + [UInt8](repeating: 0x20, count: 16 - s.utf8.count) }
/// type, reserved 0, 2-byte length, value
func item(_ type: UInt8, _ value: [UInt8]) -> [UInt8] { [type, 0] + be16(value.count) + value }
/// type, reserved 0, 4-byte length, value
func pdu(_ type: UInt8, _ value: [UInt8]) -> [UInt8] { [type, 0] + be32(value.count) + value }
