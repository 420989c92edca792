internal import CTurboJPEG
import DicomCore

/// JPEG Baseline (1.2.840.10008.1.2.4.50) and the 8-bit part of JPEG Extended (.51) through
/// libjpeg-turbo's TurboJPEG handle API, whose calls return status codes (the classic libjpeg
/// API's error handler longjmps across Swift frames, so it is never used).
///
/// Colour follows the corpus hashing convention: YBR_FULL / YBR_FULL_422 are converted to RGB by
/// the library (ISLOW IDCT, fancy upsampling); RGB and MONOCHROME streams get no colour
/// transform whatever their markers say. TurboJPEG 2.1 has no switch for the JPEG colour space,
/// so for PI RGB the stream's header is rewritten before decoding: JFIF APP0 and Adobe APP14 are
/// dropped and an Adobe APP14 with transform 0 is inserted, which makes libjpeg read the
/// components as RGB (and still upsample them its usual way if they are subsampled).
public struct JPEGBaselineCodec: PixelDecoder, PixelEncoder {
    public init() {}

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        let header = try JPEGHeader(codestream)
        guard header.precision == 8 else {
            throw DicomError(.unsupported, "JPEG sample precision \(header.precision) (SOF\(header.sofType)) "
                             + "is beyond libjpeg-turbo's 8-bit TurboJPEG API", offset: header.sofOffset)
        }
        guard header.sofType <= 2 else {
            throw DicomError(.unsupported, "JPEG process SOF\(header.sofType) is not baseline/extended DCT",
                             offset: header.sofOffset)
        }
        guard header.components == description.samplesPerPixel else {
            throw DicomError(.decodeFailed, "JPEG codestream has \(header.components) components, "
                             + "(0028,0002) SamplesPerPixel is \(description.samplesPerPixel)", offset: header.sofOffset)
        }
        guard header.components == 1 || header.components == 3 else {
            throw DicomError(.unsupported, "JPEG with \(header.components) components is not an image DICOM can hold")
        }
        let forceRGB = description.photometricInterpretation == "RGB" && header.components == 3
        let stream = forceRGB ? header.rewrittenAsRGB(codestream) : codestream

        guard let handle = tjInitDecompress() else {
            throw DicomError(.internalError, "TurboJPEG decompressor could not be created")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let headerStatus = stream.withUnsafeBufferPointer { buf in
            // conversion: a count is never negative
            tjDecompressHeader3(handle, buf.baseAddress, UInt(buf.count), &width, &height, &subsampling, &colourspace)
        }
        guard headerStatus == 0 else {
            throw DicomError(.decodeFailed, "JPEG header could not be read", cause: errorText(handle))
        }
        guard Int(widening: width) == description.columns, Int(widening: height) == description.rows else {
            throw DicomError(.decodeFailed, "JPEG codestream is \(width)x\(height), the header says "
                             + "\(description.columns)x\(description.rows) (Columns x Rows)", offset: header.sofOffset)
        }
        let pixelFormat = header.components == 1 ? TJPF_GRAY : TJPF_RGB
        var output = [UInt8](repeating: 0, count: Int(widening: width) * Int(widening: height) * header.components)
        let status = stream.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, width, 0, height,  // conversion: a count is never negative
                              Int32(pixelFormat.rawValue), TJFLAG_ACCURATEDCT)  // conversion: a C enum value
            }
        }
        // A warning (e.g. corrupt data that libjpeg skipped) still yields a full image, as in dcmtk.
        if status != 0 && tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) {  // conversion: a C enum value
            throw DicomError(.decodeFailed, "JPEG decoding failed", cause: errorText(handle))
        }
        var out = description
        out.bitsAllocated = 8
        out.bitsStored = 8
        out.highBit = 7
        out.numberOfFrames = 1
        if header.components == 3 {
            out.photometricInterpretation = "RGB"
            out.planarConfiguration = 0
        }
        return DecodedFrame(bytes: output, description: out)
    }

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        try EncodingProfiles.check(d, for: .jpegBaseline)
        try checkFrameLength(frame)
        guard (1...100).contains(options.quality) else {
            throw DicomError(.usage, "JPEG quality \(options.quality) is outside 1...100")
        }
        let isColour = d.samplesPerPixel == 3
        if isColour && d.photometricInterpretation == "YBR_FULL" {
            return try encodeYCbCr(frame, options: options)
        }
        if isColour && d.photometricInterpretation != "RGB" {
            throw DicomError(.unsupported, "JPEG Baseline encoding takes RGB or YBR_FULL colour input: "
                             + "(0028,0004) PhotometricInterpretation is \(d.photometricInterpretation)")
        }
        let subsampling: TJSAMP
        switch (isColour, options.subsampling) {
        case (false, _): subsampling = TJSAMP_GRAY
        case (true, .s444): subsampling = TJSAMP_444
        case (true, .s422): subsampling = TJSAMP_422
        case (true, .s420): subsampling = TJSAMP_420
        }
        let pixels = samplesByPixel(frame)
        guard let handle = tjInitCompress() else {
            throw DicomError(.internalError, "TurboJPEG compressor could not be created")
        }
        defer { tjDestroy(handle) }
        let encoded = try compressed(handle) { target, size in
            pixels.withUnsafeBufferPointer { src in
                tjCompress2(handle, src.baseAddress, Int32(d.columns), 0, Int32(d.rows),  // conversion: rows, columns <= 65535
                            Int32((isColour ? TJPF_RGB : TJPF_GRAY).rawValue), &target, &size,  // conversion: a C enum value
                            Int32(subsampling.rawValue), Int32(options.quality), TJFLAG_ACCURATEDCT)  // conversion: an enum value; quality 1...100
            }
        }
        return Self.encodedFrame(encoded, from: frame, colour: isColour, subsampling: options.subsampling)
    }

    /// YBR_FULL input is already YCbCr: its planes go to TurboJPEG as they are (no second colour
    /// conversion), chroma averaged down for 4:2:2 / 4:2:0.
    private func encodeYCbCr(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        let pixels = samplesByPixel(frame)
        let (sx, sy, subsampling): (Int, Int, TJSAMP) = switch options.subsampling {
            case .s444: (1, 1, TJSAMP_444)
            case .s422: (2, 1, TJSAMP_422)
            case .s420: (2, 2, TJSAMP_420)
        }
        let width = d.columns, height = d.rows
        var planes: [[UInt8]] = []
        var strides: [Int32] = []
        for c in 0..<3 {
            // conversion: c 0...2, width <= 65535, an enum value; a plane width
            let pw = Int(tjPlaneWidth(Int32(c), Int32(width), Int32(subsampling.rawValue)))
            // conversion: c 0...2, height <= 65535, an enum value; a plane height
            let ph = Int(tjPlaneHeight(Int32(c), Int32(height), Int32(subsampling.rawValue)))
            let fx = c == 0 ? 1 : sx, fy = c == 0 ? 1 : sy
            guard pw > 0, ph > 0, pixels.count >= width * height * 3 else {
                throw DicomError(.encodeFailed, "JPEG plane \(c) of a \(width)x\(height) image has no samples")
            }
            let plane = [UInt8](unsafeUninitializedCapacity: pw * ph) { dst, initialized in
                pixels.withUnsafeBufferPointer { src in
                    for y in 0..<ph {
                        for x in 0..<pw {
                            // Average the full-resolution samples this one covers (edges replicated).
                            var sum = 0, count = 0
                            for dy in 0..<fy {
                                let yy = min(y * fy + dy, height - 1)
                                for dx in 0..<fx {
                                    let xx = min(x * fx + dx, width - 1)
                                    sum &+= Int(widening: src[(yy &* width &+ xx) &* 3 &+ c])
                                    count &+= 1
                                }
                            }
                            // conversion: a rounded mean of bytes
                            dst[y * pw + x] = UInt8((sum + count / 2) / count)  // UInt8 is trivial: assigning initializes
                        }
                    }
                }
                initialized = pw * ph
            }
            planes.append(plane)
            strides.append(Int32(pw))  // conversion: a plane width <= 65535
        }
        guard let handle = tjInitCompress() else {
            throw DicomError(.internalError, "TurboJPEG compressor could not be created")
        }
        defer { tjDestroy(handle) }
        let encoded = try compressed(handle) { target, size in
            planes[0].withUnsafeBufferPointer { y in
                planes[1].withUnsafeBufferPointer { cb in
                    planes[2].withUnsafeBufferPointer { cr in
                        var sources: [UnsafePointer<UInt8>?] = [y.baseAddress, cb.baseAddress, cr.baseAddress]
                        return tjCompressFromYUVPlanes(handle, &sources, Int32(width), strides, Int32(height),  // conversion: width, height <= 65535
                                                       Int32(subsampling.rawValue), &target, &size,  // conversion: a C enum value
                                                       Int32(options.quality), TJFLAG_ACCURATEDCT)  // conversion: quality 1...100
                    }
                }
            }
        }
        return Self.encodedFrame(encoded, from: frame, colour: true, subsampling: options.subsampling)
    }

    /// The outcome of either path: colour is now YBR_FULL(_422), colour-by-pixel, one frame.
    private static func encodedFrame(_ encoded: [UInt8], from frame: DecodedFrame, colour: Bool,
                                     subsampling: EncodeOptions.Subsampling) -> EncodedFrame {
        var out = frame.description
        if colour {
            out.photometricInterpretation = subsampling == .s444 ? "YBR_FULL" : "YBR_FULL_422"
            out.planarConfiguration = 0
        }
        out.numberOfFrames = 1
        let ratio = Double(frame.bytes.count) / Double(max(encoded.count, 1))
        return EncodedFrame(bytes: encoded, description: out,
                            outcome: EncodeOutcome(isLossy: true, ratio: ratio, method: TransferSyntax.jpegBaseline.lossyMethod?.rawValue))
    }

    /// Runs one TurboJPEG compression into a buffer TurboJPEG allocates (not zero-filled, unlike a
    /// Swift array of tjBufSize bytes, which is larger than the image) and returns exactly the
    /// bytes written; the library's buffer is freed here, whatever the outcome.
    private func compressed(_ handle: tjhandle,
                            _ compress: (inout UnsafeMutablePointer<UInt8>?, inout UInt) -> Int32) throws(DicomError) -> [UInt8] {
        var target: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = compress(&target, &size)
        defer { if let target { tjFree(target) } }
        guard status == 0, let target, size > 0 else {
            throw DicomError(.encodeFailed, "JPEG encoding failed", cause: errorText(handle))
        }
        return Array(UnsafeBufferPointer(start: target, count: Int(size)))  // conversion: a buffer size TurboJPEG allocated
    }

    private func errorText(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }
}

/// The facts of a JPEG codestream's header that TurboJPEG does not report, read from the marker
/// segments before the first SOS: frame type and precision, and where JFIF/Adobe segments are.
struct JPEGHeader {
    var sofType = -1
    var sofOffset = 0
    var precision = 0
    var components = 0
    /// Byte ranges of JFIF APP0 and Adobe APP14 segments (they decide libjpeg's colour guess).
    var colourMarkerRanges: [Range<Int>] = []

    init(_ bytes: [UInt8]) throws(DicomError) {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw DicomError(.decodeFailed, "not a JPEG codestream: no SOI marker at byte 0", offset: 0)
        }
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else {
                throw DicomError(.decodeFailed, "JPEG marker expected, found 0x\(String(bytes[i], radix: 16))", offset: i)
            }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xDA || marker == 0xD9 { break }
            let length = Int(widening: bytes[i + 2]) << 8 | Int(widening: bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG segment 0xFF\(String(marker, radix: 16, uppercase: true)) length "
                                 + "\(length) exceeds the \(bytes.count - i - 2) bytes left", offset: i + 2)
            }
            let body = (i + 4)..<(i + 2 + length)
            if (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
                guard body.count >= 6 else {
                    throw DicomError(.decodeFailed, "JPEG SOF segment too short", offset: i)
                }
                sofType = Int(widening: marker - 0xC0)
                sofOffset = i
                precision = Int(widening: bytes[body.lowerBound])
                components = Int(widening: bytes[body.lowerBound + 5])
            }
            if marker == 0xE0 && bytes[body].starts(with: Array("JFIF".utf8)) ||
               marker == 0xEE && bytes[body].starts(with: Array("Adobe".utf8)) {
                colourMarkerRanges.append(i..<(i + 2 + length))
            }
            i += 2 + length
        }
        guard sofType >= 0 else {
            throw DicomError(.decodeFailed, "JPEG codestream has no SOF marker before its scan data")
        }
    }

    /// The codestream with JFIF/Adobe segments replaced by one Adobe APP14 saying transform 0
    /// (components are RGB, no colour conversion).
    func rewrittenAsRGB(_ bytes: [UInt8]) -> [UInt8] {
        let adobeRGB: [UInt8] = [0xFF, 0xEE, 0x00, 0x0E] + Array("Adobe".utf8) + [0x00, 0x64, 0, 0, 0, 0, 0]
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + adobeRGB.count)
        out.append(contentsOf: bytes[0..<2])
        out.append(contentsOf: adobeRGB)
        var position = 2
        for range in colourMarkerRanges {
            out.append(contentsOf: bytes[position..<range.lowerBound])
            position = range.upperBound
        }
        out.append(contentsOf: bytes[position...])
        return out
    }
}
