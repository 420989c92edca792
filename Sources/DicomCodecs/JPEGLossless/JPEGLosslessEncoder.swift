import DicomCore

/// Encoding: one scan, any predictor, a Huffman table optimised for the frame.
extension JPEGLosslessCodec {
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
                        prediction = Self.prediction(predictor, ra: samples[index - stride], rb: samples[index - columns * stride],
                                                     rc: samples[index - columns * stride - stride])
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
