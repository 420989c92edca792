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

@Suite struct CorpusSupportTests {
    @Test func framesOfANativeFileSplitEvenly() throws {
        guard Corpus.root != nil else { print("skipped: no corpus"); return }
        let f = try Corpus.frames(of: "native/MR_small.dcm")
        #expect(f.description.rows == 64)
        #expect(f.codestreams.count == 1)
        #expect(f.codestreams[0].count == 64 * 64 * 2)
        #expect(md5Hex(f.codestreams[0]) == Corpus.manifest["native/MR_small.dcm"]?["native_pixels_md5"])
    }
}
