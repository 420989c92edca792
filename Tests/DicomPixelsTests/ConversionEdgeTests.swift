import DicomCodecs
import DicomCore
import DicomIO
import Testing
@testable import DicomPixels

/// Values from files at the edges of Double that reach integer conversions in DicomPixels (issue 13,
/// "No trapping conversions"): each gives a defined result instead of a trap.
@Suite struct ConversionEdgeTests {
    static func grey16(_ samples: [UInt16]) -> DecodedFrame {
        DecodedFrame(bytes: samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] },
                     description: PixelDescription(rows: 1, columns: samples.count, bitsAllocated: 16, bitsStored: 16,
                                                   photometricInterpretation: "MONOCHROME2"))
    }

    /// Window and rescale values a DS can hold: NaN, infinities, 1e308. NaN maps to 0, the rest clamp.
    @Test(arguments: [(Double.nan, 256.0, 1.0, 0.0), (128, .nan, 1, 0), (128, 256, Double.nan, 0), (128, 256, 1, Double.nan),
                      (.infinity, 256, 1, 0), (-.infinity, 256, 1, 0), (128, .infinity, 1, 0), (1e308, 1e308, 1e308, -1e308),
                      (.infinity, .infinity, .infinity, -.infinity)])
    func windowEdges(center: Double, width: Double, slope: Double, intercept: Double) throws {
        let f = Self.grey16([0, 1000, 65535])
        guard width >= 1 else { return }  // NaN widths are refused before (storedWindow, --window)
        let out = try PixelTransforms.windowTo8Bit(f, window: .init(center: center, width: width), slope: slope, intercept: intercept)
        #expect(out.bytes.count == 3)
        if slope.isNaN || intercept.isNaN || center.isNaN { #expect(out.bytes == [0, 0, 0]) }
    }

    /// A lossy ratio too large for 16 characters in fixed notation: an exponent DS, not Int(Double).
    @Test func hugeRatioIsAnExponentDS() {
        #expect(LossyBookkeeping.formatDS(1e20) == "1e+20")
        #expect(LossyBookkeeping.formatDS(1.5e300) == "1.5e+300")
        #expect(LossyBookkeeping.formatDS(12.5) == "12.500")
    }

    /// High Bit given as SS -1 (an explicit VR file may say so) is invalid input, not a UInt16 trap later.
    @Test func highBitOutsideUSIsInvalidInput() throws {
        var ds = Dataset()
        ds.setUInt16(PixelModule.rows, 2)
        ds.setUInt16(PixelModule.columns, 2)
        ds.setUInt16(PixelModule.bitsAllocated, 16)
        ds.setUInt16(PixelModule.bitsStored, 16)
        ds.set(Element(tag: PixelModule.highBit, vr: .SS, value: .bytes(ValueBytes([0xFF, 0xFF]))))
        ds.set(Element(tag: .pixelData, vr: .OW, value: .bytes(ValueBytes([UInt8](repeating: 0, count: 8)))))
        #expect(throws: DicomError.self) { _ = try PixelModule(ds, syntax: .explicitVRLittleEndian) }
        do {
            _ = try PixelModule(ds, syntax: .explicitVRLittleEndian)
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.tag == PixelModule.highBit)
        }
    }
}
