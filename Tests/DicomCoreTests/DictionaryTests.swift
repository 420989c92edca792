import Testing
@testable import DicomCore

@Suite struct DictionaryTests {
    @Test func knownElementsAndMasks() throws {
        let rows = try #require(DataDictionary.entry(for: Tag(0x0028, 0x0010)))
        #expect(rows.keyword == "Rows")
        #expect(rows.vr == .US)
        let overlay = try #require(DataDictionary.entry(for: Tag(0x6002, 0x3000)))
        #expect(overlay.keyword == "OverlayData")
        #expect(DataDictionary.entry(for: Tag(0x6001, 0x3000)) == nil)
        #expect(DataDictionary.tag(forKeyword: "PatientName") == Tag(0x0010, 0x0010))
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0106))?.vrs == [.US, .SS])
        #expect(DataDictionary.count == 5354)
    }

    @Test func privateDictionaryMatchesByCreatorAndBlock() throws {
        let e = try #require(PrivateDictionary.entry(creator: "1.2.840.113681", tag: Tag(0x0019, 0x1110)))
        #expect(e.name == "CR Image Params Common")
        #expect(PrivateDictionary.entry(creator: "1.2.840.113681", tag: Tag(0x0019, 0x2210))?.name == "CR Image Params Common")
    }

    @Test func transferSyntaxDescriptorsCoverEveryRegisteredSyntax() throws {
        #expect(TransferSyntax.all.count == 63)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2.4.50")?.family == .jpegBaseline)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2\0")?.isExplicitVR == false)
        #expect(TransferSyntax(uid: "1.2.3.4") == nil)
        #expect(TransferSyntax.explicitVRBigEndian.isBigEndian)
        #expect(TransferSyntax.deflatedExplicitVRLittleEndian.isDeflated)
        #expect(!TransferSyntax.deflatedExplicitVRLittleEndian.isEncapsulated)
        #expect(TransferSyntax.rleLossless.isEncapsulated)
        #expect(TransferSyntax.implicitVRLittleEndian.family == .native)
        #expect(!TransferSyntax.implicitVRLittleEndian.isEncapsulated)
        for ts in [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian] {
            #expect(!ts.isEncapsulated && ts.family == .native, "\(ts)")
        }
    }
}
