import DicomCore
import Foundation
import Testing
@testable import DicomCodecs

@Suite struct JPEGExtended12Tests {
    static let syntax: Set<String> = ["1.2.840.10008.1.2.4.51"]

    /// 12-bit (two of them with the invalid SOS Se=0) and 8-bit YCbCr: IJG ISLOW bit-exact.
    @Test func decodesEveryCorpusFileToItsGoldenHash() {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let results = SwiftCodecSupport.decodeCorpus(Self.syntax, with: JPEGExtended12Decoder())
        print("JPEG extended corpus: \(results.filter(\.passed).count)/\(results.count) pass")
        #expect(results.count == 5)
        #expect(results.filter { !$0.passed }.isEmpty)
    }

    @Test func colourFileDecodesToRGBAndRGBLabelKeepsComponents() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let path = "jpeg/extended/JPEGExtended_3s_1f_u_08_08.dcm"
        let frames = try Corpus.frames(of: path)
        let converted = try JPEGExtended12Decoder().decode(frames.codestreams[0], description: frames.description)
        #expect(converted.description.photometricInterpretation == "RGB")
        // Labelled RGB: no colour transform, which is the manifest's alternative (no conversion) hash.
        var asRGB = frames.description
        asRGB.photometricInterpretation = "RGB"
        let raw = try JPEGExtended12Decoder().decode(frames.codestreams[0], description: asRGB)
        #expect(md5Hex(raw.bytes) == Corpus.manifest[path]?["alt_pixels_md5"])
    }

    @Test func frameHeaderOfTheInvalidSeFileIsExtended12Bit() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let frames = try Corpus.frames(of: "jpeg/extended/RG2_JPLY.dcm")
        let header = try JPEGFrameHeader.parse(frames.codestreams[0])
        #expect(header.process == 1 && header.precision == 12)
        #expect(header.rows == 2140 && header.columns == 1760 && header.components.count == 1)
        let decoded = try JPEGExtended12Decoder().decode(frames.codestreams[0], description: frames.description)
        // Bits Stored 10 in the header, but a 12-bit lossy decode can use all 12 bits.
        #expect(decoded.description.bitsStored == 12)
    }

    @Test func upsamplesChromaLikeIJG() {
        // One row of a 2:1 horizontally subsampled component: 10, 30 -> 10, 15, 25, 30.
        var plane = JPEGExtended12Decoder.Plane(samples: [UInt16](repeating: 0, count: 16), width: 8, height: 2,
                                                componentWidth: 2, componentHeight: 1)
        plane.samples[0] = 10
        plane.samples[1] = 30
        let h2v1 = JPEGExtended12Decoder.upsample(plane, h: 1, v: 1, maxH: 2, maxV: 1, rows: 1, columns: 4)
        #expect(h2v1 == [10, 15, 25, 30])
        let h2v2 = JPEGExtended12Decoder.upsample(plane, h: 1, v: 1, maxH: 2, maxV: 2, rows: 2, columns: 4)
        // Single input row: the neighbour row is itself, so sums are 4x and rounding differs by parity.
        #expect(h2v2 == [10, 15, 25, 30, 10, 15, 25, 30])
    }

    @Test func iDCTOfAFlatBlockIsItsDCLevel() {
        var coefficients = [Int](repeating: 0, count: 64)
        var workspace = [Int](repeating: 0, count: 64)
        var out = [UInt16](repeating: 0, count: 64)
        coefficients[0] = 80  // DC 80 -> level 80/8 = 10 above the centre
        JPEGIslowIDCT.transform(&coefficients, workspace: &workspace, precision: 12, into: &out, at: 0, stride: 8)
        #expect(out.allSatisfy { $0 == 2048 + 10 })
        coefficients[0] = -100_000  // far below: clamps to 0
        JPEGIslowIDCT.transform(&coefficients, workspace: &workspace, precision: 8, into: &out, at: 0, stride: 8)
        #expect(out.allSatisfy { $0 == 0 })
    }

    /// A hand-built 12-bit stream of two DC-only blocks separated by RST0 (DRI 1): the DC
    /// predictor restarts at zero, so the second block's difference is its absolute DC.
    @Test func restartIntervalsResetTheDCPredictor() throws {
        var s: [UInt8] = [0xFF, 0xD8]
        s += [0xFF, 0xDB, 0, 67, 0x00] + [UInt8](repeating: 1, count: 64)                 // DQT: all ones
        s += [0xFF, 0xC1, 0, 11, 12, 0, 8, 0, 16, 1, 1, 0x11, 0]                        // SOF1 12-bit 16x8
        s += [0xFF, 0xC4, 0, 31, 0x00, 0, 0, 0, 12] + [UInt8](repeating: 0, count: 12) + (0..<12).map { UInt8($0) }
        s += [0xFF, 0xC4, 0, 20, 0x10, 1] + [UInt8](repeating: 0, count: 15) + [0x00]  // AC: EOB = "0"
        s += [0xFF, 0xDD, 0, 4, 0, 1]                                                  // DRI 1
        s += [0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]
        var first = JPEGBitWriter()
        first.write(7, count: 4); first.write(80, count: 7); first.write(0, count: 1)   // DC +80, EOB
        first.flush()
        var second = JPEGBitWriter()
        second.write(8, count: 4); second.write(UInt32((-160 - 1) & 0xFF), count: 8); second.write(0, count: 1)
        second.flush()
        s += first.bytes + [0xFF, 0xD0] + second.bytes + [0xFF, 0xD9]
        let d = PixelDescription(rows: 8, columns: 16, bitsAllocated: 16, bitsStored: 12, photometricInterpretation: "MONOCHROME2")
        let decoded = try JPEGExtended12Decoder().decode(s, description: d)
        let values = stride(from: 0, to: decoded.bytes.count, by: 2).map { Int(decoded.bytes[$0]) | Int(decoded.bytes[$0 + 1]) << 8 }
        #expect(values[0] == 2048 + 10 && values[7] == 2058)   // DC 80 / 8
        #expect(values[8] == 2048 - 20 && values[127] == 2028) // DC -160 / 8, not (80 - 160) / 8
        // The same stream without its RST marker fails cleanly.
        let noMarker = Array(s[0..<(s.count - 4 - second.bytes.count)]) + second.bytes + [0xFF, 0xD9]
        #expect(throws: DicomError.self) { try JPEGExtended12Decoder().decode(noMarker, description: d) }
    }

    @Test func geometryMismatchAndHostileStreamsFailCleanly() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let frames = try Corpus.frames(of: "jpeg/extended/JPGExtended.dcm")
        let good = frames.codestreams[0]
        var wrong = frames.description
        wrong.columns = 255
        wrong.samplesPerPixel = 3
        do {
            _ = try JPEGExtended12Decoder().decode(good, description: wrong)
            Issue.record("decoded with wrong geometry")
        } catch {
            #expect(error.code == .decodeFailed)
            #expect(error.message.contains("Columns (0028,0011) 255") && error.message.contains("(0028,0002) 3"))
        }
        for length in [0, 2, 30, 200, good.count / 2] {
            #expect(throws: DicomError.self) {
                try JPEGExtended12Decoder().decode(Array(good.prefix(length)), description: frames.description)
            }
        }
        // Corrupt entropy data: any outcome but a crash; errors are decodeFailed.
        var noise = SwiftCodecSupport.Noise(state: 42)
        for _ in 0..<20 {
            var bad = good
            for _ in 0..<8 { bad[Int(noise.next() % UInt64(bad.count - 300)) + 300] = UInt8(truncatingIfNeeded: noise.next()) }
            do { _ = try JPEGExtended12Decoder().decode(bad, description: frames.description) } catch {
                #expect(error.code == .decodeFailed || error.code == .unsupported)
            }
        }
        // Fractional sampling ratios (3x1 beside 4x1) are refused, not read out of bounds.
        let colour = try Corpus.frames(of: "jpeg/extended/JPEGExtended_3s_1f_u_08_08.dcm")
        var fractional = colour.codestreams[0]
        let sof = try #require((0..<fractional.count - 1).first { fractional[$0] == 0xFF && fractional[$0 + 1] == 0xC0 })
        fractional[sof + 11] = 0x41  // component 1: 4x1
        fractional[sof + 14] = 0x31  // component 2: 3x1
        do {
            _ = try JPEGExtended12Decoder().decode(fractional, description: colour.description)
            Issue.record("decoded fractional sampling")
        } catch { #expect(error.code == .unsupported) }
        // A lossless stream is not this decoder's.
        let lossless = try JPEGLosslessCodec().encode(
            SwiftCodecSupport.frame(rows: 2, columns: 2, bits: 8) { _ in 1 }, options: EncodeOptions())
        do {
            _ = try JPEGExtended12Decoder().decode(lossless.bytes, description: lossless.description)
            Issue.record("decoded a lossless stream")
        } catch { #expect(error.code == .unsupported) }
    }

    @Test func speedOnTheBiggestCorpusFile() throws {
        guard Corpus.root != nil, let path = SwiftCodecSupport.biggest(Self.syntax) else { print("skipped: no corpus"); return }
        let frames = try Corpus.frames(of: path)
        var decoded: [DecodedFrame] = []
        let seconds = try SwiftCodecSupport.time {
            decoded = try frames.codestreams.map { try JPEGExtended12Decoder().decode($0, description: frames.description) }
        }
        let megabytes = Double(decoded.reduce(0) { $0 + $1.bytes.count }) / 1e6
        print("JPEG extended \(path): \(megabytes) MB decode \(megabytes / seconds) MB/s")
        #expect(megabytes > 0)
    }
}

/// The baseline corpus (SOF0, 4:4:4 / 4:2:2 / 4:2:0, RGB-coded) exercises the same IDCT,
/// upsampling and colour code paths; the decoder handles SOF0 because .51 permits it.
@Suite struct JPEGExtended12BaselineCrossCheck {
    @Test func baselineCorpusFilesDecodeToTheirGoldenHashes() {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let results = SwiftCodecSupport.decodeCorpus(["1.2.840.10008.1.2.4.50"], with: JPEGExtended12Decoder())
        print("JPEG baseline via the Swift DCT decoder: \(results.filter(\.passed).count)/\(results.count) pass")
        #expect(results.count > 0)
        #expect(results.filter(\.passed).count == results.count)
    }
}
