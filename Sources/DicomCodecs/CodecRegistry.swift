import DicomCore

/// Which codec reads and writes each transfer syntax: a `let` table, no global registration.
/// A syntax with a descriptor but no entry is readable and dumpable, and its pixels are
/// "unsupported", which is a different error from "unknown syntax".
public enum CodecRegistry {
    struct Entry: Sendable {
        var decoder: (any PixelDecoder)?
        var encoder: (any PixelEncoder)?
    }

    static let table: [String: Entry] = [:]

    public static func decoder(for syntax: TransferSyntax) -> (any PixelDecoder)? { table[syntax.uid]?.decoder }
    public static func encoder(for syntax: TransferSyntax) -> (any PixelEncoder)? { table[syntax.uid]?.encoder }
}
