import DicomCore
import Foundation
import Testing
@testable import DicomCodecs

@Suite struct RLETests {
    static let syntax: Set<String> = ["1.2.840.10008.1.2.5"]

    @Test func decodesEveryCorpusFileToItsGoldenHash() {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let results = SwiftCodecSupport.decodeCorpus(Self.syntax, with: RLECodec())
        print("RLE corpus: \(results.filter(\.passed).count)/\(results.count) pass")
        #expect(results.count == 9)
        #expect(results.filter { !$0.passed }.isEmpty)
    }

    @Test func reEncodesEveryCorpusFrameBitExactly() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        for row in SwiftCodecSupport.imageRows(Self.syntax) {
            let frames = try Corpus.frames(of: row["path"] ?? "")
            for stream in frames.codestreams {
                let decoded = try RLECodec().decode(stream, description: frames.description)
                let encoded = try RLECodec().encode(decoded, options: EncodeOptions())
                #expect(encoded.bytes.count % 2 == 0)
                #expect(!encoded.outcome.isLossy)
                let again = try RLECodec().decode(encoded.bytes, description: encoded.description)
                #expect(again.bytes == decoded.bytes, "\(row["path"] ?? "")")
            }
        }
    }

    @Test(arguments: [(1, 1, 1, 8), (1, 7, 3, 8), (5, 3, 1, 16), (3, 129, 3, 16), (4, 300, 1, 32), (2, 2, 3, 32), (17, 13, 1, 8)])
    func syntheticRoundTrips(rows: Int, columns: Int, samples: Int, bits: Int) throws {
        var noise = SwiftCodecSupport.Noise(state: 0x9E3779B97F4A7C15)
        for pattern in 0..<4 {
            let frame = SwiftCodecSupport.frame(rows: rows, columns: columns, samples: samples, bits: bits) { i in
                switch pattern {
                case 0: return 0x5A5A5A5A  // all equal
                case 1: return noise.next()  // noise
                case 2: return UInt64(i / 7)  // long runs crossing rows
                default: return i % 3 == 0 ? 0xFFFF_FFFF : UInt64(i & 1)  // short runs
                }
            }
            let encoded = try RLECodec().encode(frame, options: EncodeOptions())
            #expect(encoded.bytes.count % 2 == 0)
            #expect(encoded.bytes[0] == UInt8(samples * bits / 8))
            let decoded = try RLECodec().decode(encoded.bytes, description: frame.description)
            #expect(decoded.bytes == frame.bytes, "pattern \(pattern)")
        }
    }

    @Test func planarInputDecodesColourByPixel() throws {
        let byPlane = SwiftCodecSupport.frame(rows: 2, columns: 3, samples: 3, bits: 8, planar: 1) { UInt64($0) }
        let encoded = try RLECodec().encode(byPlane, options: EncodeOptions())
        let decoded = try RLECodec().decode(encoded.bytes, description: byPlane.description)
        #expect(decoded.description.planarConfiguration == 0)
        // Pixel 1 is (R, G, B) = (1, 7, 13) in the planar input.
        #expect(Array(decoded.bytes[3..<6]) == [1, 7, 13])
    }

    @Test func runsNeverCrossRows() throws {
        // Two rows of 4 equal bytes: one replicate run per row, not one of 8.
        let frame = SwiftCodecSupport.frame(rows: 2, columns: 4, bits: 8) { _ in 9 }
        let encoded = try RLECodec().encode(frame, options: EncodeOptions())
        #expect(Array(encoded.bytes[64...]) == [253, 9, 253, 9])
    }

    @Test func hostileInputsFailWithOffsets() {
        let d = PixelDescription(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "MONOCHROME2")
        func header(_ count: UInt32, _ offsets: [UInt32]) -> [UInt8] {
            var h = [UInt8](repeating: 0, count: 64)
            RLECodec.put(count, into: &h, at: 0)
            for (i, o) in offsets.enumerated() { RLECodec.put(o, into: &h, at: 4 + 4 * i) }
            return h
        }
        let cases: [([UInt8], Int)] = [
            ([1, 0, 0], 0),                                   // shorter than the header
            (header(2, [64, 66]) + [3, 1, 2, 3, 4], 0),        // wrong segment count
            (header(1, [1000]) + [3, 1, 2, 3, 4], 4),          // offset out of range
            (header(1, [10]) + [3, 1, 2, 3, 4], 4),            // offset inside the header
            (header(1, [64]) + [9, 1, 2, 3], 64),              // literal overruns the segment
            (header(1, [64]) + [0, 1], 66),                    // segment too short
            (header(1, [64]) + [0xFB, 7], 64),                 // replicate of 6 overruns 4 pixels
        ]
        for (bytes, offset) in cases {
            do {
                _ = try RLECodec().decode(bytes, description: d)
                Issue.record("decoded hostile input \(bytes)")
            } catch {
                #expect(error.code == .decodeFailed)
                #expect(error.offset == offset, "\(error)")
            }
        }
    }

    @Test func encoderRefusesWhatRLECannotHold() {
        let frame = SwiftCodecSupport.frame(rows: 2, columns: 2, samples: 3, bits: 8, photometric: "YBR_FULL_422") { _ in 0 }
        #expect(throws: DicomError.self) { try RLECodec().encode(frame, options: EncodeOptions()) }
        do {
            _ = try RLECodec().encode(frame, options: EncodeOptions())
        } catch {
            #expect(error.code == .encodeFailed)
            #expect(error.message.contains("(0028,0004)"))
        }
    }

    @Test func speedOnTheBiggestCorpusFile() throws {
        guard Corpus.root != nil, let path = SwiftCodecSupport.biggest(Self.syntax) else { print("skipped: no corpus"); return }
        let frames = try Corpus.frames(of: path)
        var decoded: [DecodedFrame] = []
        let decodeTime = try SwiftCodecSupport.time {
            decoded = try frames.codestreams.map { try RLECodec().decode($0, description: frames.description) }
        }
        let encodeTime = try SwiftCodecSupport.time { for f in decoded { _ = try RLECodec().encode(f, options: EncodeOptions()) } }
        let megabytes = Double(decoded.reduce(0) { $0 + $1.bytes.count }) / 1e6
        print("RLE \(path): \(megabytes) MB decode \(megabytes / decodeTime) MB/s, encode \(megabytes / encodeTime) MB/s")
        #expect(megabytes > 0)
        // The corpus RLE files are tiny: also time a 1760x2140 16-bit radiograph (from the lossless corpus).
        let big = try Corpus.frames(of: "jpeg/lossless-sv1/RG2_JPLL.dcm")
        let image = try JPEGLosslessCodec().decode(big.codestreams[0], description: big.description)
        var encoded: EncodedFrame?
        let bigEncode = try SwiftCodecSupport.time { encoded = try RLECodec().encode(image, options: EncodeOptions()) }
        let rle = try #require(encoded)
        var back: DecodedFrame?
        let bigDecode = try SwiftCodecSupport.time { back = try RLECodec().decode(rle.bytes, description: rle.description) }
        #expect(back?.bytes == image.bytes)
        let mb = Double(image.bytes.count) / 1e6
        print("RLE RG2_JPLL image: \(mb) MB ratio \(rle.outcome.ratio) decode \(mb / bigDecode) MB/s, encode \(mb / bigEncode) MB/s")
    }
}

@Suite struct RLEPeerTests {
    /// Our RLE output decodes in dcmtk (dcmdrle) to the source pixels, 8/16/32-bit, mono and RGB,
    /// multi-frame; GDCM too except where the corpus records GDCM's own 16/32-bit colour bug.
    @Test func peersDecodeOurCodestreams() throws {
        guard Corpus.root != nil, PeerDecoders.available else { print("skipped: no corpus or no dcmtk/GDCM"); return }
        for path in ["rle/MR_small_RLE.dcm", "rle/SC_rgb_rle_2frame.dcm", "rle/SC_rgb_rle_16bit_2frame.dcm",
                     "rle/rtdose_rle.dcm", "rle/SC_rgb_rle_32bit.dcm"] {
            let frames = try Corpus.frames(of: path)
            var source: [UInt8] = []
            var encoded: [EncodedFrame] = []
            for stream in frames.codestreams {
                let decoded = try RLECodec().decode(stream, description: frames.description)
                source += decoded.bytes
                encoded.append(try RLECodec().encode(decoded, options: EncodeOptions()))
            }
            let hashes = try PeerDecoders.decode(encoded, transferSyntax: "1.2.840.10008.1.2.5")
            #expect(hashes["dcmtk"] == md5Hex(source), "\(path): \(hashes)")
            let gdcmBroken = frames.description.samplesPerPixel == 3 && frames.description.bitsAllocated > 8
            if !gdcmBroken { #expect(hashes["gdcm"] == md5Hex(source), "\(path): \(hashes)") }
        }
    }
}
