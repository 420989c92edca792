import DicomCore

/// The codec behind each codec id of the transfer-syntax table: a `let` table, no global
/// registration. A syntax whose row names no codec is readable and dumpable, and its pixels are
/// "unsupported", which is a different error from "unknown syntax".
public enum CodecRegistry {
    struct Codec: Sendable {
        var decoder: any PixelDecoder
        var encoder: (any PixelEncoder)?
        /// The decoder to use when the caller decodes two frames at once: OpenJPEG then gets one
        /// thread per frame instead of its own threads inside each (two whole frames keep two cores
        /// busier than one frame's code-blocks: OpenJPEG's serial parts then overlap with the other frame).
        var decoderForParallelFrames: (any PixelDecoder)?
    }

    static let codecs: [TransferSyntax.CodecID: Codec] = {
        let baseline = JPEGBaselineCodec(), lossless = JPEGLosslessCodec(), jpegLS = JPEGLSCodec(), j2k = JPEG2000Codec()
        let htj2k = HTJ2KDecoder(), htj2kOneThread = HTJ2KDecoder(decodeThreads: 1), rle = RLECodec()
        let uncompressed = EncapsulatedUncompressedCodec(), deflated = DeflatedFrameCodec()
        return [
            .jpegBaseline: Codec(decoder: baseline, encoder: baseline),
            .jpegExtended: Codec(decoder: JPEGExtendedDecoder(), encoder: nil),
            .jpegLossless: Codec(decoder: lossless, encoder: lossless),
            .jpegLS: Codec(decoder: jpegLS, encoder: jpegLS),
            .jpeg2000: Codec(decoder: j2k, encoder: j2k, decoderForParallelFrames: JPEG2000Codec(decodeThreads: 1)),
            // OpenJPEG 2.5 reads High-Throughput codestreams but cannot write them; OpenJPH writes them.
            .htj2kLossless: Codec(decoder: htj2k, encoder: HTJ2KEncoder(syntax: .lossless),
                                  decoderForParallelFrames: htj2kOneThread),
            .htj2kLosslessRPCL: Codec(decoder: htj2k, encoder: HTJ2KEncoder(syntax: .losslessRPCL),
                                      decoderForParallelFrames: htj2kOneThread),
            .htj2k: Codec(decoder: htj2k, encoder: HTJ2KEncoder(syntax: .unconstrained),
                          decoderForParallelFrames: htj2kOneThread),
            .rle: Codec(decoder: rle, encoder: rle),
            .encapsulatedUncompressed: Codec(decoder: uncompressed, encoder: uncompressed),
            .deflatedImageFrame: Codec(decoder: deflated, encoder: deflated),
        ]
    }()

    static func codec(for syntax: TransferSyntax) -> Codec? { syntax.codec.flatMap { codecs[$0] } }

    public static func decoder(for syntax: TransferSyntax) -> (any PixelDecoder)? { codec(for: syntax)?.decoder }

    /// `framesInParallel`: the caller decodes two frames at once (see `Codec.decoderForParallelFrames`).
    public static func decoder(for syntax: TransferSyntax, framesInParallel: Bool) -> (any PixelDecoder)? {
        guard let codec = codec(for: syntax) else { return nil }
        return framesInParallel ? codec.decoderForParallelFrames ?? codec.decoder : codec.decoder
    }

    public static func encoder(for syntax: TransferSyntax) -> (any PixelEncoder)? { codec(for: syntax)?.encoder }
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
