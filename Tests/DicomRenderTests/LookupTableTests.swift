import DicomCore
import Testing
@testable import DicomRender

@Suite struct LookupTableTests {
    @Test func segmentedPaletteExpands() throws {
        // discrete 0,10; linear to 50 over 4; discrete 255
        let words = [0, 2, 0, 10, 1, 4, 50, 0, 1, 255]
        let lut = try LookupTable.expandSegments(words, count: 7, what: "t", tag: .segmentedRedPaletteColorLookupTableData)
        #expect(lut == [0, 10, 20, 30, 40, 50, 255])
    }
}
