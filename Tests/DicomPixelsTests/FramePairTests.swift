import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomPixels

/// Frames coded two at a time must write exactly the bytes of coding them one at a time.
@Suite struct FramePairTests {
    /// A 5-frame 64x64 image whose frames differ (so a swapped pair would show).
    static func file(samples: Int, bits: Int, frames: Int = 5) -> DicomFile {
        let rows = 64, columns = 64, bytesPerSample = bits / 8
        var pixels: [UInt8] = []
        for f in 0..<frames {
            for y in 0..<rows {
                for x in 0..<columns {
                    for s in 0..<samples {
                        let v = (x * (s + 1) + y * 3 + f * 37 + (x * y) % 11) & (bits == 8 ? 0xFF : 0xFFF)
                        pixels.append(UInt8(v & 0xFF))
                        if bytesPerSample == 2 { pixels.append(UInt8(v >> 8)) }
                    }
                }
            }
        }
        var ds = Dataset()
        ds.setString(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.setString(Tag(0x0008, 0x0018), .UI, "1.2.826.0.1.3680043.2.1143.42")
        ds.setUInt16(PixelModule.rows, UInt16(rows))
        ds.setUInt16(PixelModule.columns, UInt16(columns))
        ds.setUInt16(PixelModule.samplesPerPixel, UInt16(samples))
        ds.setString(PixelModule.photometric, .CS, samples == 3 ? "RGB" : "MONOCHROME2")
        if samples == 3 { ds.setUInt16(PixelModule.planarConfiguration, 0) }
        ds.setString(PixelModule.numberOfFrames, .IS, String(frames))
        ds.setUInt16(PixelModule.bitsAllocated, UInt16(bits))
        ds.setUInt16(PixelModule.bitsStored, UInt16(bits == 8 ? 8 : 12))
        ds.setUInt16(PixelModule.highBit, UInt16(bits == 8 ? 7 : 11))
        ds.setUInt16(PixelModule.pixelRepresentation, 0)
        ds.set(Element(tag: .pixelData, vr: bits == 8 ? .OB : .OW, value: .bytes(ValueBytes(pixels))))
        let meta = DatasetWriter.makeMeta(for: ds, syntax: .explicitVRLittleEndian, previous: Dataset())
        return DicomFile(meta: meta, dataset: ds, transferSyntax: .explicitVRLittleEndian,
                         source: ByteSource(ownedBytes: [], name: "synthetic"))
    }

    /// The Part 10 bytes `transcode` writes to a file (streamed Pixel Data) with the given frame threads.
    static func written(_ file: DicomFile, to target: TransferSyntax, frameThreads: Int, stream: Bool = true) throws -> [UInt8] {
        var options = TranscodeOptions(target: target)
        options.frameThreads = frameThreads
        options.streamToFile = stream
        let out = try Transcoder(options).transcode(file)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("framepair-\(UUID().uuidString).dcm").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var sink = try AtomicOutput(destination: path)
        _ = try out.write(to: &sink, preamble: nil)
        try sink.commit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(arguments: [(3, 8), (1, 16)], [TransferSyntax.jpegLSLossless, .rleLossless])
    func pairsWriteTheSequentialBytes(shape: (samples: Int, bits: Int), target: TransferSyntax) throws {
        let source = Self.file(samples: shape.samples, bits: shape.bits)
        for stream in [true, false] {
            let sequential = try Self.written(source, to: target, frameThreads: 1, stream: stream)
            let paired = try Self.written(source, to: target, frameThreads: 2, stream: stream)
            #expect(sequential.count > 1000)
            #expect(paired == sequential, "\(target.name) \(shape) stream \(stream)")

            // Back to native, two at a time and one at a time: the same bytes, and the original pixels.
            let encoded = try Part10Reader.read(source: ByteSource(ownedBytes: paired, name: "encoded"))
            let nativeSequential = try Self.written(encoded, to: .explicitVRLittleEndian, frameThreads: 1)
            let nativePaired = try Self.written(encoded, to: .explicitVRLittleEndian, frameThreads: 2)
            #expect(nativePaired == nativeSequential)
            let back = try Part10Reader.read(source: ByteSource(ownedBytes: nativePaired, name: "native"))
            #expect(back.dataset[.pixelData]?.valueBytes?.bytes == source.dataset[.pixelData]?.valueBytes?.bytes)
        }
    }

    @Test func anOddFrameCountAndTwoFramesPairTheSame() throws {
        for frames in [2, 3] {
            let source = Self.file(samples: 3, bits: 8, frames: frames)
            let sequential = try Self.written(source, to: .jpegLSLossless, frameThreads: 1)
            #expect(try Self.written(source, to: .jpegLSLossless, frameThreads: 2) == sequential)
        }
    }

    /// Frames 3 and 4 of an RLE image broken: both paths name frame 3 with the same error, streamed
    /// (thrown while writing) and not, to JPEG-LS and to native.
    @Test func theLowestBrokenFrameIsReportedAsBefore() throws {
        let rleBytes = try Self.written(Self.file(samples: 1, bits: 16), to: .rleLossless, frameThreads: 1, stream: false)
        let rle = try Part10Reader.read(source: ByteSource(ownedBytes: rleBytes, name: "rle"))
        var fragments = try #require(rle.dataset[.pixelData]?.fragments?.fragments.map { $0 })
        #expect(fragments.count == 5)
        fragments[2] = ValueBytes([1, 0])
        fragments[3] = ValueBytes([9, 9, 9, 9])
        var ds = rle.dataset
        ds.set(Element(tag: .pixelData, vr: .OB, value: .fragments(Fragments(offsetTable: ValueBytes([]), fragments: fragments)),
                       hadUndefinedLength: true))
        let broken = DicomFile(meta: rle.meta, dataset: ds, transferSyntax: .rleLossless,
                               source: ByteSource(ownedBytes: [], name: "broken"))
        for target in [TransferSyntax.jpegLSLossless, .explicitVRLittleEndian] {
            for stream in [true, false] {
                var messages: [String] = []
                for threads in [1, 2] {
                    do {
                        _ = try Self.written(broken, to: target, frameThreads: threads, stream: stream)
                        messages.append("no error")
                    } catch let e as DicomError {
                        messages.append("\(e.code) \(e.message)")
                    }
                }
                #expect(messages[0].contains("frame 3"), "\(messages[0])")
                #expect(messages[1] == messages[0], "\(target.name) stream \(stream)")
            }
        }
    }
}
