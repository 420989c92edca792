internal import CPNG
internal import CTurboJPEG
import DicomCore

/// Pictures to PNG and JPEG bytes. PNG goes through libpng's simplified write API only
/// (png_image_write_to_memory reports errors by its return value; the classic API's longjmp
/// error handling must never cross Swift frames), JPEG through TurboJPEG's handle API.
public enum PictureEncoding {
    public static func encode(_ image: RenderedImage, as format: RenderOptions.Format, quality: Int) throws(DicomError) -> [UInt8] {
        switch format {
        case .png: return try png(image)
        case .jpeg: return try jpeg(image, quality: quality)
        }
    }

    /// PNG, 8 or 16 bits a sample. libpng's simplified API calls 16-bit data "linear" and writes
    /// a gAMA chunk of 1.0 with it; that chunk is removed, so viewers show the levels as they are
    /// (as dcmj2pnm +on2 writes them). Written with PNG_IMAGE_FLAG_FAST (no filters, zlib level 3):
    /// the simplified API's default took 3.0 s for a 1760x2140 CR that dcmj2pnm writes in 0.37 s;
    /// fast, 0.10 s, for a file 1.5 times the size of dcmj2pnm's.
    public static func png(_ image: RenderedImage) throws(DicomError) -> [UInt8] {
        guard image.columns > 0, image.rows > 0, image.channels == 1 || image.channels == 3, image.bits == 8 || image.bits == 16,
              let width = UInt32(exactly: image.columns), let height = UInt32(exactly: image.rows) else {
            throw DicomError(.internalError, "a \(image.columns)x\(image.rows) picture of \(image.channels)x\(image.bits) bits cannot be a PNG")
        }
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)  // conversion: the C macro's value, 1
        png.width = width
        png.height = height
        var format: UInt32 = image.channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0  // conversion: C flag values
        if image.bits == 16 { format |= UInt32(PNG_FORMAT_FLAG_LINEAR) }  // conversion: a C flag value
        png.format = format
        png.flags = UInt32(PNG_IMAGE_FLAG_FAST)  // conversion: a C flag value
        // Room for the worst case (stored blocks, chunk headers): the data, a filter byte a row, and some.
        let rowBytes = image.columns * image.channels * image.bits / 8
        var capacity = (rowBytes + 1) * image.rows
        capacity += capacity / 64 + 4096
        for _ in 0..<2 {
            var out = [UInt8](repeating: 0, count: capacity)
            var size = png_alloc_size_t(capacity)  // conversion: a positive Int
            let ok = image.bytes.withUnsafeBytes { src in
                out.withUnsafeMutableBytes { dst in
                    png_image_write_to_memory(&png, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
                }
            }
            png_image_free(&png)
            if ok != 0 {
                out.removeLast(out.count - Int(size))  // conversion: at most the capacity given
                return image.bits == 16 ? removingChunk("gAMA", from: out) : out
            }
            // Failure with a grown size: the buffer was too small; anything else is an error.
            guard size > capacity else { break }
            capacity = Int(size)  // conversion: a size libpng computed for this image
            png.warning_or_error = 0
        }
        let message = withUnsafeBytes(of: png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        throw DicomError(.encodeFailed, "PNG encoding failed", cause: message.isEmpty ? "libpng gave no reason" : message)
    }

    /// The PNG without its chunks of `type` (whole chunks: length, type, data, CRC; no CRC changes).
    static func removingChunk(_ type: String, from png: [UInt8]) -> [UInt8] {
        let name = Array(type.utf8)
        var out = Array(png.prefix(8))
        var i = 8
        while i + 12 <= png.count {
            let length = png[i..<i + 4].reduce(0) { $0 << 8 | Int(widening: $1) }
            let end = min(png.count, i + 12 + length)
            if !png[i + 4..<i + 8].elementsEqual(name) { out.append(contentsOf: png[i..<end]) }
            i = end
        }
        return out
    }

    /// Baseline JPEG: grey, or colour in 4:2:2 (as dcmj2pnm +oj writes it).
    public static func jpeg(_ image: RenderedImage, quality: Int) throws(DicomError) -> [UInt8] {
        guard image.bits == 8, image.channels == 1 || image.channels == 3,
              let width = Int32(exactly: image.columns), let height = Int32(exactly: image.rows) else {
            throw DicomError(.unsupported, "JPEG pictures are 8-bit: --bits 16 needs PNG")
        }
        guard let handle = tjInitCompress() else {
            throw DicomError(.internalError, "TurboJPEG compressor could not be created")
        }
        defer { tjDestroy(handle) }
        let colour = image.channels == 3
        var target: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.bytes.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, width, 0, height,
                        Int32((colour ? TJPF_RGB : TJPF_GRAY).rawValue), &target, &size,  // conversion: a C enum value
                        Int32((colour ? TJSAMP_422 : TJSAMP_GRAY).rawValue), Int32(clamping: quality), 0)  // conversion: a C enum value
        }
        defer { if let target { tjFree(target) } }
        guard status == 0, let target, size > 0 else {
            let cause = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown TurboJPEG error"
            throw DicomError(.encodeFailed, "JPEG encoding failed", cause: cause)
        }
        return Array(UnsafeBufferPointer(start: target, count: Int(size)))  // conversion: a buffer size TurboJPEG allocated
    }
}
