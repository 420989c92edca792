import DicomCodecs
import DicomCore
import Foundation
import Testing

@Suite struct JPEGBaselineTests {
    let codec = JPEGBaselineCodec()

    @Test func corpusBaselineDecodesToGoldenHashes() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let report = runCorpus(transferSyntaxes: [TransferSyntax.jpegBaseline.uid], decoder: codec)
        print("JPEG Baseline .50: \(report.summary)")
        for o in report.outcomes { print("  \(o.path): \(o.outcome)") }
        #expect(report.outcomes.count >= 15)
        for o in report.outcomes where o.hasGolden {
            guard case .matched(let column) = o.outcome else {
                Issue.record("\(o.path): \(o.outcome)")
                continue
            }
            // The PI-RGB files must match the no-transform golden hash, not libjpeg's guess.
            if o.path.contains("no_color_transform") || o.path.contains("photometric/") || o.path.contains("vr/SC_rgb_jpeg") {
                #expect(column == "native_pixels_md5", "\(o.path) matched \(column)")
            }
        }
    }

    @Test func corpusExtendedDecodesEightBitAndRefusesTwelve() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let report = runCorpus(transferSyntaxes: [TransferSyntax.jpegExtended.uid], decoder: codec)
        print("JPEG Extended .51 via TurboJPEG: \(report.summary)")
        for o in report.outcomes {
            print("  \(o.path): \(o.outcome)")
            let row = Corpus.manifest[o.path] ?? [:]
            if row["bits_allocated"] == "8" {
                #expect(o.outcome == .matched("native_pixels_md5"), "\(o.path)")
            } else if case .failed(let code, let message) = o.outcome {
                #expect(code == .unsupported)
                #expect(message.contains("precision 12"))
            } else {
                Issue.record("\(o.path): 12-bit JPEG should be refused, got \(o.outcome)")
            }
        }
    }

    @Test func grayscaleRoundTripIsClose() throws {
        let frame = syntheticFrame(rows: 64, columns: 80, samples: 1, bits: 8)
        var options = EncodeOptions()
        options.quality = 90
        let encoded = try codec.encode(frame, options: options)
        #expect(encoded.outcome == EncodeOutcome(isLossy: true, ratio: encoded.outcome.ratio, method: "ISO_10918_1"))
        #expect(encoded.outcome.ratio > 1)
        #expect(encoded.description.photometricInterpretation == "MONOCHROME2")
        let decoded = try codec.decode(encoded.bytes, description: encoded.description)
        #expect(decoded.bytes.count == frame.bytes.count)
        #expect(psnr(frame, decoded) > 40)
    }

    @Test(arguments: [EncodeOptions.Subsampling.s444, .s422, .s420])
    func rgbRoundTripPerSubsampling(_ subsampling: EncodeOptions.Subsampling) throws {
        let frame: DecodedFrame
        if Corpus.root != nil { frame = try nativeFrame("native/examples_rgb_color.dcm") }
        else { frame = syntheticFrame(rows: 48, columns: 64, samples: 3, bits: 8) }
        var options = EncodeOptions()
        options.subsampling = subsampling
        options.quality = 95
        let encoded = try codec.encode(frame, options: options)
        #expect(encoded.description.photometricInterpretation == (subsampling == .s444 ? "YBR_FULL" : "YBR_FULL_422"))
        let decoded = try codec.decode(encoded.bytes, description: encoded.description)
        #expect(decoded.description.photometricInterpretation == "RGB")
        let quality = psnr(frame, decoded)
        print("JPEG q95 \(subsampling.rawValue): ratio \(String(format: "%.1f", encoded.outcome.ratio)), PSNR \(String(format: "%.1f", quality)) dB")
        #expect(quality > 30)
    }

    @Test(arguments: [EncodeOptions.Subsampling.s444, .s422, .s420])
    func ybrFullInputIsCodedWithoutASecondColourConversion(_ subsampling: EncodeOptions.Subsampling) throws {
        // Encode RGB (TurboJPEG converts), decode without conversion to get YCbCr, re-encode those
        // planes as YBR_FULL: the decoded RGB of both must be close.
        let rgb = syntheticFrame(rows: 40, columns: 56, samples: 3, bits: 8)
        var options = EncodeOptions()
        options.subsampling = subsampling
        options.quality = 95
        // A YBR_FULL frame: the library's own forward transform of the RGB frame via a 4:4:4 pass.
        let first = try codec.encode(rgb, options: { var o = options; o.subsampling = .s444; o.quality = 100; return o }())
        #expect(first.description.photometricInterpretation == "YBR_FULL")
        var ycbcrDescription = first.description
        ycbcrDescription.photometricInterpretation = "RGB"  // PI RGB: decoded without colour conversion
        let ycbcr = try codec.decode(first.bytes, description: ycbcrDescription)
        let ybrFrame = DecodedFrame(bytes: ycbcr.bytes, description: first.description)
        let second = try codec.encode(ybrFrame, options: options)
        #expect(second.description.photometricInterpretation == (subsampling == .s444 ? "YBR_FULL" : "YBR_FULL_422"))
        let back = try codec.decode(second.bytes, description: second.description)
        #expect(back.description.photometricInterpretation == "RGB")
        #expect(psnr(rgb, back) > 30)
    }

    @Test func twelveBitInputIsRefusedNamingTheAttributes() throws {
        let frame = syntheticFrame(rows: 8, columns: 8, samples: 1, bits: 12, signed: true)
        do {
            _ = try codec.encode(frame, options: EncodeOptions())
            Issue.record("12-bit signed accepted")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("(0028,0101) BitsStored is 12"))
            #expect(error.message.contains("(0028,0100) BitsAllocated is 16"))
            #expect(error.message.contains("(0028,0103) PixelRepresentation is 1"))
        }
    }

    @Test func geometryMismatchAndGarbageFailCleanly() throws {
        let frame = syntheticFrame(rows: 16, columns: 16, samples: 1, bits: 8)
        let encoded = try codec.encode(frame, options: EncodeOptions())
        var wrong = frame.description
        wrong.rows = 17
        #expect(throws: DicomError.self) { try codec.decode(encoded.bytes, description: wrong) }
        do {
            _ = try codec.decode([0xFF, 0xD8, 0xFF, 0xC0, 0xFF, 0xFF], description: frame.description)
            Issue.record("garbage accepted")
        } catch {
            #expect(error.code == .decodeFailed)
        }
        // Truncated scan data: libjpeg warns and fills; the result still has the full size.
        let truncated = Array(encoded.bytes.prefix(encoded.bytes.count - 40))
        if let partial = try? codec.decode(truncated, description: frame.description) {
            #expect(partial.bytes.count == frame.bytes.count)
        }
    }
}
