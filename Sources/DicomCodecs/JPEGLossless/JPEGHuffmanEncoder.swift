// The entropy-coding side of a JPEG encoder: a Huffman table from symbol frequencies and a bit writer.

/// A Huffman code table built from symbol frequencies (T.81 Annex K.2), code lengths <= 16 and
/// no all-ones code.
struct JPEGHuffmanEncoder {
    var codes = [UInt32](repeating: 0, count: 256)
    var lengths = [Int](repeating: 0, count: 256)
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [UInt8] = []

    init(frequencies input: [Int]) {
        var freq = [Int](repeating: 0, count: 257)
        for (s, f) in input.enumerated() where s < 256 { freq[s] = f }
        // A symbol that never occurs may still be needed nowhere; ensure at least one real code.
        if !freq[0..<256].contains(where: { $0 > 0 }) { freq[0] = 1 }
        freq[256] = 1  // reserved so that no code is all ones
        var codeSize = [Int](repeating: 0, count: 257)
        var others = [Int](repeating: -1, count: 257)
        while true {
            var c1 = -1, c2 = -1, v = Int.max
            for i in 0...256 where freq[i] > 0 && freq[i] <= v { v = freq[i]; c1 = i }
            v = Int.max
            for i in 0...256 where freq[i] > 0 && freq[i] <= v && i != c1 { v = freq[i]; c2 = i }
            if c2 < 0 { break }
            freq[c1] += freq[c2]
            freq[c2] = 0
            codeSize[c1] += 1
            var chain = c1
            while others[chain] >= 0 { chain = others[chain]; codeSize[chain] += 1 }
            others[chain] = c2
            codeSize[c2] += 1
            chain = c2
            while others[chain] >= 0 { chain = others[chain]; codeSize[chain] += 1 }
        }
        var bits = [Int](repeating: 0, count: 33)
        for i in 0...256 where codeSize[i] > 0 { bits[codeSize[i]] += 1 }
        // Limit code lengths to 16 (K.2 Figure K.3).
        var i = 32
        while i > 16 {
            while bits[i] > 0 {
                var j = i - 2
                while bits[j] == 0 { j -= 1 }
                bits[i] -= 2
                bits[i - 1] += 1
                bits[j + 1] += 2
                bits[j] -= 1
            }
            i -= 1
        }
        while bits[i] == 0 { i -= 1 }
        bits[i] -= 1  // remove the reserved symbol
        for length in 1...16 { counts[length - 1] = bits[length] }
        // Symbols sorted by code size, then value (K.2 Figure K.4).
        for size in 1...32 {
            for s in 0..<256 where codeSize[s] == size { symbols.append(UInt8(s)) }  // conversion: 0...255
        }
        // Assign canonical codes (C.2).
        var code: UInt32 = 0, k = 0
        for length in 1...16 {
            for _ in 0..<counts[length - 1] {
                let s = Int(widening: symbols[k])
                codes[s] = code
                lengths[s] = length
                code += 1
                k += 1
            }
            code <<= 1
        }
    }

    func dhtSegment(tableClass: Int, destination: Int) -> [UInt8] {
        let length = 2 + 1 + 16 + symbols.count
        // conversion: Lh <= 275; class, destination 0...3
        var out: [UInt8] = [0xFF, 0xC4, UInt8(length >> 8), UInt8(length & 0xFF), UInt8(tableClass << 4 | destination)]
        out += counts.map { UInt8($0) }  // conversion: at most 17 symbols are coded (categories 0...16)
        out += symbols
        return out
    }
}

/// Writes an entropy-coded segment MSB first with 0xFF byte stuffing.
struct JPEGBitWriter {
    var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    @inline(__always)
    mutating func write(_ value: UInt32, count n: Int) {
        buffer = buffer << UInt64(n) | UInt64(value)  // conversion: n 0...32; UInt32 widens
        count += n
        while count >= 8 {
            count -= 8
            let byte = UInt8(truncatingIfNeeded: buffer >> UInt64(count))  // conversion: count 0...63
            bytes.append(byte)
            if byte == 0xFF { bytes.append(0) }
        }
    }

    /// Pads the last byte with one bits (T.81 F.1.2.3).
    mutating func flush() {
        if count > 0 { write((1 << UInt32(8 - count)) - 1, count: 8 - count) }  // conversion: count 1...7
    }
}
