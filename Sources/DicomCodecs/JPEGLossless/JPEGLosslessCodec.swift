import DicomCore

/// JPEG lossless, process 14 (ITU-T T.81 Annex H, Huffman coded): 1.2.840.10008.1.2.4.57 and its
/// first-order-prediction subset SV1, 1.2.840.10008.1.2.4.70.
///
/// Decodes all seven predictors, point transforms, precision 2...16, 1...4 components in
/// interleaved or separate scans, and restart intervals. Encodes with any predictor 1...7
/// (SV1 = predictor 1, the default) and a Huffman table optimised for each frame.
public struct JPEGLosslessCodec: PixelDecoder, PixelEncoder {
    public init() {}

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
                        let difference = try Self.difference(category: ssss, reader: &reader)
                        let index = rowBase + column * stride + scanComponents[k]
                        let prediction: Int
                        if resetColumn >= 0 && column >= resetColumn {
                            prediction = column == resetColumn ? initial : Int(widening: buffer[index - stride])
                        } else if column == 0 {
                            prediction = Int(widening: buffer[index - rowStride])
                        } else {
                            prediction = Self.prediction(predictor, ra: Int(widening: buffer[index - stride]),
                                                         rb: Int(widening: buffer[index - rowStride]),
                                                         rc: Int(widening: buffer[index - rowStride - stride]))
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

    /// The difference an SSSS category codes (T.81 H.1.2.2): category 16 is 32768, with no extra bits.
    @inline(__always)
    static func difference(category ssss: Int, reader: inout JPEGBitReader) throws(DicomError) -> Int {
        if ssss == 16 { return 32768 }
        guard ssss < 16 else {
            throw DicomError(.decodeFailed, "JPEG lossless: difference category \(ssss) exceeds 16", offset: reader.position)
        }
        return reader.receiveExtend(ssss)
    }

    /// The prediction of selection value `predictor` 1...7 (T.81 Table H.1) from the sample to the
    /// left (Ra), above (Rb) and above-left (Rc), shared by the decoder and the encoder.
    @inline(__always)
    static func prediction(_ predictor: Int, ra: Int, rb: Int, rc: Int) -> Int {
        switch predictor {
        case 1: return ra
        case 2: return rb
        case 3: return rc
        case 4: return ra + rb - rc
        case 5: return ra + ((rb - rc) >> 1)
        case 6: return rb + ((ra - rc) >> 1)
        default: return (ra + rb) >> 1
        }
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
                    let difference = try Self.difference(category: ssss, reader: &reader)
                    let prediction: Int
                    if row == 0 {
                        prediction = column == 0 ? initial : Int(widening: buffer[index - stride])
                    } else if column == 0 {
                        prediction = Int(widening: buffer[index - rowStride])
                    } else {
                        prediction = Self.prediction(predictor, ra: Int(widening: buffer[index - stride]),
                                                     rb: Int(widening: buffer[index - rowStride]),
                                                     rc: Int(widening: buffer[index - rowStride - stride]))
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
}
