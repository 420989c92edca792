internal import COpenJPEG
internal import COpenJPEGChild
import DicomCore
import FoundationEssentials
import Glibc

/// JPEG 2000 (1.2.840.10008.1.2.4.90 lossless, .91) through OpenJPEG 2.5, which also decodes
/// High-Throughput codestreams (HTJ2K, .201/.202/.203).
///
/// Decoding accepts raw J2K codestreams and JP2-wrapped ones (told apart by their first bytes).
/// Samples are written as OpenJPEG produces them, two's complement in the Bits Allocated
/// container, whatever Pixel Representation says: where SIZ and the header disagree on sign,
/// the bits outside Bits Stored may differ from a sign-extending decoder, never the values.
/// The inverse multi-component transform is OpenJPEG's, so YBR_RCT / YBR_ICT decode to RGB.
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

    /// Decodes a codestream with High-Throughput code-blocks in a child process (see
    /// Sources/COpenJPEGChild): OpenJPEG 2.5.0 asserts on some malformed HT code-block data, and an
    /// abort there must become this frame's error, not the end of dicomtool. A fork per frame
    /// costs well under a millisecond next to decoding it.
    private func decodeInChildProcess(_ codestream: [UInt8], description: PixelDescription,
                                      threads: Int) throws(DicomError) -> DecodedFrame {
        guard (1...4).contains(description.samplesPerPixel) else {
            throw DicomError(.unsupported, "JPEG 2000 decoding of \(description.samplesPerPixel) samples per pixel")
        }
        var result = openjpeg_child_result()
        codestream.withUnsafeBufferPointer { bytes in
            // conversion: rows, columns <= 65535 (PixelModule)
            openjpeg_child_decode(bytes.baseAddress, bytes.count, UInt32(description.columns), UInt32(description.rows),
                                  // conversion: samples 1...4 (checked above); threads a processor count
                                  UInt32(description.samplesPerPixel), Int32(threads), &result)
        }
        defer { openjpeg_child_release(&result) }
        let report = result.report
        let messages = withUnsafeBytes(of: report.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let cause = messages.isEmpty ? "no message from OpenJPEG" : messages
        switch openjpeg_child_status(UInt32(bitPattern: report.status)) {
        case OPENJPEG_CHILD_DECODED:
            break
        case OPENJPEG_CHILD_REFUSED:
            throw DicomError(.decodeFailed, "JPEG 2000 (High-Throughput) decoding failed", cause: cause)
        case OPENJPEG_CHILD_KILLED:
            let how = report.signal_number == SIGABRT ? "aborted (an assertion failed)"
                : report.signal_number != 0 ? "was killed by signal \(report.signal_number)"
                : report.error_number > 0 ? "exited with status \(report.error_number)"
                : "ended without a result (how is unknown: SIGCHLD is ignored)"
            throw DicomError(.decodeFailed, "JPEG 2000 (High-Throughput) decoding failed: OpenJPEG, decoding in a "
                             + "child process, \(how) on this codestream", cause: cause)
        default:
            throw DicomError(.internalError, "the JPEG 2000 decoding process could not be started (errno \(report.error_number))")
        }
        let declaredColumns = Int(widening: report.image_width), declaredRows = Int(widening: report.image_height)
        guard declaredColumns == description.columns, declaredRows == description.rows,
              Int(widening: report.component_count) == description.samplesPerPixel else {
            throw DicomError(.decodeFailed, "JPEG 2000 codestream is \(declaredColumns)x\(declaredRows) with "
                             + "\(report.component_count) components, the header says \(description.columns)x\(description.rows) "
                             + "(Columns x Rows) with \(description.samplesPerPixel) (SamplesPerPixel)")
        }
        let planes = withUnsafeBytes(of: report.components) { raw in
            let components = raw.bindMemory(to: openjpeg_child_component.self)
            return withUnsafeBytes(of: result.planes) { rawPlanes in
                let pointers = rawPlanes.bindMemory(to: UnsafePointer<Int32>?.self)
                return (0..<description.samplesPerPixel).map { c in
                    let component = components[c]
                    return ComponentPlane(width: Int(widening: component.width), height: Int(widening: component.height),
                                          dx: Int(widening: component.dx), dy: Int(widening: component.dy), precision: Int(widening: component.precision),
                                          samples: component.has_samples != 0 ? pointers[c] : nil)
                }
            }
        }
        return try frame(from: planes, description: description)
    }

    /// Walks the marker segments and tile-parts and refuses a codestream cut short inside one,
    /// with the byte offset where it stops (OpenJPEG only says "Stream too short"). Fuzzing
    /// found these aborting OpenJPEG: the cause was MemoryStream's end-of-stream value (fixed),
    /// the check stays for its precise error. Tile-part data is skipped with Psot (0: to the end).
    /// CAP SIZ COD COC TLM PLM PLT CPF QCD QCC RGN POC PPM PPT CRG COM, Part 2 DCO..ATK, SOT SOP EPH SOD.
    private static let knownMarkers: Set<Int> = Set([0xFF50, 0xFF51, 0xFF52, 0xFF53, 0xFF55, 0xFF57, 0xFF58, 0xFF59,
                                                     0xFF5C, 0xFF5D, 0xFF5E, 0xFF5F, 0xFF60, 0xFF61, 0xFF63, 0xFF64,
                                                     0xFF90, 0xFF91, 0xFF92, 0xFF93]).union(0xFF70...0xFF79)

    private static let notGivenToOpenJPEG = "refused by the marker check before decoding"

    /// What the marker walk found out about a codestream.
    private struct CodestreamLayout {
        /// False when the tile-parts end at the end of the data without an EOC marker.
        var endsWithEOC = false
        /// A CAP marker (Part 15), or a COD/COC whose code-block style selects HT (bit 6), in the
        /// main header or a tile-part header: OpenJPEG then runs its HT block decoder.
        var hasHighThroughputBlocks = false
    }

    private func checkMarkerSegments(_ bytes: [UInt8]) throws(DicomError) -> CodestreamLayout {
        func be16(_ at: Int) -> Int { Int(widening: bytes[at]) << 8 | Int(widening: bytes[at + 1]) }
        var layout = CodestreamLayout()
        var componentCount = 0
        /// Whether the COD or COC segment at `at` (length checked) selects HT code-blocks.
        func selectsHighThroughput(_ marker: Int, at: Int, length: Int) -> Bool {
            // COD: Scod, SGcod (4), then levels, xcb, ycb, code-block style. COC: Ccoc (1 byte,
            // 2 when Csiz > 256), Scoc, then the same four.
            let style = marker == 0xFF52 ? at + 12 : at + 8 + (componentCount > 256 ? 2 : 1)
            return style < at + 2 + length && bytes[style] & 0x40 != 0
        }
        var at = 2  // after SOC
        while at < bytes.count {
            guard at + 2 <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream truncated: 1 byte left where a marker starts", offset: at, cause: Self.notGivenToOpenJPEG)
            }
            let marker = be16(at)
            if marker == 0xFFD9 { layout.endsWithEOC = true; return layout }  // EOC
            guard marker >= 0xFF30 else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream: 0x\(NumberText.hex(marker, width: 4, uppercase: true)) at byte \(at) is not a marker",
                                 offset: at, cause: Self.notGivenToOpenJPEG)
            }
            if marker <= 0xFF3F { at += 2; continue }  // markers without a segment
            // Only Part 1, 2 and 15 markers pass: a codestream with others is not one DICOM
            // allows, and fuzzing reached OpenJPEG's unknown-marker scan only through garbage.
            guard Self.knownMarkers.contains(marker) else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream: unknown marker 0x\(NumberText.hex(marker, width: 4, uppercase: true)) at byte \(at)",
                                 offset: at, cause: Self.notGivenToOpenJPEG)
            }
            guard at + 4 <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream truncated in a marker segment header", offset: at, cause: Self.notGivenToOpenJPEG)
            }
            let length = be16(at + 2)
            guard length >= 2, at + 2 + length <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG 2000 marker 0x\(NumberText.hex(marker, width: 4, uppercase: true)) at byte \(at) declares \(length) bytes, \(bytes.count - at - 2) remain", offset: at, cause: Self.notGivenToOpenJPEG)
            }
            if marker == 0xFF90 {  // SOT: Lsot Isot Psot TPsot TNsot; Psot counts from the SOT marker
                guard length == 10 else {
                    throw DicomError(.decodeFailed, "JPEG 2000 SOT at byte \(at) has length \(length), not 10", offset: at, cause: Self.notGivenToOpenJPEG)
                }
                let psot = Int(widening: bytes[at + 6]) << 24 | Int(widening: bytes[at + 7]) << 16 | Int(widening: bytes[at + 8]) << 8 | Int(widening: bytes[at + 9])
                let tilePartEnd = psot == 0 ? bytes.count : at + psot
                guard psot == 0 || psot >= 14 && psot <= bytes.count - at else {
                    throw DicomError(.decodeFailed, "JPEG 2000 tile-part at byte \(at) declares \(psot) bytes, "
                                     + "\(bytes.count - at) remain", offset: at, cause: Self.notGivenToOpenJPEG)
                }
                // The tile-part header, up to SOD, may switch code-blocks to HT. A header that
                // cannot be walked is left to OpenJPEG, but in the child, as if it did.
                var header = at + 12
                while !layout.hasHighThroughputBlocks {
                    guard header + 2 <= tilePartEnd else { layout.hasHighThroughputBlocks = true; break }
                    let headerMarker = be16(header)
                    if headerMarker == 0xFF93 { break }  // SOD
                    guard header + 4 <= tilePartEnd else { layout.hasHighThroughputBlocks = true; break }
                    let headerLength = be16(header + 2)
                    guard headerLength >= 2, header + 2 + headerLength <= tilePartEnd else {
                        layout.hasHighThroughputBlocks = true
                        break
                    }
                    if headerMarker == 0xFF52 || headerMarker == 0xFF53,
                       selectsHighThroughput(headerMarker, at: header, length: headerLength) {
                        layout.hasHighThroughputBlocks = true
                    }
                    header += 2 + headerLength
                }
                if psot == 0 { layout.endsWithEOC = true; return layout }
                at += psot
                continue
            }
            switch marker {
            case 0xFF50: layout.hasHighThroughputBlocks = true  // CAP
            case 0xFF51 where length >= 38: componentCount = be16(at + 38)  // SIZ: Csiz
            case 0xFF52, 0xFF53: if selectsHighThroughput(marker, at: at, length: length) { layout.hasHighThroughputBlocks = true }
            default: break
            }
            at += 2 + length
        }
        return layout
    }

    /// The payload of the first 'jp2c' box of a JP2 file (ISO/IEC 15444-1 Annex I box layout:
    /// 32-bit length, type, 64-bit length when the first is 1, to the end when it is 0).
    private func contiguousCodestream(inJP2 bytes: [UInt8]) throws(DicomError) -> [UInt8] {
        var at = 0
        while at + 8 <= bytes.count {
            func be(_ start: Int, _ count: Int) -> UInt64 {
                bytes[start..<(start + count)].reduce(0) { $0 << 8 | UInt64(widening: $1) }
            }
            var length = Int(be(at, 4))  // conversion: a 4-byte big-endian value: below 2^32
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            var header = 8
            if length == 1 {
                guard at + 16 <= bytes.count, be(at + 8, 8) <= UInt64(Int.max) else {  // conversion: Int.max is positive
                    throw DicomError(.decodeFailed, "JP2 box '\(type)' has a truncated 64-bit length", offset: at)
                }
                length = Int(be(at + 8, 8))  // conversion: <= Int.max (checked above)
                header = 16
            } else if length == 0 {
                length = bytes.count - at
            }
            guard length >= header, length <= bytes.count - at else {
                throw DicomError(.decodeFailed, "JP2 box '\(type)' length \(length) exceeds the \(bytes.count - at) bytes left", offset: at)
            }
            if type == "jp2c" { return Array(bytes[(at + header)..<(at + length)]) }
            at += length
        }
        throw DicomError(.decodeFailed, "JP2 file has no contiguous codestream box ('jp2c')", offset: at)
    }

    /// One decoded component as OpenJPEG describes it; `samples` (width x height values) is
    /// borrowed from OpenJPEG's image or the child's shared memory for the duration of `frame`.
    private struct ComponentPlane {
        var width, height, dx, dy, precision: Int
        var samples: UnsafePointer<Int32>?
    }

    private func frame(from comps: [ComponentPlane], description: PixelDescription) throws(DicomError) -> DecodedFrame {
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

    public func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame {
        let d = frame.description
        let reversible = options.j2k == .lossless
        try EncodingProfiles.check(d, for: reversible ? .jpeg2000Lossless : .jpeg2000)
        try checkFrameLength(frame)
        // OpenJPEG 2.5 decodes at most 31-bit components and its 5/3 arithmetic is 32-bit, so
        // deeper images are refused rather than written as streams nothing here reads back.
        guard d.bitsStored <= 24 else {
            throw DicomError(.unsupported, "JPEG 2000 encoding through OpenJPEG supports at most 24 bits: "
                             + "(0028,0101) BitsStored is \(d.bitsStored)")
        }
        switch options.j2k {
        case .lossless: break
        case .ratio(let r) where r > 1: break
        case .psnr(let db) where db > 0: break
        default: throw DicomError(.usage, "JPEG 2000 target \(options.j2k) is out of range (ratio > 1, PSNR > 0 dB)")
        }
        let samples = samplesByPixel(frame)
        let count = d.samplesPerPixel
        var componentParameters = [opj_image_cmptparm_t](repeating: opj_image_cmptparm_t(), count: count)
        for c in 0..<count {
            componentParameters[c].dx = 1
            componentParameters[c].dy = 1
            componentParameters[c].w = UInt32(d.columns)  // conversion: <= 65535
            componentParameters[c].h = UInt32(d.rows)  // conversion: <= 65535
            componentParameters[c].prec = UInt32(d.bitsStored)  // conversion: 1...38 (encoding profile)
            componentParameters[c].sgnd = UInt32(d.pixelRepresentation)  // conversion: 0...65535 (PixelModule)
        }
        // opj_image_tile_create leaves the component planes unallocated: they are allocated here
        // without the zeroing opj_image_create does (fill writes every sample), and freed by
        // opj_image_destroy, which pairs with opj_image_data_alloc. OpenJPEG codes a single
        // tile in place in these planes, so each attempt below gets an image of its own.
        func makeImage() throws(DicomError) -> UnsafeMutablePointer<opj_image_t> {
            guard let image = opj_image_tile_create(UInt32(count), &componentParameters,  // conversion: samples per pixel, 1...4
                                                    count == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY) else {
                throw DicomError(.encodeFailed, "OpenJPEG could not allocate a \(d.columns)x\(d.rows) image")
            }
            let planeBytes = d.rows * d.columns * MemoryLayout<Int32>.stride
            for c in 0..<count {
                guard let plane = opj_image_data_alloc(planeBytes) else {
                    opj_image_destroy(image)
                    throw DicomError(.encodeFailed, "OpenJPEG could not allocate a \(d.columns)x\(d.rows) component plane")
                }
                image.pointee.comps[c].data = plane.bindMemory(to: Int32.self, capacity: d.rows * d.columns)
            }
            image.pointee.x0 = 0
            image.pointee.y0 = 0
            image.pointee.x1 = UInt32(d.columns)  // conversion: <= 65535
            image.pointee.y1 = UInt32(d.rows)  // conversion: <= 65535
            fill(image.pointee, from: samples, description: d)
            return image
        }

        var parameters = opj_cparameters_t()
        opj_set_default_encoder_parameters(&parameters)
        parameters.tcp_numlayers = 1
        parameters.cp_disto_alloc = 1
        switch options.j2k {
        case .lossless:
            parameters.irreversible = 0
            parameters.tcp_rates.0 = 0
            // Selective arithmetic coding bypass (code-block style bit 0, ISO/IEC 15444-1 D.6, a
            // Part 1 mode every decoder reads) for deep images: their noise-like low bit-planes
            // are written raw instead of through the MQ coder. On the 1760x2140 10-bit CR the
            // encoder's CPU time fell by a third and the codestream got 0.8% smaller (CT_small
            // +0.4%); OpenJPEG 2.5.0 encodes a tile on one thread, so this is its speed lever.
            // 8-bit images have few such planes and lose ratio (palette US +19%, RGB US +7%),
            // and lossy targets keep MQ coding so rate control has every truncation point.
            if d.bitsStored > 8 { parameters.mode = 1 }
        case .ratio(let r):
            parameters.irreversible = 1
            // OpenJPEG's rate is relative to the component precision; DICOM's ratio (0028,2112)
            // to the Bits Allocated container, which is what the caller asked for.
            parameters.tcp_rates.0 = Float(max(1, r * Double(d.bitsStored) / Double(d.bitsAllocated)))
        case .psnr(let db):
            parameters.irreversible = 1
            parameters.cp_disto_alloc = 0
            parameters.cp_fixed_quality = 1
            parameters.tcp_distoratio.0 = Float(db)
        }
        // The colour transform decorrelates RGB only; YBR_FULL is already decorrelated.
        let mct = count == 3 && d.photometricInterpretation == "RGB"
        parameters.tcp_mct = mct ? 1 : 0
        // Each resolution halves the image, down to a lowest one of at least 4 pixels a side
        // (`smallestResolution`).
        // OpenJPEG refuses more levels than the size allows, and it codes a tile into a buffer
        // of 1.4 x the raw size + 500 bytes: on a tiny noisy image (24x20 16-bit RGB) the packet
        // headers of 1-pixel resolutions overflowed it ("only 276 bytes remaining in output
        // buffer", or only "Cannot encode tile"). Should a codestream still fail, it is coded
        // again with one level fewer; if none succeeds, the first failure is the one reported.
        var levels = 6
        while levels > 1 && (min(d.columns, d.rows) >> (levels - 1)) < max(smallestResolution, 1) { levels -= 1 }
        var encoded: [UInt8]
        var firstFailure: DicomError?
        while true {
            var attempt = parameters
            attempt.numresolution = Int32(levels)  // conversion: 1...6
            do throws(DicomError) {
                let image = try makeImage()
                defer { opj_image_destroy(image) }
                encoded = try Self.compress(image, parameters: &attempt, threads: options.threads,
                                            expected: frame.bytes.count + (1 << 16))
                break
            } catch {
                let first = firstFailure ?? error
                guard levels > 1, error.code == .encodeFailed else { throw first }
                firstFailure = first
                levels -= 1
            }
        }
        var out = d
        out.planarConfiguration = 0
        out.numberOfFrames = 1
        if mct { out.photometricInterpretation = reversible ? "YBR_RCT" : "YBR_ICT" }
        let ratio = Double(frame.bytes.count) / Double(max(encoded.count, 1))
        return EncodedFrame(bytes: encoded, description: out,
                            outcome: EncodeOutcome(isLossy: !reversible, ratio: ratio,
                                                   method: reversible ? nil : TransferSyntax.jpeg2000.lossyMethod?.rawValue))
    }

    /// One OpenJPEG compression of `image` into a codestream.
    private static func compress(_ image: UnsafeMutablePointer<opj_image_t>, parameters: inout opj_cparameters_t,
                                 threads: Int, expected: Int) throws(DicomError) -> [UInt8] {
        guard let codec = opj_create_compress(OPJ_CODEC_J2K) else {
            throw DicomError(.internalError, "OpenJPEG compressor could not be created")
        }
        defer { opj_destroy_codec(codec) }
        let log = OpenJPEGLog()
        let sink = MemoryStream.Sink(expected: expected)
        return try withExtendedLifetime(log) { () throws(DicomError) -> [UInt8] in
            log.attach(to: codec)
            guard opj_setup_encoder(codec, &parameters, image) != 0 else {
                throw DicomError(.encodeFailed, "OpenJPEG encoder setup failed", cause: log.text)
            }
            if threads > 1 && opj_has_thread_support() != 0 {
                _ = opj_codec_set_threads(codec, Int32(threads))  // conversion: a processor count or a configured small count
            }
            let stream = try MemoryStream.writing(into: sink)
            defer { opj_stream_destroy(stream) }
            guard opj_start_compress(codec, image, stream) != 0,
                  opj_encode(codec, stream) != 0,
                  opj_end_compress(codec, stream) != 0 else {
                throw DicomError(.encodeFailed, "JPEG 2000 encoding failed", cause: log.text)
            }
            return sink.bytes
        }
    }

    /// Copies little-endian samples into OpenJPEG's 32-bit component planes, keeping the Bits
    /// Stored bits (sign-extended from them when signed). One loop per container width and
    /// signedness, with the shifts fixed outside it: the generic byte-by-byte loop took a tenth
    /// of the encoder's instructions on a 16-bit CR, all on the thread that feeds OpenJPEG's workers.
    /// Indices use wrapping arithmetic (they are below the sample count, so never overflow): an
    /// overflow check per index kept the loops from being vectorised.
    private func fill(_ image: opj_image_t, from samples: [UInt8], description d: PixelDescription) {
        let count = d.samplesPerPixel
        let width = d.bitsAllocated / 8
        let pixels = d.rows * d.columns
        let signed = d.isSigned
        samples.withUnsafeBytes { src in
            for c in 0..<count {
                guard let data = image.comps[c].data else { continue }  // allocated by the caller
                let plane = UnsafeMutableBufferPointer(start: data, count: pixels)
                switch width {
                case 1:
                    let shift = UInt8(8 - d.bitsStored)  // conversion: 8-bit container: Bits Stored 1...8
                    if signed {
                        // conversion: Int8 to Int32 widens
                        for p in 0..<pixels { plane[p] = Int32(Int8(bitPattern: src[p &* count &+ c] << shift) >> shift) }
                    } else {
                        let mask = UInt8(truncatingIfNeeded: (1 << d.bitsStored) - 1)
                        for p in 0..<pixels { plane[p] = Int32(widening: src[p &* count &+ c] & mask) }
                    }
                case 2 where count == 1 && !signed:
                    // Contiguous 16-bit samples: a loop with no stride, which the compiler vectorises.
                    let mask = UInt16(truncatingIfNeeded: (1 << d.bitsStored) - 1)
                    for p in 0..<pixels {
                        plane[p] = Int32(widening: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 &* p, as: UInt16.self)) & mask)
                    }
                case 2:
                    let shift = UInt16(16 - d.bitsStored)  // conversion: 16-bit container: Bits Stored 1...16
                    let stride = 2 * count
                    if signed {
                        for p in 0..<pixels {
                            let raw = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: p &* stride &+ 2 &* c, as: UInt16.self))
                            plane[p] = Int32(widening: Int16(bitPattern: raw << shift) >> shift)
                        }
                    } else {
                        let mask = UInt16(truncatingIfNeeded: (1 << d.bitsStored) - 1)
                        for p in 0..<pixels {
                            let raw = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: p &* stride &+ 2 &* c, as: UInt16.self))
                            plane[p] = Int32(widening: raw & mask)
                        }
                    }
                default:
                    // conversion: 32-bit container (profile: 8...40 allocated, and PixelModule: at most 32 here): 0...31
                    let shift = UInt32(32 - d.bitsStored)
                    let stride = 4 * count
                    for p in 0..<pixels {
                        let raw = UInt32(littleEndian: src.loadUnaligned(fromByteOffset: p &* stride &+ 4 &* c, as: UInt32.self))
                        plane[p] = signed ? Int32(bitPattern: raw << shift) >> Int32(shift)  // conversion: shift is 0...31
                                          : Int32(bitPattern: (raw << shift) >> shift)
                    }
                }
            }
        }
    }
}

/// HTJ2K decoding (1.2.840.10008.1.2.4.201, .202, .203): OpenJPEG 2.5 reads High-Throughput
/// codestreams through the same path. HTJ2K encoding is not available from OpenJPEG.
public struct HTJ2KDecoder: PixelDecoder {
    public var decodeThreads: Int
    /// The smallest side, in pixels, of the lowest resolution when encoding (see `encode`).
    /// Tests set 1, OpenJPEG's own limit, to exercise the retry with fewer levels.
    public var smallestResolution = 4

    public init(decodeThreads: Int = 0) { self.decodeThreads = decodeThreads }

    public func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame {
        try JPEG2000Codec(decodeThreads: decodeThreads).decode(codestream, description: description)
    }
}

/// OpenJPEG's handles: `opj_codec_t` and `opj_stream_t` are `void *`, its calls take pointers to them.
private typealias OPJCodec = UnsafeMutablePointer<opj_codec_t?>
private typealias OPJStream = UnsafeMutablePointer<opj_stream_t?>

/// Collects OpenJPEG's error messages for the `cause` of a DicomError. The codec holds an
/// unretained pointer to it, so callers keep it alive (`withExtendedLifetime`) while the codec runs.
private final class OpenJPEGLog: @unchecked Sendable {
    // OpenJPEG's worker threads may report errors concurrently.
    private let lock = Lock()
    private var messages: [String] = []

    var text: String {
        lock.withLock { messages.isEmpty ? "no message from OpenJPEG" : messages.joined(separator: "; ") }
    }

    func append(_ message: String) {
        lock.withLock { messages.append(message) }
    }

    func attach(to codec: OPJCodec) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = opj_set_error_handler(codec, { message, context in
            guard let message, let context else { return }
            let log = Unmanaged<OpenJPEGLog>.fromOpaque(context).takeUnretainedValue()
            log.append(String(cString: message).trimmingWhitespaceAndNewlines())
        }, context)
        // Warnings and progress messages are not errors; they are dropped.
        _ = opj_set_warning_handler(codec, { _, _ in }, nil)
        _ = opj_set_info_handler(codec, { _, _ in }, nil)
    }
}

/// OpenJPEG streams over memory. The stream owns (retains) a Swift object as its user data and
/// releases it through the stream's free callback, so the library never points at freed memory.
private enum MemoryStream {
    /// OpenJPEG's "end of stream / failure" from a read or write callback is `(OPJ_SIZE_T)-1`.
    /// Swift imports `size_t` as `Int`, so `OPJ_SIZE_T.max` is `Int.max`, not all ones: OpenJPEG
    /// took it for a read of 2^63-1 bytes, advanced its byte offset past the data and aborted
    /// (cio.c opj_stream_get_number_byte_left assertion) or copied past its 64 KiB buffer.
    static let endOfStream = OPJ_SIZE_T(bitPattern: UInt(bitPattern: -1))
    final class Source {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    final class Sink {
        var bytes: [UInt8] = []
        var position = 0
        /// `expected`: room reserved up front (untouched pages cost nothing), so a codestream
        /// of that size is written without the copies of a growing array.
        init(expected: Int = 0) { bytes.reserveCapacity(expected) }
    }

    static func reading(_ bytes: [UInt8]) throws(DicomError) -> OPJStream {
        guard let stream = opj_stream_create(1 << 16, 1) else {
            throw DicomError(.internalError, "OpenJPEG stream could not be created")
        }
        let source = Source(bytes)
        opj_stream_set_user_data(stream, Unmanaged.passRetained(source).toOpaque()) { context in
            guard let context else { return }
            Unmanaged<Source>.fromOpaque(context).release()
        }
        opj_stream_set_user_data_length(stream, UInt64(bytes.count))  // conversion: a count is never negative
        opj_stream_set_read_function(stream) { buffer, wanted, context in
            guard let buffer, let context else { return MemoryStream.endOfStream }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            let available = source.bytes.count - source.position
            guard available > 0 else { return MemoryStream.endOfStream }
            let n = min(Int(clamping: wanted), available)
            source.bytes.withUnsafeBytes { all in
                guard let base = all.baseAddress else { return }
                buffer.copyMemory(from: base + source.position, byteCount: n)
            }
            source.position += n
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { distance, context in
            guard let context else { return -1 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            // OpenJPEG skips by lengths read from the codestream: a sum past Int's range is the end.
            let (sum, overflow) = source.position.addingReportingOverflow(Int(distance))  // conversion: OPJ_OFF_T is Int64
            let target = overflow ? (distance < 0 ? 0 : source.bytes.count) : max(0, min(source.bytes.count, sum))
            let moved = target - source.position
            source.position = target
            return OPJ_OFF_T(moved)
        }
        opj_stream_set_seek_function(stream) { offset, context in
            guard let context else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            guard offset >= 0, offset <= OPJ_OFF_T(source.bytes.count) else { return 0 }
            source.position = Int(offset)  // conversion: OPJ_OFF_T (Int64), checked to be in 0...count above
            return 1
        }
        return stream
    }

    static func writing(into sink: Sink) throws(DicomError) -> OPJStream {
        guard let stream = opj_stream_create(1 << 16, 0) else {
            throw DicomError(.internalError, "OpenJPEG stream could not be created")
        }
        opj_stream_set_user_data(stream, Unmanaged.passRetained(sink).toOpaque()) { context in
            guard let context else { return }
            Unmanaged<Sink>.fromOpaque(context).release()
        }
        opj_stream_set_write_function(stream) { buffer, count, context in
            guard let buffer, let context else { return MemoryStream.endOfStream }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let n = Int(count)  // conversion: OPJ_SIZE_T of a buffer OpenJPEG allocated while encoding
            let incoming = UnsafeRawBufferPointer(start: buffer, count: n)
            let end = sink.position + n
            if sink.position == sink.bytes.count {
                sink.bytes.append(contentsOf: incoming)  // the usual case: writing at the end
            } else {
                if end > sink.bytes.count { sink.bytes.append(contentsOf: repeatElement(0, count: end - sink.bytes.count)) }
                sink.bytes.replaceSubrange(sink.position..<end, with: incoming)
            }
            sink.position = end
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { distance, context in
            guard let context else { return -1 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let target = max(0, sink.position + Int(distance))  // conversion: OPJ_OFF_T is Int64; skips within what OpenJPEG writes
            if target > sink.bytes.count { sink.bytes.append(contentsOf: repeatElement(0, count: target - sink.bytes.count)) }
            let moved = target - sink.position
            sink.position = target
            return OPJ_OFF_T(moved)
        }
        opj_stream_set_seek_function(stream) { offset, context in
            guard let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            guard offset >= 0 else { return 0 }
            let target = Int(offset)  // conversion: OPJ_OFF_T is Int64 (same width as Int)
            if target > sink.bytes.count { sink.bytes.append(contentsOf: repeatElement(0, count: target - sink.bytes.count)) }
            sink.position = target
            return 1
        }
        return stream
    }
}
