import DicomCore
import Foundation
import Testing
@testable import DicomCodecs

@Suite struct JPEGLosslessTests {
    static let syntaxes: Set<String> = ["1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"]

    @Test func decodesEveryCorpusFileToItsGoldenHash() {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let results = SwiftCodecSupport.decodeCorpus(Self.syntaxes, with: JPEGLosslessCodec())
        print("JPEG lossless corpus: \(results.filter(\.passed).count)/\(results.count) pass")
        #expect(results.count == 6)
        #expect(results.filter { !$0.passed }.isEmpty)
    }

    /// Every corpus image (8-bit RGB, 10/12/16-bit, signed CT) re-encoded with several predictors
    /// decodes to the same bytes.
    @Test func reEncodesCorpusImagesBitExactlyWithEveryPredictor() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        for row in SwiftCodecSupport.imageRows(Self.syntaxes) {
            let path = row["path"] ?? ""
            let frames = try Corpus.frames(of: path)
            let decoded = try JPEGLosslessCodec().decode(frames.codestreams[0], description: frames.description)
            // All seven predictors on the smaller images; two on the big ones to keep debug runs short.
            let predictors = decoded.bytes.count > 1_000_000 ? [1, 6] : Array(1...7)
            for predictor in predictors {
                var options = EncodeOptions()
                options.predictor = predictor
                let encoded = try JPEGLosslessCodec().encode(decoded, options: options)
                #expect(!encoded.outcome.isLossy)
                #expect(encoded.outcome.method == nil)
                let header = try JPEGFrameHeader.parse(encoded.bytes)
                #expect(header.process == 3 && header.precision == decoded.description.bitsStored)
                let again = try JPEGLosslessCodec().decode(encoded.bytes, description: encoded.description)
                #expect(again.bytes == decoded.bytes, "\(path) predictor \(predictor)")
                if predictor == 1 { print("\(path): SV1 ratio \(encoded.outcome.ratio)") }
            }
        }
    }

    @Test(arguments: [(1, 1, 1, 8, 8), (1, 1, 3, 16, 16), (3, 7, 1, 16, 12), (5, 13, 3, 8, 8), (9, 2, 4, 16, 16),
                      (4, 33, 1, 8, 2), (2, 5, 1, 16, 9)])
    func syntheticRoundTrips(rows: Int, columns: Int, samples: Int, bits: Int, stored: Int) throws {
        var noise = SwiftCodecSupport.Noise(state: 0xDEADBEEF12345)
        let mask = (UInt64(1) << UInt64(stored)) - 1
        for pattern in 0..<4 {
            let frame = SwiftCodecSupport.frame(rows: rows, columns: columns, samples: samples, bits: bits, stored: stored,
                                                photometric: samples == 1 ? "MONOCHROME2" : "RGB") { i in
                switch pattern {
                case 0: return mask        // all equal, at the top of the range
                case 1: return noise.next() & mask
                case 2: return UInt64(i) & mask
                default: return i % 2 == 0 ? 0 : mask  // maximal differences
                }
            }
            for predictor in [1, 4, 7] {
                var options = EncodeOptions()
                options.predictor = predictor
                let encoded = try JPEGLosslessCodec().encode(frame, options: options)
                let decoded = try JPEGLosslessCodec().decode(encoded.bytes, description: frame.description)
                #expect(decoded.bytes == frame.bytes, "pattern \(pattern) predictor \(predictor)")
            }
        }
    }

    /// 16-bit extremes produce the difference 32768 (SSSS 16, no extra bits).
    @Test func sixteenBitDifferenceOf32768RoundTrips() throws {
        let frame = SwiftCodecSupport.frame(rows: 2, columns: 4, bits: 16) { i in i % 2 == 0 ? 0 : 0x8000 }
        let encoded = try JPEGLosslessCodec().encode(frame, options: EncodeOptions())
        let decoded = try JPEGLosslessCodec().decode(encoded.bytes, description: frame.description)
        #expect(decoded.bytes == frame.bytes)
    }

    @Test func signedSamplesAreSignExtendedIntoTheContainer() throws {
        // 12-bit signed: -1, -2048, 2047, 0 stored sign-extended in 16 bits.
        let values: [UInt64] = [0xFFFF, 0xF800, 0x07FF, 0]
        let frame = SwiftCodecSupport.frame(rows: 2, columns: 2, bits: 16, stored: 12, signed: true) { values[$0] }
        let encoded = try JPEGLosslessCodec().encode(frame, options: EncodeOptions())
        #expect(try JPEGFrameHeader.parse(encoded.bytes).precision == 12)
        let decoded = try JPEGLosslessCodec().decode(encoded.bytes, description: frame.description)
        #expect(decoded.bytes == frame.bytes)
    }

    @Test func encoderRefusesBitsItWouldLoseAndBadProfiles() {
        let garbage = SwiftCodecSupport.frame(rows: 1, columns: 2, bits: 16, stored: 12) { _ in 0xF000 }
        do {
            _ = try JPEGLosslessCodec().encode(garbage, options: EncodeOptions())
            Issue.record("encoded samples with bits above Bits Stored")
        } catch { #expect(error.code == .encodeFailed) }
        let ybr = SwiftCodecSupport.frame(rows: 1, columns: 2, samples: 3, bits: 8, photometric: "YBR_FULL_422") { _ in 0 }
        var options = EncodeOptions()
        options.predictor = 9
        do {
            _ = try JPEGLosslessCodec().encode(ybr, options: options)
            Issue.record("encoded YBR_FULL_422 with predictor 9")
        } catch {
            #expect(error.code == .encodeFailed)
            #expect(error.message.contains("(0028,0004)") && error.message.contains("predictor 9"))
        }
    }

    @Test func pointTransformIsReportedLossy() throws {
        let frame = SwiftCodecSupport.frame(rows: 3, columns: 3, bits: 16, stored: 12) { UInt64($0 * 101) }
        var options = EncodeOptions()
        options.pointTransform = 2
        let encoded = try JPEGLosslessCodec().encode(frame, options: options)
        #expect(encoded.outcome.isLossy && encoded.outcome.method == "ISO_10918_1")
        let decoded = try JPEGLosslessCodec().decode(encoded.bytes, description: frame.description)
        // The decoder shifts back up: each sample loses its two low bits.
        #expect(decoded.bytes[2] == 100)
    }

    /// Non-interleaved scans (one per component) and a hand-built stream with a restart interval of one row.
    @Test func restartMarkersAndSeparateScansDecode() throws {
        let frame = SwiftCodecSupport.frame(rows: 3, columns: 4, samples: 2, bits: 8, photometric: "RGB") { UInt64($0 * 11 % 256) }
        // Encode each component separately, then splice into one codestream with DRI and RSTn.
        var streams: [[UInt8]] = []
        for c in 0..<2 {
            let plane = SwiftCodecSupport.frame(rows: 3, columns: 4, bits: 8) { UInt64(frame.bytes[$0 * 2 + c]) }
            streams.append(try JPEGLosslessCodec().encode(plane, options: EncodeOptions()).bytes)
        }
        // Non-interleaved: SOF3 with two components, then one DHT + SOS + data per component.
        var spliced: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC3, 0, 14, 8, 0, 3, 0, 4, 2, 1, 0x11, 0, 2, 0x11, 0]
        for (c, stream) in streams.enumerated() {
            var body = Array(stream[15..<(stream.count - 2)])  // after SOI + 1-component SOF3, before EOI
            if let sos = (0..<body.count - 1).first(where: { body[$0] == 0xFF && body[$0 + 1] == 0xDA }) { body[sos + 5] = UInt8(c + 1) }
            spliced += body
        }
        spliced += [0xFF, 0xD9]
        let twoScans = try JPEGLosslessCodec().decode(spliced, description: frame.description)
        #expect(twoScans.bytes == frame.bytes)
        // Check restart handling on a single-component image: rows restart prediction at 2^(P-1).
        let rows = 3, columns = 4
        let values: [Int] = (0..<(rows * columns)).map { ($0 * 37) % 256 }
        var out: [UInt8] = [0xFF, 0xD8]
        out += [0xFF, 0xC3, 0, 11, 8, 0, UInt8(rows), 0, UInt8(columns), 1, 1, 0x11, 0]
        // Fixed table: every SSSS 0...8 with an 4-bit code.
        out += [0xFF, 0xC4, 0, 3 + 16 + 9, 0x00, 0, 0, 0, 9] + [UInt8](repeating: 0, count: 12) + (0...8).map { UInt8($0) }
        out += [0xFF, 0xDD, 0, 4, 0, UInt8(columns)]
        out += [0xFF, 0xDA, 0, 8, 1, 1, 0x00, 1, 0, 0]
        for row in 0..<rows {
            var writer = JPEGBitWriter()
            for column in 0..<columns {
                let prediction = column == 0 ? 128 : values[row * columns + column - 1]
                let d = values[row * columns + column] - prediction
                let ssss = JPEGLosslessCodec.category(d)
                writer.write(UInt32(ssss), count: 4)
                if ssss > 0 { writer.write(UInt32((d > 0 ? d : d - 1) & ((1 << ssss) - 1)), count: ssss) }
            }
            writer.flush()
            out += writer.bytes
            if row < rows - 1 { out += [0xFF, 0xD0 + UInt8(row % 8)] }
        }
        out += [0xFF, 0xD9]
        let d = PixelDescription(rows: rows, columns: columns, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "MONOCHROME2")
        let decoded = try JPEGLosslessCodec().decode(out, description: d)
        #expect(decoded.bytes == values.map { UInt8($0) })
    }

    @Test func geometryMismatchAndHostileStreamsFailCleanly() throws {
        let frame = SwiftCodecSupport.frame(rows: 4, columns: 4, bits: 16, stored: 12) { UInt64($0) }
        let good = try JPEGLosslessCodec().encode(frame, options: EncodeOptions()).bytes
        var wrong = frame.description
        wrong.rows = 5
        do {
            _ = try JPEGLosslessCodec().decode(good, description: wrong)
            Issue.record("decoded with wrong rows")
        } catch {
            #expect(error.code == .decodeFailed)
            #expect(error.message.contains("Rows (0028,0010) 5"))
        }
        // Truncations at every length must throw, never crash.
        for length in [0, 1, 2, 3, 10, 20, 40, good.count - 6] {
            #expect(throws: DicomError.self) { try JPEGLosslessCodec().decode(Array(good.prefix(length)), description: frame.description) }
        }
        // A lossless decoder given a DCT stream says unsupported.
        var dct = good
        if let i = (0..<dct.count - 1).first(where: { dct[$0] == 0xFF && dct[$0 + 1] == 0xC3 }) { dct[i + 1] = 0xC1 }
        do {
            _ = try JPEGLosslessCodec().decode(dct, description: frame.description)
            Issue.record("decoded SOF1 as lossless")
        } catch { #expect(error.code == .unsupported) }
    }

    @Test func speedOnTheBiggestCorpusFiles() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        // The biggest file of each syntax, and the interleaved 3-component one (the general scan loop).
        let paths = Self.syntaxes.sorted().compactMap { SwiftCodecSupport.biggest([$0]) }
            + ["jpeg/lossless-sv1/JPEGLosslessP14SV1_3s_2f_u_08_08.dcm"]
        for path in paths {
            let frames = try Corpus.frames(of: path)
            var decoded: [DecodedFrame] = []
            let decodeTime = try SwiftCodecSupport.time {
                decoded = try frames.codestreams.map { try JPEGLosslessCodec().decode($0, description: frames.description) }
            }
            let encodeTime = try SwiftCodecSupport.time {
                for f in decoded { _ = try JPEGLosslessCodec().encode(f, options: EncodeOptions()) }
            }
            let megabytes = Double(decoded.reduce(0) { $0 + $1.bytes.count }) / 1e6
            print("JPEG lossless \(path): \(megabytes) MB decode \(megabytes / decodeTime) MB/s, encode SV1 \(megabytes / encodeTime) MB/s")
            #expect(megabytes > 0)
        }
    }
}

@Suite struct JPEGLosslessPeerTests {
    /// Our SV1 and predictor-7 output decodes in dcmtk and GDCM to the source pixels: one corpus
    /// image per bit depth (8-bit RGB, 10, 12 and 16-bit signed) and an odd-width synthetic image.
    @Test func peersDecodeOurCodestreams() throws {
        guard Corpus.root != nil, PeerDecoders.available else { print("skipped: no corpus or no dcmtk/GDCM"); return }
        var images: [DecodedFrame] = []
        for path in ["jpeg/lossless-sv1/SC_rgb_jpeg_gdcm.dcm", "jpeg/lossless-sv1/RG2_JPLL.dcm",
                     "jpeg/lossless/JPEGLossless_1s_1f_u_16_12.dcm", "jpeg/lossless/JPEGLossless_1s_1f_i_16_16_bad.dcm"] {
            let frames = try Corpus.frames(of: path)
            images.append(try JPEGLosslessCodec().decode(frames.codestreams[0], description: frames.description))
        }
        var noise = SwiftCodecSupport.Noise(state: 7)
        images.append(SwiftCodecSupport.frame(rows: 7, columns: 13, bits: 16, stored: 16) { _ in noise.next() & 0xFFFF })
        for image in images {
            for predictor in [1, 7] {
                var options = EncodeOptions()
                options.predictor = predictor
                let encoded = try JPEGLosslessCodec().encode(image, options: options)
                let syntax = predictor == 1 ? "1.2.840.10008.1.2.4.70" : "1.2.840.10008.1.2.4.57"
                let hashes = try PeerDecoders.decode([encoded], transferSyntax: syntax)
                let expected = md5Hex(image.bytes)
                #expect(hashes["dcmtk"] == expected, "\(image.description) predictor \(predictor): \(hashes)")
                #expect(hashes["gdcm"] == expected, "\(image.description) predictor \(predictor): \(hashes)")
            }
        }
    }
}
