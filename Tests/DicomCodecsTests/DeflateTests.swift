import DicomCodecs
import DicomCore
import Foundation
import Testing

@Suite struct DeflateTests {
    let sample: [UInt8] = (0..<100_000).map { UInt8(truncatingIfNeeded: ($0 * 31) ^ ($0 >> 7)) }

    @Test func rawRoundTripAtEveryLevel() throws {
        for level in [0, 1, 6, 9] {
            let packed = try Deflate.deflateRaw(sample, level: level)
            #expect(try Deflate.inflateRaw(packed, limit: sample.count) == sample)
        }
    }

    @Test func rawStreamHasNoZlibHeader() throws {
        let packed = try Deflate.deflateRaw([UInt8](repeating: 7, count: 1000), level: 6)
        // A zlib stream would start 0x78 with a header checksum; raw deflate starts with a block header.
        let first = Int(packed[0]) << 8 | Int(packed[1])
        #expect(!(packed[0] == 0x78 && first % 31 == 0))
        #expect(packed.count < 100)
    }

    @Test func bombLimitIsInvalidInputNamingTheLimit() throws {
        let packed = try Deflate.deflateRaw([UInt8](repeating: 0, count: 10 << 20), level: 9)
        #expect(packed.count < 20_000)
        do {
            _ = try Deflate.inflateRaw(packed, limit: 1 << 20)
            Issue.record("a 10 MiB stream passed a 1 MiB limit")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("1048576"))
        }
    }

    @Test func limitEqualToOutputPasses() throws {
        let packed = try Deflate.deflateRaw(sample, level: 6)
        #expect(try Deflate.inflateRaw(packed, limit: sample.count).count == sample.count)
        #expect(throws: DicomError.self) { try Deflate.inflateRaw(packed, limit: sample.count - 1) }
    }

    @Test func truncatedAndCorruptStreamsFailCleanly() throws {
        let packed = try Deflate.deflateRaw(sample, level: 6)
        do {
            _ = try Deflate.inflateRaw(packed.prefix(packed.count / 2), limit: 1 << 20)
            Issue.record("truncated stream accepted")
        } catch {
            #expect(error.code == .decodeFailed)
        }
        do {
            _ = try Deflate.inflateRaw([UInt8](repeating: 0xFF, count: 64), limit: 1 << 20)
            Issue.record("garbage accepted")
        } catch {
            #expect(error.code == .decodeFailed)
            #expect(error.offset != nil)
        }
    }

    @Test func streamingInChunksEqualsOneShot() throws {
        let packed = try Deflate.deflateRaw(sample, level: 6) + [0x00]  // a trailing padding byte
        let inflater = try RawInflater(limit: sample.count)
        var out: [UInt8] = []
        var i = 0
        while i < packed.count {
            let end = min(i + 333, packed.count)
            out += try inflater.inflate(packed[i..<end])
            i = end
        }
        #expect(inflater.isFinished)
        #expect(inflater.trailingBytes == 1)
        #expect(out == sample)
    }

    @Test func deflatedDatasetOfTheCorpusInflates() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let file = try Corpus.bytes(of: "deflate/image_dfl.dcm")
        // File meta: 128-byte preamble, DICM, then (0002,0000) UL group length at byte 132.
        #expect(Array(file[128..<132]) == Array("DICM".utf8))
        let groupLength = Int(file[140]) | Int(file[141]) << 8 | Int(file[142]) << 16 | Int(file[143]) << 24
        let datasetStart = 144 + groupLength
        let dataset = try Deflate.inflateRaw(file[datasetStart...], limit: 64 << 20)
        // 512x512 8-bit pixel data is inside, so the data set is bigger than that.
        #expect(dataset.count > 512 * 512)
        #expect(dataset[0] == 0x08 && dataset[1] == 0x00)  // starts with group 0008
        let row = try #require(Corpus.manifest["deflate/image_dfl.dcm"])
        let pixels = Array(dataset.suffix(512 * 512))
        #expect(md5Hex(pixels) == row["native_pixels_md5"])
    }

    @Test func deflatedFrameCodecRoundTrip() throws {
        let frame = syntheticFrame(rows: 64, columns: 48, samples: 1, bits: 12)
        let codec = DeflatedFrameCodec()
        let encoded = try codec.encode(frame, options: EncodeOptions())
        #expect(!encoded.outcome.isLossy && encoded.outcome.method == nil)
        #expect(encoded.outcome.ratio > 1)
        let decoded = try codec.decode(encoded.bytes, description: frame.description)
        #expect(decoded.bytes == frame.bytes)
        // A frame that inflates to more than one frame is refused by the bomb guard.
        let big = try Deflate.deflateRaw(frame.bytes + frame.bytes, level: 6)
        #expect(throws: DicomError.self) { try codec.decode(big, description: frame.description) }
    }

    @Test func oneBitFrameRoundTrip() throws {
        let description = PixelDescription(rows: 10, columns: 10, bitsAllocated: 1, bitsStored: 1,
                                           photometricInterpretation: "MONOCHROME2")
        let frame = DecodedFrame(bytes: (0..<13).map { UInt8($0 * 17) }, description: description)
        let codec = DeflatedFrameCodec()
        let encoded = try codec.encode(frame, options: EncodeOptions())
        #expect(try codec.decode(encoded.bytes, description: description).bytes == frame.bytes)
    }

    @Test func encapsulatedUncompressedChecksLength() throws {
        let frame = syntheticFrame(rows: 3, columns: 3, samples: 3, bits: 8)
        let codec = EncapsulatedUncompressedCodec()
        let encoded = try codec.encode(frame, options: EncodeOptions())
        #expect(encoded.bytes == frame.bytes)
        // 27 bytes: one padding byte is allowed, two are not.
        #expect(try codec.decode(frame.bytes + [0], description: frame.description).bytes == frame.bytes)
        #expect(throws: DicomError.self) { try codec.decode(frame.bytes + [0, 0], description: frame.description) }
        #expect(throws: DicomError.self) { try codec.decode(Array(frame.bytes.dropLast()), description: frame.description) }
    }
}
