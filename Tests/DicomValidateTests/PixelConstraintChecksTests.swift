import DicomCore
import DicomIO
import Testing
@testable import DicomValidate

/// validate reports the module- and IOD-specific narrowings of the Image Pixel attributes
/// (iod.pixel.value; the project's table, PS3.3 C.8.5.6.1.2 and the like), which the generated IOD
/// tables do not carry.
@Suite struct PixelConstraintChecksTests {
    static func ultrasound(_ photometric: String, planar: UInt16) -> Dataset {
        var ds = Fixture.secondaryCapture()
        ds.setString(Fixture.tag("SOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.6.1")
        ds.setString(Fixture.tag("Modality"), .CS, "US")
        ds.setUInt16(Fixture.tag("SamplesPerPixel"), 3)
        ds.setString(Fixture.tag("PhotometricInterpretation"), .CS, photometric)
        ds.setUInt16(Fixture.tag("PlanarConfiguration"), planar)
        ds.set(Element(tag: Tag.pixelData, vr: .OB, value: .bytes(ValueBytes([UInt8](repeating: 9, count: 12)))))
        return ds
    }

    static func pixelFindings(_ ds: Dataset) throws -> [Finding] {
        try Fixture.findings(ds).filter { $0.rule == "iod.pixel.value" }
    }

    @Test func ultrasoundPhotometricAndPlanarConfiguration() throws {
        #expect(try Self.pixelFindings(Self.ultrasound("RGB", planar: 0)).isEmpty)
        #expect(try Self.pixelFindings(Self.ultrasound("RGB", planar: 1)).isEmpty)
        // Native YBR_FULL is not among C.8.5.6.1.2's values, and YBR_FULL is by plane (C.8.5.6.1.16).
        let found = try Self.pixelFindings(Self.ultrasound("YBR_FULL", planar: 0))
        #expect(Set(found.map(\.reference)) == ["PS3.3 C.8.5.6.1.2", "PS3.3 C.8.5.6.1.16"], "\(found)")
        #expect(found.allSatisfy { $0.severity == .error })
        #expect(found.contains { $0.path == "PlanarConfiguration" && $0.tag == "(0028,0006)" })
    }

    @Test func secondaryCaptureIsNotNarrowedButCTIs() throws {
        #expect(try Self.pixelFindings(Fixture.secondaryCapture()).isEmpty)
        var ct = Fixture.secondaryCapture()
        ct.setString(Fixture.tag("SOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.2")
        let found = try Self.pixelFindings(ct)
        // Bits Allocated 8, Bits Stored 8 and High Bit 7 in a CT image (C.8.2.1.1.4-6).
        #expect(Set(found.map(\.path)) == ["BitsAllocated", "BitsStored"], "\(found)")
        #expect(found.contains { $0.reference == "PS3.3 C.8.2.1.1.4" && $0.message.contains("allowed: 16") })
    }
}
