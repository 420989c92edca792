import DicomCore

/// Which codec reads and writes each transfer syntax: a `let` table, no global registration.
/// A syntax with a descriptor but no entry is readable and dumpable, and its pixels are
/// "unsupported", which is a different error from "unknown syntax".
public enum CodecRegistry {
    struct Entry: Sendable {
        var decoder: (any PixelDecoder)?
        var encoder: (any PixelEncoder)?
    }

    static let table: [String: Entry] = {
        let jpegLS = JPEGLSCodec(), j2k = JPEG2000Codec(), htj2k = HTJ2KDecoder(), baseline = JPEGBaselineCodec()
        let lossless = JPEGLosslessCodec(), rle = RLECodec()
        return [
            "1.2.840.10008.1.2.4.50": Entry(decoder: baseline, encoder: baseline),
            "1.2.840.10008.1.2.4.51": Entry(decoder: JPEGExtendedDecoder(), encoder: nil),
            "1.2.840.10008.1.2.4.57": Entry(decoder: lossless, encoder: lossless),
            "1.2.840.10008.1.2.4.70": Entry(decoder: lossless, encoder: lossless),
            "1.2.840.10008.1.2.5": Entry(decoder: rle, encoder: rle),
            "1.2.840.10008.1.2.4.80": Entry(decoder: jpegLS, encoder: jpegLS),
            "1.2.840.10008.1.2.4.81": Entry(decoder: jpegLS, encoder: jpegLS),
            "1.2.840.10008.1.2.4.90": Entry(decoder: j2k, encoder: j2k),
            "1.2.840.10008.1.2.4.91": Entry(decoder: j2k, encoder: j2k),
            // OpenJPEG 2.5 reads High-Throughput codestreams but cannot write them; OpenJPH writes them.
            "1.2.840.10008.1.2.4.201": Entry(decoder: htj2k, encoder: HTJ2KEncoder(syntax: .lossless)),
            "1.2.840.10008.1.2.4.202": Entry(decoder: htj2k, encoder: HTJ2KEncoder(syntax: .losslessRPCL)),
            "1.2.840.10008.1.2.4.203": Entry(decoder: htj2k, encoder: HTJ2KEncoder(syntax: .unconstrained)),
            "1.2.840.10008.1.2.1.98": Entry(decoder: EncapsulatedUncompressedCodec(), encoder: EncapsulatedUncompressedCodec()),
            "1.2.840.10008.1.2.8.1": Entry(decoder: DeflatedFrameCodec(), encoder: DeflatedFrameCodec()),
        ]
    }()

    public static func decoder(for syntax: TransferSyntax) -> (any PixelDecoder)? { table[syntax.uid]?.decoder }

    /// `framesInParallel`: the caller decodes two frames at once, so OpenJPEG gets one thread per
    /// frame instead of its own threads inside each (two whole frames keep two cores busier than
    /// one frame's code-blocks: OpenJPEG's serial parts then overlap with the other frame).
    public static func decoder(for syntax: TransferSyntax, framesInParallel: Bool) -> (any PixelDecoder)? {
        if framesInParallel {
            if syntax.family == .jpeg2000 { return JPEG2000Codec(decodeThreads: 1) }
            if syntax.family == .htj2k { return HTJ2KDecoder(decodeThreads: 1) }
        }
        return table[syntax.uid]?.decoder
    }

    public static func encoder(for syntax: TransferSyntax) -> (any PixelEncoder)? { table[syntax.uid]?.encoder }
}

/// JPEG Extended (1.2.840.10008.1.2.4.51) holds 8-bit streams, which libjpeg-turbo decodes fastest,
/// and 12-bit ones, which only the Swift DCT decoder can: the frame header's precision decides.
struct JPEGExtendedDecoder: PixelDecoder {
    func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        let header = try JPEGFrameHeader.parse(codestream)
        if header.precision <= 8 && !header.isLossless {
            return try JPEGBaselineCodec().decode(codestream, description: description)
        }
        return try JPEGExtended12Decoder().decode(codestream, description: description)
    }
}
