internal import COpenJPEG
import DicomCore

/// Encoding through OpenJPEG: rate control by ratio or PSNR, levels retried on failure.
extension JPEG2000Codec {
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
