import DicomCore
import Testing
@testable import DicomCreate

@Suite struct JSONTextTests {
    func parse(_ s: String) throws -> JSONText { try JSONTextParser.parse(Array(s.utf8)) }

    func refusal(_ s: String) -> String? {
        do { _ = try JSONTextParser.parse(Array(s.utf8)); return nil } catch { return error.message }
    }

    @Test func valuesKeepTheirOrderAndNumberText() throws {
        let v = try parse(#" {"b": [1.50, -0, 1e308, 18446744073709551615], "a": "x\u00e9\ud83d\ude00\n", "c": null, "d": true} "#)
        guard case .object(let members) = v else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a", "c", "d"])
        #expect(members[0].value == .array([.number("1.50"), .number("-0"), .number("1e308"), .number("18446744073709551615")]))
        #expect(members[1].value == .string("xé😀\n"))
        #expect(members[2].value == .null)
        #expect(members[3].value == .bool(true))
    }

    @Test func strictGrammarIsEnforced() {
        for bad in ["{\"a\":1,}", "[1,]", "{'a':1}", "[NaN]", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "{\"a\" 1}",
                    "\"\\ud800\"", "\"\\udc00\"", "\"a\u{01}\"", "\"\\x\"", "[1] [2]", "", "[", "{\"a\":1,\"a\":2}", "tru",
                    "// c\n{}"] {
            #expect(refusal(bad) != nil, "accepted: \(bad)")
        }
        // Invalid UTF-8 inside a string.
        #expect(throws: DicomError.self) { try JSONTextParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func errorsNameLineAndColumn() {
        let message = refusal("{\n  \"a\": [1,\n  2,,]\n}")
        #expect(message?.hasPrefix("JSON line 3, column") == true, "\(message ?? "")")
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(refusal(deep)?.contains("nested more than") == true)
    }
}
