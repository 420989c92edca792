import DicomCore

/// JPEG lossless, process 14 (ITU-T T.81 Annex H, Huffman coded): 1.2.840.10008.1.2.4.57 and its
/// first-order-prediction subset SV1, 1.2.840.10008.1.2.4.70.
///
/// Decodes all seven predictors, point transforms, precision 2...16, 1...4 components in
/// interleaved or separate scans, and restart intervals. Encodes with any predictor 1...7
/// (SV1 = predictor 1, the default) and a Huffman table optimised for each frame.
public struct JPEGLosslessCodec: PixelDecoder, PixelEncoder {
    public init() {}

    // MARK: Decoding

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        var reader = try JPEGMarkerReader(codestream)
        var tables = JPEGTables()
        var frame: JPEGFrameHeader?
        var samples: [UInt16] = []
        var decoded = [Bool]()
        var pointTransforms = [Int]()
        scanning: while true {
            switch try reader.next(&tables) {
            case .frame(let header):
                try Self.check(header, against: description)
                // Every sample costs at least one bit: refuse before allocating for a frame the data cannot hold.
                let sampleCount = header.rows * header.columns * header.components.count
                guard sampleCount <= 8 * codestream.count + 64 else {
                    throw DicomError(.decodeFailed, "JPEG lossless: \(codestream.count) bytes cannot hold "
                                     + "\(sampleCount) samples", offset: reader.position)
                }
                frame = header
                samples = [UInt16](repeating: 0, count: header.rows * header.columns * header.components.count)
                decoded = [Bool](repeating: false, count: header.components.count)
                pointTransforms = [Int](repeating: 0, count: header.components.count)
            case .scan(let scan):
                guard let frame else {
                    throw DicomError(.decodeFailed, "JPEG lossless: SOS before SOF", offset: scan.dataStart)
                }
                for c in scan.components {
                    guard !decoded[c.frameIndex] else {
                        throw DicomError(.decodeFailed, "JPEG lossless: component \(frame.components[c.frameIndex].id) "
                                         + "appears in a second scan", offset: scan.dataStart)
                    }
                    decoded[c.frameIndex] = true
                    pointTransforms[c.frameIndex] = scan.al
                }
                reader.position = try Self.decodeScan(codestream, scan: scan, frame: frame, tables: tables, into: &samples)
            case .end:
                break scanning
            }
        }
        guard let frame else {
            throw DicomError(.decodeFailed, "JPEG lossless: no frame header", offset: reader.position)
        }
        if let missing = decoded.firstIndex(of: false) {
            throw DicomError(.decodeFailed, "JPEG lossless: component \(frame.components[missing].id) has no scan",
                             offset: reader.position)
        }
        return Self.output(samples, frame: frame, pointTransforms: pointTransforms, description: description)
    }

    static func check(_ header: JPEGFrameHeader, against d: PixelDescription) throws(DicomError) {
        guard header.process == 3 else {
            let what = header.isLossless ? "a differential or arithmetic lossless process" : "a DCT process"
            throw DicomError(.unsupported, "JPEG lossless: SOF\(header.process) is \(what), not process 14 (SOF3)")
        }
        var problems: [String] = []
        if header.rows != d.rows { problems.append("codestream rows \(header.rows) vs Rows (0028,0010) \(d.rows)") }
        if header.columns != d.columns {
            problems.append("codestream columns \(header.columns) vs Columns (0028,0011) \(d.columns)")
        }
        if header.components.count != d.samplesPerPixel {
            problems.append("codestream components \(header.components.count) vs Samples per Pixel (0028,0002) \(d.samplesPerPixel)")
        }
        if header.precision > d.bitsAllocated || (d.bitsAllocated != 8 && d.bitsAllocated != 16) {
            problems.append("codestream precision \(header.precision) vs Bits Allocated (0028,0100) \(d.bitsAllocated)")
        }
        guard problems.isEmpty else {
            throw DicomError(.decodeFailed, "JPEG lossless: geometry mismatch: " + problems.joined(separator: "; "))
        }
        if header.components.contains(where: { $0.h != header.maxH || $0.v != header.maxV }) {
            throw DicomError(.unsupported, "JPEG lossless: subsampled components are not supported")
        }
    }

    /// Decodes one scan into `samples` (interleaved by frame component, before the point
    /// transform is undone) and returns the offset of the marker that ends it.
    static func decodeScan(_ bytes: [UInt8], scan: JPEGScanHeader, frame: JPEGFrameHeader, tables: JPEGTables,
                           into samples: inout [UInt16]) throws(DicomError) -> Int {
        let predictor = scan.ss, pt = scan.al
        guard (1...7).contains(predictor) else {
            throw DicomError(.decodeFailed, "JPEG lossless: predictor selection \(predictor) is outside 1...7",
                             offset: scan.dataStart - 3)
        }
        guard pt < frame.precision - 1 else {
            throw DicomError(.decodeFailed, "JPEG lossless: point transform \(pt) too large for precision \(frame.precision)",
                             offset: scan.dataStart - 1)
        }
        var huffman: [JPEGHuffmanTable] = []
        for c in scan.components {
            guard c.dcTable < 4, let table = tables.dc[c.dcTable] else {
                throw DicomError(.decodeFailed, "JPEG lossless: scan uses undefined Huffman table \(c.dcTable)",
                                 offset: scan.dataStart)
            }
            huffman.append(table)
        }
        let rows = frame.rows, columns = frame.columns, stride = frame.components.count
        let initial = 1 << (frame.precision - pt - 1)
        let restartInterval = tables.restartInterval
        var mcusLeft = restartInterval
        var reader = JPEGBitReader(bytes, start: scan.dataStart)
        let scanComponents = scan.components.map(\.frameIndex)
        if scanComponents.count == 1 && restartInterval == 0 {
            return try decodeSingleComponent(scanComponents[0], frame: frame, predictor: predictor, initial: initial,
                                             table: huffman[0], reader: &reader, into: &samples)
        }
        // Up to four tables as separate constants: indexing an array of tables per sample would
        // copy (retain) the table in the hot loop.
        let n = scanComponents.count
        let t0 = huffman[0], t1 = huffman[min(1, n - 1)], t2 = huffman[min(2, n - 1)], t3 = huffman[min(3, n - 1)]
        let rowStride = columns * stride
        try samples.withUnsafeMutableBufferPointer { (buffer) throws(DicomError) -> Void in
            // Column from which the current row is predicted as a first line (T.81 H.1.2.1): 0 on
            // the first row, the restart column after a restart, -1 on ordinary rows.
            var resetColumn = 0
            for row in 0..<rows {
                if row > 0 { resetColumn = -1 }
                let rowBase = row * rowStride
                for column in 0..<columns {
                    if restartInterval > 0 {
                        if mcusLeft == 0 {
                            try reader.restart()
                            mcusLeft = restartInterval
                            resetColumn = column
                        }
                        mcusLeft -= 1
                    }
                    for k in 0..<n {
                        let ssss: Int
                        switch k {
                        case 0: ssss = try reader.decode(t0)
                        case 1: ssss = try reader.decode(t1)
                        case 2: ssss = try reader.decode(t2)
                        default: ssss = try reader.decode(t3)
                        }
                        let difference: Int
                        if ssss == 16 {
                            difference = 32768
                        } else if ssss > 16 {
                            throw DicomError(.decodeFailed, "JPEG lossless: difference category \(ssss) exceeds 16",
                                             offset: reader.position)
                        } else {
                            difference = reader.receiveExtend(ssss)
                        }
                        let index = rowBase + column * stride + scanComponents[k]
                        let prediction: Int
                        if resetColumn >= 0 && column >= resetColumn {
                            prediction = column == resetColumn ? initial : Int(widening: buffer[index - stride])
                        } else if column == 0 {
                            prediction = Int(widening: buffer[index - rowStride])
                        } else {
                            let ra = Int(widening: buffer[index - stride])
                            let rb = Int(widening: buffer[index - rowStride])
                            let rc = Int(widening: buffer[index - rowStride - stride])
                            switch predictor {
                            case 1: prediction = ra
                            case 2: prediction = rb
                            case 3: prediction = rc
                            case 4: prediction = ra + rb - rc
                            case 5: prediction = ra + ((rb - rc) >> 1)
                            case 6: prediction = rb + ((ra - rc) >> 1)
                            default: prediction = (ra + rb) >> 1
                            }
                        }
                        buffer[index] = UInt16(truncatingIfNeeded: prediction + difference)
                    }
                }
                if reader.paddedBytes > 16 {
                    throw DicomError(.decodeFailed, "JPEG lossless: entropy-coded data ends at row \(row) of \(rows)",
                                     offset: reader.markerOffset)
                }
            }
        }
        return reader.endOfScan()
    }

    /// The common case (one component per scan, no restart intervals) without the general loop's
    /// per-sample bookkeeping.
    static func decodeSingleComponent(_ component: Int, frame: JPEGFrameHeader, predictor: Int, initial: Int,
                                      table: JPEGHuffmanTable, reader: inout JPEGBitReader,
                                      into samples: inout [UInt16]) throws(DicomError) -> Int {
        let rows = frame.rows, columns = frame.columns, stride = frame.components.count
        let rowStride = columns * stride
        try samples.withUnsafeMutableBufferPointer { (buffer) throws(DicomError) -> Void in
            for row in 0..<rows {
                var index = row * rowStride + component
                for column in 0..<columns {
                    let ssss = try reader.decode(table)
                    let difference: Int
                    if ssss == 16 {
                        difference = 32768
                    } else if ssss > 16 {
                        throw DicomError(.decodeFailed, "JPEG lossless: difference category \(ssss) exceeds 16",
                                         offset: reader.position)
                    } else {
                        difference = reader.receiveExtend(ssss)
                    }
                    let prediction: Int
                    if row == 0 {
                        prediction = column == 0 ? initial : Int(widening: buffer[index - stride])
                    } else if column == 0 {
                        prediction = Int(widening: buffer[index - rowStride])
                    } else {
                        switch predictor {
                        case 1: prediction = Int(widening: buffer[index - stride])
                        case 2: prediction = Int(widening: buffer[index - rowStride])
                        case 3: prediction = Int(widening: buffer[index - rowStride - stride])
                        case 4: prediction = Int(widening: buffer[index - stride]) + Int(widening: buffer[index - rowStride])
                            - Int(widening: buffer[index - rowStride - stride])
                        case 5: prediction = Int(widening: buffer[index - stride])
                            + ((Int(widening: buffer[index - rowStride]) - Int(widening: buffer[index - rowStride - stride])) >> 1)
                        case 6: prediction = Int(widening: buffer[index - rowStride])
                            + ((Int(widening: buffer[index - stride]) - Int(widening: buffer[index - rowStride - stride])) >> 1)
                        default: prediction = (Int(widening: buffer[index - stride]) + Int(widening: buffer[index - rowStride])) >> 1
                        }
                    }
                    buffer[index] = UInt16(truncatingIfNeeded: prediction + difference)
                    index += stride
                }
                if reader.paddedBytes > 16 {
                    throw DicomError(.decodeFailed, "JPEG lossless: entropy-coded data ends at row \(row) of \(rows)",
                                     offset: reader.markerOffset)
                }
            }
        }
        return reader.endOfScan()
    }

    /// Undoes the point transform and writes little-endian samples in the description's container.
    static func output(_ samples: [UInt16], frame: JPEGFrameHeader, pointTransforms: [Int],
                       description d: PixelDescription) -> DecodedFrame {
        let stride = frame.components.count
        let signExtend = d.isSigned && d.bitsStored < d.bitsAllocated && d.bitsStored >= 1
        let signBit = 1 << max(d.bitsStored - 1, 0)
        var out: [UInt8]
        if d.bitsAllocated == 8 {
            out = [UInt8](repeating: 0, count: samples.count)
            for i in 0..<samples.count {
                var v = Int(widening: samples[i]) << pointTransforms[i % stride]
                if signExtend && v & signBit != 0 { v |= ~(signBit * 2 - 1) }
                out[i] = UInt8(truncatingIfNeeded: v)
            }
        } else {
            out = [UInt8](repeating: 0, count: samples.count * 2)
            for i in 0..<samples.count {
                var v = Int(widening: samples[i]) << pointTransforms[i % stride]
                if signExtend && v & signBit != 0 { v |= ~(signBit * 2 - 1) }
                out[2 * i] = UInt8(truncatingIfNeeded: v)
                out[2 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
            }
        }
        var result = d
        result.planarConfiguration = 0
        result.numberOfFrames = 1
        return DecodedFrame(bytes: out, description: result)
    }

    // MARK: Encoding

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        let predictor = options.predictor, pt = options.pointTransform
        try Self.checkProfile(d, predictor: predictor, pointTransform: pt)
        // P = Bits Allocated carries the container's values (signed: sign-extended). (GDCM 3.0
        // decodes no lossless JPEG of Bits Stored below 8 in 8 bits at any P, its own files included.)
        let precision = codedPrecision(d)
        var samples = try Self.samples(of: frame, precision: precision)
        if pt > 0 { for i in samples.indices { samples[i] >>= pt } }
        let rows = d.rows, columns = d.columns, stride = d.samplesPerPixel
        let initial = 1 << (precision - pt - 1)

        // Differences in scan order, modulo 2^16 and folded into -32767...32768 (H.1.2.2).
        var differences = [Int32](repeating: 0, count: samples.count)
        var histogram = [Int](repeating: 0, count: 17)
        for row in 0..<rows {
            for column in 0..<columns {
                for c in 0..<stride {
                    let index = (row * columns + column) * stride + c
                    let prediction: Int
                    if row == 0 {
                        prediction = column == 0 ? initial : samples[index - stride]
                    } else if column == 0 {
                        prediction = samples[index - columns * stride]
                    } else {
                        let ra = samples[index - stride], rb = samples[index - columns * stride]
                        let rc = samples[index - columns * stride - stride]
                        switch predictor {
                        case 1: prediction = ra
                        case 2: prediction = rb
                        case 3: prediction = rc
                        case 4: prediction = ra + rb - rc
                        case 5: prediction = ra + ((rb - rc) >> 1)
                        case 6: prediction = rb + ((ra - rc) >> 1)
                        default: prediction = (ra + rb) >> 1
                        }
                    }
                    var difference = (samples[index] - prediction) & 0xFFFF
                    if difference > 0x8000 { difference -= 0x10000 }
                    differences[index] = Int32(difference)  // conversion: -0x7FFF...0x8000 (masked to 16 bits above)
                    histogram[Self.category(difference)] += 1
                }
            }
        }
        let table = JPEGHuffmanEncoder(frequencies: histogram)

        var out: [UInt8] = [0xFF, 0xD8]
        // SOF3
        let sofLength = 8 + 3 * stride
        out += [0xFF, 0xC3, UInt8(sofLength >> 8), UInt8(sofLength & 0xFF), UInt8(precision),  // conversion: Lf 11...20, precision 2...16
                // conversion: rows, columns <= 65535; 1...4 components
                UInt8(rows >> 8), UInt8(rows & 0xFF), UInt8(columns >> 8), UInt8(columns & 0xFF), UInt8(stride)]
        for c in 0..<stride { out += [UInt8(c + 1), 0x11, 0] }  // conversion: component ids 1...4
        out += table.dhtSegment(tableClass: 0, destination: 0)
        // SOS
        let sosLength = 6 + 2 * stride
        out += [0xFF, 0xDA, UInt8(sosLength >> 8), UInt8(sosLength & 0xFF), UInt8(stride)]  // conversion: Ls 8...14; 1...4 components
        for c in 0..<stride { out += [UInt8(c + 1), 0x00] }  // conversion: component ids 1...4
        out += [UInt8(predictor), 0, UInt8(pt)]  // conversion: predictor 1...7, point transform < precision (checked by the encoder)

        var writer = JPEGBitWriter()
        writer.bytes.reserveCapacity(samples.count * precision / 8 + 1024)
        for difference in differences {
            let d = Int(widening: difference)
            let ssss = Self.category(d)
            writer.write(table.codes[ssss], count: table.lengths[ssss])
            if ssss > 0 && ssss < 16 {
                let bits = d > 0 ? d : d - 1
                writer.write(UInt32(bits & ((1 << ssss) - 1)), count: ssss)  // conversion: masked to ssss < 16 bits
            }
        }
        writer.flush()
        out += writer.bytes
        out += [0xFF, 0xD9]

        var description = d
        description.planarConfiguration = 0
        description.numberOfFrames = 1
        let ratio = Double(d.pixelsPerFrame * d.samplesPerPixel * d.bytesPerSample) / Double(out.count)
        return EncodedFrame(bytes: out, description: description,
                            outcome: EncodeOutcome(isLossy: pt > 0, ratio: ratio, method: pt > 0 ? TransferSyntax.LossyMethod.iso10918_1.rawValue : nil))
    }

    /// SSSS of a difference: its bit length, 16 for 32768 (T.81 Table H.2).
    @inline(__always)
    static func category(_ difference: Int) -> Int {
        let magnitude = difference < 0 ? -difference : difference
        return magnitude == 0 ? 0 : Int.bitWidth - magnitude.leadingZeroBitCount
    }

    /// PS3.5 8.2.1 and T.81 limits, naming every offending attribute.
    static func checkProfile(_ d: PixelDescription, predictor: Int, pointTransform: Int) throws(DicomError) {
        var problems: [String] = []
        if !(1...7).contains(predictor) { problems.append("predictor \(predictor) is outside 1...7") }
        if d.bitsAllocated != 8 && d.bitsAllocated != 16 {
            problems.append("Bits Allocated (0028,0100) \(d.bitsAllocated) is not 8 or 16")
        }
        if d.bitsStored < 2 || d.bitsStored > 16 || d.bitsStored > d.bitsAllocated {
            problems.append("Bits Stored (0028,0101) \(d.bitsStored) is outside 2...\(min(16, d.bitsAllocated))")
        }
        if d.highBit != d.bitsStored - 1 {
            problems.append("High Bit (0028,0102) \(d.highBit) is not Bits Stored - 1")
        }
        if !(1...4).contains(d.samplesPerPixel) {
            problems.append("Samples per Pixel (0028,0002) \(d.samplesPerPixel) is outside 1...4")
        }
        let allowed = ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", "RGB", "YBR_FULL"]
        if !allowed.contains(d.photometricInterpretation) {
            problems.append("Photometric Interpretation (0028,0004) \(d.photometricInterpretation) is not one of "
                            + allowed.joined(separator: ", "))
        }
        if pointTransform < 0 || pointTransform >= max(d.bitsStored - 1, 1) {
            problems.append("point transform \(pointTransform) is outside 0...\(d.bitsStored - 2)")
        }
        if d.rows < 1 || d.rows > 65535 || d.columns < 1 || d.columns > 65535 {
            problems.append("Rows (0028,0010) \(d.rows) / Columns (0028,0011) \(d.columns) outside 1...65535")
        }
        guard problems.isEmpty else {
            throw DicomError(.encodeFailed, "JPEG lossless cannot encode this image: " + problems.joined(separator: "; "))
        }
    }

    /// The frame's samples colour-by-pixel as unsigned `precision`-bit values: Bits Stored bits
    /// (two's complement when signed), or the whole container when `precision` is Bits
    /// Allocated. Refuses samples whose bits above Bits Stored are not the zero or sign
    /// extension a lossless round trip restores.
    static func samples(of frame: DecodedFrame, precision: Int) throws(DicomError) -> [Int] {
        let d = frame.description
        let count = d.pixelsPerFrame * d.samplesPerPixel
        let bytesPerSample = d.bitsAllocated / 8
        guard frame.bytes.count >= count * bytesPerSample else {
            throw DicomError(.encodeFailed, "JPEG lossless: frame holds \(frame.bytes.count) bytes, "
                             + "\(count * bytesPerSample) expected for \(d)")
        }
        let mask = (1 << d.bitsStored) - 1
        let containerMask = (1 << d.bitsAllocated) - 1
        var samples = [Int](repeating: 0, count: count)
        let pixels = d.pixelsPerFrame, spp = d.samplesPerPixel
        for i in 0..<count {
            // Source index: by-pixel, or by-plane when Planar Configuration is 1.
            let source = d.planarConfiguration == 1 && spp > 1 ? (i % spp) * pixels + i / spp : i
            let raw = bytesPerSample == 1 ? Int(widening: frame.bytes[source])
                : Int(widening: frame.bytes[2 * source]) | Int(widening: frame.bytes[2 * source + 1]) << 8
            let value = raw & mask
            var restored = value
            if d.isSigned && value & (1 << (d.bitsStored - 1)) != 0 { restored = (value | ~mask) & containerMask }
            guard restored == raw else {
                throw DicomError(.encodeFailed, "JPEG lossless: sample \(i) (0x\(String(raw, radix: 16))) has bits above "
                                 + "Bits Stored (0028,0101) \(d.bitsStored) that a lossless round trip would lose")
            }
            samples[i] = precision == d.bitsAllocated ? raw : value
        }
        return samples
    }
}

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
