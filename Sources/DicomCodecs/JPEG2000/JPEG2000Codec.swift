internal import COpenJPEG
import DicomCore
import FoundationEssentials

/// JPEG 2000 (1.2.840.10008.1.2.4.90 lossless, .91) through OpenJPEG 2.5, which also decodes
/// High-Throughput codestreams (HTJ2K, .201/.202/.203).
///
/// Decoding accepts raw J2K codestreams and JP2-wrapped ones (told apart by their first bytes).
/// Samples are written as OpenJPEG produces them, two's complement in the Bits Allocated
/// container, whatever Pixel Representation says: where SIZ and the header disagree on sign,
/// the bits outside Bits Stored may differ from a sign-extending decoder, never the values.
/// The inverse multi-component transform is OpenJPEG's, so YBR_RCT / YBR_ICT decode to RGB.
///
/// This folder by concern: JPEG2000Markers (the codestream walk before OpenJPEG), JPEG2000ChildProcess
/// (High-Throughput decoding in a fork), JPEG2000Encoder, OpenJPEG (its error log and memory streams).
public struct JPEG2000Codec: PixelDecoder, PixelEncoder {
    /// Threads OpenJPEG may use inside one frame when decoding; 0 = all cores for frames of at
    /// least 512 Ki samples (a 1024x768 RGB frame is 2.25 Mi: its code-blocks keep two cores busy),
    /// 1 otherwise. Encoding uses `EncodeOptions.threads`.
    public var decodeThreads: Int
    /// The smallest side, in pixels, of the lowest resolution when encoding (see `encode`).
    /// Tests set 1, OpenJPEG's own limit, to exercise the retry with fewer levels.
    public var smallestResolution = 4

    public init(decodeThreads: Int = 0) { self.decodeThreads = decodeThreads }

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        var codestream = codestream
        if codestream.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) {
            // A JP2 file: its boxes (colour, resolution...) say nothing DICOM's header does not,
            // and OpenJPEG 2.5.0's JP2 reader crashed on a corpus file through memory streams,
            // so the contiguous codestream box is decoded as a plain J2K codestream.
            codestream = try contiguousCodestream(inJP2: codestream)
        }
        guard codestream.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) else {
            throw DicomError(.decodeFailed, "neither a JPEG 2000 codestream (SOC SIZ) nor a JP2 file at byte 0", offset: 0)
        }
        let layout = try checkMarkerSegments(codestream)
        if !layout.endsWithEOC {
            // The last tile-part ends exactly at the end of the data with no EOC after it:
            // with the EOC OpenJPEG ends the codestream normally instead of looking for more.
            codestream += [0xFF, 0xD9]
        }
        let samples = description.rows * description.columns * description.samplesPerPixel
        let threads = decodeThreads > 0 ? decodeThreads
            : (samples >= 1 << 19 ? ProcessInfo.processInfo.activeProcessorCount : 1)
        if layout.hasHighThroughputBlocks {
            return try decodeInChildProcess(codestream, description: description, threads: threads)
        }
        guard let codec = opj_create_decompress(OPJ_CODEC_J2K) else {
            throw DicomError(.internalError, "OpenJPEG decompressor could not be created")
        }
        defer { opj_destroy_codec(codec) }
        let log = OpenJPEGLog()
        return try withExtendedLifetime(log) { () throws(DicomError) -> DecodedFrame in
            log.attach(to: codec)
            var parameters = opj_dparameters_t()
            opj_set_default_decoder_parameters(&parameters)
            guard opj_setup_decoder(codec, &parameters) != 0 else {
                throw DicomError(.decodeFailed, "OpenJPEG decoder setup failed", cause: log.text)
            }
            if threads > 1 && opj_has_thread_support() != 0 {
                _ = opj_codec_set_threads(codec, Int32(threads))  // conversion: a processor count or a configured small count
            }
            let stream = try MemoryStream.reading(codestream)
            defer { opj_stream_destroy(stream) }
            var imagePointer: UnsafeMutablePointer<opj_image_t>?
            guard opj_read_header(stream, codec, &imagePointer) != 0, let image = imagePointer else {
                if let imagePointer { opj_image_destroy(imagePointer) }
                throw DicomError(.decodeFailed, "JPEG 2000 header could not be read", cause: log.text)
            }
            defer { opj_image_destroy(image) }
            // OpenJPEG allocates what SIZ declares: check it against the header before decoding.
            let declaredColumns = Int(widening: image.pointee.x1) - Int(widening: image.pointee.x0)
            let declaredRows = Int(widening: image.pointee.y1) - Int(widening: image.pointee.y0)
            guard declaredColumns == description.columns, declaredRows == description.rows,
                  Int(widening: image.pointee.numcomps) == description.samplesPerPixel else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream is \(declaredColumns)x\(declaredRows) with "
                                 + "\(image.pointee.numcomps) components, the header says \(description.columns)x\(description.rows) "
                                 + "(Columns x Rows) with \(description.samplesPerPixel) (SamplesPerPixel)")
            }
            guard opj_decode(codec, stream, image) != 0, opj_end_decompress(codec, stream) != 0 else {
                throw DicomError(.decodeFailed, "JPEG 2000 decoding failed", cause: log.text)
            }
            let decoded = image.pointee
            guard let comps = decoded.comps else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream has no components")
            }
            let planes = (0..<Int(widening: decoded.numcomps)).map { c in
                ComponentPlane(width: Int(widening: comps[c].w), height: Int(widening: comps[c].h), dx: Int(widening: comps[c].dx), dy: Int(widening: comps[c].dy),
                               precision: Int(widening: comps[c].prec), samples: comps[c].data.map { UnsafePointer($0) })
            }
            return try frame(from: planes, description: description)
        }
    }

    /// One decoded component as OpenJPEG describes it; `samples` (width x height values) is
    /// borrowed from OpenJPEG's image or the child's shared memory for the duration of `frame`.
    struct ComponentPlane {
        var width, height, dx, dy, precision: Int
        var samples: UnsafePointer<Int32>?
    }

    func frame(from comps: [ComponentPlane], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        let count = comps.count
        guard count == description.samplesPerPixel else {
            throw DicomError(.decodeFailed, "JPEG 2000 codestream has \(count) components, "
                             + "(0028,0002) SamplesPerPixel is \(description.samplesPerPixel)")
        }
        for c in 0..<count {
            let comp = comps[c]
            // DICOM has no subsampled JPEG 2000 components; how to upsample them is not agreed.
            guard comp.dx == 1, comp.dy == 1 else {
                throw DicomError(.unsupported, "JPEG 2000 component \(c) is subsampled \(comp.dx)x\(comp.dy)")
            }
            guard comp.width == description.columns, comp.height == description.rows else {
                throw DicomError(.decodeFailed, "JPEG 2000 component \(c) is \(comp.width)x\(comp.height) (subsampling "
                                 + "\(comp.dx)x\(comp.dy)), the header says \(description.columns)x\(description.rows) (Columns x Rows)")
            }
            guard comp.samples != nil else {
                throw DicomError(.decodeFailed, "JPEG 2000 component \(c) has no decoded data")
            }
            guard comp.precision <= description.bitsAllocated || comp.precision <= 32 && description.bitsAllocated == 32 else {
                throw DicomError(.decodeFailed, "JPEG 2000 component \(c) has \(comp.precision)-bit samples, more than "
                                 + "(0028,0100) BitsAllocated \(description.bitsAllocated)")
            }
        }
        let width = description.bitsAllocated / 8
        guard [1, 2, 4].contains(width), description.bitsAllocated % 8 == 0 else {
            throw DicomError(.unsupported, "JPEG 2000 output in a \(description.bitsAllocated)-bit container")
        }
        let pixels = description.rows * description.columns
        // Every byte is written below, so the buffer is not zeroed first.
        let out = [UInt8](unsafeUninitializedCapacity: pixels * count * width) { buffer, initialized in
            let dst = UnsafeMutableRawBufferPointer(buffer)
            for c in 0..<count {
                guard let data = comps[c].samples else { continue }
                let plane = UnsafeBufferPointer(start: data, count: pixels)
                let stride = count * width
                switch width {
                case 1:
                    for p in 0..<pixels { dst[p &* count &+ c] = UInt8(truncatingIfNeeded: plane[p]) }
                case 2:
                    for p in 0..<pixels {
                        dst.storeBytes(of: UInt16(truncatingIfNeeded: plane[p]).littleEndian,
                                       toByteOffset: p &* stride &+ 2 &* c, as: UInt16.self)
                    }
                default:
                    for p in 0..<pixels {
                        dst.storeBytes(of: UInt32(bitPattern: plane[p]).littleEndian,
                                       toByteOffset: p &* stride &+ 4 &* c, as: UInt32.self)
                    }
                }
            }
            initialized = pixels * count * width
        }
        var result = description
        result.numberOfFrames = 1
        result.planarConfiguration = 0
        if description.photometricInterpretation == "YBR_RCT" || description.photometricInterpretation == "YBR_ICT" {
            result.photometricInterpretation = "RGB"
        }
        return DecodedFrame(bytes: out, description: result)
    }
}

/// HTJ2K decoding (1.2.840.10008.1.2.4.201, .202, .203): OpenJPEG 2.5 reads High-Throughput
/// codestreams through the same path. HTJ2K encoding is not available from OpenJPEG.
public struct HTJ2KDecoder: PixelDecoder {
    public var decodeThreads: Int

    public init(decodeThreads: Int = 0) { self.decodeThreads = decodeThreads }

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        try JPEG2000Codec(decodeThreads: decodeThreads).decode(codestream, description: description)
    }
}
