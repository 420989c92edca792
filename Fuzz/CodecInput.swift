// Shared by the decoder fuzz entries (compiled into each of them by scripts/fuzz): the first 8
// bytes of a fuzz input describe the image, the rest is the codestream. scripts/fuzz builds
// seeds in this layout from the corpus, so mutations reach both the header checks and the codecs.
import DicomCore

enum CodecInput {
    static let headerSize = 8
    static let photometrics = ["MONOCHROME2", "MONOCHROME1", "RGB", "YBR_FULL", "YBR_FULL_422",
                               "YBR_RCT", "YBR_ICT", "PALETTE COLOR"]

    /// rows u16 LE, columns u16 LE, samples, bits allocated, bits stored,
    /// flags (bit 0 signed, bit 1 planar, bits 2-4 photometric).
    static func split(_ data: UnsafePointer<UInt8>, _ count: Int) -> (PixelDescription, [UInt8])? {
        guard count >= headerSize else { return nil }
        let b = UnsafeBufferPointer(start: data, count: count)
        let rows = Int(b[0]) | Int(b[1]) << 8, columns = Int(b[2]) | Int(b[3]) << 8
        let flags = Int(b[7])
        let description = PixelDescription(
            rows: rows, columns: columns, samplesPerPixel: Int(b[4]), bitsAllocated: Int(b[5]),
            bitsStored: Int(b[6]), pixelRepresentation: flags & 1, photometricInterpretation: photometrics[(flags >> 2) & 7],
            planarConfiguration: (flags >> 1) & 1)
        return (description, Array(b[headerSize...]))
    }
}
