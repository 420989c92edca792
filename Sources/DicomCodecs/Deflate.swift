internal import CZlib
import DicomCore

/// Raw deflate (RFC 1951: no zlib header, no Adler-32 trailer), as PS3.5 A.5 requires for the
/// data set of Deflated Explicit VR Little Endian and PS3.5 A.4.13 for each frame of Deflated
/// Image Frame Compression.
public enum Deflate {
    /// Inflates a complete raw deflate stream. `limit` is the decompression-bomb guard: producing
    /// more than `limit` bytes is an `.invalidInput` error that names the limit. Bytes after the
    /// end of the deflate stream (e.g. a padding byte) are ignored.
    public static func inflateRaw(_ input: UnsafeRawBufferPointer, limit: Int) throws(DicomError) -> [UInt8] {
        let inflater = try RawInflater(limit: limit)
        let output = try inflater.inflate(input)
        guard inflater.isFinished else {
            throw DicomError(.decodeFailed, "deflate stream ends early: \(input.count) bytes in, "
                             + "\(output.count) bytes out, no end-of-stream block", offset: input.count)
        }
        return output
    }

    public static func inflateRaw(_ input: some Collection<UInt8>, limit: Int) throws(DicomError) -> [UInt8] {
        let result: Result<[UInt8], DicomError>? = input.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DicomError) -> [UInt8] in try inflateRaw(UnsafeRawBufferPointer(buffer), limit: limit) }
        }
        if let result { return try result.get() }
        let copy = Array(input)
        return try withRawBytes(copy) { (raw) throws(DicomError) -> [UInt8] in try inflateRaw(raw, limit: limit) }
    }

    /// Deflates `input` into a raw deflate stream at zlib `level` 0...9 (-1: zlib's default, 6).
    public static func deflateRaw(_ input: [UInt8], level: Int) throws(DicomError) -> [UInt8] {
        guard (-1...9).contains(level) else {
            throw DicomError(.usage, "deflate level \(level) is outside 0...9")
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // deflateInit2 is a macro; the underscore function takes the header's version and layout.
        // conversion: level is -1...9 (checked above)
        let status = deflateInit2_(stream, Int32(level), Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.stride))  // conversion: the size of a C struct
        guard status == Z_OK else {
            throw DicomError(.encodeFailed, "zlib deflateInit2 failed", cause: zlibMessage(stream, status))
        }
        defer { deflateEnd(stream) }
        guard input.count <= Int(widening: UInt32.max) else {
            throw DicomError(.encodeFailed, "deflate input of \(input.count) bytes exceeds zlib's 4 GiB per call")
        }
        let bound = Int(deflateBound(stream, uLong(input.count)))  // conversion: input <= UInt32.max (checked above): the bound is a few bytes more
        var output = [UInt8](repeating: 0, count: bound)
        let (result, produced) = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.pointee.avail_in = uInt(source.count)
                stream.pointee.next_out = destination.baseAddress
                stream.pointee.avail_out = uInt(destination.count)
                let status = deflate(stream, Z_FINISH)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (status, destination.count - Int(widening: stream.pointee.avail_out))
            }
        }
        // deflateBound guarantees one Z_FINISH call completes.
        guard result == Z_STREAM_END else {
            throw DicomError(.encodeFailed, "zlib deflate did not finish", cause: zlibMessage(stream, result))
        }
        output.removeSubrange(produced...)
        return output
    }

    static func zlibMessage(_ stream: UnsafeMutablePointer<z_stream>, _ status: Int32) -> String {
        if let msg = stream.pointee.msg { return String(cString: msg) + " (zlib status \(status))" }
        return String(cString: zError(status)) + " (zlib status \(status))"
    }
}

/// Streaming raw inflate: feed compressed chunks in order, get the decompressed bytes each chunk
/// completes. Owns one `z_stream`, which zlib's internal state points back into, so it lives at a
/// fixed heap address for the inflater's lifetime.
public final class RawInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    /// The decompression-bomb guard: total output may not exceed it.
    public let limit: Int
    /// Compressed bytes consumed so far (an offset for error messages).
    public private(set) var totalIn = 0
    public private(set) var totalOut = 0
    /// True once the deflate stream's final block has been decoded.
    public private(set) var isFinished = false
    /// Bytes passed after the end of the stream (ignored, counted).
    public private(set) var trailingBytes = 0

    public init(limit: Int) throws(DicomError) {
        guard limit >= 0 else { throw DicomError(.usage, "inflate limit \(limit) is negative") }
        self.limit = limit
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.stride))  // conversion: the size of a C struct
        guard status == Z_OK else {
            let cause = Deflate.zlibMessage(stream, status)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw DicomError(.internalError, "zlib inflateInit2 failed", cause: cause)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    public func inflate(_ chunk: some Collection<UInt8>) throws(DicomError) -> [UInt8] {
        let result: Result<[UInt8], DicomError>? = chunk.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DicomError) -> [UInt8] in try inflate(UnsafeRawBufferPointer(buffer)) }
        }
        if let result { return try result.get() }
        let copy = Array(chunk)
        return try withRawBytes(copy) { (raw) throws(DicomError) -> [UInt8] in try inflate(raw) }
    }

    /// Inflates one chunk; returns what it completes (possibly nothing).
    public func inflate(_ chunk: UnsafeRawBufferPointer) throws(DicomError) -> [UInt8] {
        if isFinished {
            trailingBytes += chunk.count
            return []
        }
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return [] }
        var output: [UInt8] = []
        var consumed = 0
        let step = 1 << 16
        var scratch = [UInt8](repeating: 0, count: step)
        while consumed < chunk.count {
            // avail_in is 32-bit: feed at most 1 GiB per call.
            let feed = min(chunk.count - consumed, 1 << 30)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + consumed).assumingMemoryBound(to: UInt8.self))
            stream.pointee.avail_in = uInt(feed)
            var status: Int32 = Z_OK
            repeat {
                let produced = scratch.withUnsafeMutableBufferPointer { out -> Int in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    status = CZlib.inflate(stream, Z_NO_FLUSH)
                    stream.pointee.next_out = nil
                    return out.count - Int(widening: stream.pointee.avail_out)
                }
                if status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_MEM_ERROR || status == Z_STREAM_ERROR {
                    let at = totalIn + consumed + feed - Int(widening: stream.pointee.avail_in)
                    let cause = Deflate.zlibMessage(stream, status)
                    stream.pointee.next_in = nil
                    throw DicomError(.decodeFailed, "invalid deflate data", offset: at, cause: cause)
                }
                guard totalOut + output.count + produced <= limit else {
                    stream.pointee.next_in = nil
                    throw DicomError(.invalidInput, "inflated data exceeds the limit of \(limit) bytes "
                                     + "(decompression-bomb guard)", offset: totalIn + consumed)
                }
                output.append(contentsOf: scratch[0..<produced])
                if status == Z_STREAM_END { break }
                // Z_BUF_ERROR: no progress possible; the input of this call is used up.
                if status == Z_BUF_ERROR { break }
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
            let left = Int(widening: stream.pointee.avail_in)
            stream.pointee.next_in = nil
            consumed += feed - left
            if status == Z_STREAM_END {
                isFinished = true
                trailingBytes += chunk.count - consumed
                consumed = chunk.count
            }
        }
        totalIn += consumed
        totalOut += output.count
        return output
    }
}

/// Deflated Image Frame Compression (1.2.840.10008.1.2.8.1): each frame's native little-endian
/// bytes deflated separately, raw (RFC 1951) as PS3.5 A.4.13 specifies.
public struct DeflatedFrameCodec: PixelDecoder, PixelEncoder {
    public var level: Int

    public init(level: Int = 6) { self.level = level }

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        let expected = description.frameByteCount
        // One extra byte is tolerated: an encoder may have deflated the even-padded frame.
        var bytes = try Deflate.inflateRaw(codestream, limit: expected + 1)
        guard bytes.count >= expected else {
            throw DicomError(.decodeFailed, "deflated frame inflates to \(bytes.count) bytes, "
                             + "\(expected) expected for \(description)")
        }
        bytes.removeSubrange(expected...)
        var out = description
        out.numberOfFrames = 1
        return DecodedFrame(bytes: bytes, description: out)
    }

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        try EncodingProfiles.check(frame.description, for: .deflatedImageFrame)
        try checkFrameLength(frame)
        let bytes = try Deflate.deflateRaw(frame.bytes, level: level)
        let ratio = Double(frame.bytes.count) / Double(max(bytes.count, 1))
        return EncodedFrame(bytes: bytes, description: frame.description,
                            outcome: EncodeOutcome(isLossy: false, ratio: ratio, method: nil))
    }
}

/// Encapsulated Uncompressed Explicit VR Little Endian (1.2.840.10008.1.2.1.98): each frame's
/// native bytes as one fragment. Padding a fragment to even length is the encapsulator's job.
public struct EncapsulatedUncompressedCodec: PixelDecoder, PixelEncoder {
    public init() {}

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        let expected = description.frameByteCount
        // A fragment holds the frame plus at most the one padding byte that makes its length even.
        guard codestream.count == expected || (codestream.count == expected + 1 && expected % 2 == 1) else {
            throw DicomError(.decodeFailed, "encapsulated uncompressed frame has \(codestream.count) bytes, "
                             + "\(expected) expected for \(description)")
        }
        var out = description
        out.numberOfFrames = 1
        return DecodedFrame(bytes: Array(codestream.prefix(expected)), description: out)
    }

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        try EncodingProfiles.check(frame.description, for: .encapsulatedUncompressed)
        try checkFrameLength(frame)
        return EncodedFrame(bytes: frame.bytes, description: frame.description,
                            outcome: EncodeOutcome(isLossy: false, ratio: 1, method: nil))
    }
}

/// Every encoder's first step after the profile: the bytes are exactly one native frame.
func checkFrameLength(_ frame: DecodedFrame) throws(DicomError) {
    let expected = frame.description.frameByteCount
    guard frame.bytes.count == expected else {
        throw DicomError(.invalidInput, "frame has \(frame.bytes.count) bytes, \(expected) expected for "
                         + "\(frame.description)")
    }
}

/// `Array.withUnsafeBytes` with a typed-throwing body (the standard library's version rethrows
/// `any Error`).
func withRawBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(DicomError) -> R) throws(DicomError) -> R {
    let result: Result<R, DicomError> = bytes.withUnsafeBytes { raw in
        Result { () throws(DicomError) -> R in try body(raw) }
    }
    return try result.get()
}
