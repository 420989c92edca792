import DicomCore

/// JPEG DCT sequential with Huffman coding, 8- and 12-bit precision (processes 1, 2 and 4):
/// 1.2.840.10008.1.2.4.51, whose codestreams may also be baseline (SOF0).
///
/// The output is bit-exact with IJG-6b-derived decoders (dcmtk, GDCM, libjpeg-turbo), which the
/// corpus's golden hashes come from: the ISLOW integer IDCT of jidctint.c with its range-limit
/// table, "fancy" h2v1/h2v2 chroma upsampling of jdsample.c, and the integer YCbCr->RGB tables of
/// jdcolor.c, applied when the Photometric Interpretation is YBR_FULL or YBR_FULL_422.
public struct JPEGExtended12Decoder: PixelDecoder {
    public init() {}

    static let naturalOrder: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ]

    /// One component's decoded samples, in a plane covering whole MCUs.
    struct Plane {
        var samples: [UInt16]
        var width: Int
        var height: Int
        /// Size of the component proper (T.81 A.1.1): ceil(X * h / Hmax) x ceil(Y * v / Vmax).
        var componentWidth: Int
        var componentHeight: Int
        var decoded = false
    }

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        var reader = try JPEGMarkerReader(codestream)
        var tables = JPEGTables()
        var frame: JPEGFrameHeader?
        var planes: [Plane] = []
        scanning: while true {
            switch try reader.next(&tables) {
            case .frame(let header):
                try Self.check(header, against: description)
                frame = header
                let mcusX = (header.columns + 8 * header.maxH - 1) / (8 * header.maxH)
                let mcusY = (header.rows + 8 * header.maxV - 1) / (8 * header.maxV)
                // Every block costs at least two bits (DC and EOB): refuse before allocating for a
                // frame the data cannot hold.
                let blocks = header.components.reduce(0) { $0 + mcusX * mcusY * $1.h * $1.v }
                guard blocks <= 4 * codestream.count + 64 else {
                    throw DicomError(.decodeFailed, "JPEG: \(codestream.count) bytes cannot hold \(blocks) blocks",
                                     offset: reader.position)
                }
                planes = header.components.map { c in
                    let width = mcusX * c.h * 8, height = mcusY * c.v * 8
                    return Plane(samples: [UInt16](repeating: 0, count: width * height), width: width, height: height,
                                 componentWidth: (header.columns * c.h + header.maxH - 1) / header.maxH,
                                 componentHeight: (header.rows * c.v + header.maxV - 1) / header.maxV)
                }
            case .scan(let scan):
                guard let frame else {
                    throw DicomError(.decodeFailed, "JPEG: SOS before SOF", offset: scan.dataStart)
                }
                reader.position = try Self.decodeScan(codestream, scan: scan, frame: frame, tables: tables, planes: &planes)
            case .end:
                break scanning
            }
        }
        guard let frame else {
            throw DicomError(.decodeFailed, "JPEG: no frame header", offset: reader.position)
        }
        if let missing = planes.firstIndex(where: { !$0.decoded }) {
            throw DicomError(.decodeFailed, "JPEG: component \(frame.components[missing].id) has no scan",
                             offset: reader.position)
        }
        return Self.output(planes, frame: frame, description: description)
    }

    static func check(_ header: JPEGFrameHeader, against d: PixelDescription) throws(DicomError) {
        guard header.process == 0 || header.process == 1 else {
            throw DicomError(.unsupported, "JPEG: SOF\(header.process) is not DCT sequential Huffman (SOF0/SOF1)")
        }
        guard header.precision == 8 || header.precision == 12 else {
            throw DicomError(.decodeFailed, "JPEG: DCT precision \(header.precision) is not 8 or 12")
        }
        var problems: [String] = []
        if header.rows != d.rows { problems.append("codestream rows \(header.rows) vs Rows (0028,0010) \(d.rows)") }
        if header.columns != d.columns {
            problems.append("codestream columns \(header.columns) vs Columns (0028,0011) \(d.columns)")
        }
        if header.components.count != d.samplesPerPixel || (d.samplesPerPixel != 1 && d.samplesPerPixel != 3) {
            problems.append("codestream components \(header.components.count) vs Samples per Pixel (0028,0002) \(d.samplesPerPixel)")
        }
        if header.precision > d.bitsAllocated || (d.bitsAllocated != 8 && d.bitsAllocated != 16) {
            problems.append("codestream precision \(header.precision) vs Bits Allocated (0028,0100) \(d.bitsAllocated)")
        }
        guard problems.isEmpty else {
            throw DicomError(.decodeFailed, "JPEG: geometry mismatch: " + problems.joined(separator: "; "))
        }
        // Like IJG, only integral sampling ratios (e.g. not h=3 beside h=4).
        if let odd = header.components.first(where: { header.maxH % $0.h != 0 || header.maxV % $0.v != 0 }) {
            throw DicomError(.unsupported, "JPEG: component \(odd.id) has sampling factors \(odd.h)x\(odd.v), "
                             + "a fractional ratio to \(header.maxH)x\(header.maxV)")
        }
    }

    static func decodeScan(_ bytes: [UInt8], scan: JPEGScanHeader, frame: JPEGFrameHeader, tables: JPEGTables,
                           planes: inout [Plane]) throws(DicomError) -> Int {
        // Ss/Se/Ah/Al are ignored in sequential mode, as IJG does (it only warns): some files carry Se=0.
        var dcTables: [JPEGHuffmanTable] = [], acTables: [JPEGHuffmanTable] = [], quant: [[Int]] = []
        for c in scan.components {
            guard c.dcTable < 4, let dc = tables.dc[c.dcTable], c.acTable < 4, let ac = tables.ac[c.acTable] else {
                throw DicomError(.decodeFailed, "JPEG: scan uses an undefined Huffman table", offset: scan.dataStart)
            }
            let tq = frame.components[c.frameIndex].tq
            guard tq < 4, let q = tables.quant[tq] else {
                throw DicomError(.decodeFailed, "JPEG: component \(frame.components[c.frameIndex].id) uses undefined "
                                 + "quantisation table \(tq)", offset: scan.dataStart)
            }
            guard !planes[c.frameIndex].decoded else {
                throw DicomError(.decodeFailed, "JPEG: component \(frame.components[c.frameIndex].id) appears in a second scan",
                                 offset: scan.dataStart)
            }
            planes[c.frameIndex].decoded = true
            dcTables.append(dc)
            acTables.append(ac)
            quant.append(q)
        }
        var reader = JPEGBitReader(bytes, start: scan.dataStart)
        var predictors = [Int](repeating: 0, count: scan.components.count)
        var coefficients = [Int](repeating: 0, count: 64)
        var workspace = [Int](repeating: 0, count: 64)
        let restartInterval = tables.restartInterval
        var mcusLeft = restartInterval
        let precision = frame.precision

        // One block: Huffman-decode, dequantise, inverse DCT into the plane.
        func block(_ k: Int, row: Int, column: Int, _ reader: inout JPEGBitReader, _ planes: inout [Plane]) throws(DicomError) {
            for i in 0..<64 { coefficients[i] = 0 }
            let t = try reader.decode(dcTables[k])
            guard t <= 16 else {
                throw DicomError(.decodeFailed, "JPEG: DC difference category \(t) exceeds 16", offset: reader.position)
            }
            predictors[k] += reader.receiveExtend(t)
            let q = quant[k]
            coefficients[0] = Int(widening: Int16(truncatingIfNeeded: predictors[k])) * q[0]  // IJG stores (JCOEF) s
            var index = 1
            while index < 64 {
                let rs = try reader.decode(acTables[k])
                let r = rs >> 4, s = rs & 15
                if s == 0 {
                    if r != 15 { break }
                    index += 16
                    continue
                }
                index += r
                // Corrupt data may run past 63: IJG's padded natural-order table sends it to 63.
                let zz = min(index, 63)
                coefficients[naturalOrder[zz]] = Int(widening: Int16(truncatingIfNeeded: reader.receiveExtend(s))) * q[zz]
                index += 1
            }
            let c = scan.components[k].frameIndex
            let width = planes[c].width
            JPEGIslowIDCT.transform(&coefficients, workspace: &workspace, precision: precision,
                                    into: &planes[c].samples, at: row * 8 * width + column * 8, stride: width)
        }

        func nextMCU(_ reader: inout JPEGBitReader) throws(DicomError) {
            if restartInterval > 0 {
                if mcusLeft == 0 {
                    try reader.restart()
                    mcusLeft = restartInterval
                    for i in predictors.indices { predictors[i] = 0 }
                }
                mcusLeft -= 1
            }
        }

        if scan.components.count == 1 {
            let c = scan.components[0].frameIndex
            let blocksX = (planes[c].componentWidth + 7) / 8, blocksY = (planes[c].componentHeight + 7) / 8
            for by in 0..<blocksY {
                for bx in 0..<blocksX {
                    try nextMCU(&reader)
                    try block(0, row: by, column: bx, &reader, &planes)
                }
                if reader.paddedBytes > 64 { break }
            }
        } else {
            let mcusX = (frame.columns + 8 * frame.maxH - 1) / (8 * frame.maxH)
            let mcusY = (frame.rows + 8 * frame.maxV - 1) / (8 * frame.maxV)
            for my in 0..<mcusY {
                for mx in 0..<mcusX {
                    try nextMCU(&reader)
                    for (k, sc) in scan.components.enumerated() {
                        let h = frame.components[sc.frameIndex].h, v = frame.components[sc.frameIndex].v
                        for y in 0..<v {
                            for x in 0..<h { try block(k, row: my * v + y, column: mx * h + x, &reader, &planes) }
                        }
                    }
                }
                if reader.paddedBytes > 64 { break }
            }
        }
        if reader.paddedBytes > 64 {
            throw DicomError(.decodeFailed, "JPEG: entropy-coded data ends before the scan is complete",
                             offset: reader.markerOffset)
        }
        return reader.endOfScan()
    }

    static func output(_ planes: [Plane], frame: JPEGFrameHeader, description d: PixelDescription) -> DecodedFrame {
        let rows = frame.rows, columns = frame.columns, spp = planes.count
        let maxValue = (1 << frame.precision) - 1
        var result = d
        result.planarConfiguration = 0
        result.numberOfFrames = 1
        if frame.precision > d.bitsStored {
            // A lossy decode can overshoot the original range: say what the samples can hold.
            result.bitsStored = frame.precision
            result.highBit = frame.precision - 1
        }
        // Every component at full resolution, cropped to the image.
        var full: [[UInt16]] = []
        for (c, plane) in planes.enumerated() {
            full.append(upsample(plane, h: frame.components[c].h, v: frame.components[c].v,
                                 maxH: frame.maxH, maxV: frame.maxV, rows: rows, columns: columns))
        }
        let convert = spp == 3 && (d.photometricInterpretation == "YBR_FULL" || d.photometricInterpretation == "YBR_FULL_422")
        if convert {
            JPEGYCbCrToRGB(precision: frame.precision).convert(&full)
            result.photometricInterpretation = "RGB"
        }
        let bytesPerSample = d.bitsAllocated / 8
        var out = [UInt8](repeating: 0, count: rows * columns * spp * bytesPerSample)
        for c in 0..<spp {
            let samples = full[c]
            for i in 0..<(rows * columns) {
                let v = min(Int(widening: samples[i]), maxValue)
                let o = (i * spp + c) * bytesPerSample
                out[o] = UInt8(truncatingIfNeeded: v)
                if bytesPerSample == 2 { out[o + 1] = UInt8(truncatingIfNeeded: v >> 8) }
            }
        }
        return DecodedFrame(bytes: out, description: result)
    }

    /// The component upsampled to `rows` x `columns` (jdsample.c): fancy triangular filters for
    /// 2:1 horizontal and 2:1 both ways, pixel replication otherwise.
    static func upsample(_ p: Plane, h: Int, v: Int, maxH: Int, maxV: Int, rows: Int, columns: Int) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: rows * columns)
        let fx = maxH / max(h, 1), fy = maxV / max(v, 1)
        let w = p.componentWidth, ch = p.componentHeight
        func at(_ x: Int, _ y: Int) -> Int { Int(widening: p.samples[y * p.width + x]) }
        if fx == 1 && fy == 1 {
            for y in 0..<rows { for x in 0..<columns { out[y * columns + x] = p.samples[y * p.width + x] } }
        } else if fx == 2 && fy == 1 && maxH % h == 0 && w >= 2 {
            for y in 0..<rows {
                for x in 0..<columns {
                    let i = x / 2
                    let value: Int
                    if x % 2 == 0 {
                        value = i == 0 ? at(0, y) : (at(i, y) * 3 + at(i - 1, y) + 1) >> 2
                    } else {
                        value = i == w - 1 ? at(i, y) : (at(i, y) * 3 + at(i + 1, y) + 2) >> 2
                    }
                    out[y * columns + x] = UInt16(value)  // conversion: an interpolation of 12-bit samples: 0...4095
                }
            }
        } else if fx == 2 && fy == 2 && maxH % h == 0 && maxV % v == 0 && w >= 2 {
            for y in 0..<rows {
                let inRow = y / 2
                // The nearer neighbouring row: above for even output rows, below for odd; edges repeat.
                let otherRow = y % 2 == 0 ? max(inRow - 1, 0) : min(inRow + 1, ch - 1)
                func colSum(_ i: Int) -> Int { at(i, inRow) * 3 + at(i, otherRow) }
                for x in 0..<columns {
                    let i = x / 2
                    let this = colSum(i)
                    let value: Int
                    if x % 2 == 0 {
                        value = i == 0 ? (this * 4 + 8) >> 4 : (this * 3 + colSum(i - 1) + 8) >> 4
                    } else {
                        value = i == w - 1 ? (this * 4 + 7) >> 4 : (this * 3 + colSum(i + 1) + 7) >> 4
                    }
                    out[y * columns + x] = UInt16(value)  // conversion: an interpolation of 12-bit samples: 0...4095
                }
            }
        } else {
            for y in 0..<rows {
                for x in 0..<columns {
                    out[y * columns + x] = p.samples[min(y / max(fy, 1), p.height - 1) * p.width + min(x / max(fx, 1), p.width - 1)]
                }
            }
        }
        return out
    }
}

/// jdcolor.c's integer YCbCr->RGB: 16-bit fixed-point tables, results clamped to the sample range.
struct JPEGYCbCrToRGB {
    var crR: [Int], cbB: [Int], crG: [Int], cbG: [Int]
    let maxValue: Int

    init(precision: Int) {
        maxValue = (1 << precision) - 1
        let center = 1 << (precision - 1)
        let scaleBits = 16, oneHalf = 1 << 15
        func fix(_ x: Double) -> Int { Int(x * Double(1 << scaleBits) + 0.5) }  // conversion: constants below 2 times 2^16
        crR = []; cbB = []; crG = []; cbG = []
        for i in 0...maxValue {
            let x = i - center
            crR.append((fix(1.40200) * x + oneHalf) >> scaleBits)
            cbB.append((fix(1.77200) * x + oneHalf) >> scaleBits)
            crG.append(-fix(0.71414) * x)
            cbG.append(-fix(0.34414) * x + oneHalf)
        }
    }

    func convert(_ planes: inout [[UInt16]]) {
        let n = planes[0].count
        for i in 0..<n {
            let y = Int(widening: planes[0][i]), cb = Int(widening: planes[1][i]), cr = Int(widening: planes[2][i])
            planes[0][i] = UInt16(clamp(y + crR[cr]))  // conversion: clamp gives 0...maxValue
            planes[1][i] = UInt16(clamp(y + ((cbG[cb] + crG[cr]) >> 16)))  // conversion: clamp gives 0...maxValue
            planes[2][i] = UInt16(clamp(y + cbB[cb]))  // conversion: clamp gives 0...maxValue
        }
    }

    @inline(__always) func clamp(_ v: Int) -> Int { v < 0 ? 0 : (v > maxValue ? maxValue : v) }
}

/// jidctint.c's jpeg_idct_islow (IJG 6b, as in dcmtk, GDCM and libjpeg-turbo): a scaled
/// Loeffler-Ligtenberg-Moschytz IDCT with 13-bit constants; PASS1_BITS is 2 at 8-bit precision
/// and 1 at 12-bit; the output goes through IJG's wrapping range-limit table.
enum JPEGIslowIDCT {
    static let constBits = 13
    static let fix0_298631336 = 2446, fix0_390180644 = 3196, fix0_541196100 = 4433, fix0_765366865 = 6270
    static let fix0_899976223 = 7373, fix1_175875602 = 9633, fix1_501321110 = 12299, fix1_847759065 = 15137
    static let fix1_961570560 = 16069, fix2_053119869 = 16819, fix2_562915447 = 20995, fix3_072711026 = 25172

    @inline(__always)
    static func descale(_ x: Int, _ n: Int) -> Int { (x + (1 << (n - 1))) >> n }

    /// The even/odd butterfly both passes run on eight values x0...x7 (a column of coefficients,
    /// then a row of the workspace): outputs 0...7 before descaling, scaled by 2^constBits.
    @inline(__always)
    static func butterfly(_ x0: Int, _ x1: Int, _ x2: Int, _ x3: Int, _ x4: Int, _ x5: Int, _ x6: Int, _ x7: Int)
        -> (Int, Int, Int, Int, Int, Int, Int, Int) {
        // Even part.
        var z1 = (x2 + x6) * fix0_541196100
        var tmp2 = z1 + x6 * -fix1_847759065
        var tmp3 = z1 + x2 * fix0_765366865
        var tmp0 = (x0 + x4) << constBits
        var tmp1 = (x0 - x4) << constBits
        let tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2
        // Odd part.
        tmp0 = x7; tmp1 = x5; tmp2 = x3; tmp3 = x1
        z1 = tmp0 + tmp3
        var z2 = tmp1 + tmp2
        var z3 = tmp0 + tmp2
        var z4 = tmp1 + tmp3
        let z5 = (z3 + z4) * fix1_175875602
        tmp0 *= fix0_298631336; tmp1 *= fix2_053119869; tmp2 *= fix3_072711026; tmp3 *= fix1_501321110
        z1 *= -fix0_899976223; z2 *= -fix2_562915447; z3 *= -fix1_961570560; z4 *= -fix0_390180644
        z3 += z5
        z4 += z5
        tmp0 += z1 + z3; tmp1 += z2 + z4; tmp2 += z2 + z3; tmp3 += z1 + z4
        return (tmp10 + tmp3, tmp11 + tmp2, tmp12 + tmp1, tmp13 + tmp0,
                tmp13 - tmp0, tmp12 - tmp1, tmp11 - tmp2, tmp10 - tmp3)
    }

    static func transform(_ input: inout [Int], workspace ws: inout [Int], precision: Int,
                          into out: inout [UInt16], at origin: Int, stride: Int) {
        let pass1Bits = precision == 8 ? 2 : 1
        let maxValue = (1 << precision) - 1
        let center = 1 << (precision - 1)
        let rangeSize = 4 * (maxValue + 1)  // RANGE_MASK + 1
        // Pass 1: columns.
        for col in 0..<8 {
            if input[8 + col] == 0 && input[16 + col] == 0 && input[24 + col] == 0 && input[32 + col] == 0
                && input[40 + col] == 0 && input[48 + col] == 0 && input[56 + col] == 0 {
                let dc = input[col] << pass1Bits
                for r in 0..<8 { ws[r * 8 + col] = dc }
                continue
            }
            let y = butterfly(input[col], input[8 + col], input[16 + col], input[24 + col],
                              input[32 + col], input[40 + col], input[48 + col], input[56 + col])
            let n = constBits - pass1Bits
            ws[col] = descale(y.0, n)
            ws[8 + col] = descale(y.1, n)
            ws[16 + col] = descale(y.2, n)
            ws[24 + col] = descale(y.3, n)
            ws[32 + col] = descale(y.4, n)
            ws[40 + col] = descale(y.5, n)
            ws[48 + col] = descale(y.6, n)
            ws[56 + col] = descale(y.7, n)
        }
        // IJG's post-IDCT range limit: the value wraps modulo 4 * (MAXJSAMPLE + 1) into a signed
        // range, then is shifted by CENTERJSAMPLE and clamped.
        @inline(__always) func limit(_ x: Int) -> UInt16 {
            let wrapped = ((x + 2 * (maxValue + 1)) & (rangeSize - 1)) - 2 * (maxValue + 1) + center
            return UInt16(wrapped < 0 ? 0 : (wrapped > maxValue ? maxValue : wrapped))  // conversion: clamped to 0...maxValue on the line
        }
        // Pass 2: rows.
        let shift = constBits + pass1Bits + 3
        for row in 0..<8 {
            let w = row * 8
            let o = origin + row * stride
            if ws[w + 1] == 0 && ws[w + 2] == 0 && ws[w + 3] == 0 && ws[w + 4] == 0 && ws[w + 5] == 0
                && ws[w + 6] == 0 && ws[w + 7] == 0 {
                let value = limit(descale(ws[w], pass1Bits + 3))
                for k in 0..<8 { out[o + k] = value }
                continue
            }
            let y = butterfly(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7])
            out[o] = limit(descale(y.0, shift))
            out[o + 1] = limit(descale(y.1, shift))
            out[o + 2] = limit(descale(y.2, shift))
            out[o + 3] = limit(descale(y.3, shift))
            out[o + 4] = limit(descale(y.4, shift))
            out[o + 5] = limit(descale(y.5, shift))
            out[o + 6] = limit(descale(y.6, shift))
            out[o + 7] = limit(descale(y.7, shift))
        }
    }
}
