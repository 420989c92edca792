import Foundation
import Testing
@testable import DicomCore

/// The project's table of Image Pixel narrowings (scripts/tables/image-pixel-constraints.tsv) as
/// generated: every row parsed, every row naming its section, and the rules asked the questions
/// of issue 14 item 4.
@Suite struct ImagePixelConstraintsTests {
    static let us = "1.2.840.10008.5.1.4.1.1.6.1", usMultiFrame = "1.2.840.10008.5.1.4.1.1.3.1"
    static let trueColourSC = "1.2.840.10008.5.1.4.1.1.7.4", sc = "1.2.840.10008.5.1.4.1.1.7"
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static let rgb8 = ImagePixelConstraints.Values(photometricInterpretation: "RGB", samplesPerPixel: 3, planarConfiguration: 0,
                                                   bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0)

    static func table() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("scripts/tables/image-pixel-constraints.tsv"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }.dropFirst().map { $0 }
    }

    @Test func everyRowIsGeneratedWithItsSection() throws {
        let rows = try Self.table()
        #expect(ImagePixelConstraints.rules.count == rows.count)
        #expect(ImagePixelConstraints.rules.allSatisfy { !$0.sopClasses.isEmpty && $0.section.first.map { "AC".contains($0) } == true })
        // The IODs the issue names each have rules.
        for uid in [Self.us, Self.usMultiFrame, "1.2.840.10008.5.1.4.1.1.7.1", "1.2.840.10008.5.1.4.1.1.7.2",
                    "1.2.840.10008.5.1.4.1.1.7.3", Self.trueColourSC, "1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.2",
                    "1.2.840.10008.5.1.4.1.1.1.3", "1.2.840.10008.5.1.4.1.1.12.1", "1.2.840.10008.5.1.4.1.1.12.2",
                    "1.2.840.10008.5.1.4.1.1.20", "1.2.840.10008.5.1.4.1.1.128", Self.ct, "1.2.840.10008.5.1.4.1.1.4",
                    "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.4.1", "1.2.840.10008.5.1.4.1.1.12.1.1",
                    "1.2.840.10008.5.1.4.1.1.77.1.5.7"] {
            #expect(!ImagePixelConstraints.rules(forSOPClass: uid).isEmpty, "\(uid)")
        }
        #expect(ImagePixelConstraints.rules(forSOPClass: Self.sc).isEmpty)
    }

    @Test func ultrasoundJPEGBaselineIsYBRFull422ByPixel() throws {
        var v = Self.rgb8
        v.photometricInterpretation = "YBR_FULL"
        let found = ImagePixelConstraints.violations(sopClass: Self.us, syntax: .jpegBaseline, values: v)
        #expect(Set(found.map(\.rule.section)) == ["C.8.5.6.1.2", "C.8.5.6.1.16"])
        #expect(found.first?.message.contains("US Image module") == true)
        v.photometricInterpretation = "YBR_FULL_422"
        #expect(ImagePixelConstraints.violations(sopClass: Self.us, syntax: .jpegBaseline, values: v).isEmpty)
        #expect(ImagePixelConstraints.violations(sopClass: Self.usMultiFrame, syntax: .jpegBaseline, values: v).isEmpty)
        v.planarConfiguration = 1
        #expect(ImagePixelConstraints.violations(sopClass: Self.us, syntax: .jpegBaseline, values: v).map(\.rule.section) == ["C.8.5.6.1.16"])
        // RGB is permitted natively and in JPEG-LS, not in JPEG Baseline or JPEG 2000.
        #expect(ImagePixelConstraints.violations(sopClass: Self.us, syntax: .explicitVRLittleEndian, values: Self.rgb8).isEmpty)
        #expect(ImagePixelConstraints.violations(sopClass: Self.us, syntax: .jpegLSNearLossless, values: Self.rgb8).isEmpty)
        #expect(ImagePixelConstraints.violations(sopClass: Self.us, syntax: .jpeg2000Lossless, values: Self.rgb8).count == 1)
        // Nothing narrows the Secondary Capture Image IOD.
        #expect(ImagePixelConstraints.violations(sopClass: Self.sc, syntax: .jpegBaseline, values: v).isEmpty)
    }

    @Test func numbersAreComparedAsNumbersAndHighBitFollowsBitsStored() throws {
        let ok = ImagePixelConstraints.Values(photometricInterpretation: "MONOCHROME2", samplesPerPixel: 1, bitsAllocated: 16,
                                              bitsStored: 12, highBit: 11, pixelRepresentation: 1)
        #expect(ImagePixelConstraints.violations(sopClass: Self.ct, syntax: .explicitVRLittleEndian, values: ok).isEmpty)
        var bad = ok
        bad.bitsAllocated = 8; bad.bitsStored = 10; bad.highBit = 15
        let found = ImagePixelConstraints.violations(sopClass: Self.ct, syntax: .explicitVRLittleEndian, values: bad)
        #expect(Set(found.map(\.rule.keyword)) == ["BitsAllocated", "BitsStored", "HighBit"])
        #expect(found.first { $0.rule.keyword == "BitsStored" }?.message.contains("allowed: 12 to 16") == true)
        #expect(found.first { $0.rule.keyword == "HighBit" }?.message.contains("BitsStored - 1 = 9") == true)
    }

    @Test func trueColourSecondaryCapturePhotometricFollowsTheSyntax() throws {
        var v = Self.rgb8
        #expect(ImagePixelConstraints.violations(sopClass: Self.trueColourSC, syntax: .rleLossless, values: v).isEmpty)
        #expect(ImagePixelConstraints.violations(sopClass: Self.trueColourSC, syntax: .jpegBaseline, values: v).map(\.rule.section) == ["A.8.5.4"])
        v.photometricInterpretation = "YBR_ICT"
        #expect(ImagePixelConstraints.violations(sopClass: Self.trueColourSC, syntax: .jpeg2000, values: v).isEmpty)
        #expect(ImagePixelConstraints.violations(sopClass: Self.trueColourSC, syntax: .jpeg2000Lossless, values: v).count == 1)
        #expect(ImagePixelConstraints.SyntaxClass(.htj2k) == .j2kLossy)
        #expect(ImagePixelConstraints.SyntaxClass(.htj2kLossless) == .j2kLossless)
        #expect(ImagePixelConstraints.SyntaxClass(.deflatedExplicitVRLittleEndian) == .native)
    }
}
