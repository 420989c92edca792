/// A data element tag: group and element packed as one 32-bit value, ordered as DICOM orders them.
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(_ group: UInt16, _ element: UInt16) {
        rawValue = UInt32(widening: group) << 16 | UInt32(widening: element)
    }

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// Odd groups other than 1, 3, 5, 7 and FFFF are private (PS3.5 7.8).
    public var isPrivate: Bool { group & 1 == 1 && group > 8 && group != 0xFFFF }
    /// (gggg,0010-00FF) in a private group reserves a block for a creator.
    public var isPrivateCreator: Bool { isPrivate && (0x10...0xFF).contains(element) }
    /// For a private element (gggg,xxyy) the creator lives at (gggg,00xx).
    public var privateCreatorTag: Tag? {
        guard isPrivate, element >= 0x1000 else { return nil }
        return Tag(group, element >> 8)
    }
    public var isGroupLength: Bool { element == 0 }
    public var isDelimiter: Bool { group == 0xFFFE }

    public static func < (a: Tag, b: Tag) -> Bool { a.rawValue < b.rawValue }

    /// `(GGGG,EEEE)` in upper-case hex, as PS3.6 and dcmdump write it.
    public var description: String {
        // Built in one small buffer: dump writes this for every element of every file.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 11) { p in
            p[0] = 0x28; p[5] = 0x2C; p[10] = 0x29
            for i in 0..<4 {
                p[1 + i] = hexDigits[Int(widening: (group >> (12 - 4 * i)) & 0xF)]
                p[6 + i] = hexDigits[Int(widening: (element >> (12 - 4 * i)) & 0xF)]
            }
            return String(decoding: UnsafeBufferPointer(p), as: UTF8.self)
        }
    }

    /// `GGGGEEEE`, the key form of the DICOM JSON and XML models.
    public var compactHex: String { hex4(group) + hex4(element) }

    /// Parses `(GGGG,EEEE)`, `GGGG,EEEE` or `GGGGEEEE`.
    public init?(parsing text: some StringProtocol) {
        var s = Substring(text)
        if s.hasPrefix("("), s.hasSuffix(")") { s = s.dropFirst().dropLast() }
        let digits = s.filter { $0 != "," }
        guard digits.count == 8, s.count == 8 || (s.count == 9 && s[s.index(s.startIndex, offsetBy: 4)] == ","),
              let v = UInt32(digits, radix: 16) else { return nil }
        rawValue = v
    }

    // Constants by keyword (Tag.pixelData, Tag.sopInstanceUID, ...) are generated: Generated/Tag+Keywords.swift.
}

private let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

public func hex4(_ v: UInt16) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4) { p in
        for i in 0..<4 { p[i] = hexDigits[Int(widening: (v >> (12 - 4 * i)) & 0xF)] }
        return String(decoding: UnsafeBufferPointer(p), as: UTF8.self)
    }
}
