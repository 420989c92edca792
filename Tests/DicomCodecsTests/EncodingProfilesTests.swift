import DicomCodecs
import DicomCore
import Testing

@Suite struct EncodingProfilesTests {
    func image(_ pi: String, samples: Int = 1, allocated: Int = 8, stored: Int = 8, signed: Bool = false,
               highBit: Int? = nil) -> PixelDescription {
        PixelDescription(rows: 10, columns: 10, samplesPerPixel: samples, bitsAllocated: allocated, bitsStored: stored,
                         highBit: highBit, pixelRepresentation: signed ? 1 : 0, photometricInterpretation: pi)
    }

    func message(_ d: PixelDescription, _ uid: String) -> String? {
        do {
            try EncodingProfiles.check(d, for: uid)
            return nil
        } catch {
            #expect(error.code == .unsupported)
            return error.message
        }
    }

    @Test func jpegBaselineNamesBitsStored() {
        let text = message(image("MONOCHROME2", allocated: 16, stored: 12), "1.2.840.10008.1.2.4.50")
        #expect(text?.contains("JPEG Baseline requires Bits Stored 8: (0028,0101) BitsStored is 12") == true)
        #expect(text?.contains("(0028,0100) BitsAllocated is 16") == true)
    }

    @Test func everyOffendingValueIsNamed() {
        let text = message(image("MONOCHROME2", allocated: 16, stored: 12, signed: true, highBit: 15),
                           "1.2.840.10008.1.2.4.50") ?? ""
        for fragment in ["(0028,0100) BitsAllocated is 16", "(0028,0101) BitsStored is 12",
                         "(0028,0103) PixelRepresentation is 1", "(0028,0102) HighBit is 15"] {
            #expect(text.contains(fragment), "\(fragment) missing from: \(text)")
        }
    }

    @Test func photometricInterpretationIsChecked() {
        let text = message(image("YBR_ICT", samples: 3), "1.2.840.10008.1.2.4.90")
        #expect(text?.contains("(0028,0004) PhotometricInterpretation is YBR_ICT") == true)
        #expect(message(image("YBR_ICT", samples: 3), "1.2.840.10008.1.2.4.91") == nil)
        #expect(message(image("PALETTE COLOR"), "1.2.840.10008.1.2.4.81")?.contains("PALETTE COLOR") == true)
        #expect(message(image("RGB", samples: 1), "1.2.840.10008.1.2.4.80")?.contains("(0028,0002) SamplesPerPixel is 1") == true)
    }

    @Test func acceptedCombinations() {
        #expect(message(image("MONOCHROME2"), "1.2.840.10008.1.2.4.50") == nil)
        #expect(message(image("RGB", samples: 3), "1.2.840.10008.1.2.4.50") == nil)
        #expect(message(image("MONOCHROME1", allocated: 16, stored: 12), "1.2.840.10008.1.2.4.51") == nil)
        #expect(message(image("MONOCHROME2", allocated: 16, stored: 16, signed: true), "1.2.840.10008.1.2.4.80") == nil)
        #expect(message(image("RGB", samples: 3, allocated: 16, stored: 12), "1.2.840.10008.1.2.4.81") == nil)
        #expect(message(image("MONOCHROME2", allocated: 16, stored: 13, signed: true), "1.2.840.10008.1.2.4.90") == nil)
        #expect(message(image("MONOCHROME2", allocated: 1, stored: 1), "1.2.840.10008.1.2.8.1") == nil)
        // The frame-wise uncompressed syntaxes do not care where the high bit is.
        #expect(message(image("MONOCHROME2", allocated: 16, stored: 12, highBit: 15), "1.2.840.10008.1.2.1.98") == nil)
    }

    @Test func signednessAndRanges() {
        #expect(message(image("RGB", samples: 3, signed: true), "1.2.840.10008.1.2.4.90")?
            .contains("(0028,0103) PixelRepresentation is 1") == true)
        #expect(message(image("MONOCHROME2", allocated: 8, stored: 1), "1.2.840.10008.1.2.4.80")?
            .contains("(0028,0101) BitsStored is 1") == true)
        #expect(message(image("YBR_FULL", samples: 3, allocated: 16, stored: 12), "1.2.840.10008.1.2.4.80")?
            .contains("(0028,0100) BitsAllocated is 16") == true)
        #expect(message(image("MONOCHROME2", allocated: 8, stored: 12), "1.2.840.10008.1.2.4.90")?
            .contains("Bits Stored <= Bits Allocated") == true)
    }

    @Test func unknownSyntaxIsUnsupported() {
        #expect(message(image("MONOCHROME2"), "1.2.3.4")?.contains("1.2.3.4") == true)
        // Every encodable syntax with a codec in DicomCodecs has a profile.
        for uid in ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
                    "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
                    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.5",
                    "1.2.840.10008.1.2.1.98", "1.2.840.10008.1.2.8.1"] {
            #expect(message(image("MONOCHROME2"), uid) == nil, "\(uid)")
        }
    }
}
