import DicomCodecs
import DicomCore
import Foundation
import Testing

/// HTJ2K encoding through OpenJPH, checked by decoding with OpenJPEG (`HTJ2KDecoder`) and, where
/// installed, with OpenJPEG's command-line decoder.
@Suite struct HTJ2KEncoderTests {
    let decoder = HTJ2KDecoder()

    /// Marker segments of the main header (SOC to the first SOT): marker code -> segment body.
    func mainHeader(_ codestream: [UInt8]) -> [(marker: UInt16, body: [UInt8])] {
        var segments: [(UInt16, [UInt8])] = []
        var at = 2
        while at + 4 <= codestream.count, codestream[at] == 0xFF, codestream[at + 1] != 0x90 {
            let length = Int(codestream[at + 2]) << 8 | Int(codestream[at + 3])
            guard length >= 2, at + 2 + length <= codestream.count else { break }
            segments.append((UInt16(codestream[at]) << 8 | UInt16(codestream[at + 1]),
                             Array(codestream[(at + 4)..<(at + 2 + length)])))
            at += 2 + length
        }
        return segments
    }

    @Test(arguments: Corpus.losslessSources)
    func losslessRoundTripIsBitExactInBothLosslessSyntaxes(_ path: String) throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let frame = try nativeFrame(path)
        for syntax in [HTJ2KEncoder.Syntax.lossless, .losslessRPCL, .unconstrained] {
            let encoded = try HTJ2KEncoder(syntax: syntax).encode(frame, options: EncodeOptions())
            #expect(encoded.outcome.isLossy == false && encoded.outcome.method == nil)
            #expect(abs(encoded.outcome.ratio - Double(frame.bytes.count) / Double(encoded.bytes.count)) < 1e-9)
            #expect(encoded.bytes.starts(with: [0xFF, 0x4F, 0xFF, 0x51]))
            let header = mainHeader(encoded.bytes)
            // CAP (0xFF50) announces Part 15 capabilities: the code blocks are High-Throughput.
            #expect(header.contains { $0.marker == 0xFF50 }, "\(path): no CAP marker")
            if frame.description.photometricInterpretation == "RGB" {
                #expect(encoded.description.photometricInterpretation == "YBR_RCT")
            } else {
                #expect(encoded.description.photometricInterpretation == frame.description.photometricInterpretation)
            }
            let decoded = try decoder.decode(encoded.bytes, description: encoded.description)
            #expect(decoded.bytes == frame.bytes, "\(path) \(syntax) \(frame.description)")
            #expect(md5Hex(decoded.bytes) == md5Hex(frame.bytes))
            if syntax == .lossless {
                print("HTJ2K lossless \(path): ratio \(String(format: "%.2f", encoded.outcome.ratio))")
            }
        }
    }

    @Test func rpclHasRPCLOrderEnoughLevelsAndTLM() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let frame = try nativeFrame("native/examples_palette.dcm")  // 800 x 350
        let encoded = try HTJ2KEncoder(syntax: .losslessRPCL).encode(frame, options: EncodeOptions())
        let header = mainHeader(encoded.bytes)
        let cod = try #require(header.first { $0.marker == 0xFF52 }?.body)
        #expect(cod[1] == 2, "progression order \(cod[1]), RPCL is 2")
        // 800 >> 4 = 50 <= 64: at least four levels, the default five here.
        #expect(cod[5] >= 4)
        let tlm = try #require(header.first { $0.marker == 0xFF55 }?.body)
        #expect(tlm.count == 2 + 6 && tlm[1] == 0x60)
        let tilePartLength = tlm[4...7].reduce(0) { $0 << 8 | Int($1) }
        let sot = try #require((0..<(encoded.bytes.count - 1)).first { encoded.bytes[$0] == 0xFF && encoded.bytes[$0 + 1] == 0x90 })
        #expect(sot + tilePartLength == encoded.bytes.count - 2, "tile-part ends at EOC")
        #expect(Array(encoded.bytes.suffix(2)) == [0xFF, 0xD9])

        let lrcp = try HTJ2KEncoder(syntax: .lossless).encode(frame, options: EncodeOptions())
        let lrcpCOD = try #require(mainHeader(lrcp.bytes).first { $0.marker == 0xFF52 }?.body)
        #expect(lrcpCOD[1] == 0)
        #expect(!mainHeader(lrcp.bytes).contains { $0.marker == 0xFF55 })
    }

    @Test func rpclOnALongThinImageUsesMoreLevels() throws {
        let frame = syntheticFrame(rows: 80, columns: 4000, samples: 1, bits: 12)
        let encoded = try HTJ2KEncoder(syntax: .losslessRPCL).encode(frame, options: EncodeOptions())
        let cod = try #require(mainHeader(encoded.bytes).first { $0.marker == 0xFF52 }?.body)
        #expect(cod[5] == 6, "4000 needs 6 levels to reach 63")
        #expect(try decoder.decode(encoded.bytes, description: encoded.description).bytes == frame.bytes)
        // 2 x 4000 cannot reach 64 samples: levels are bounded by the short side (and 1-bit
        // images by their profile).
        do {
            _ = try HTJ2KEncoder(syntax: .losslessRPCL).encode(syntheticFrame(rows: 2, columns: 4000, samples: 1, bits: 8),
                                                              options: EncodeOptions())
            Issue.record("2x4000 RPCL accepted")
        } catch {
            #expect(error.code == .unsupported)
        }
    }

    @Test func depthsSignsAndColourRoundTrip() throws {
        for (bits, signed, samples) in [(8, false, 1), (8, true, 1), (12, false, 1), (12, true, 1), (16, false, 1),
                                        (16, true, 1), (1, false, 1), (13, true, 1), (8, false, 3), (16, false, 3), (10, false, 3)] {
            let frame = syntheticFrame(rows: 37, columns: 53, samples: samples, bits: bits, signed: signed)
            let encoded = try HTJ2KEncoder().encode(frame, options: EncodeOptions())
            let decoded = try decoder.decode(encoded.bytes, description: encoded.description)
            #expect(sampleValues(decoded) == sampleValues(frame), "\(bits)-bit signed \(signed) x\(samples)")
            #expect(encoded.description.photometricInterpretation == (samples == 3 ? "YBR_RCT" : "MONOCHROME2"))
        }
        // YBR_FULL is already decorrelated: no colour transform, the interpretation stays.
        let ybr = syntheticFrame(rows: 16, columns: 16, samples: 3, bits: 8, photometric: "YBR_FULL")
        let encoded = try HTJ2KEncoder().encode(ybr, options: EncodeOptions())
        #expect(encoded.description.photometricInterpretation == "YBR_FULL")
        let cod = try #require(mainHeader(encoded.bytes).first { $0.marker == 0xFF52 }?.body)
        #expect(cod[4] == 0, "multiple component transform off")
        #expect(try decoder.decode(encoded.bytes, description: encoded.description).bytes == ybr.bytes)
    }

    @Test func planarConfigurationOneIsEncodedByPixel() throws {
        var frame = syntheticFrame(rows: 9, columns: 11, samples: 3, bits: 8)
        let byPixel = frame.bytes
        var planar = [UInt8](repeating: 0, count: byPixel.count)
        for p in 0..<99 { for s in 0..<3 { planar[s * 99 + p] = byPixel[p * 3 + s] } }
        frame.bytes = planar
        frame.description.planarConfiguration = 1
        let encoded = try HTJ2KEncoder().encode(frame, options: EncodeOptions())
        #expect(encoded.description.planarConfiguration == 0)
        #expect(try decoder.decode(encoded.bytes, description: encoded.description).bytes == byPixel)
    }

    func psnr(_ a: DecodedFrame, _ b: DecodedFrame) -> Double {
        let x = sampleValues(a), y = sampleValues(b)
        let mse = zip(x, y).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(x.count)
        let peak = Double((1 << a.description.bitsStored) - 1)
        return mse == 0 ? .infinity : 10 * log10(peak * peak / mse)
    }

    @Test(arguments: ["native/examples_rgb_color.dcm", "native/CT_small.dcm", "native/examples_overlay.dcm"])
    func irreversibleMeetsRatioAndPSNRTargets(_ path: String) throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let frame = try nativeFrame(path)
        var options = EncodeOptions()
        options.j2k = .ratio(10)
        let byRatio = try HTJ2KEncoder().encode(frame, options: options)
        #expect(byRatio.outcome.isLossy && byRatio.outcome.method == "ISO_15444_15")
        #expect(byRatio.outcome.ratio >= 10 && byRatio.outcome.ratio < 11, "ratio \(byRatio.outcome.ratio)")
        #expect(abs(byRatio.outcome.ratio - Double(frame.bytes.count) / Double(byRatio.bytes.count)) < 1e-9)
        if frame.description.samplesPerPixel == 3 { #expect(byRatio.description.photometricInterpretation == "YBR_ICT") }
        let ratioDecoded = try decoder.decode(byRatio.bytes, description: byRatio.description)
        #expect(ratioDecoded.description.photometricInterpretation == frame.description.photometricInterpretation)
        let ratioPSNR = psnr(frame, ratioDecoded)
        #expect(ratioPSNR > 25 && ratioPSNR.isFinite, "PSNR \(ratioPSNR) at ratio 10")

        options.j2k = .psnr(45)
        let byPSNR = try HTJ2KEncoder().encode(frame, options: options)
        let psnrDecoded = try decoder.decode(byPSNR.bytes, description: byPSNR.description)
        let measured = psnr(frame, psnrDecoded)
        #expect(measured >= 45 && measured < 46, "PSNR \(measured) for a 45 dB target")
        #expect(byPSNR.outcome.isLossy && byPSNR.outcome.ratio > 1)
        print(String(format: "HTJ2K 9/7 %@: ratio 10 -> measured %.2f, PSNR %.1f dB; PSNR 45 -> %.1f dB, ratio %.2f",
                     path, byRatio.outcome.ratio, ratioPSNR, measured, byPSNR.outcome.ratio))
    }

    @Test func unreachableAndMisdirectedTargetsAreRefused() throws {
        let frame = syntheticFrame(rows: 32, columns: 32, samples: 1, bits: 8)
        var options = EncodeOptions()
        for target in [EncodeOptions.J2KTarget.ratio(0.5), .psnr(-3), .ratio(.infinity)] {
            options.j2k = target
            #expect(throws: DicomError.self) { try HTJ2KEncoder().encode(frame, options: options) }
        }
        options.j2k = .ratio(10)
        for syntax in [HTJ2KEncoder.Syntax.lossless, .losslessRPCL] {
            do {
                _ = try HTJ2KEncoder(syntax: syntax).encode(frame, options: options)
                Issue.record("lossy encoding accepted for \(syntax.uid)")
            } catch {
                #expect(error.code == .usage && error.message.contains(syntax.uid))
            }
        }
        // A ratio of a million cannot be reached by any quantisation of a 1 KiB image.
        options.j2k = .ratio(1_000_000)
        #expect(throws: DicomError.self) { try HTJ2KEncoder().encode(frame, options: options) }
    }

    @Test func hostileGeometryIsRefusedBeforeEncoding() throws {
        func refused(_ d: PixelDescription, bytes: Int, _ code: DicomError.Code, _ fragment: String) {
            do {
                _ = try HTJ2KEncoder().encode(DecodedFrame(bytes: [UInt8](repeating: 0, count: bytes), description: d),
                                              options: EncodeOptions())
                Issue.record("accepted \(d)")
            } catch {
                #expect(error.code == code, "\(error)")
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        refused(PixelDescription(rows: 0, columns: 10, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "MONOCHROME2"),
                bytes: 0, .unsupported, "Rows")
        refused(PixelDescription(rows: 70_000, columns: 1, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "MONOCHROME2"),
                bytes: 70_000, .unsupported, "(0028,0010) Rows is 70000")
        // The frame is shorter than the description says: no read past its end.
        refused(PixelDescription(rows: 4096, columns: 4096, bitsAllocated: 16, bitsStored: 16, photometricInterpretation: "MONOCHROME2"),
                bytes: 100, .invalidInput, "100 bytes")
        refused(PixelDescription(rows: 4, columns: 4, bitsAllocated: 32, bitsStored: 24, photometricInterpretation: "MONOCHROME2"),
                bytes: 64, .unsupported, "(0028,0101) BitsStored is 24")
        refused(PixelDescription(rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 12, highBit: 15, photometricInterpretation: "MONOCHROME2"),
                bytes: 32, .unsupported, "HighBit")
        refused(PixelDescription(rows: 4, columns: 4, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, photometricInterpretation: "YBR_RCT"),
                bytes: 48, .unsupported, "YBR_RCT")
    }

    @Test func registryWritesAllThreeSyntaxes() throws {
        let frame = syntheticFrame(rows: 8, columns: 8, samples: 1, bits: 8)
        for syntax in [TransferSyntax.htj2kLossless, .htj2kLosslessRPCL, .htj2k] {
            let encoder = try #require(CodecRegistry.encoder(for: syntax))
            let encoded = try encoder.encode(frame, options: EncodeOptions())
            #expect(try decoder.decode(encoded.bytes, description: encoded.description).bytes == frame.bytes)
        }
        #expect(HTJ2KEncoder.libraryVersion.split(separator: ".").count == 3)
    }

    /// OpenJPEG's own command-line decoder reads the codestream to the same samples.
    @Test func openJPEGCommandLineDecodesTheCodestream() throws {
        guard Corpus.root != nil else { print("corpus absent: skipped"); return }
        let tool = ["/usr/bin/opj_decompress", "/usr/local/bin/opj_decompress"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else { print("opj_decompress absent: skipped"); return }
        let frame = try nativeFrame("native/CT_small.dcm")  // 16-bit signed
        for syntax in [HTJ2KEncoder.Syntax.lossless, .losslessRPCL] {
            let encoded = try HTJ2KEncoder(syntax: syntax).encode(frame, options: EncodeOptions())
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("htj2k-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let input = dir.appendingPathComponent("frame.j2c"), output = dir.appendingPathComponent("frame.rawl")
            try Data(encoded.bytes).write(to: input)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["-i", input.path, "-o", output.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            // .rawl: little-endian samples of the component precision, as DICOM stores them.
            #expect([UInt8](try Data(contentsOf: output)) == frame.bytes, "\(syntax)")
        }
    }
}
