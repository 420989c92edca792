import DicomCore

/// RLE Lossless, 1.2.840.10008.1.2.5 (PS3.5 Annex G): a 64-byte header of up to 15 segment
/// offsets, then one PackBits segment per byte plane, most significant byte of each sample first.
/// Decoded frames are colour-by-pixel, little-endian.
public struct RLECodec: PixelDecoder, PixelEncoder {
    public init() {}

    static let headerLength = 64
    static let maxSegments = 15

    // MARK: Decoding

    public func decode(_ codestream: [UInt8], description d: PixelDescription) throws(DicomError) -> DecodedFrame {
        guard d.bitsAllocated % 8 == 0, d.bitsAllocated >= 8, d.samplesPerPixel >= 1 else {
            throw DicomError(.unsupported, "RLE: Bits Allocated (0028,0100) \(d.bitsAllocated) is not a multiple of 8")
        }
        let bytesPerSample = d.bitsAllocated / 8
        let expected = d.samplesPerPixel * bytesPerSample
        guard expected <= Self.maxSegments else {
            throw DicomError(.unsupported, "RLE: \(d.samplesPerPixel) samples of \(d.bitsAllocated) bits need "
                             + "\(expected) segments, more than 15")
        }
        guard codestream.count >= Self.headerLength else {
            throw DicomError(.decodeFailed, "RLE: frame of \(codestream.count) bytes is shorter than the 64-byte header",
                             offset: 0)
        }
        let segmentCount = Int(Self.uint32(codestream, at: 0))
        guard segmentCount == expected else {
            throw DicomError(.decodeFailed, "RLE: header declares \(segmentCount) segments, \(d.samplesPerPixel) samples "
                             + "of \(d.bitsAllocated) bits need \(expected)", offset: 0)
        }
        var offsets: [Int] = []
        for i in 0..<segmentCount {
            let offset = Int(Self.uint32(codestream, at: 4 + 4 * i))
            guard offset >= Self.headerLength, offset <= codestream.count else {
                throw DicomError(.decodeFailed, "RLE: segment \(i + 1) offset \(offset) is outside 64...\(codestream.count)",
                                 offset: 4 + 4 * i)
            }
            if let previous = offsets.last, offset < previous {
                throw DicomError(.decodeFailed, "RLE: segment \(i + 1) offset \(offset) precedes segment \(i)'s \(previous)",
                                 offset: 4 + 4 * i)
            }
            offsets.append(offset)
        }
        let pixels = d.pixelsPerFrame
        // PackBits expands at most 64-fold (2 bytes -> 128): refuse before allocating.
        guard pixels * expected <= 64 * codestream.count else {
            throw DicomError(.decodeFailed, "RLE: \(codestream.count) bytes cannot hold \(pixels * expected) "
                             + "decoded bytes", offset: 0)
        }
        var out = [UInt8](repeating: 0, count: pixels * expected)
        for segment in 0..<segmentCount {
            let end = segment + 1 < segmentCount ? offsets[segment + 1] : codestream.count
            let sample = segment / bytesPerSample
            // Segments run from the most significant byte; output is little-endian.
            let byteInSample = bytesPerSample - 1 - segment % bytesPerSample
            try Self.unpack(codestream, from: offsets[segment], to: end, segment: segment + 1, count: pixels,
                            into: &out, start: sample * bytesPerSample + byteInSample, stride: expected)
        }
        var result = d
        result.planarConfiguration = 0
        result.numberOfFrames = 1
        return DecodedFrame(bytes: out, description: result)
    }

    /// Expands one PackBits segment into every `stride`-th byte of `out`. Bytes left in the
    /// segment after `count` outputs are padding and ignored.
    static func unpack(_ bytes: [UInt8], from start: Int, to end: Int, segment: Int, count: Int,
                       into out: inout [UInt8], start first: Int, stride: Int) throws(DicomError) {
        var p = start, produced = 0, o = first
        while produced < count {
            guard p < end else {
                throw DicomError(.decodeFailed, "RLE: segment \(segment) ends after \(produced) of \(count) bytes",
                                 offset: p)
            }
            let control = Int(bytes[p])
            p += 1
            if control < 128 {
                let n = control + 1
                guard p + n <= end, produced + n <= count else {
                    throw DicomError(.decodeFailed, "RLE: literal run of \(n) bytes overruns segment \(segment)",
                                     offset: p - 1)
                }
                for k in 0..<n {
                    out[o] = bytes[p + k]
                    o += stride
                }
                p += n
                produced += n
            } else if control > 128 {
                let n = 257 - control
                guard p < end, produced + n <= count else {
                    throw DicomError(.decodeFailed, "RLE: replicate run of \(n) bytes overruns segment \(segment)",
                                     offset: p - 1)
                }
                let value = bytes[p]
                p += 1
                for _ in 0..<n {
                    out[o] = value
                    o += stride
                }
                produced += n
            }
            // control == 128 is a no-op.
        }
    }

    static func uint32(_ b: [UInt8], at o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    // MARK: Encoding

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        var problems: [String] = []
        if d.bitsAllocated < 8 || d.bitsAllocated % 8 != 0 {
            problems.append("Bits Allocated (0028,0100) \(d.bitsAllocated) is not a multiple of 8")
        } else if d.samplesPerPixel * d.bitsAllocated / 8 > Self.maxSegments {
            problems.append("Samples per Pixel (0028,0002) \(d.samplesPerPixel) x Bits Allocated (0028,0100) "
                            + "\(d.bitsAllocated) needs more than 15 segments")
        }
        if d.samplesPerPixel < 1 { problems.append("Samples per Pixel (0028,0002) \(d.samplesPerPixel) is not positive") }
        if d.photometricInterpretation == "YBR_FULL_422" {
            problems.append("Photometric Interpretation (0028,0004) YBR_FULL_422 is not allowed for RLE (use YBR_FULL)")
        }
        if d.rows < 1 || d.columns < 1 { problems.append("Rows (0028,0010) \(d.rows) x Columns (0028,0011) \(d.columns) is empty") }
        guard problems.isEmpty else {
            throw DicomError(.encodeFailed, "RLE cannot encode this image: " + problems.joined(separator: "; "))
        }
        let bytesPerSample = d.bitsAllocated / 8
        let spp = d.samplesPerPixel, pixels = d.pixelsPerFrame
        let needed = pixels * spp * bytesPerSample
        guard frame.bytes.count >= needed else {
            throw DicomError(.encodeFailed, "RLE: frame holds \(frame.bytes.count) bytes, \(needed) expected for \(d)")
        }
        let segmentCount = spp * bytesPerSample
        var out = [UInt8](repeating: 0, count: Self.headerLength)
        Self.put(UInt32(segmentCount), into: &out, at: 0)
        var plane = [UInt8](repeating: 0, count: d.columns)
        for segment in 0..<segmentCount {
            Self.put(UInt32(out.count), into: &out, at: 4 + 4 * segment)
            let sample = segment / bytesPerSample
            let byteInSample = bytesPerSample - 1 - segment % bytesPerSample
            let start = out.count
            for row in 0..<d.rows {
                for column in 0..<d.columns {
                    let pixel = row * d.columns + column
                    let sampleIndex = d.planarConfiguration == 1 ? sample * pixels + pixel : pixel * spp + sample
                    plane[column] = frame.bytes[sampleIndex * bytesPerSample + byteInSample]
                }
                Self.packBits(plane, into: &out)
            }
            if (out.count - start) % 2 == 1 { out.append(0) }  // PS3.5 G.3.1: pad each segment to even length
        }
        var description = d
        description.planarConfiguration = 0
        description.numberOfFrames = 1
        return EncodedFrame(bytes: out, description: description,
                            outcome: EncodeOutcome(isLossy: false, ratio: Double(needed) / Double(out.count), method: nil))
    }

    static func put(_ value: UInt32, into out: inout [UInt8], at o: Int) {
        out[o] = UInt8(value & 0xFF)
        out[o + 1] = UInt8(value >> 8 & 0xFF)
        out[o + 2] = UInt8(value >> 16 & 0xFF)
        out[o + 3] = UInt8(value >> 24)
    }

    /// PackBits of one row (PS3.5 G.3.1): runs of 3 or more equal bytes replicate, the rest are
    /// literals, each run at most 128 bytes; runs never cross a row.
    static func packBits(_ row: [UInt8], into out: inout [UInt8]) {
        let n = row.count
        var i = 0
        var literalStart = 0
        func flushLiterals(upTo end: Int, _ out: inout [UInt8]) {
            var s = literalStart
            while s < end {
                let length = min(128, end - s)
                out.append(UInt8(length - 1))
                out.append(contentsOf: row[s..<(s + length)])
                s += length
            }
        }
        while i < n {
            var run = 1
            while i + run < n, run < 128, row[i + run] == row[i] { run += 1 }
            if run >= 3 || (run == 2 && literalStart == i) {
                flushLiterals(upTo: i, &out)
                out.append(UInt8(257 - run))
                out.append(row[i])
                i += run
                literalStart = i
            } else {
                i += run
            }
        }
        flushLiterals(upTo: n, &out)
    }
}
