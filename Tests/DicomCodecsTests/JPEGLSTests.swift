import DicomCodecs
import DicomCore
import DicomTestSupport
import Foundation
import Testing

@Suite struct JPEGLSTests {
    let codec = JPEGLSCodec()

    @Test func corpusFilesDecodeToGoldenHashes() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        for uid in [TransferSyntax.jpegLSLossless.uid, TransferSyntax.jpegLSNearLossless.uid] {
            let report = runCorpus(transferSyntaxes: [uid], decoder: codec)
            print("JPEG-LS \(uid): \(report.summary)")
            for o in report.outcomes { print("  \(o.path): \(o.outcome)") }
            #expect(!report.outcomes.isEmpty)
            for o in report.outcomes where o.hasGolden {
                guard case .matched = o.outcome else { Issue.record("\(o.path): \(o.outcome)"); continue }
            }
        }
    }

    @Test func conformanceCodestreamsDecode() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let report = runCodestreams(under: "codestreams/jpegls/", decoder: codec)
        print("JPEG-LS conformance codestreams: \(report.summary)")
        for o in report.outcomes {
            print("  \(o.path): \(o.outcome)")
            if o.hasGolden {
                guard case .matched = o.outcome else { Issue.record("\(o.path): \(o.outcome)"); continue }
            } else if case .failed = o.outcome {
                // Subsampled components (T8SSE*): CharLS refuses them with a clean error.
            } else {
                Issue.record("\(o.path) has no golden hash but decoded: \(o.outcome)")
            }
        }
    }

    /// Lossless grey frames at precisions CharLS has no specialised coder for go through our
    /// JPEGLSLosslessEncoder: it must write exactly what CharLS writes (the algorithm leaves no
    /// choice once the parameters are the defaults), for every such precision, with runs, run interruptions, line-start and line-end cases, long Golomb
    /// codes (noise) and the 0xFF bit stuffing all exercised; and CharLS must decode it back.
    /// (Bits Stored below 8 is coded at P = Bits Allocated, through CharLS: see
    /// fewBitsInWiderContainerRoundTrip.)
    @Test(arguments: [9, 10, 11, 13, 14, 15])
    func swiftLosslessCoderWritesWhatCharLSWrites(_ precision: Int) throws {
        let charls = JPEGLSCodec(swiftLosslessCoder: false)
        var generator = SplitMix64(seed: UInt64(precision))
        let maxValue = (1 << precision) - 1
        for (rows, columns) in [(1, 1), (3, 17), (64, 61), (200, 1)] {
            for container in precision <= 8 ? [8, 16] : [16] {
                var values: [Int] = []
                for r in 0..<rows {
                    for c in 0..<columns {
                        // Quarters: flat (runs), a ramp, noise over the full range, and a dark
                        // band with small noise.
                        switch (r * 4 / max(rows, 1) + c) % 4 {
                        case 0: values.append(maxValue / 3)
                        case 1: values.append((r * 7 + c * 5) % (maxValue + 1))
                        case 2: values.append(Int(generator.next() % UInt64(maxValue + 1)))
                        default: values.append(Int(generator.next() % 4))
                        }
                    }
                }
                var bytes: [UInt8] = []
                for v in values {
                    bytes.append(UInt8(v & 0xFF))
                    if container == 16 { bytes.append(UInt8(v >> 8)) }
                }
                let frame = DecodedFrame(bytes: bytes, description: PixelDescription(
                    rows: rows, columns: columns, bitsAllocated: container, bitsStored: precision,
                    photometricInterpretation: "MONOCHROME2"))
                let ours = try codec.encode(frame, options: EncodeOptions())
                let theirs = try charls.encode(frame, options: EncodeOptions())
                #expect(ours.bytes == theirs.bytes, "P=\(precision) \(rows)x\(columns) in \(container) bits")
                #expect(ours.bytes.starts(with: [0xFF, 0xD8, 0xFF, 0xF7]) && ours.bytes.suffix(2) == [0xFF, 0xD9])
                #expect(try codec.decode(ours.bytes, description: frame.description).bytes == bytes,
                        "P=\(precision) \(rows)x\(columns) in \(container) bits: round trip")
                #expect(!ours.outcome.isLossy)
            }
        }
    }

    /// Bits Stored 8 or less below Bits Allocated is coded at P = Bits Allocated, as dcmcjpls and
    /// gdcmconv write it (dcmdjpls decodes no P below 8, and refuses P <= 8 under Bits Allocated
    /// 16, which GDCM misreads); signed samples as their two's complement in the whole container.
    /// Round trips through both coders; near-lossless is refused (its values could exceed Bits
    /// Stored). Once, CharLS was given the 16-bit container at P = 8 and coded low and high bytes
    /// as two samples -- no error, wrong pixels.
    @Test(arguments: [2, 5, 7, 8])
    func fewBitsInWiderContainerRoundTrip(_ precision: Int) throws {
        var generator = SplitMix64(seed: 99)
        for container in precision < 8 ? [8, 16] : [16] {
            for signed in [false, true] {
                let values = (0..<(16 * 16)).map { _ in
                    Int(generator.next() % UInt64(1 << precision)) - (signed ? 1 << (precision - 1) : 0)
                }
                let bytes: [UInt8] = values.flatMap { v -> [UInt8] in
                    container == 8 ? [UInt8(truncatingIfNeeded: v)] : [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)]
                }
                let description = PixelDescription(rows: 16, columns: 16, bitsAllocated: container, bitsStored: precision,
                                                   pixelRepresentation: signed ? 1 : 0, photometricInterpretation: "MONOCHROME2")
                for coder in [codec, JPEGLSCodec(swiftLosslessCoder: false)] {
                    let encoded = try coder.encode(DecodedFrame(bytes: bytes, description: description), options: EncodeOptions())
                    #expect(Array(encoded.bytes[2...6]) == [0xFF, 0xF7, 0x00, 0x0B, UInt8(container)], "SOF55 with P = \(container)")
                    #expect(try codec.decode(encoded.bytes, description: description).bytes == bytes,
                            "P=\(precision) in \(container) bits, signed \(signed)")
                    var near = EncodeOptions()
                    near.near = 1
                    #expect(throws: DicomError.self) { try coder.encode(DecodedFrame(bytes: bytes, description: description), options: near) }
                }
            }
        }
    }

    /// Near-lossless JPEG-LS of signed samples: JPEG-LS reconstructs within NEAR in its unsigned
    /// coding, where the largest signed value and the smallest are neighbours, so a sample within
    /// NEAR of either end could come back at the other. Such frames are refused; the others keep
    /// every sample within NEAR, signs included.
    @Test func signedNearLosslessRefusesSamplesThatCouldWrap() throws {
        let description = PixelDescription(rows: 8, columns: 8, bitsAllocated: 16, bitsStored: 12,
                                           pixelRepresentation: 1, photometricInterpretation: "MONOCHROME2")
        var options = EncodeOptions()
        options.near = 2
        func frame(_ values: [Int]) -> DecodedFrame {
            DecodedFrame(bytes: values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] },
                         description: description)
        }
        var values = (0..<64).map { ($0 * 97) % 3000 - 1500 }
        values[5] = 2044   // 3 below the top: outside NEAR 2 of the wrap
        values[6] = -2046  // 2 above the bottom: outside too
        let encoded = try codec.encode(frame(values), options: options)
        let decoded = try codec.decode(encoded.bytes, description: encoded.description).bytes
        for i in 0..<64 {
            let v = Int(Int16(bitPattern: UInt16(decoded[2 * i]) | UInt16(decoded[2 * i + 1]) << 8))
            #expect(abs(v - values[i]) <= 2, "sample \(i): \(values[i]) came back as \(v)")
        }
        for edge in [2047, 2046, -2048, -2047] {
            var risky = values
            risky[9] = edge
            #expect(throws: DicomError.self, "\(edge)") { try codec.encode(frame(risky), options: options) }
        }
        // Lossless coding has no such limit.
        var lossless = values
        lossless[9] = -2048
        let exact = try codec.encode(frame(lossless), options: EncodeOptions())
        #expect(try codec.decode(exact.bytes, description: exact.description).bytes == frame(lossless).bytes)
    }

    /// A codestream must end with EOI, which cannot occur inside scan data: a cut stream is
    /// refused before CharLS runs on. Up to 64 bytes of anything may follow EOI (dcmcjpls pads odd
    /// multi-frame codestreams with a leftover byte such as 0x7F, not 0x00).
    @Test func endOfImageIsRequiredAndPaddingAfterItIsAnyByte() throws {
        var generator = SplitMix64(seed: 5)
        let bytes = (0..<(32 * 32)).map { _ in UInt8(generator.next() % 200) }
        let description = PixelDescription(rows: 32, columns: 32, bitsAllocated: 8, bitsStored: 8,
                                           photometricInterpretation: "MONOCHROME2")
        for coder in [codec, JPEGLSCodec(swiftLosslessCoder: false)] {
            var near = EncodeOptions()
            near.near = 1
            for options in [EncodeOptions(), near] {
                let stream = try coder.encode(DecodedFrame(bytes: bytes, description: description), options: options).bytes
                let reference = try coder.decode(stream, description: description).bytes
                for padding in [[0x7F], [0x80, 0x00], [UInt8](repeating: 0x55, count: 64)] as [[UInt8]] {
                    #expect(try coder.decode(stream + padding, description: description).bytes == reference)
                }
                #expect(throws: DicomError.self) { try coder.decode(stream + [UInt8](repeating: 0x55, count: 65), description: description) }
                #expect(throws: DicomError.self) { try coder.decode(Array(stream.dropLast(9)), description: description) }
            }
        }
    }

    /// JPEGLSLosslessDecoder takes every lossless one-component stream CharLS writes, at every
    /// precision (8, 12 and 16 included, where CharLS has its fast decoders), and decodes it to
    /// the same samples; a stream cut short or damaged is refused (nil: CharLS then reports it),
    /// never decoded from nothing.
    @Test(arguments: Array(2...16))
    func swiftDecoderAgreesWithCharLS(_ precision: Int) throws {
        let charls = JPEGLSCodec(swiftLosslessCoder: false)
        var generator = SplitMix64(seed: UInt64(100 + precision))
        let maxValue = (1 << precision) - 1
        for (rows, columns) in [(1, 1), (5, 33), (48, 40)] {
            for container in precision <= 8 ? [8, 16] : [16] {
                var bytes: [UInt8] = []
                for r in 0..<rows {
                    for c in 0..<columns {
                        let v: Int
                        switch (r / 8 + c / 8) % 3 {
                        case 0: v = maxValue / 2
                        case 1: v = Int(generator.next() % UInt64(maxValue + 1))
                        default: v = (r * 3 + c) % (maxValue + 1)
                        }
                        bytes.append(UInt8(v & 0xFF))
                        if container == 16 { bytes.append(UInt8(v >> 8)) }
                    }
                }
                let description = PixelDescription(rows: rows, columns: columns, bitsAllocated: container, bitsStored: precision,
                                                   photometricInterpretation: "MONOCHROME2")
                let stream = try charls.encode(DecodedFrame(bytes: bytes, description: description), options: EncodeOptions()).bytes
                let ours = JPEGLSLosslessDecoder.decode(stream, rows: rows, columns: columns, container: container)
                #expect(ours == bytes, "P=\(precision) \(rows)x\(columns) in \(container) bits")
                #expect(try charls.decode(stream, description: description).bytes == bytes)
                // Cut inside the scan (EOI kept, so the stream still looks complete), and a
                // flipped byte: refused or decoded, never a crash; cut streams are refused.
                if stream.count > 40 {
                    let cut = Array(stream.prefix(stream.count / 2)) + [0xFF, 0xD9]
                    #expect(JPEGLSLosslessDecoder.decode(cut, rows: rows, columns: columns, container: container) == nil)
                    var flipped = stream
                    flipped[stream.count / 2] ^= 0x5A
                    _ = JPEGLSLosslessDecoder.decode(flipped, rows: rows, columns: columns, container: container)
                }
            }
        }
    }

    /// Random scan data behind a valid header, at the precisions with the longest codes: decoded
    /// or refused, in bounded time (huge error magnitudes once made k grow without end).
    @Test func swiftDecoderSurvivesGarbageScans() throws {
        var generator = SplitMix64(seed: 7)
        for precision in [2, 10, 16] {
            let description = PixelDescription(rows: 48, columns: 40, bitsAllocated: 16, bitsStored: precision,
                                               photometricInterpretation: "MONOCHROME2")
            let valid = try JPEGLSCodec(swiftLosslessCoder: false).encode(
                DecodedFrame(bytes: [UInt8](repeating: 1, count: 48 * 40 * 2), description: description), options: EncodeOptions()).bytes
            let scanStart = try #require((0..<(valid.count - 1)).first { valid[$0] == 0xFF && valid[$0 + 1] == 0xDA }) + 10
            var decoded = 0
            for _ in 0..<200 {
                let scan = (0..<Int(generator.next() % 6000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                let stream = Array(valid.prefix(scanStart)) + scan + [0xFF, 0xD9]
                if let out = JPEGLSLosslessDecoder.decode(stream, rows: 48, columns: 40, container: 16) {
                    #expect(out.count == 48 * 40 * 2)
                    decoded += 1
                }
            }
            print("P=\(precision): \(decoded) of 200 random scans decoded, the rest refused")
        }
    }

    /// Lossless one-component files from other toolkits (dcmtk/GDCM-written corpus files): the
    /// Swift decoder takes them and agrees with CharLS.
    @Test func swiftDecoderTakesCorpusLosslessFiles() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        var taken = 0
        for row in Corpus.rows(transferSyntaxes: [TransferSyntax.jpegLSLossless.uid]) {
            guard let path = row["path"], let frames = try? Corpus.frames(of: path),
                  frames.description.samplesPerPixel == 1, let stream = frames.codestreams.first else { continue }
            var description = frames.description
            description.numberOfFrames = 1
            let ours = JPEGLSLosslessDecoder.decode(stream, rows: description.rows, columns: description.columns,
                                                    container: description.bitsAllocated)
            #expect(ours != nil, "\(path): not taken")
            if let ours {
                var reference = try JPEGLSCodec(swiftLosslessCoder: false).decode(stream, description: description).bytes
                if description.isSigned { reference = try JPEGLSCodec(swiftLosslessCoder: false).decode(stream, description: {
                    var unsigned = description; unsigned.pixelRepresentation = 0; return unsigned }()).bytes }
                #expect(ours == reference, "\(path)")
                taken += 1
            }
        }
        print("Swift JPEG-LS decoder: \(taken) corpus lossless grey files")
        #expect(taken >= 2)
    }

    /// The 10-bit CR of the corpus (the case the Swift coder exists for): identical codestream.
    @Test func tenBitCRIsCodedAsCharLSCodesIt() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let source = try Corpus.frames(of: "jpeg/lossless-sv1/RG2_JPLL.dcm")
        var description = source.description
        description.numberOfFrames = 1
        try #require(description.bitsStored == 10 && description.samplesPerPixel == 1)
        let frame = try JPEGLosslessCodec().decode(try #require(source.codestreams.first), description: description)
        let ours = try codec.encode(frame, options: EncodeOptions())
        #expect(ours.bytes == (try JPEGLSCodec(swiftLosslessCoder: false).encode(frame, options: EncodeOptions())).bytes)
        #expect(try codec.decode(ours.bytes, description: frame.description).bytes == frame.bytes)
    }

    @Test(arguments: Corpus.losslessSources)
    func losslessRoundTripIsBitExact(_ path: String) throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let frame = try nativeFrame(path)
        let encoded = try codec.encode(frame, options: EncodeOptions())
        #expect(encoded.outcome == EncodeOutcome(isLossy: false, ratio: encoded.outcome.ratio, method: nil))
        let decoded = try codec.decode(encoded.bytes, description: encoded.description)
        #expect(decoded.bytes == frame.bytes, "\(path) \(frame.description)")
        print("JPEG-LS lossless \(path): ratio \(String(format: "%.2f", encoded.outcome.ratio))")
    }

    @Test(arguments: [1, 2, 4, 10])
    func nearLosslessErrorIsBoundedByNear(_ near: Int) throws {
        let frames: [DecodedFrame]
        if Corpus.root != nil {
            frames = [try nativeFrame("native/examples_overlay.dcm"), try nativeFrame("native/examples_rgb_color.dcm")]
        } else {
            frames = [syntheticFrame(rows: 40, columns: 40, samples: 1, bits: 12)]
        }
        for frame in frames {
            var options = EncodeOptions()
            options.near = near
            let encoded = try codec.encode(frame, options: options)
            #expect(encoded.outcome.isLossy && encoded.outcome.method == "ISO_14495_1")
            let decoded = try codec.decode(encoded.bytes, description: encoded.description)
            let error = maxAbsoluteError(frame, decoded)
            #expect(error <= near && error > 0, "NEAR \(near) gave max error \(error)")
        }
    }

    @Test func signedAndOddPrecisionsRoundTrip() throws {
        for bits in [2, 7, 10, 12, 15, 16] {
            for signed in [false, true] {
                let frame = syntheticFrame(rows: 20, columns: 30, samples: 1, bits: bits, signed: signed)
                let encoded = try codec.encode(frame, options: EncodeOptions())
                let decoded = try codec.decode(encoded.bytes, description: encoded.description)
                #expect(decoded.bytes == frame.bytes, "\(bits)-bit signed=\(signed)")
                // The SOF55 precision P is Bits Stored, so the stream agrees with the header;
                // below 8 bits it is Bits Allocated (dcmdjpls decodes no P below 8).
                let sof = try #require(encoded.bytes.indices.dropLast(4).first { encoded.bytes[$0] == 0xFF && encoded.bytes[$0 + 1] == 0xF7 })
                let expected = bits < 8 ? frame.description.bitsAllocated : bits
                #expect(Int(encoded.bytes[sof + 4]) == expected, "\(bits)-bit signed=\(signed): P = \(encoded.bytes[sof + 4])")
            }
        }
    }

    @Test func planarInputIsInterleavedBeforeEncoding() throws {
        let byPixel = syntheticFrame(rows: 12, columns: 9, samples: 3, bits: 8)
        var planes = [UInt8](repeating: 0, count: byPixel.bytes.count)
        let n = 12 * 9
        for p in 0..<n { for c in 0..<3 { planes[c * n + p] = byPixel.bytes[p * 3 + c] } }
        var planar = byPixel.description
        planar.planarConfiguration = 1
        for encoder in [JPEGLSCodec() as any PixelEncoder & PixelDecoder, JPEG2000Codec()] {
            let encoded = try encoder.encode(DecodedFrame(bytes: planes, description: planar), options: EncodeOptions())
            #expect(encoded.description.planarConfiguration == 0)
            let decoded = try encoder.decode(encoded.bytes, description: encoded.description)
            #expect(decoded.bytes == byPixel.bytes, "\(type(of: encoder))")
        }
    }

    @Test func profileAndNearRangeAreEnforced() throws {
        let rgb16 = syntheticFrame(rows: 4, columns: 4, samples: 3, bits: 16, photometric: "YBR_FULL")
        do {
            _ = try codec.encode(rgb16, options: EncodeOptions())
            Issue.record("16-bit YBR_FULL accepted")
        } catch {
            #expect(error.message.contains("(0028,0100) BitsAllocated is 16"))
        }
        var options = EncodeOptions()
        options.near = 200
        #expect(throws: DicomError.self) {
            try codec.encode(syntheticFrame(rows: 4, columns: 4, samples: 1, bits: 8), options: options)
        }
        #expect(throws: DicomError.self) {
            try codec.decode([0xFF, 0xD8, 0xFF, 0xF7, 0x00], description: rgb16.description)
        }
    }
}
