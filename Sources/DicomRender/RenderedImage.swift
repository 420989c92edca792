import DicomCodecs
import DicomCore

/// A picture: grey (1 channel) or RGB (3 channels), 8 or 16 bits a sample, rows top to bottom,
/// samples by pixel; 16-bit samples little-endian (the host order libpng's simplified API reads).
public struct RenderedImage: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    public var channels: Int
    public var bits: Int
    public var bytes: [UInt8]

    public init(columns: Int, rows: Int, channels: Int, bits: Int, bytes: [UInt8]) {
        self.columns = columns
        self.rows = rows
        self.channels = channels
        self.bits = bits
        self.bytes = bytes
    }

    /// A black picture.
    public init(columns: Int, rows: Int, channels: Int, bits: Int) {
        self.init(columns: columns, rows: rows, channels: channels, bits: bits,
                  bytes: [UInt8](repeating: 0, count: columns * rows * channels * (bits / 8)))
    }

    public var maximum: Int { (1 << bits) - 1 }

    /// Sample `channel` of pixel (x, y).
    public func sample(x: Int, y: Int, channel: Int = 0) -> Int {
        let i = (y * columns + x) * channels + channel
        return bits == 8 ? Int(widening: bytes[i]) : Int(widening: bytes[2 * i]) | Int(widening: bytes[2 * i + 1]) << 8
    }

    public mutating func set(x: Int, y: Int, channel: Int, _ value: Int) {
        let i = (y * columns + x) * channels + channel
        if bits == 8 {
            bytes[i] = UInt8(truncatingIfNeeded: value)
        } else {
            bytes[2 * i] = UInt8(truncatingIfNeeded: value)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }
    }

    /// The picture as a decoded frame (for the resampling of DicomPixels) and back.
    var asFrame: DecodedFrame {
        DecodedFrame(bytes: bytes, description: PixelDescription(
            rows: rows, columns: columns, samplesPerPixel: channels, bitsAllocated: bits, bitsStored: bits,
            photometricInterpretation: channels == 1 ? "MONOCHROME2" : "RGB"))
    }

    init(_ frame: DecodedFrame) {
        let d = frame.description
        self.init(columns: d.columns, rows: d.rows, channels: d.samplesPerPixel, bits: d.bitsAllocated, bytes: frame.bytes)
    }
}

/// Stored values of a decoded frame (little-endian samples at Bits Stored, sign-extended when signed,
/// as FrameReader gives them), read as Ints.
struct StoredSamples {
    let frame: DecodedFrame

    var count: Int { frame.description.rows * frame.description.columns * frame.description.samplesPerPixel }

    /// Calls `body` with every sample in order.
    func forEach(_ body: (Int) -> Void) {
        let d = frame.description
        let signed = d.isSigned, bits = d.bitsStored
        frame.bytes.withUnsafeBytes { raw in
            switch d.bitsAllocated {
            case 1:
                for i in 0..<count { body(Int(widening: raw[i >> 3] >> UInt8(truncatingIfNeeded: i & 7) & 1)) }
            case 8:
                let mask = (1 << bits) - 1, sign = signed ? 1 << (bits - 1) : 0
                for i in 0..<min(count, raw.count) { body(((Int(widening: raw[i]) & mask) ^ sign) - sign) }
            case 16:
                let n = min(count, raw.count / 2)
                if signed {
                    for i in 0..<n { body(Int(widening: Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))) }
                } else {
                    for i in 0..<n { body(Int(widening: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
                }
            case 32:
                let n = min(count, raw.count / 4)
                if signed {
                    for i in 0..<n { body(Int(widening: Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))) }
                } else {
                    for i in 0..<n { body(Int(widening: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
                }
            default:
                break
            }
        }
    }
}
