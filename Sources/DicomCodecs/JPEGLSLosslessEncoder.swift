import DicomCore

/// JPEG-LS lossless encoding (ITU-T T.87, NEAR = 0, default coding parameters) of one-component
/// images, for the sample precisions CharLS 2.4 has no specialised coder for.
///
/// CharLS codes P = 8, 12 and 16 with coders specialised at compile time and every other P with a
/// generic one; a CR with Bits Stored 10 took about 25% more instructions than at P = 16, and we
/// write P = Bits Stored (the stream must agree with the header). This is the same algorithm,
/// specialised at run time instead: quantisation through a table, the context state in flat
/// arrays, a 64-bit bit writer. It writes what CharLS writes for the same image, byte for byte
/// (SOI, SOF55, above 12 bits an LSE with the default parameters, SOS, the scan, EOI), which
/// JPEGLSTests checks, and CharLS, dcmtk, GDCM and pydicom decode its output.
struct JPEGLSLosslessEncoder {
    let width: Int
    let height: Int
    let precision: Int

    /// The codestream of `samples`: width x height values, little-endian in containers of
    /// `bytesPerSample` (1 or 2) bytes, each below 2^precision (the caller masks them).
    func encode(_ samples: UnsafeRawBufferPointer, bytesPerSample: Int) -> [UInt8] {
        let maxValue = (1 << precision) - 1
        let range = maxValue + 1
        let bpp = max(2, precision)
        let qbpp = precision
        let limit = 2 * (bpp + max(8, bpp))
        let (t1, t2, t3) = Self.defaultThresholds(maxValue: maxValue)
        // Worst case: every sample takes `limit` bits, every byte after 0xFF carries 7 of them.
        let capacity = (width * height * limit + 6) / 7 + 64
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var writer = BitWriter(buffer.baseAddress!)
            writer.header(width: width, height: height, precision: precision,
                          presets: precision > 12 ? [maxValue, t1, t2, t3, 64] : nil)
            var state = ScanState(range: range, thresholds: (t1, t2, t3), width: width)
            defer { state.deallocate() }
            let quantize = state.quantize
            var previous = state.previousLine, current = state.currentLine
            for y in 0..<height {
                let row = y * width
                if bytesPerSample == 1 {
                    for x in 0..<width { current[x + 1] = Int32(widening: samples[row &+ x]) }
                } else {
                    for x in 0..<width {
                        current[x + 1] = Int32(widening: UInt16(littleEndian: samples.loadUnaligned(fromByteOffset: 2 &* (row &+ x), as: UInt16.self)))
                    }
                }
                JPEGLSLosslessEncoder.ScanState.extendEdges(previous: previous, current: current, width: width)
                var x = 0
                while x < width {
                    let ra = current[x], rb = previous[x + 1], rc = previous[x], rd = previous[x + 2]
                    // (Wrapping arithmetic in this loop: every value is a sample, a difference of
                    // two or a bounded context count, and overflow checks kept it slow.)
                    let context = JPEGLSLosslessEncoder.ScanState.context(quantize, ra: ra, rb: rb, rc: rc, rd: rd)
                    if context == 0 {
                        x += encodeRun(at: x, current: current, previous: previous, state: &state, writer: &writer,
                                       limit: limit, qbpp: qbpp)
                        continue
                    }
                    let ix = current[x + 1]
                    let negative = context < 0
                    let q = Int(widening: negative ? 0 &- context : context)
                    // Median edge detector, then the context's bias correction, clamped.
                    var predicted: Int32
                    if rc >= max(ra, rb) { predicted = min(ra, rb) } else if rc <= min(ra, rb) { predicted = max(ra, rb) } else { predicted = ra &+ rb &- rc }
                    predicted = negative ? predicted &- state.c[q] : predicted &+ state.c[q]
                    // conversion: precision 2...16: below 2^16
                    if predicted < 0 { predicted = 0 } else if predicted > Int32(maxValue) { predicted = Int32(maxValue) }
                    var error = negative ? predicted &- ix : ix &- predicted
                    // Modulo reduction to -range/2 ..< range/2.
                    if error < 0 { error = error &+ Int32(range) }  // conversion: range <= 2^16
                    if error >= Int32((range + 1) / 2) { error = error &- Int32(range) }  // conversion: range <= 2^16
                    let a = state.a[q], n = state.n[q]
                    var k: Int32 = 0
                    // k stops at 16, as in CharLS (an implementation limit it writes and reads).
                    while k < 16 && (n &<< k) < a { k &+= 1 }
                    // Error mapping (A.5.2), with the k = 0 inversion when the bias is negative.
                    let mapped: Int32
                    if k == 0 && 2 &* state.b[q] <= 0 &- n {
                        mapped = error >= 0 ? 2 &* error &+ 1 : -2 &* (error &+ 1)
                    } else {
                        mapped = error >= 0 ? 2 &* error : -2 &* error &- 1
                    }
                    writer.golomb(UInt32(mapped), k: Int(k), limit: limit, qbpp: qbpp)  // conversion: mapped >= 0 (error mapping), k 0...16
                    state.update(q, error: error)
                    x &+= 1
                }
                swap(&previous, &current)
            }
            writer.finish()
            initialized = writer.count
        }
    }

    /// Gradient quantisation (T.87 A.3.3, NEAR = 0) for every difference -range...range, to be
    /// indexed with the difference + range. The caller deallocates it.
    static func makeQuantizationTable(range: Int, thresholds: (Int, Int, Int)) -> UnsafeMutablePointer<Int32> {
        let (t1, t2, t3) = thresholds
        let table = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * range + 1)
        for d in -range...range {
            let q: Int32
            if d <= -t3 { q = -4 } else if d <= -t2 { q = -3 } else if d <= -t1 { q = -2 } else if d < 0 { q = -1 }
            else if d == 0 { q = 0 } else if d < t1 { q = 1 } else if d < t2 { q = 2 } else if d < t3 { q = 3 } else { q = 4 }
            table[d + range] = q
        }
        return table
    }

    /// T.87 C.2.4.1.1 default thresholds for NEAR = 0 (CLAMP(i, j, MAXVAL) is j when i is out of
    /// j...MAXVAL, not the nearer bound).
    static func defaultThresholds(maxValue: Int) -> (Int, Int, Int) {
        func clamp(_ i: Int, _ j: Int) -> Int { i > maxValue || i < j ? j : i }
        if maxValue >= 128 {
            let factor = (min(maxValue, 4095) + 128) / 256
            let t1 = clamp(factor * (3 - 2) + 2, 1)
            let t2 = clamp(factor * (7 - 3) + 3, t1)
            return (t1, t2, clamp(factor * (21 - 4) + 4, t2))
        }
        let factor = 256 / (maxValue + 1)
        let t1 = clamp(max(2, 3 / factor), 1)
        let t2 = clamp(max(3, 7 / factor), t1)
        return (t1, t2, clamp(max(4, 21 / factor), t2))
    }

    /// Run mode (A.7) from column `x`: the run of samples equal to Ra, then, unless the line
    /// ended, the interrupting sample. Returns how many columns were coded.
    @inline(__always)
    private func encodeRun(at x: Int, current: UnsafeMutablePointer<Int32>, previous: UnsafeMutablePointer<Int32>,
                           state: inout ScanState, writer: inout BitWriter, limit: Int, qbpp: Int) -> Int {
        let ra = current[x]
        let remaining = width - x
        var run = 0
        while run < remaining && current[x + run + 1] == ra { run += 1 }
        var left = run
        while left >= 1 << Self.runLengthBits[state.runIndex] {
            writer.put(1, 1)
            left -= 1 << Self.runLengthBits[state.runIndex]
            if state.runIndex < 31 { state.runIndex += 1 }
        }
        if run == remaining {
            if left > 0 { writer.put(1, 1) }
            return run
        }
        // A 0, then what is left of the run in J[RUNindex] bits.
        writer.put(UInt32(left), Self.runLengthBits[state.runIndex] + 1)  // conversion: what is left of a run, 0...row width
        let ix = current[x + run + 1], rb = previous[x + run + 1]
        let sameNeighbours = ra == rb
        let q = sameNeighbours ? 1 : 0
        var error = sameNeighbours ? ix - ra : (ra > rb ? rb - ix : ix - rb)
        let range = Int32(state.range)  // conversion: range <= 2^16
        if error < 0 { error += range }
        if error >= (range + 1) / 2 { error -= range }
        let riType = Int32(q)  // conversion: 0 or 1
        let a = state.riA[q], n = state.riN[q], nn = state.riNn[q]
        let temp = a + (n >> 1) * riType
        var k: Int32 = 0
        while (n << k) < temp { k += 1 }
        let map = (k == 0 && error > 0 && 2 * nn < n) || (error < 0 && 2 * nn >= n) || (error < 0 && k != 0)
        let mapped = 2 * abs(error) - riType - (map ? 1 : 0)
        // conversion: RItype 1 only when the sample differs from Ra (Errval != 0): mapped >= 0; k small
        writer.golomb(UInt32(mapped), k: Int(k), limit: limit - Self.runLengthBits[state.runIndex] - 1, qbpp: qbpp)
        state.updateRunInterruption(q, error: error, mapped: mapped, riType: riType)
        return run + 1
    }

    /// J, the run-length order of each RUNindex (T.87 A.7.1.2).
    static let runLengthBits = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15]

    /// The coding state of a scan, shared by the encoder and the decoder: 365 regular contexts
    /// (A, B, C, N), the two run-interruption contexts, RUNindex, the gradient quantisation table
    /// (`quantize[d]` for d in -range...range) and two lines with a border sample each side
    /// (index 0 is column -1, index width + 1 column width), all zero at first.
    struct ScanState {
        let range: Int
        var a, b, c, n: UnsafeMutablePointer<Int32>
        var riA: [Int32], riN: [Int32], riNn: [Int32]
        var runIndex = 0
        let table: UnsafeMutablePointer<Int32>
        let lines: UnsafeMutablePointer<Int32>
        let lineLength: Int

        var quantize: UnsafeMutablePointer<Int32> { table + range }

        /// T.87 A.2.1, at the start of each line: Rd beyond the last column repeats it; Ra of the
        /// first column is Rb, and Rc of the first column is the first sample two lines up (kept in index 0).
        @inline(__always)
        static func extendEdges(previous: UnsafeMutablePointer<Int32>, current: UnsafeMutablePointer<Int32>, width: Int) {
            previous[width + 1] = previous[width]
            current[0] = previous[1]
        }

        /// T.87 A.7.2.2, after a run-interruption sample: the statistics of its context `q` (RItype)
        /// updated with its error and mapped value, and RUNindex one step back. Shared by both coders.
        @inline(__always)
        mutating func updateRunInterruption(_ q: Int, error: Int32, mapped: Int32, riType: Int32) {
            if error < 0 { riNn[q] += 1 }
            riA[q] &+= (mapped &+ 1 &- riType) >> 1  // wrapping: a damaged stream can make it huge
            if riN[q] == 64 {
                riA[q] >>= 1
                riN[q] >>= 1
                riNn[q] >>= 1
            }
            riN[q] += 1
            if runIndex > 0 { runIndex -= 1 }
        }

        /// T.87 A.3: the context number from the three quantised local gradients (0: run mode).
        @inline(__always)
        static func context(_ quantize: UnsafeMutablePointer<Int32>, ra: Int32, rb: Int32, rc: Int32, rd: Int32) -> Int32 {
            quantize[Int(widening: rd &- rb)] &* 81 &+ quantize[Int(widening: rb &- rc)] &* 9 &+ quantize[Int(widening: rc &- ra)]
        }
        var previousLine: UnsafeMutablePointer<Int32> { lines }
        var currentLine: UnsafeMutablePointer<Int32> { lines + lineLength }

        init(range: Int, thresholds: (Int, Int, Int), width: Int) {
            self.range = range
            table = JPEGLSLosslessEncoder.makeQuantizationTable(range: range, thresholds: thresholds)
            lineLength = width + 2
            lines = .allocate(capacity: 2 * lineLength)
            lines.initialize(repeating: 0, count: 2 * lineLength)
            let initialA = Int32(max(2, (range + 32) / 64))  // conversion: range <= 2^16
            a = .allocate(capacity: 365); a.initialize(repeating: initialA, count: 365)
            b = .allocate(capacity: 365); b.initialize(repeating: 0, count: 365)
            c = .allocate(capacity: 365); c.initialize(repeating: 0, count: 365)
            n = .allocate(capacity: 365); n.initialize(repeating: 1, count: 365)
            riA = [initialA, initialA]
            riN = [1, 1]
            riNn = [0, 0]
        }

        func deallocate() {
            a.deallocate(); b.deallocate(); c.deallocate(); n.deallocate()
            table.deallocate(); lines.deallocate()
        }

        /// A.6: A and B accumulate, halve with N at RESET (64); then the bias correction C moves
        /// one step when B leaves (-N, 0].
        @inline(__always)
        mutating func update(_ q: Int, error: Int32) {
            var a = self.a[q] &+ (error < 0 ? 0 &- error : error)
            var b = self.b[q] &+ error
            var n = self.n[q]
            if n == 64 { a >>= 1; b >>= 1; n >>= 1 }
            n &+= 1
            if b &+ n <= 0 {
                b &+= n
                if b <= 0 &- n { b = 1 &- n }
                if c[q] > -128 { c[q] &-= 1 }
            } else if b > 0 {
                b &-= n
                if b > 0 { b = 0 }
                if c[q] < 127 { c[q] &+= 1 }
            }
            self.a[q] = a
            self.b[q] = b
            self.n[q] = n
        }
    }

    /// Bits to bytes, most significant first, with JPEG-LS marker avoidance: a byte after 0xFF
    /// carries 7 bits behind a 0 (T.87 A.1).
    struct BitWriter {
        let out: UnsafeMutablePointer<UInt8>
        var count = 0
        var bits: UInt64 = 0
        var pending = 0
        var afterFF = false

        init(_ out: UnsafeMutablePointer<UInt8>) { self.out = out }

        mutating func bytes(_ values: [UInt8]) {
            for v in values { out[count] = v; count += 1 }
        }

        /// SOI, SOF55, the preset coding parameters when given (MAXVAL, T1, T2, T3, RESET), SOS.
        mutating func header(width: Int, height: Int, precision: Int, presets: [Int]?) {
            bytes([0xFF, 0xD8])
            // SOF55: Lf 11, P, Y, X, one component (id 1, sampling 1x1, Tq 0).
            // conversion: precision 2...16; height <= 65535
            bytes([0xFF, 0xF7, 0x00, 0x0B, UInt8(precision), UInt8(height >> 8), UInt8(height & 0xFF),
                   UInt8(width >> 8), UInt8(width & 0xFF), 0x01, 0x01, 0x11, 0x00])  // conversion: width <= 65535
            if let presets {
                // LSE, ID 1. The values are the defaults, written out as CharLS does above 12 bits
                // (decoders have disagreed on the defaults for P > 12).
                bytes([0xFF, 0xF8, 0x00, 0x0D, 0x01])
                for v in presets { bytes([UInt8(v >> 8), UInt8(v & 0xFF)]) }  // conversion: presets are MAXVAL, thresholds, RESET: below 2^16
            }
            // SOS: Ls 8, one component (id 1, no mapping table), NEAR 0, ILV 0, no point transform.
            bytes([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00])
        }

        /// Appends the low `width` bits of `value` (width <= 32).
        @inline(__always)
        mutating func put(_ value: UInt32, _ width: Int) {
            bits = bits &<< UInt64(width) | UInt64(value)  // conversion: width 0...32; UInt32 widens
            pending &+= width
            while pending >= (afterFF ? 7 : 8) {
                let byte: UInt8
                if afterFF {
                    pending &-= 7
                    byte = UInt8(truncatingIfNeeded: bits &>> UInt64(pending)) & 0x7F  // conversion: pending 0...63
                } else {
                    pending &-= 8
                    byte = UInt8(truncatingIfNeeded: bits &>> UInt64(pending))  // conversion: pending 0...63
                }
                out[count] = byte
                count &+= 1
                afterFF = byte == 0xFF
            }
        }

        /// A limited-length Golomb code (A.5.3): the high part in unary (zeros, then a 1) and k
        /// low bits, or, when the high part reaches limit - qbpp - 1, that many zeros, a 1 and
        /// value - 1 in qbpp bits.
        @inline(__always)
        mutating func golomb(_ value: UInt32, k: Int, limit: Int, qbpp: Int) {
            let high = Int(value &>> UInt32(k))  // conversion: UInt32 widens; k 0...24
            if high < limit &- qbpp &- 1 {
                if high &+ 1 &+ k <= 32 {
                    put(1 &<< UInt32(k) | (value & ((1 &<< UInt32(k)) &- 1)), high &+ 1 &+ k)  // conversion: k 0...24
                } else {
                    zeros(high)
                    put(1, 1)
                    put(value & ((1 << UInt32(k)) - 1), k)  // conversion: k 0...24
                }
            } else {
                zeros(limit - qbpp - 1)
                put(1, 1)
                put((value - 1) & ((1 << UInt32(qbpp)) - 1), qbpp)  // conversion: qbpp 2...16
            }
        }

        @inline(__always)
        mutating func zeros(_ n: Int) {
            var n = n
            while n > 24 { put(0, 24); n -= 24 }
            if n > 0 { put(0, n) }
        }

        /// Pads the last byte with zeros; a final 0xFF gets a zero byte after it (its stuffed
        /// bit), then EOI.
        mutating func finish() {
            let step = afterFF ? 7 : 8
            if pending > 0 { put(0, step - pending) }
            if afterFF { put(0, 7) }
            bytes([0xFF, 0xD9])
        }
    }
}
