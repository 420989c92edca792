import DicomCodecs
import DicomCore
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
                // The SOF55 precision P is Bits Stored, so the stream agrees with the header.
                let sof = try #require(encoded.bytes.indices.dropLast(4).first { encoded.bytes[$0] == 0xFF && encoded.bytes[$0 + 1] == 0xF7 })
                #expect(Int(encoded.bytes[sof + 4]) == bits, "\(bits)-bit signed=\(signed): P = \(encoded.bytes[sof + 4])")
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
