internal import CCharLS
import DicomCore

/// JPEG-LS lossless (1.2.840.10008.1.2.4.80) and near-lossless (.81) through CharLS 2.4's C API.
///
/// JPEG-LS codes unsigned samples. Signed images (Pixel Representation 1) are coded as their
/// two's complement in Bits Stored bits, as dcmtk and pydicom do, and sign-extended on decoding.
/// Lossiness is decided by the NEAR actually used, never by the UID.
public struct JPEGLSCodec: PixelDecoder, PixelEncoder {
    /// Lossless one-component frames at precisions CharLS has no specialised coder for (all but
    /// 8, 12 and 16) are coded by JPEGLSLosslessEncoder, which writes the same bytes faster, and
    /// lossless one-component streams are decoded by JPEGLSLosslessDecoder (CharLS takes what it
    /// does not); false sends everything through CharLS (the tests compare the two).
    public var swiftLosslessCoder: Bool

    public init(swiftLosslessCoder: Bool = true) { self.swiftLosslessCoder = swiftLosslessCoder }

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        guard let decoder = charls_jpegls_decoder_create() else {
            throw DicomError(.internalError, "CharLS decoder could not be created")
        }
        defer { charls_jpegls_decoder_destroy(decoder) }
        guard !codestream.isEmpty else { throw DicomError(.decodeFailed, "empty JPEG-LS codestream") }
        try Self.checkEndOfImage(codestream)
        if swiftLosslessCoder, description.samplesPerPixel == 1,
           var samples = JPEGLSLosslessDecoder.decode(codestream, rows: description.rows, columns: description.columns,
                                                      container: description.bitsAllocated) {
            var out = description
            out.planarConfiguration = 0
            out.numberOfFrames = 1
            Self.signExtend(&samples, description: description)
            return DecodedFrame(bytes: samples, description: out)
        }

        // The source pointer must stay valid until decoding ends: all calls happen in this closure.
        let result: Result<(bytes: [UInt8], bits: Int, components: Int, interleave: Int), DicomError> =
            codestream.withUnsafeBytes { source in
                func check(_ code: charls_jpegls_errc, _ what: String) throws(DicomError) {
                    guard code.rawValue == 0 else {
                        // "Parameter value not supported" (e.g. subsampled components) is a limit
                        // of CharLS, not a corrupt stream.
                        let kind: DicomError.Code = code == CHARLS_JPEGLS_ERRC_PARAMETER_VALUE_NOT_SUPPORTED
                            ? .unsupported : .decodeFailed
                        throw DicomError(kind, "JPEG-LS \(what) failed", cause: charlsMessage(code))
                    }
                }
                return Result { () throws(DicomError) in
                    guard let base = source.baseAddress else {
                        throw DicomError(.decodeFailed, "empty JPEG-LS codestream")
                    }
                    try check(charls_jpegls_decoder_set_source_buffer(decoder, base, source.count), "reading")
                    try check(charls_jpegls_decoder_read_header(decoder), "header")
                    var info = charls_frame_info()
                    try check(charls_jpegls_decoder_get_frame_info(decoder, &info), "frame info")
                    var mode = charls_interleave_mode(rawValue: 0)
                    try check(charls_jpegls_decoder_get_interleave_mode(decoder, &mode), "interleave mode")
                    guard Int(widening: info.width) == description.columns, Int(widening: info.height) == description.rows else {
                        throw DicomError(.decodeFailed, "JPEG-LS codestream is \(info.width)x\(info.height), the header says "
                                         + "\(description.columns)x\(description.rows) (Columns x Rows)")
                    }
                    guard Int(widening: info.component_count) == description.samplesPerPixel else {
                        throw DicomError(.decodeFailed, "JPEG-LS codestream has \(info.component_count) components, "
                                         + "(0028,0002) SamplesPerPixel is \(description.samplesPerPixel)")
                    }
                    let bits = Int(widening: info.bits_per_sample)
                    guard (2...16).contains(bits) else {
                        throw DicomError(.unsupported, "JPEG-LS sample precision \(bits) is outside 2...16")
                    }
                    var size = 0
                    try check(charls_jpegls_decoder_get_destination_size(decoder, 0, &size), "sizing")
                    let expected = Int(widening: info.width) * Int(widening: info.height) * Int(widening: info.component_count) * (bits > 8 ? 2 : 1)
                    guard size == expected else {
                        throw DicomError(.decodeFailed, "CharLS reports \(size) output bytes, \(expected) expected")
                    }
                    // size > 0: width, height and components are at least 1 in a valid header.
                    // CharLS writes every byte or fails, so the buffer is not zeroed first; on
                    // failure it is zeroed before the array exists and is then thrown away.
                    var status = CHARLS_JPEGLS_ERRC_INVALID_ARGUMENT
                    let output = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                        if let target = buffer.baseAddress {
                            status = charls_jpegls_decoder_decode_to_buffer(decoder, target, size, 0)
                        }
                        if status.rawValue != 0 { buffer.initialize(repeating: 0) }
                        initialized = size
                    }
                    try check(status, "decoding")
                    return (output, bits, Int(widening: info.component_count), Int(widening: mode.rawValue))
                }
            }
        let decoded = try result.get()
        let codedBytes = decoded.bits > 8 ? 2 : 1
        let container = description.bitsAllocated
        guard container == 8 || container == 16, codedBytes * 8 <= container else {
            throw DicomError(.decodeFailed, "JPEG-LS \(decoded.bits)-bit samples do not fit "
                             + "(0028,0100) BitsAllocated \(description.bitsAllocated)")
        }
        var samples = decoded.bytes
        // Interleave mode none comes out plane by plane; DICOM frames are colour-by-pixel.
        if decoded.components > 1 && decoded.interleave == 0 {
            var plane = description
            plane.bitsAllocated = codedBytes * 8
            plane.planarConfiguration = 1
            samples = samplesByPixel(DecodedFrame(bytes: samples, description: plane))
        }
        if codedBytes == 1 && container == 16 {
            samples = samples.flatMap { [$0, 0] }
        }
        var out = description
        out.planarConfiguration = 0
        out.numberOfFrames = 1
        Self.signExtend(&samples, description: description)
        return DecodedFrame(bytes: samples, description: out)
    }

    /// JPEG-LS codes P-bit unsigned samples; signed images get their sign bits back.
    private static func signExtend(_ samples: inout [UInt8], description: PixelDescription) {
        if description.bitsAllocated == 16 && description.isSigned && description.bitsStored < 16 {
            signExtend16(&samples, bitsStored: description.bitsStored)
        } else if description.bitsAllocated == 8 && description.isSigned && description.bitsStored < 8 {
            signExtend8(&samples, bitsStored: description.bitsStored)
        }
    }

    /// Padding a writer may leave after EOI: fragments are padded to even length (PS3.5 A.4),
    /// some writers add more. CharLS ignores what follows EOI.
    private static let maxTrailingPadding = 64

    /// Refuses a codestream that does not end with EOI (FFD9), before CharLS sees it: CharLS
    /// decodes a scan cut short as if it went on, which took seconds on a large frame before
    /// it failed, and it requires the EOI itself, so no stream it accepts is refused here.
    /// EOI cannot occur inside JPEG-LS scan data (an FF there is followed by a byte below 0x80),
    /// so finding it at the end means the scan was not cut. Up to 64 bytes of anything may follow
    /// it: padding is usually 0x00, but dcmcjpls pads an odd multi-frame codestream with whatever
    /// byte follows in its buffer (0x7F, 0x80 seen).
    static func checkEndOfImage(_ codestream: [UInt8]) throws(DicomError) {
        var end = codestream.count
        while end >= 2, codestream.count - end <= maxTrailingPadding,
              !(codestream[end - 2] == 0xFF && codestream[end - 1] == 0xD9) {
            end -= 1
        }
        guard end >= 2, codestream.count - end <= maxTrailingPadding,
              codestream[end - 2] == 0xFF, codestream[end - 1] == 0xD9 else {
            throw DicomError(.decodeFailed, "JPEG-LS codestream of \(codestream.count) bytes does not end with EOI (FFD9): "
                             + "truncated", offset: codestream.count)
        }
    }

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        let near = options.near
        try EncodingProfiles.check(d, for: near == 0 ? .jpegLSLossless : .jpegLSNearLossless)
        try checkFrameLength(frame)
        let maxNear = min(255, (1 << d.bitsStored) / 2 - 1)
        guard near >= 0, near <= maxNear else {
            throw DicomError(.usage, "JPEG-LS NEAR \(near) is outside 0...\(maxNear) for \(d.bitsStored)-bit samples")
        }
        // Only the Bits Stored bits are image; as unsigned JPEG-LS samples (signed: two's complement).
        // Frames from the transcoder already hold nothing above Bits Stored when unsigned: they
        // are checked (a fast pass) rather than copied, and copied and masked only when needed.
        var samples = samplesByPixel(frame)
        // P is Bits Stored: a P larger than Bits Stored (what dcmcjpls writes for 10-bit data,
        // P = 16) makes the stream disagree with the header (PS3.5 8.2.3), which `dicomtool
        // validate` reports (codestream.precision). CharLS 2.4 codes such precisions with its
        // generic coder (about 25% more instructions on a 10-bit CR than at P = 16), so lossless
        // grey frames at those precisions go to JPEGLSLosslessEncoder.
        // The exception (`codedPrecision`): Bits Stored of 8 or less below Bits Allocated is
        // coded at P = Bits Allocated. (P = 16 with an LSE MAXVAL of 2^BitsStored - 1 was
        // tried: libjpeg, one of pydicom's decoders, misread it, and CharLS's near-lossless
        // coding wrapped 254 to 0 with it.) Signed samples go in as their two's complement in
        // the whole container, as dcmcjpls codes them, so that decoders which return P-bit
        // samples as they are (pydicom's) give the negative values. Near-lossless is refused
        // there: at P = Bits Allocated a reconstructed value may pass Bits Stored by up to NEAR,
        // which readers mask away (255 + 2 read as 1).
        let precision = codedPrecision(d)
        let narrowInWideContainer = precision != d.bitsStored
        if narrowInWideContainer && near > 0 {
            throw DicomError(.unsupported, "JPEG-LS near-lossless of Bits Stored \(d.bitsStored) in a \(d.bitsAllocated)-bit "
                             + "container ((0028,0100) BitsAllocated \(d.bitsAllocated), (0028,0101) BitsStored \(d.bitsStored)) "
                             + "is not written: dcmtk reads such streams only at precision \(d.bitsAllocated), where "
                             + "near-lossless values may exceed Bits Stored; use --near 0 (lossless)")
        }
        if narrowInWideContainer && d.isSigned {
            if d.bitsAllocated == 16 { signExtend16(&samples, bitsStored: d.bitsStored) } else { signExtend8(&samples, bitsStored: d.bitsStored) }
        } else if needsMasking(samples, description: d) {
            mask(&samples, description: d)
        }
        if near > 0 && d.isSigned {
            // JPEG-LS reconstructs within NEAR of each sample in its unsigned coding, where a
            // signed image's largest value (2^(P-1) - 1) and smallest (-2^(P-1)) are neighbours:
            // a sample within NEAR of either end can come back at the other (32767 as -32767, a
            // -32768 padding value as 32766). Such images are refused, not written wrong.
            let wrapping = samplesNearSignedWrap(samples, description: d, near: near)
            if wrapping > 0 {
                let top = (1 << (d.bitsStored - 1)) - 1
                throw DicomError(.unsupported, "JPEG-LS near-lossless of signed samples: \(wrapping) sample(s) lie within "
                                 + "NEAR \(near) of \(-top - 1) or \(top), the ends of (0028,0101) BitsStored \(d.bitsStored) "
                                 + "with (0028,0103) PixelRepresentation 1, which JPEG-LS's unsigned coding can turn into "
                                 + "each other; use --near 0 (lossless) or JPEG 2000 for a lossy copy")
            }
        }
        var out = d
        out.planarConfiguration = 0
        out.numberOfFrames = 1
        if swiftLosslessCoder, near == 0, d.samplesPerPixel == 1, ![8, 12, 16].contains(precision),
           d.bitsAllocated == 8 || d.bitsAllocated == 16 {
            let coder = JPEGLSLosslessEncoder(width: d.columns, height: d.rows, precision: precision)
            let encoded = samples.withUnsafeBytes { coder.encode($0, bytesPerSample: d.bitsAllocated / 8) }
            let ratio = Double(frame.bytes.count) / Double(max(encoded.count, 1))
            return EncodedFrame(bytes: encoded, description: out,
                                outcome: EncodeOutcome(isLossy: false, ratio: ratio, method: nil))
        }
        guard let encoder = charls_jpegls_encoder_create() else {
            throw DicomError(.internalError, "CharLS encoder could not be created")
        }
        defer { charls_jpegls_encoder_destroy(encoder) }
        func check(_ code: charls_jpegls_errc, _ what: String) throws(DicomError) {
            guard code.rawValue == 0 else {
                throw DicomError(.encodeFailed, "JPEG-LS \(what) failed", cause: charlsMessage(code))
            }
        }
        var info = charls_frame_info(width: UInt32(d.columns), height: UInt32(d.rows),  // conversion: rows, columns <= 65535
                                     // conversion: precision 2...16, samples 1 or 3 (profile)
                                     bits_per_sample: Int32(precision), component_count: Int32(d.samplesPerPixel))
        try check(charls_jpegls_encoder_set_frame_info(encoder, &info), "frame setup")
        try check(charls_jpegls_encoder_set_near_lossless(encoder, Int32(near)), "NEAR setup")  // conversion: NEAR 0...255 (flag range)
        let mode = d.samplesPerPixel > 1 ? CHARLS_INTERLEAVE_MODE_SAMPLE : CHARLS_INTERLEAVE_MODE_NONE
        try check(charls_jpegls_encoder_set_interleave_mode(encoder, mode), "interleave setup")
        var capacity = 0
        try check(charls_jpegls_encoder_get_estimated_destination_size(encoder, &capacity), "sizing")
        // Only the bytes CharLS wrote become the array: the estimate (about the raw size) is
        // neither zeroed nor touched beyond them.
        var status = CHARLS_JPEGLS_ERRC_INVALID_ARGUMENT
        let encoded = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = 0
            status = samples.withUnsafeBytes { src in
                guard let target = buffer.baseAddress, let pixels = src.baseAddress else { return CHARLS_JPEGLS_ERRC_INVALID_ARGUMENT }
                let set = charls_jpegls_encoder_set_destination_buffer(encoder, target, capacity)
                guard set.rawValue == 0 else { return set }
                let code = charls_jpegls_encoder_encode_from_buffer(encoder, pixels, src.count, 0)
                guard code.rawValue == 0 else { return code }
                var written = 0
                let counted = charls_jpegls_encoder_get_bytes_written(encoder, &written)
                guard counted.rawValue == 0 else { return counted }
                initialized = min(max(written, 0), capacity)
                return counted
            }
        }
        try check(status, "encoding")
        let ratio = Double(frame.bytes.count) / Double(max(encoded.count, 1))
        return EncodedFrame(bytes: encoded, description: out,
                            outcome: EncodeOutcome(isLossy: near > 0, ratio: ratio, method: near > 0 ? TransferSyntax.jpegLSNearLossless.lossyMethod?.rawValue : nil))
    }
}

/// How many samples (Bits Stored bits, two's complement, as coded) lie within `near` of the point
/// where the largest signed value meets the smallest in unsigned order: 2^(P-1) - 1 | 2^(P-1).
private func samplesNearSignedWrap(_ samples: [UInt8], description d: PixelDescription, near: Int) -> Int {
    let boundary = 1 << (d.bitsStored - 1)   // the unsigned code of the smallest signed value
    let low = boundary - near, high = boundary + near - 1   // codes that can cross it
    let mask = (1 << d.bitsStored) - 1
    var count = 0
    if d.bitsAllocated == 8 {
        for b in samples { let x = Int(widening: b) & mask; if x >= low && x <= high { count += 1 } }
    } else {
        var i = 0
        while i + 1 < samples.count {
            let x = (Int(widening: samples[i]) | Int(widening: samples[i + 1]) << 8) & mask
            if x >= low && x <= high { count += 1 }
            i += 2
        }
    }
    return count
}

/// True when a sample has bits set above Bits Stored (signed samples: any negative one).
private func needsMasking(_ samples: [UInt8], description d: PixelDescription) -> Bool {
    if d.bitsAllocated == 8 {
        guard d.bitsStored < 8 else { return false }
        let high = ~UInt8(truncatingIfNeeded: (1 << d.bitsStored) - 1)
        var seen: UInt8 = 0
        for byte in samples { seen |= byte }
        return seen & high != 0
    }
    guard d.bitsStored < 16 else { return false }
    let high = ~UInt16(truncatingIfNeeded: (1 << d.bitsStored) - 1)
    var seen: UInt16 = 0
    samples.withUnsafeBytes { raw in
        for i in 0..<(raw.count / 2) {
            seen |= UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
        }
    }
    return seen & high != 0
}

/// Clears the bits above Bits Stored in place (8 or 16-bit little-endian samples).
private func mask(_ samples: inout [UInt8], description d: PixelDescription) {
    if d.bitsAllocated == 8 {
        let keep = UInt8(truncatingIfNeeded: (1 << d.bitsStored) - 1)
        for i in samples.indices { samples[i] &= keep }
        return
    }
    let keep = UInt16(truncatingIfNeeded: (1 << d.bitsStored) - 1)
    samples.withUnsafeMutableBytes { raw in
        for i in 0..<(raw.count / 2) {
            let v = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
            raw.storeBytes(of: (v & keep).littleEndian, toByteOffset: 2 &* i, as: UInt16.self)
        }
    }
}

private func charlsMessage(_ code: charls_jpegls_errc) -> String {
    guard let text = charls_get_error_message(code) else { return "CharLS error \(code.rawValue)" }
    return String(cString: text) + " (CharLS error \(code.rawValue))"
}

/// Sign-extends little-endian 16-bit samples from `bitsStored` bits to the full container.
func signExtend16(_ bytes: inout [UInt8], bitsStored: Int) {
    let shift = 16 - bitsStored
    bytes.withUnsafeMutableBufferPointer { buf in
        for i in stride(from: 0, to: buf.count - 1, by: 2) {
            let raw = UInt16(widening: buf[i]) | UInt16(widening: buf[i + 1]) << 8
            let value = UInt16(bitPattern: Int16(bitPattern: raw << shift) >> shift)
            buf[i] = UInt8(truncatingIfNeeded: value)
            buf[i + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }
    }
}

func signExtend8(_ bytes: inout [UInt8], bitsStored: Int) {
    let shift = 8 - bitsStored
    for i in bytes.indices { bytes[i] = UInt8(bitPattern: Int8(bitPattern: bytes[i] << shift) >> shift) }
}
