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
        let segmentCount = Int(widening: Self.uint32(codestream, at: 0))
        guard segmentCount == expected else {
            throw DicomError(.decodeFailed, "RLE: header declares \(segmentCount) segments, \(d.samplesPerPixel) samples "
                             + "of \(d.bitsAllocated) bits need \(expected)", offset: 0)
        }
        var offsets: [Int] = []
        for i in 0..<segmentCount {
            let offset = Int(widening: Self.uint32(codestream, at: 4 + 4 * i))
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
        let total = pixels * expected
        // Every byte is written: each segment fills every `expected`-th byte or throws.
        let out = try [UInt8](unsafeUninitializedCapacity: total) { (buffer, initialized) throws(DicomError) in
            try codestream.withUnsafeBufferPointer { (src) throws(DicomError) in
                for segment in 0..<segmentCount {
                    let end = segment + 1 < segmentCount ? offsets[segment + 1] : src.count
                    let sample = segment / bytesPerSample
                    // Segments run from the most significant byte; output is little-endian.
                    let byteInSample = bytesPerSample - 1 - segment % bytesPerSample
                    try Self.unpack(src, from: offsets[segment], to: end, segment: segment + 1, count: pixels,
                                    into: buffer, start: sample * bytesPerSample + byteInSample, stride: expected)
                }
            }
            initialized = total
        }
        var result = d
        result.planarConfiguration = 0
        result.numberOfFrames = 1
        return DecodedFrame(bytes: out, description: result)
    }

    /// Expands one PackBits segment into every `stride`-th byte of `out`. Bytes left in the
    /// segment after `count` outputs are padding and ignored. Every run is checked against the
    /// segment end and against `count` before it is copied, so the unchecked copies below stay in
    /// `out` (`first < stride`, `count * stride <= out.count`).
    static func unpack(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, segment: Int, count: Int,
                       into out: UnsafeMutableBufferPointer<UInt8>, start first: Int, stride: Int) throws(DicomError) {
        guard let src = bytes.baseAddress, let dst = out.baseAddress, first < stride, count * stride <= out.count,
              end <= bytes.count else {
            if count == 0 { return }
            throw DicomError(.decodeFailed, "RLE: segment \(segment) has no room for \(count) bytes")
        }
        var p = start, produced = 0, o = first
        while produced < count {
            guard p < end else {
                throw DicomError(.decodeFailed, "RLE: segment \(segment) ends after \(produced) of \(count) bytes",
                                 offset: p)
            }
            let control = Int(widening: src[p])
            p += 1
            if control < 128 {
                let n = control + 1
                guard p + n <= end, produced + n <= count else {
                    throw DicomError(.decodeFailed, "RLE: literal run of \(n) bytes overruns segment \(segment)",
                                     offset: p - 1)
                }
                if stride == 1 {
                    (dst + o).update(from: src + p, count: n)
                    o += n
                } else {
                    for k in 0..<n {
                        dst[o] = src[p + k]
                        o += stride
                    }
                }
                p += n
                produced += n
            } else if control > 128 {
                let n = 257 - control
                guard p < end, produced + n <= count else {
                    throw DicomError(.decodeFailed, "RLE: replicate run of \(n) bytes overruns segment \(segment)",
                                     offset: p - 1)
                }
                let value = src[p]
                p += 1
                if stride == 1 {
                    (dst + o).update(repeating: value, count: n)
                    o += n
                } else {
                    for _ in 0..<n {
                        dst[o] = value
                        o += stride
                    }
                }
                produced += n
            }
            // control == 128 is a no-op.
        }
    }

    static func uint32(_ b: [UInt8], at o: Int) -> UInt32 {
        UInt32(widening: b[o]) | UInt32(widening: b[o + 1]) << 8 | UInt32(widening: b[o + 2]) << 16 | UInt32(widening: b[o + 3]) << 24
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
        // PackBits' worst case per row: a control byte per 128 literals plus one for the first
        // literal run (later literal runs follow a 3+ byte run that saved at least a byte); plus
        // one pad byte per segment.
        let worstRow = d.columns + d.columns / 128 + 2
        let capacity = Self.headerLength + segmentCount * (d.rows * worstRow + 1)
        // The header holds each segment's offset in 32 bits: every segment but the last must be able to start below 4 GiB.
        guard Self.headerLength + (segmentCount - 1) * (d.rows * worstRow + 1) <= Int(widening: UInt32.max) else {
            throw DicomError(.unsupported, "RLE: a frame of \(needed) bytes could put segment offsets beyond the header's 32 bits")
        }
        let planar = d.planarConfiguration == 1
        let columns = d.columns, rows = d.rows
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            guard let dst = buffer.baseAddress else { initialized = 0; return }
            dst.update(repeating: 0, count: Self.headerLength)
            Self.put(UInt32(segmentCount), into: dst, at: 0)  // conversion: at most 15 (checked above)
            var length = Self.headerLength
            let plane = UnsafeMutablePointer<UInt8>.allocate(capacity: columns)
            defer { plane.deallocate() }
            frame.bytes.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                for segment in 0..<segmentCount {
                    Self.put(UInt32(length), into: dst, at: 4 + 4 * segment)  // conversion: below 4 GiB (checked above)
                    let sample = segment / bytesPerSample
                    let byteInSample = bytesPerSample - 1 - segment % bytesPerSample
                    let start = length
                    // Where this segment's byte of pixel k lives, and the step from one pixel to the next.
                    let first = (planar ? sample * pixels : sample) * bytesPerSample + byteInSample
                    let step = (planar ? 1 : spp) * bytesPerSample
                    for row in 0..<rows {
                        var from = base + first + row * columns * step
                        for column in 0..<columns {
                            plane[column] = from.pointee
                            from += step
                        }
                        length += Self.packBits(UnsafeBufferPointer(start: plane, count: columns), into: dst + length)
                    }
                    if (length - start) % 2 == 1 { dst[length] = 0; length += 1 }  // PS3.5 G.3.1: even segments
                }
            }
            initialized = length
        }
        var description = d
        description.planarConfiguration = 0
        description.numberOfFrames = 1
        return EncodedFrame(bytes: out, description: description,
                            outcome: EncodeOutcome(isLossy: false, ratio: Double(needed) / Double(out.count), method: nil))
    }

    static func put(_ value: UInt32, into out: inout [UInt8], at o: Int) {
        out.withUnsafeMutableBufferPointer { if let base = $0.baseAddress, o + 4 <= $0.count { put(value, into: base, at: o) } }
    }

    static func put(_ value: UInt32, into out: UnsafeMutablePointer<UInt8>, at o: Int) {
        out[o] = UInt8(truncatingIfNeeded: value)
        out[o + 1] = UInt8(truncatingIfNeeded: value >> 8)
        out[o + 2] = UInt8(truncatingIfNeeded: value >> 16)
        out[o + 3] = UInt8(truncatingIfNeeded: value >> 24)
    }

    /// PackBits of one row (PS3.5 G.3.1): runs of 3 or more equal bytes replicate, the rest are
    /// literals, each run at most 128 bytes; runs never cross a row. Writes at most
    /// `row.count + ceil(row.count / 128)` bytes to `out` and returns how many it wrote.
    static func packBits(_ row: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let src = row.baseAddress else { return 0 }
        let n = row.count
        var i = 0, written = 0
        var literalStart = 0
        func flushLiterals(upTo end: Int) {
            var s = literalStart
            while s < end {
                let length = min(128, end - s)
                out[written] = UInt8(length - 1)  // conversion: length is 1...128
                (out + written + 1).update(from: src + s, count: length)
                written += 1 + length
                s += length
            }
        }
        while i < n {
            var run = 1
            let value = src[i]
            while i + run < n, run < 128, src[i + run] == value { run += 1 }
            if run >= 3 || (run == 2 && literalStart == i) {
                flushLiterals(upTo: i)
                out[written] = UInt8(257 - run)  // conversion: run is 2...128
                out[written + 1] = value
                written += 2
                i += run
                literalStart = i
            } else {
                i += run
            }
        }
        flushLiterals(upTo: n)
        return written
    }
}
