import DicomCore
import Testing

@Suite struct UIDGenerationTests {
    @Test func newUIDsAreValid() {
        let u = Implementation.newUID()
        #expect(u.hasPrefix("2.25."))
        #expect(u.count <= 64)
        #expect(u.dropFirst(5).allSatisfy { $0.isNumber })
        #expect(UInt128Decimal.string(hi: 0, lo: 0) == "0")
        #expect(UInt128Decimal.string(hi: 0xFFFF_FFFF_FFFF_FFFF, lo: 0xFFFF_FFFF_FFFF_FFFF) == "340282366920938463463374607431768211455")
    }
}
