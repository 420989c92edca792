import DicomCore
import FoundationEssentials

/// The bytes of one value: a view into the input (lazy, never copied until asked) or bytes made
/// by an edit. `isBigEndian` says how numbers in it are ordered.
public struct ValueBytes: Sendable {
    public let source: ByteSource?
    public let range: Range<Int>
    private let owned: [UInt8]
    public let isBigEndian: Bool

    public init(source: ByteSource, range: Range<Int>, isBigEndian: Bool) {
        self.source = source
        self.range = range
        self.owned = []
        self.isBigEndian = isBigEndian
    }

    /// New bytes, always little endian.
    public init(_ bytes: [UInt8]) {
        source = nil
        owned = bytes
        range = 0..<bytes.count
        isBigEndian = false
    }

    public var count: Int { range.count }

    /// Calls `body` with the bytes in place (no copy for input-backed values).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let source {
            return try body(UnsafeRawBufferPointer(rebasing: source.base[range]))
        }
        return try owned.withUnsafeBytes(body)
    }

    /// The bytes as stored.
    public var bytes: [UInt8] { source.map { $0.bytes(range) } ?? owned }

    /// The bytes with numbers in little-endian order, swapped in units of `unit` bytes if needed.
    public func littleEndianBytes(swapUnit unit: Int) -> [UInt8] {
        var b = bytes
        if isBigEndian && unit > 1 { swapInPlace(&b, unit: unit) }
        return b
    }

    /// Offset of the value in its input, for BulkDataURI and messages; nil for edited values.
    public var sourceOffset: Int? { source == nil ? nil : range.lowerBound }
}

/// Reverses the byte order of every `unit`-byte number in `b` (a trailing partial unit is left).
public func swapInPlace(_ b: inout [UInt8], unit: Int) {
    guard unit > 1 else { return }
    b.withUnsafeMutableBytes { p in
        var i = 0
        while i + unit <= p.count {
            var lo = i, hi = i + unit - 1
            while lo < hi { p.swapAt(lo, hi); lo += 1; hi -= 1 }
            i += unit
        }
    }
}

/// Encapsulated pixel data (PS3.5 A.4): the Basic Offset Table item and the fragments, as views.
public struct Fragments: Sendable {
    public var offsetTable: ValueBytes
    /// Packed (FragmentList.swift): a million fragments cost 8 MB, not a struct each.
    public var fragments: FragmentList
    /// Offset of each fragment's item header in the input (for messages and offset-table checks).
    public var itemOffsets: FragmentList.ItemOffsets { fragments.itemOffsets }

    public init(offsetTable: ValueBytes, fragments: [ValueBytes], itemOffsets: [Int] = []) {
        self.offsetTable = offsetTable
        self.fragments = FragmentList(fragments, itemOffsets: itemOffsets)
    }

    public init(offsetTable: ValueBytes, fragments: FragmentList) {
        self.offsetTable = offsetTable
        self.fragments = fragments
    }
}

public enum Value: Sendable {
    case bytes(ValueBytes)
    case sequence([Dataset])
    case fragments(Fragments)
}

/// One data element. `offset` is where its header starts in the input (nil for new elements).
public struct Element: Sendable {
    public var tag: Tag
    public var vr: VR
    public var value: Value
    public var offset: Int?
    /// True when the input declared an undefined length (sequences, items, encapsulated data).
    public var hadUndefinedLength: Bool
    /// The length a sequence declared in its input (for the dump's length column, as dcmdump
    /// shows it); nil for undefined lengths, values other than sequences and new elements.
    public var declaredLength: Int?

    public init(tag: Tag, vr: VR, value: Value, offset: Int? = nil, hadUndefinedLength: Bool = false,
                declaredLength: Int? = nil) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.offset = offset
        self.hadUndefinedLength = hadUndefinedLength
        self.declaredLength = declaredLength
    }

    public var valueBytes: ValueBytes? {
        if case .bytes(let b) = value { return b }
        return nil
    }

    public var items: [Dataset]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var fragments: Fragments? {
        if case .fragments(let f) = value { return f }
        return nil
    }

    /// The value length as it would be stored (sequences and fragments: nil, their length is structural).
    public var length: Int? { valueBytes?.count }
}

/// A data set: elements in ascending tag order, each looked up by binary search.
public struct Dataset: Sendable {
    public private(set) var elements: [Element]
    /// The Specific Character Set in force for this data set: its own (0008,0005), else the
    /// enclosing data set's (PS3.5 6.1.2.5.3 and C.12.1.1.2: items inherit the parent's).
    public var characterSet: SpecificCharacterSet
    /// Where the data set (or item) starts in the input.
    public var offset: Int?

    public init(elements: [Element] = [], characterSet: SpecificCharacterSet = .default, offset: Int? = nil) {
        self.elements = elements
        self.characterSet = characterSet
        self.offset = offset
        if !elements.isSorted() { self.elements.sort { $0.tag < $1.tag } }
    }

    public var isEmpty: Bool { elements.isEmpty }
    public var count: Int { elements.count }

    private func index(of tag: Tag) -> (found: Bool, at: Int) {
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let t = elements[mid].tag
            if t == tag { return (true, mid) }
            if t < tag { lo = mid + 1 } else { hi = mid }
        }
        return (false, lo)
    }

    public subscript(tag: Tag) -> Element? {
        let (found, i) = index(of: tag)
        return found ? elements[i] : nil
    }

    public func contains(_ tag: Tag) -> Bool { index(of: tag).found }

    /// Inserts or replaces the element with the same tag.
    public mutating func set(_ element: Element) {
        let (found, i) = index(of: element.tag)
        if found { elements[i] = element } else { elements.insert(element, at: i) }
        if element.tag == .specificCharacterSet {
            characterSet = SpecificCharacterSet(terms: strings(.specificCharacterSet) ?? [])
        }
    }

    @discardableResult
    public mutating func remove(_ tag: Tag) -> Element? {
        let (found, i) = index(of: tag)
        return found ? elements.remove(at: i) : nil
    }

    public mutating func removeAll(where predicate: (Element) -> Bool) {
        elements.removeAll(where: predicate)
    }

    // MARK: Typed reading

    /// The value as text: decoded through the character set for PN/LO/SH/ST/LT/UC/UT, ASCII otherwise;
    /// trailing padding removed. Multi-valued values keep their backslashes.
    public func string(_ tag: Tag) -> String? {
        guard let e = self[tag], let b = e.valueBytes else { return nil }
        return decodeText(b, vr: e.vr)
    }

    public func decodeText(_ b: ValueBytes, vr: VR) -> String {
        let text: String = b.withUnsafeBytes { raw in
            var n = raw.count
            // Trailing spaces and NULs are padding (PS3.5 6.2); leading spaces are significant for some VRs.
            while n > 0, raw[n - 1] == 0x20 || raw[n - 1] == 0 { n -= 1 }
            let slice = UnsafeRawBufferPointer(rebasing: raw[0..<n])
            if vr.usesSpecificCharacterSet { return characterSet.decode(slice, vr: vr) }
            return String(decoding: slice, as: UTF8.self)
        }
        return text
    }

    /// Backslash-separated values, each trimmed of surrounding padding spaces (not for LT/ST/UT, single-valued).
    public func strings(_ tag: Tag) -> [String]? {
        guard let e = self[tag], let s = string(tag) else { return nil }
        if s.isEmpty { return [] }
        switch e.vr {
        case .LT, .ST, .UT, .UR: return [s]
        default: return s.split(separator: "\\", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        }
    }

    /// Numbers of binary VRs (US, SS, UL, SL, FL, FD, SV, UV) or of IS/DS text, as Doubles.
    public func numbers(_ tag: Tag) -> [Double]? {
        guard let e = self[tag], let b = e.valueBytes else { return nil }
        switch e.vr {
        case .IS, .DS:
            return strings(tag)?.compactMap { Double($0) }
        case .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV, .OW, .OL, .OF, .OD:
            return binaryNumbers(b, vr: e.vr)
        default: return nil
        }
    }

    public func int(_ tag: Tag) -> Int? {
        guard let v = numbers(tag)?.first, v.isFinite, abs(v) < 9.0e15 else { return nil }
        return Int(v)
    }

    public func double(_ tag: Tag) -> Double? { numbers(tag)?.first }

    public func items(_ tag: Tag) -> [Dataset]? { self[tag]?.items }

    // MARK: Typed writing (new values are little endian)

    public mutating func setString(_ tag: Tag, _ vr: VR, _ value: String) {
        var bytes = vr.usesSpecificCharacterSet ? (characterSet.encode(value, vr: vr) ?? Array(value.utf8)) : Array(value.utf8)
        if bytes.count % 2 == 1 { bytes.append(vr.paddingByte) }
        set(Element(tag: tag, vr: vr, value: .bytes(ValueBytes(bytes))))
    }

    public mutating func setStrings(_ tag: Tag, _ vr: VR, _ values: [String]) {
        setString(tag, vr, values.joined(separator: "\\"))
    }

    public mutating func setUInt16(_ tag: Tag, _ value: UInt16, vr: VR = .US) {
        set(Element(tag: tag, vr: vr, value: .bytes(ValueBytes([UInt8(value & 0xFF), UInt8(value >> 8)]))))
    }

    public mutating func setSequence(_ tag: Tag, _ items: [Dataset]) {
        set(Element(tag: tag, vr: .SQ, value: .sequence(items)))
    }
}

/// Decodes binary numbers of a VR into Doubles, honouring the value's byte order. For arithmetic:
/// 64-bit integers above 2^53 are rounded; `binaryValues` gives them exactly.
public func binaryNumbers(_ b: ValueBytes, vr: VR) -> [Double] {
    var out = [Double]()
    out.reserveCapacity(b.count / max(vr.byteSwapUnit, 1))
    forEachBinaryUnit(b, unit: vr.byteSwapUnit > 1 ? vr.byteSwapUnit : 0) { u in
        switch vr {
        case .US, .OW: out.append(Double(UInt16(truncatingIfNeeded: u)))
        case .SS: out.append(Double(Int16(truncatingIfNeeded: u)))
        case .UL, .OL: out.append(Double(UInt32(truncatingIfNeeded: u)))
        case .SL: out.append(Double(Int32(truncatingIfNeeded: u)))
        case .FL, .OF: out.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: u))))
        case .FD, .OD: out.append(Double(bitPattern: u))
        case .SV: out.append(Double(Int64(bitPattern: u)))
        case .UV, .OV, .AT: out.append(Double(u))
        default: break
        }
    }
    return out
}

extension Array where Element == DicomIO.Element {
    func isSorted() -> Bool {
        var i = 1
        while i < count {
            if self[i].tag < self[i - 1].tag { return false }
            i += 1
        }
        return true
    }
}
