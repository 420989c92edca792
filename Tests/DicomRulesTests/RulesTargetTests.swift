import Testing
@testable import DicomRules

@Suite struct RulesTargetTests {
    @Test func targetLinksSwiftCrypto() {
        #expect(RulesTarget.hmacAvailable)
    }
}
