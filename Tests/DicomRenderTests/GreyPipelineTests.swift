import DicomCodecs
import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomRender

/// The grey pipeline's arithmetic against PS3.3 C.11 by hand-computed values.
@Suite struct GreyPipelineTests {
    /// A data set with the attributes the pipeline reads.
    static func dataset(photometric: String = "MONOCHROME2", slope: String? = nil, intercept: String? = nil,
                        centers: String? = nil, widths: String? = nil, function: String? = nil, shape: String? = nil) -> Dataset {
        var ds = Dataset()
        ds.setString(.photometricInterpretation, .CS, photometric)
        if let slope { ds.setString(.rescaleSlope, .DS, slope) }
        if let intercept { ds.setString(.rescaleIntercept, .DS, intercept) }
        if let centers { ds.setString(.windowCenter, .DS, centers) }
        if let widths { ds.setString(.windowWidth, .DS, widths) }
        if let function { ds.setString(.voilutFunction, .CS, function) }
        if let shape { ds.setString(.presentationLUTShape, .CS, shape) }
        return ds
    }

    static func pipeline(_ ds: Dataset, signed: Bool = false, bits: Int = 12, _ configure: (inout RenderOptions) -> Void = { _ in })
        throws -> GreyPipeline {
        var options = RenderOptions()
        configure(&options)
        return try GreyPipeline(ds, photometric: ds.string(.photometricInterpretation) ?? "MONOCHROME2", signed: signed,
                                bitsStored: bits, options: options)
    }

    static func resolved(_ p: GreyPipeline) throws -> GreyPipeline.ResolvedVOI {
        try p.resolve(minModality: 0, maxModality: 4095, percentile: { _ in 0 })
    }

    @Test func linearWindowFollowsC11_2_1_2_1() throws {
        let p = try Self.pipeline(Self.dataset(slope: "1", intercept: "-1024", centers: "40\\300", widths: "400\\1500"))
        let voi = try Self.resolved(p)
        #expect(voi == .window(center: 40, width: 400, function: .linear))
        // x <= c - 0.5 - (w-1)/2 = -160 is black; x > c - 0.5 + (w-1)/2 = 239 is white.
        #expect(p.level(-160, voi, maximum: 255) == 0)
        #expect(p.level(239.01, voi, maximum: 255) == 255)
        // ((40 - 39.5) / 399 + 0.5) * 255 = 127.82 -> 128
        #expect(p.level(40, voi, maximum: 255) == 128)
        #expect(p.level(40, voi, maximum: 65535) == 32850)  // 0.5012531 * 65535 = 32849.6
        #expect(p.modalityValue(1064) == 40)
    }

    @Test func windowIndexSelectsTheSecondWindow() throws {
        let p = try Self.pipeline(Self.dataset(centers: "40\\300", widths: "400\\1500")) { $0.voi = .fileWindow(2) }
        #expect(try Self.resolved(p) == .window(center: 300, width: 1500, function: .linear))
        let missing = try Self.pipeline(Self.dataset(centers: "40", widths: "400")) { $0.voi = .fileWindow(2) }
        #expect(throws: DicomError.self) { try Self.resolved(missing) }
    }

    @Test func linearExactAndSigmoid() throws {
        let exact = try Self.pipeline(Self.dataset(centers: "100", widths: "50", function: "LINEAR_EXACT"))
        let v = try Self.resolved(exact)
        #expect(v == .window(center: 100, width: 50, function: .linearExact))
        #expect(GreyPipeline.fraction(75, v) == 0)      // x <= c - w/2
        #expect(abs(GreyPipeline.fraction(110, v) - 0.7) < 1e-12)   // (110 - 100)/50 + 0.5
        #expect(GreyPipeline.fraction(125.5, v) == 1)
        let sigmoid = try Self.pipeline(Self.dataset(centers: "100", widths: "50")) { $0.voiFunction = .sigmoid }
        let s = try Self.resolved(sigmoid)
        #expect(GreyPipeline.fraction(100, s) == 0.5)
        #expect(abs(GreyPipeline.fraction(125, s) - 1 / (1 + exp(-2.0))) < 1e-12)
    }

    @Test func inversionHappensOnce() throws {
        let m1 = try Self.pipeline(Self.dataset(photometric: "MONOCHROME1"))
        #expect(m1.invert)
        let shaped = try Self.pipeline(Self.dataset(photometric: "MONOCHROME1", shape: "INVERSE"))
        #expect(shaped.invert)
        let m2inverse = try Self.pipeline(Self.dataset(shape: "INVERSE"))
        #expect(m2inverse.invert)
        let flipped = try Self.pipeline(Self.dataset(photometric: "MONOCHROME1")) { $0.invert = true }
        #expect(!flipped.invert)
        #expect(m1.level(0, .range(low: 0, high: 10), maximum: 255) == 255)
    }

    @Test func automaticFallsBackToTheRange() throws {
        let none = try Self.pipeline(Self.dataset())
        #expect(try none.resolve(minModality: -5, maxModality: 20, percentile: { _ in 0 }) == .range(low: -5, high: 20))
        // A window of width 0 is not usable: the range is used instead.
        let bad = try Self.pipeline(Self.dataset(centers: "10", widths: "0"))
        #expect(try bad.resolve(minModality: 1, maxModality: 2, percentile: { _ in 0 }) == .range(low: 1, high: 2))
    }

    @Test func renderedFrameUsesTheTableOfEveryStoredValue() throws {
        // 4 signed 16-bit pixels, rescale 2x + 100, min-max: -1000 -> 0, 500 -> 255.
        let values: [Int16] = [-550, -100, 0, 200]
        let bytes = values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let frame = DecodedFrame(bytes: bytes, description: PixelDescription(rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 16,
                                                                               pixelRepresentation: 1, photometricInterpretation: "MONOCHROME2"))
        let p = try Self.pipeline(Self.dataset(slope: "2", intercept: "100"), signed: true, bits: 16) { $0.voi = .minMax }
        let (image, voi) = try GreyRender.render(frame, p, bits: 8)
        #expect(voi == .range(low: -1000, high: 500))
        // (-100*2+100 + 1000)/1500*255 = 153; (100+1000)/1500*255 = 187; (500+1000)/1500 -> 255
        #expect(image.bytes == [0, 153, 187, 255])
        let (p99, _) = try GreyRender.render(frame, try Self.pipeline(Self.dataset(), signed: true, bits: 16) {
            $0.voi = .percentile(low: 0, high: 50)
        }, bits: 8)
        // ranks floor(0 * 3) = 0 -> -550 and floor(0.5 * 3) = 1 -> -100: above -100 is white.
        #expect(p99.bytes == [0, 255, 255, 255])
    }
}
