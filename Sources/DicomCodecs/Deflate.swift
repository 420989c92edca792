// TEMPORARY STAND-IN until the ccodecs branch lands (zlib wrapper); replaced, not extended.
import DicomCore
public enum Deflate {
    public static func inflateRaw(_ input: [UInt8], limit: Int) throws(DicomError) -> [UInt8] { throw DicomError(.unsupported, "stub") }
    public static func deflateRaw(_ input: [UInt8], level: Int) throws(DicomError) -> [UInt8] { throw DicomError(.unsupported, "stub") }
}
