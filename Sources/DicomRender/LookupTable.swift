import DicomCore
import DicomIO

/// A lookup table of PS3.3 C.11.1 (Modality LUT), C.11.2 (VOI LUT) or C.7.6.3.1.5 (palette):
/// `entries.count` values, the first one for input `firstMapped`; inputs below it take the first
/// entry, inputs above the last one the last entry.
public struct LookupTable: Sendable, Equatable {
    public var firstMapped: Int
    /// Bits of each entry as the descriptor says (8 to 16); entries never exceed 2^bits - 1.
    public var bits: Int
    public var entries: [Int]

    public init(firstMapped: Int, bits: Int, entries: [Int]) {
        self.firstMapped = firstMapped
        self.bits = bits
        self.entries = entries
    }

    /// The entry for `x` (clamped to the table; a fraction is cut towards the first entry).
    @inline(__always)
    public func value(_ x: Double) -> Int {
        let i = x.isNaN ? 0 : Int(max(-1, min(Double(entries.count), (x - Double(firstMapped)).rounded(.down))))  // conversion: clamped to -1...count, NaN excluded
        return entries[max(0, min(entries.count - 1, i))]
    }

    @inline(__always)
    public func value(_ x: Int) -> Int {
        entries[max(0, min(entries.count - 1, x - firstMapped))]
    }

    /// The largest value an entry can have: 2^bits - 1.
    public var maximum: Int { (1 << bits) - 1 }

    /// The LUT of an item with LUT Descriptor (0028,3002) and LUT Data (0028,3006): a Modality LUT
    /// Sequence or VOI LUT Sequence item. `signedInput`: the first mapped value is SS when the
    /// pixel values are signed (PS3.3 C.11.1.1.1), whatever VR the descriptor was read with.
    public static func item(_ item: Dataset, signedInput: Bool, what: String) throws(DicomError) -> LookupTable {
        try read(descriptor: item, .lutDescriptor, data: item, .lutData, segmented: nil, signedInput: signedInput, what: what)
    }

    /// A palette's LUT of one colour: descriptor (0028,110x), data (0028,120x) or segmented data (0028,122x).
    public static func palette(_ ds: Dataset, descriptor: Tag, data: Tag, segmented: Tag, signedInput: Bool,
                               what: String) throws(DicomError) -> LookupTable {
        try read(descriptor: ds, descriptor, data: ds, data, segmented: segmented, signedInput: signedInput, what: what)
    }

    private static func read(descriptor ds: Dataset, _ descriptorTag: Tag, data dataSet: Dataset, _ dataTag: Tag,
                             segmented: Tag?, signedInput: Bool, what: String) throws(DicomError) -> LookupTable {
        guard let d = ds.numbers(descriptorTag), d.count == 3, d.allSatisfy({ $0.isFinite && $0 >= -32768 && $0 <= 65535 }) else {
            throw DicomError(.invalidInput, "\(what): LUT Descriptor is missing or is not 3 numbers", offset: ds[descriptorTag]?.offset,
                             tag: descriptorTag)
        }
        var count = Int(d[0])  // conversion: checked finite and within -32768...65535 above
        if count <= 0 { count = 65536 }  // 0 means 2^16 entries (PS3.3 C.11.1.1.1)
        var first = Int(d[1])  // conversion: as above
        if signedInput && first > 32767 { first -= 65536 }
        if !signedInput && first < 0 { first += 65536 }
        let bits = Int(d[2])  // conversion: as above
        guard (1...16).contains(bits) else {
            throw DicomError(.invalidInput, "\(what): LUT Descriptor says \(bits) bits per entry (1 to 16 allowed)",
                             offset: ds[descriptorTag]?.offset, tag: descriptorTag)
        }
        var entries: [Int]
        if let segmented, let seg = dataSet[segmented]?.valueBytes {
            entries = try expandSegments(words(seg, vr: .OW), count: count, what: what, tag: segmented)
        } else if let e = dataSet[dataTag], let b = e.valueBytes {
            // 8-bit entries packed one a byte (some writers): the value is exactly `count` bytes long.
            if bits <= 8 && (b.count == count || b.count == count + 1) && count > 1 && e.vr != .US && e.vr != .SS {
                entries = b.withUnsafeBytes { raw in (0..<count).map { Int(widening: raw[$0]) } }
            } else {
                entries = words(b, vr: e.vr == .SS ? .SS : .US)
            }
        } else {
            throw DicomError(.invalidInput, "\(what): LUT Data is missing", offset: ds[descriptorTag]?.offset, tag: dataTag)
        }
        guard !entries.isEmpty else {
            throw DicomError(.invalidInput, "\(what): LUT Data is empty", offset: dataSet[dataTag]?.offset, tag: dataTag)
        }
        // Fewer entries than described: the data is what there is (the last entry extends).
        if entries.count > count { entries.removeLast(entries.count - count) }
        let maximum = (1 << bits) - 1
        for i in entries.indices where entries[i] > maximum || entries[i] < 0 { entries[i] = max(0, min(maximum, entries[i])) }
        return LookupTable(firstMapped: first, bits: bits, entries: entries)
    }

    /// 16-bit words of a value, in its byte order.
    private static func words(_ b: ValueBytes, vr: VR) -> [Int] {
        binaryNumbers(b, vr: vr).map { Int($0) }  // conversion: 16-bit values are whole numbers
    }

    /// Segmented palette data (PS3.3 C.7.9.2): discrete, linear and indirect segments, expanded.
    static func expandSegments(_ w: [Int], count: Int, what: String, tag: Tag) throws(DicomError) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        func fail(_ why: String) -> DicomError {
            DicomError(.invalidInput, "\(what): segmented LUT data: \(why)", tag: tag)
        }
        func run(_ start: Int, _ end: Int, segments limit: Int?, depth: Int) throws(DicomError) {
            guard depth < 4 else { throw fail("indirect segments nested too deeply") }
            var i = start, done = 0
            while i < end, limit.map({ done < $0 }) ?? true {
                guard i + 1 < w.count else { throw fail("segment header at word \(i) runs past the data") }
                let opcode = w[i], length = w[i + 1]
                switch opcode {
                case 0:
                    guard i + 2 + length <= w.count else { throw fail("discrete segment at word \(i) runs past the data") }
                    out.append(contentsOf: w[(i + 2)..<(i + 2 + length)])
                    i += 2 + length
                case 1:
                    guard let y0 = out.last else { throw fail("linear segment at word \(i) has no previous value") }
                    guard i + 2 < w.count else { throw fail("linear segment at word \(i) runs past the data") }
                    let y1 = w[i + 2]
                    for k in 1...max(1, length) where length > 0 {
                        out.append(y0 + Int(((Double(y1 - y0) * Double(k)) / Double(length)).rounded()))  // conversion: between two 16-bit words
                    }
                    i += 3
                case 2:
                    guard i + 3 < w.count else { throw fail("indirect segment at word \(i) runs past the data") }
                    let byteOffset = w[i + 2] | w[i + 3] << 16
                    guard byteOffset % 2 == 0, byteOffset / 2 < w.count else { throw fail("indirect segment offset \(byteOffset) is outside the data") }
                    try run(byteOffset / 2, w.count, segments: length, depth: depth + 1)
                    i += 4
                default:
                    throw fail("unknown segment type \(opcode) at word \(i)")
                }
                guard out.count <= 65536 else { throw fail("expands to more than 65536 entries") }
                done += 1
            }
        }
        try run(0, w.count, segments: nil, depth: 0)
        return out
    }
}
