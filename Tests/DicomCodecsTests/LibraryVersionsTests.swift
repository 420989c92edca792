import Testing
@testable import DicomCodecs

@Suite struct LibraryVersionsTests {
    @Test func everyCLibraryLinksAndAnswers() {
        #expect(LibraryVersions.zlib.hasPrefix("1."))
        #expect(LibraryVersions.openJPEG.hasPrefix("2."))
        #expect(LibraryVersions.charLS.hasPrefix("2."))
        #expect(LibraryVersions.turboJPEG != "unavailable")
    }
}
