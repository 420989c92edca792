import DicomCodecs
import DicomCore

/// The sample layout every encoder, transform and comparison works on: colour by pixel, and
/// samples at their Bits Stored (unused high bits cleared, or the sign extended).
enum SampleLayout {
    /// Samples reduced to their Bits Stored and sign-extended when Pixel Representation is 1: what
    /// the codecs encode and decode (a codestream holds Bits Stored bits), so lossless really
    /// compares values, and unused high bits from any source come out the same (0, or the sign).
    static func normalized(_ f: consuming DecodedFrame) -> DecodedFrame {
        // Consumed, so a frame fresh from a decoder is edited in place instead of copied.
        normalize(&f)
        return f
    }

    static func normalize(_ f: inout DecodedFrame) {
        let d = f.description
        guard d.bitsStored < d.bitsAllocated, d.bitsAllocated == 16 || d.bitsAllocated == 32, d.bitsStored >= 1 else { return }
        let mask: UInt32 = (1 << UInt32(d.bitsStored)) - 1  // conversion: 1 <= bitsStored < 32 (guard above)
        // Sign extension without a branch: (v ^ sign) - sign, on the masked value.
        let sign: UInt32 = d.isSigned ? 1 << UInt32(d.bitsStored - 1) : 0  // conversion: as above
        // Unaligned loads and stores: the bytes are an [UInt8], never rebound to another type.
        f.bytes.withUnsafeMutableBytes { raw in
            if d.bitsAllocated == 16 {
                for i in 0..<(raw.count / 2) {
                    let v = UInt32(widening: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    let w = ((v & mask) ^ sign) &- sign
                    raw.storeBytes(of: UInt16(truncatingIfNeeded: w).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            } else {
                for i in 0..<(raw.count / 4) {
                    let v = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    raw.storeBytes(of: (((v & mask) ^ sign) &- sign).littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
            }
        }
    }

    /// Colour-by-plane frames made colour-by-pixel (what every encoder and the hash convention expect).
    static func interleaved(_ f: DecodedFrame) -> DecodedFrame {
        let d = f.description
        guard d.samplesPerPixel > 1, d.planarConfiguration == 1 else { return f }
        let n = d.rows * d.columns, bps = d.bytesPerSample, spp = d.samplesPerPixel
        guard f.bytes.count >= n * spp * bps else { return f }
        var out = [UInt8](repeating: 0, count: n * spp * bps)
        f.bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for s in 0..<spp {
                    for i in 0..<n {
                        for b in 0..<bps { dst[(i * spp + s) * bps + b] = src[(s * n + i) * bps + b] }
                    }
                }
            }
        }
        var nd = d
        nd.planarConfiguration = 0
        return DecodedFrame(bytes: out, description: nd)
    }
}
