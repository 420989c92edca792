import DicomCore
import Foundation
import Testing
@testable import DicomCodecs

@Suite struct JPEGMarkersTests {
    /// The frame header of every corpus JPEG agrees with the manifest's parsed `codestream` column
    /// ("SOF3 lossless P=16 800x535 Nf=1 [1:1x1]; ...").
    @Test func frameHeadersMatchTheManifest() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let syntaxes: Set<String> = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
                                     "1.2.840.10008.1.2.4.70"]
        var checked = 0
        for row in SwiftCodecSupport.imageRows(syntaxes) {
            let frames = try Corpus.frames(of: row["path"] ?? "")
            let header = try JPEGFrameHeader.parse(frames.codestreams[0])
            let summary = row["codestream"] ?? ""
            #expect(summary.hasPrefix("SOF\(header.process) "), "\(row["path"] ?? ""): \(summary)")
            #expect(summary.contains(" P=\(header.precision) \(header.columns)x\(header.rows) Nf=\(header.components.count) "),
                    "\(row["path"] ?? ""): \(summary)")
            let components = header.components.map { c in "\(c.h)x\(c.v)" }
            for c in components { #expect(summary.contains(":\(c)")) }
            #expect(header.rows == frames.description.rows && header.columns == frames.description.columns)
            checked += 1
        }
        print("JPEG frame headers checked against the manifest: \(checked)")
        #expect(checked >= 25)
    }

    @Test func parsesAHandBuiltHeader() throws {
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2,  // APP0 skipped
                              0xFF, 0xFF,                            // fill byte
                              0xFF, 0xC1, 0, 17, 12, 0x01, 0x00, 0x02, 0x80, 3,
                              1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
        let header = try JPEGFrameHeader.parse(bytes)
        #expect(header == JPEGFrameHeader(process: 1, precision: 12, rows: 256, columns: 640, components: [
            .init(id: 1, h: 2, v: 2, tq: 0), .init(id: 2, h: 1, v: 1, tq: 1), .init(id: 3, h: 1, v: 1, tq: 1),
        ]))
        #expect(header.maxH == 2 && !header.isLossless)
    }

    @Test func hostileHeadersFailWithOffsets() {
        let cases: [([UInt8], Int)] = [
            ([0x00, 0x01, 0x02, 0x03], 0),                                     // no SOI
            ([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x40, 8], 4),                      // SOF longer than the data
            ([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x05, 8, 0, 1], 6),                // SOF too short
            ([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 8, 0, 1, 0, 1, 5, 1, 0x11, 0], 6),  // 5 components in 11 bytes
            ([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 1, 0, 1, 0, 1, 1, 1, 0x11, 0], 6),  // precision 1
            ([0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x51, 0], 13), // sampling 5x1
            ([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 1, 0, 0], 6),       // SOS before SOF
            ([0xFF, 0xD8, 0xFF, 0xD9], 4),                                     // EOI before SOF
            ([0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x13, 0x00] + [UInt8](repeating: 0, count: 15) + [2], 6), // DHT cut short
            ([0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x15, 0x00, 3] + [UInt8](repeating: 0, count: 15) + [1, 2, 3], 6), // 3 codes of length 1
        ]
        for (bytes, offset) in cases {
            do {
                let header = try JPEGFrameHeader.parse(bytes)
                Issue.record("parsed hostile header \(bytes) as \(header)")
            } catch {
                #expect(error.code == .decodeFailed)
                #expect(error.offset == offset, "\(bytes): \(error)")
            }
        }
    }

    @Test func bitReaderUnstuffsAndStopsAtMarkers() throws {
        // 0xFF 0x00 is a stuffed 0xFF; FFD0 is a restart marker; afterwards zero bits are supplied.
        let bytes: [UInt8] = [0xA5, 0xFF, 0x00, 0x3C, 0xFF, 0xD0, 0x81, 0xFF, 0xD9]
        var reader = JPEGBitReader(bytes, start: 0)
        #expect(reader.bits(8) == 0xA5)
        #expect(reader.bits(4) == 0xF && reader.bits(4) == 0xF)
        #expect(reader.bits(8) == 0x3C)
        #expect(reader.bits(8) == 0)
        #expect(reader.marker == 0xD0 && reader.markerOffset == 4)
        try reader.restart()
        #expect(reader.bits(8) == 0x81)
        #expect(reader.receiveExtend(3) == -7)  // zero bits past the EOI: 000 extends to -7
        #expect(reader.endOfScan() == 7)
    }

    @Test func huffmanTablesDecodeCanonicalCodes() throws {
        // Lengths: one code of 1 bit (symbol 5), two of 3 bits (6, 7): 0, 100, 101.
        var counts = [Int](repeating: 0, count: 16)
        counts[0] = 1
        counts[2] = 2
        let table = try JPEGHuffmanTable(counts: counts, values: [5, 6, 7], offset: 0)
        var reader = JPEGBitReader([0b0100_1010, 0b1000_0000], start: 0)
        #expect(try reader.decode(table) == 5)
        #expect(try reader.decode(table) == 6)
        #expect(try reader.decode(table) == 7)
        #expect(try reader.decode(table) == 5)
        // A table with long codes goes through the slow path.
        var long = [Int](repeating: 0, count: 16)
        long[0] = 1
        long[11] = 1
        let slow = try JPEGHuffmanTable(counts: long, values: [1, 2], offset: 0)
        var r2 = JPEGBitReader([0b1000_0000, 0b0000_0000], start: 0)
        #expect(try r2.decode(slow) == 2)  // code 1 followed by 11 zeros: 12 bits 1000 0000 0000
        let encoder = JPEGHuffmanEncoder(frequencies: [100, 50, 25, 12, 6, 3, 1] + [Int](repeating: 0, count: 10))
        #expect(encoder.counts.reduce(0, +) == 7)
        #expect(encoder.lengths[0] <= encoder.lengths[6])
    }
}

/// Mutated corpus codestreams: every decoder either decodes or throws a DicomError; none traps.
@Suite struct SwiftCodecMutationTests {
    @Test(arguments: [("jpeg/lossless-sv1/SC_rgb_jpeg_gdcm.dcm", 0), ("jpeg/extended/JPGExtended.dcm", 1),
                      ("jpeg/extended/JPEGExtended_3s_1f_u_08_08.dcm", 1), ("rle/SC_rgb_rle.dcm", 2)])
    func mutatedStreamsNeverTrap(path: String, codec: Int) throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let frames = try Corpus.frames(of: path)
        let good = frames.codestreams[0]
        let decoders: [any PixelDecoder] = [JPEGLosslessCodec(), JPEGExtended12Decoder(), RLECodec()]
        let decoder = decoders[codec]
        var noise = SwiftCodecSupport.Noise(state: 0x1234_5678_9ABC)
        var failures = 0, successes = 0
        // DICOMTOOL_FUZZ_ROUNDS raises the count for a longer run (e.g. in a release build).
        let rounds = Int(ProcessInfo.processInfo.environment["DICOMTOOL_FUZZ_ROUNDS"] ?? "") ?? 150
        for round in 0..<rounds {
            var bad = good
            let edits = 1 + Int(noise.next() % 6)
            for _ in 0..<edits {
                // Early rounds hit the headers, later ones anywhere.
                let span = round % 2 == 0 ? min(bad.count, 700) : bad.count
                bad[Int(noise.next() % UInt64(span))] = UInt8(truncatingIfNeeded: noise.next())
            }
            if round % 10 == 9 { bad = Array(bad.prefix(Int(noise.next() % UInt64(bad.count)))) }
            do {
                let decoded = try decoder.decode(bad, description: frames.description)
                #expect(decoded.bytes.count == decoded.description.pixelsPerFrame * decoded.description.samplesPerPixel
                        * decoded.description.bytesPerSample)
                successes += 1
            } catch {
                #expect([.decodeFailed, .unsupported].contains(error.code))
                failures += 1
            }
        }
        print("\(path): \(successes) mutated streams decoded, \(failures) refused")
        #expect(successes + failures == rounds)
    }
}
