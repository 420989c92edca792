import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomPixels

/// `derive --to-8bit` refuses a stored window or modality transform it cannot compute with
/// (issue 14, item 8): a NaN or infinite Window Center/Width or Rescale Slope/Intercept made every
/// pixel black (NaN compares false with every bound) with exit status 0; a Window Width below 1
/// (PS3.3 C.11.2.1.2.1 requires at least 1) was silently replaced by the full range.
@Suite struct DeriveRefusalTests {
    static let windowCenter = Tag(0x0028, 0x1050), windowWidth = Tag(0x0028, 0x1051)
    static let rescaleIntercept = Tag(0x0028, 0x1052), rescaleSlope = Tag(0x0028, 0x1053)

    static func derive(_ edit: (inout Dataset) -> Void, window: PixelTransforms.Window? = nil) throws(DicomError) -> [Deriver.Output] {
        var file = DeriveTests.enhanced()
        edit(&file.dataset)
        var o = DeriveOptions()
        o.to8Bit = true
        o.window = window
        return try Deriver(o).derive(file)
    }

    /// The error thrown, or nil when the derivation succeeds.
    static func refusal(_ edit: (inout Dataset) -> Void, window: PixelTransforms.Window? = nil) -> DicomError? {
        do { _ = try derive(edit, window: window); return nil } catch { return error }
    }

    @Test func nonFiniteStoredWindowIsRefused() {
        for (c, w, tag) in [("NaN", "400", Self.windowCenter), ("40", "NaN", Self.windowWidth), ("inf", "400", Self.windowCenter),
                            ("40", "-Infinity", Self.windowWidth), ("40", "1e999", Self.windowWidth), ("forty", "400", Self.windowCenter)] {
            let e = Self.refusal { $0.setString(Self.windowCenter, .DS, c); $0.setString(Self.windowWidth, .DS, w) }
            #expect(e?.code == .invalidInput && e?.tag == tag, "\(c)/\(w): \(String(describing: e))")
            #expect(e?.message.contains("not a finite number") == true)
        }
    }

    @Test func storedWindowWidthBelowOneIsRefused() {
        for w in ["0", "-5", "0.5"] {
            let e = Self.refusal { $0.setString(Self.windowCenter, .DS, "40"); $0.setString(Self.windowWidth, .DS, w) }
            #expect(e?.code == .invalidInput && e?.tag == Self.windowWidth, "\(w): \(String(describing: e))")
        }
        #expect(Self.refusal { $0.setString(Self.windowCenter, .DS, "40"); $0.setString(Self.windowWidth, .DS, "1") } == nil)
    }

    @Test func nonFiniteRescaleIsRefusedAtTheTopAndInFunctionalGroups() throws {
        let e = Self.refusal { $0.setString(Self.rescaleSlope, .DS, "NaN"); $0.setString(Self.rescaleIntercept, .DS, "0") }
        #expect(e?.code == .invalidInput && e?.tag == Self.rescaleSlope, "\(String(describing: e))")
        let i = Self.refusal { $0.setString(Self.rescaleSlope, .DS, "1"); $0.setString(Self.rescaleIntercept, .DS, "-inf") }
        #expect(i?.tag == Self.rescaleIntercept)
        // Pixel Value Transformation in the Shared Functional Groups.
        let g = Self.refusal { ds in
            var transform = Dataset()
            transform.setString(Self.rescaleIntercept, .DS, "0")
            transform.setString(Self.rescaleSlope, .DS, "NaN")
            var shared = ds.items(Tag(0x5200, 0x9229))?.first ?? Dataset()
            shared.setSequence(Tag(0x0028, 0x9145), [transform])
            ds.setSequence(Tag(0x5200, 0x9229), [shared])
        }
        #expect(g?.tag == Self.rescaleSlope, "\(String(describing: g))")
    }

    @Test func nonFiniteFrameVOILUTIsRefused() {
        let e = Self.refusal { ds in
            var voi = Dataset()
            voi.setString(Self.windowCenter, .DS, "NaN")
            voi.setString(Self.windowWidth, .DS, "400")
            var frames = ds.items(Tag(0x5200, 0x9230)) ?? []
            frames[0].setSequence(Tag(0x0028, 0x9132), [voi])
            ds.setSequence(Tag(0x5200, 0x9230), frames)
        }
        #expect(e?.tag == Self.windowCenter, "\(String(describing: e))")
    }

    /// --window replaces the stored window, which is then not read; finite values still derive.
    @Test func givenWindowAndFiniteValuesStillDerive() throws {
        let nanWindow: (inout Dataset) -> Void = { $0.setString(Self.windowCenter, .DS, "NaN"); $0.setString(Self.windowWidth, .DS, "NaN") }
        #expect(Self.refusal(nanWindow, window: .init(center: 100, width: 200)) == nil)
        let out = try Self.derive { $0.setString(Self.windowCenter, .DS, "100"); $0.setString(Self.windowWidth, .DS, "200") }
        let bytes = try #require(out.first?.dataset[.pixelData]?.valueBytes).bytes
        #expect(bytes[0] == 0 && bytes[16] == 118 && bytes[47] == 255, "the window of to8BitMakesSecondaryCaptureAndIdentityTransforms")
    }
}
