import DicomCore

/// JPEG-LS lossless decoding (ITU-T T.87, NEAR = 0) of one-component frames, the mirror of
/// JPEGLSLosslessEncoder: the common case of a grey medical image, decoded with the quantisation
/// table, flat context arrays and a 64-bit bit reader, faster than CharLS even where CharLS has a
/// specialised decoder. Anything else -- several components, NEAR > 0, restart markers, mapping
/// tables, non-default MAXVAL or RESET, a header it does not know, data that does not decode
/// cleanly -- returns nil and goes to CharLS, whose errors stay the errors dicomtool reports.
/// Work is bounded by the frame: every sample costs at least one bit or belongs to a run that
/// ends at the line's end, and reading past the data yields zeros and a refusal.
public enum JPEGLSLosslessDecoder {
    /// The samples of `codestream` in containers of `container` bits (8 or 16, little endian),
    /// or nil when this decoder does not take the stream. (Public for the tests, which compare
    /// it with CharLS; JPEGLSCodec.decode is the entry point.)
    public static func decode(_ codestream: [UInt8], rows: Int, columns: Int, container: Int) -> [UInt8]? {
        guard let header = Header(codestream), header.rows == rows, header.columns == columns,
              container == 16 || header.precision <= 8 && container == 8 else { return nil }
        let width = columns, height = rows
        let maxValue = (1 << header.precision) - 1
        let range = maxValue + 1
        let bpp = max(2, header.precision)
        let qbpp = header.precision
        let limit = 2 * (bpp + max(8, bpp))
        let bytesPerSample = container / 8
        var ok = true
        let output = [UInt8](unsafeUninitializedCapacity: width * height * bytesPerSample) { buffer, initialized in
            initialized = 0
            let out = UnsafeMutableRawBufferPointer(buffer)
            codestream.withUnsafeBufferPointer { data in
                var reader = BitReader(data, start: header.scanStart)
                var state = JPEGLSLosslessEncoder.ScanState(range: range, thresholds: header.thresholds, width: width)
                defer { state.deallocate() }
                let quantize = state.quantize
                var previous = state.previousLine, current = state.currentLine
                let mask = Int32(maxValue)  // conversion: precision 2...16 (Header): below 2^16
                decoding: for y in 0..<height {
                    JPEGLSLosslessEncoder.ScanState.extendEdges(previous: previous, current: current, width: width)
                    var x = 0
                    while x < width {
                        let ra = current[x], rb = previous[x + 1], rc = previous[x], rd = previous[x + 2]
                        let context = JPEGLSLosslessEncoder.ScanState.context(quantize, ra: ra, rb: rb, rc: rc, rd: rd)
                        if context == 0 {
                            // Run mode: 1s are full runs of 2^J[RUNindex] (or up to the line's
                            // end), a 0 ends the run with J[RUNindex] bits of remainder.
                            let remaining = width - x
                            var run = 0
                            var endedLine = false
                            while true {
                                guard let bit = reader.bits(1) else { ok = false; break decoding }
                                if bit == 0 { break }
                                let block = 1 << JPEGLSLosslessEncoder.runLengthBits[state.runIndex]
                                let count = min(block, remaining - run)
                                run += count
                                if count == block && state.runIndex < 31 { state.runIndex += 1 }
                                if run == remaining { endedLine = true; break }
                            }
                            if !endedLine {
                                let j = JPEGLSLosslessEncoder.runLengthBits[state.runIndex]
                                if j > 0 {
                                    guard let extra = reader.bits(j) else { ok = false; break decoding }
                                    run += Int(widening: extra)
                                }
                                guard run < remaining else { ok = false; break decoding }
                            }
                            for i in 0..<run { current[x + 1 + i] = ra }
                            x += run
                            if endedLine { continue }
                            // The interrupting sample.
                            let rbi = previous[x + 1]
                            let riType = Int32(ra == rbi ? 1 : 0)  // conversion: 0 or 1
                            let qi = Int(widening: riType)
                            let a = state.riA[qi], n = state.riN[qi], nn = state.riNn[qi]
                            let temp = a &+ (n >> 1) &* riType
                            var k: Int32 = 0
                            while (n &<< k) < temp { k &+= 1; if k > 24 { break } }
                            // A valid stream keeps A below 64 x RANGE (k <= 22); more is damage.
                            guard k <= 24, let value = reader.golomb(k: Int(widening: k), limit: limit - JPEGLSLosslessEncoder.runLengthBits[state.runIndex] - 1,
                                                            qbpp: qbpp) else { ok = false; break decoding }
                            // conversion: a Golomb value: below 2^16 + 1, or zeros (< 64) << k (<= 24): below 2^31
                            let mapped = Int32(value)
                            let withType = mapped &+ riType
                            let map = withType & 1 != 0
                            let magnitude = (withType &+ (map ? 1 : 0)) / 2
                            let error = ((k != 0 || 2 &* nn >= n) == map) ? 0 &- magnitude : magnitude
                            let sample: Int32
                            if riType == 1 {
                                sample = (ra &+ error) & mask
                            } else {
                                sample = (ra > rbi ? rbi &- error : rbi &+ error) & mask
                            }
                            current[x + 1] = sample
                            state.updateRunInterruption(qi, error: error, mapped: mapped, riType: riType)
                            x &+= 1
                            continue
                        }
                        let negative = context < 0
                        let q = Int(widening: negative ? 0 &- context : context)
                        var predicted: Int32
                        if rc >= max(ra, rb) { predicted = min(ra, rb) } else if rc <= min(ra, rb) { predicted = max(ra, rb) } else { predicted = ra &+ rb &- rc }
                        predicted = negative ? predicted &- state.c[q] : predicted &+ state.c[q]
                        if predicted < 0 { predicted = 0 } else if predicted > mask { predicted = mask }
                        let a = state.a[q], n = state.n[q]
                        var k: Int32 = 0
                        // k stops at 16, as in CharLS (which both writes and reads it so).
                        while k < 16 && (n &<< k) < a { k &+= 1 }
                        guard let value = reader.golomb(k: Int(widening: k), limit: limit, qbpp: qbpp) else { ok = false; break decoding }
                        // conversion: a Golomb value: below 2^16 + 1, or zeros (< 64) << k (<= 24): below 2^31
                        let mapped = Int32(value)
                        // Unmapping (A.5.2 inverted), with the k = 0 inversion when the bias is negative.
                        var error = mapped & 1 == 0 ? mapped >> 1 : 0 &- ((mapped &+ 1) >> 1)
                        if k == 0 && 2 &* state.b[q] <= 0 &- n { error = 0 &- error &- 1 }
                        state.update(q, error: error)
                        current[x + 1] = (negative ? predicted &- error : predicted &+ error) & mask
                        x &+= 1
                    }
                    let row = y * width
                    if bytesPerSample == 1 {
                        for x in 0..<width { out[row &+ x] = UInt8(truncatingIfNeeded: current[x + 1]) }
                    } else {
                        for x in 0..<width {
                            out.storeBytes(of: UInt16(truncatingIfNeeded: current[x + 1]).littleEndian,
                                           toByteOffset: 2 &* (row &+ x), as: UInt16.self)
                        }
                    }
                    swap(&previous, &current)
                }
                if ok && !reader.consumedOnlyData { ok = false }
            }
            // Every byte is written when decoding succeeded; otherwise the array is thrown away.
            if !ok { buffer.initialize(repeating: 0) }
            initialized = width * height * bytesPerSample
        }
        return ok ? output : nil
    }

    /// What this decoder needs from the markers before the scan, or nil for a stream it leaves
    /// to CharLS.
    struct Header {
        var precision = 0, rows = 0, columns = 0
        var thresholds = (0, 0, 0)
        var scanStart = 0

        init?(_ b: [UInt8]) {
            guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
            var at = 2
            var presets: [Int]?
            var haveFrame = false
            while true {
                guard at + 4 <= b.count, b[at] == 0xFF else { return nil }
                let marker = b[at + 1]
                let length = Int(widening: b[at + 2]) << 8 | Int(widening: b[at + 3])
                guard length >= 2, at + 2 + length <= b.count else { return nil }
                let body = at + 4
                switch marker {
                case 0xF7:  // SOF55: P, Y, X, Nf = 1
                    guard !haveFrame, length == 11, b[body + 5] == 1 else { return nil }
                    precision = Int(widening: b[body])
                    rows = Int(widening: b[body + 1]) << 8 | Int(widening: b[body + 2])
                    columns = Int(widening: b[body + 3]) << 8 | Int(widening: b[body + 4])
                    guard (2...16).contains(precision), rows > 0, columns > 0 else { return nil }
                    haveFrame = true
                case 0xF8:  // LSE: only preset coding parameters (ID 1)
                    guard length == 13, b[body] == 1 else { return nil }
                    presets = (0..<5).map { Int(widening: b[body + 1 + 2 * $0]) << 8 | Int(widening: b[body + 2 + 2 * $0]) }
                case 0xDA:  // SOS: one component, no mapping table, NEAR 0, no point transform
                    guard haveFrame, length == 8, b[body] == 1, b[body + 2] == 0, b[body + 3] == 0, b[body + 5] == 0
                    else { return nil }
                    scanStart = at + 2 + length
                    let maxValue = (1 << precision) - 1
                    let defaults = JPEGLSLosslessEncoder.defaultThresholds(maxValue: maxValue)
                    thresholds = defaults
                    if let p = presets {
                        // A zero field means the default (T.87 C.2.4.1.1).
                        guard p[0] == 0 || p[0] == maxValue, p[4] == 0 || p[4] == 64 else { return nil }
                        thresholds = (p[1] == 0 ? defaults.0 : p[1], p[2] == 0 ? defaults.1 : p[2], p[3] == 0 ? defaults.2 : p[3])
                        // Thresholds must be ordered within the range (C.2.4.1.1), else CharLS decides.
                        guard 1 <= thresholds.0, thresholds.0 <= thresholds.1, thresholds.1 <= thresholds.2,
                              thresholds.2 <= maxValue else { return nil }
                    }
                    return
                case 0xE0...0xEF, 0xFE:  // APPn, COM
                    break
                default:
                    return nil
                }
                at += 2 + length
            }
        }
    }

    /// Scan bits, most significant first, without the stuffed 0 after each 0xFF; a 0xFF followed
    /// by a byte of 0x80 or more is a marker, the end of the scan. Past it, zeros are read and
    /// counted, so a stream that needs them is refused rather than decoded from nothing.
    struct BitReader {
        let data: UnsafeBufferPointer<UInt8>
        var position: Int
        var end: Int
        var buffer: UInt64 = 0
        var valid = 0
        var afterFF = false
        var padding = 0

        init(_ data: UnsafeBufferPointer<UInt8>, start: Int) {
            self.data = data
            position = start
            end = data.count
        }

        var consumedOnlyData: Bool { valid >= padding }

        @inline(__always)
        mutating func refill() {
            while valid <= 56 {
                if position >= end {
                    valid &+= 8
                    padding &+= 8
                    continue
                }
                let byte = data[position]
                if afterFF {
                    if byte & 0x80 != 0 { end = position; continue }  // a marker: the scan's end
                    buffer |= UInt64(byte) &<< UInt64(57 &- valid)  // conversion: a byte widens; valid <= 56 here
                    valid &+= 7
                } else {
                    buffer |= UInt64(byte) &<< UInt64(56 &- valid)  // conversion: a byte widens; valid <= 56 here
                    valid &+= 8
                }
                afterFF = byte == 0xFF
                position &+= 1
            }
        }

        /// The next `count` (1...32) bits, or nil once the data is exhausted.
        @inline(__always)
        mutating func bits(_ count: Int) -> UInt32? {
            if valid < count { refill() }
            let value = UInt32(truncatingIfNeeded: buffer &>> UInt64(64 &- count))  // conversion: count is 1...32
            buffer = buffer &<< UInt64(count)  // conversion: count is 1...32
            valid &-= count
            return valid >= padding ? value : nil
        }

        /// A limited-length Golomb code (A.5.3); nil for data that is not one.
        @inline(__always)
        mutating func golomb(k: Int, limit: Int, qbpp: Int) -> UInt32? {
            var zeros = 0
            while true {
                if valid < 32 { refill() }
                let z = buffer.leadingZeroBitCount
                if z < valid {
                    zeros &+= z
                    buffer = buffer &<< UInt64(z &+ 1)  // conversion: z < valid <= 64
                    valid &-= z &+ 1
                    break
                }
                zeros &+= valid
                buffer = 0
                valid = 0
                if zeros > limit || padding > 64 { return nil }
            }
            guard valid >= padding else { return nil }
            if zeros >= limit &- qbpp &- 1 {
                guard zeros == limit &- qbpp &- 1, let v = self.bits(qbpp) else { return nil }
                return v &+ 1
            }
            if k == 0 { return UInt32(zeros) }  // conversion: zeros <= limit (<= 64), checked in the loop
            guard let low = self.bits(k) else { return nil }
            return UInt32(zeros) &<< UInt32(k) | low  // conversion: zeros <= limit, k <= 24
        }
    }
}
