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
        return [
            "1.2.840.10008.1.2.4.50": Entry(decoder: baseline, encoder: baseline),
            "1.2.840.10008.1.2.4.51": Entry(decoder: baseline, encoder: nil),
            "1.2.840.10008.1.2.4.80": Entry(decoder: jpegLS, encoder: jpegLS),
            "1.2.840.10008.1.2.4.81": Entry(decoder: jpegLS, encoder: jpegLS),
            "1.2.840.10008.1.2.4.90": Entry(decoder: j2k, encoder: j2k),
            "1.2.840.10008.1.2.4.91": Entry(decoder: j2k, encoder: j2k),
            // OpenJPEG 2.5 reads High-Throughput codestreams but cannot write them.
            "1.2.840.10008.1.2.4.201": Entry(decoder: htj2k, encoder: nil),
            "1.2.840.10008.1.2.4.202": Entry(decoder: htj2k, encoder: nil),
            "1.2.840.10008.1.2.4.203": Entry(decoder: htj2k, encoder: nil),
            "1.2.840.10008.1.2.1.98": Entry(decoder: EncapsulatedUncompressedCodec(), encoder: EncapsulatedUncompressedCodec()),
            "1.2.840.10008.1.2.8.1": Entry(decoder: DeflatedFrameCodec(), encoder: DeflatedFrameCodec()),
        ]
    }()

    public static func decoder(for syntax: TransferSyntax) -> (any PixelDecoder)? { table[syntax.uid]?.decoder }
    public static func encoder(for syntax: TransferSyntax) -> (any PixelEncoder)? { table[syntax.uid]?.encoder }
}
