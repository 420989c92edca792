import Foundation
import Testing
@testable import DicomValidate

/// FindingRenderer writes JSON itself (JSONSerialization is not in FoundationEssentials): the
/// document must read back as the same objects, with keys in JSONSerialization's sorted order.
@Suite struct FindingJSONTests {
    @Test func jsonMatchesJSONSerialization() throws {
        let awkward = "a/b \"q\" \\ \u{8}\u{C}\n\r\t\u{1}\u{1F}\u{7F} é \u{2028} \u{1F600}"
        let doc: [String: Any] = [
            "$schema": "https://example/x.json", "version": "2.1.0", "errors": 3, "warnings": 0,
            "findings": [["severity": "error", "rule": "vr-length", "path": awkward, "tag": "(0010,0010)",
                          "message": awkward, "reference": "PS3.5 6.2", "offset": 132]],
            "runs": [["tool": ["driver": ["name": "dicomtool", "informationUri": "u", "rules": [] as [Any]]],
                      "results": [["ruleId": "r", "level": "note", "locations": [["logicalLocations": [["kind": "member"]],
                                   "physicalLocation": ["artifactLocation": ["uri": "x"], "region": ["byteOffset": 7]]]]]]]],
        ]
        let ours = FindingRenderer.jsonString(doc)
        let theirs = String(decoding: try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        // Both read back by the same parser give the same objects.
        let parse = { (s: String) throws -> NSDictionary? in try JSONSerialization.jsonObject(with: Data(s.utf8)) as? NSDictionary }
        let readOurs = try #require(try parse(ours)), readTheirs = try #require(try parse(theirs))
        #expect(readOurs.isEqual(readTheirs), "\(ours)")
        // Same key order as .sortedKeys (the keys need no escaping, so they appear in the same sequence).
        let keys = { (s: String) in s.split(separator: "\"").filter { doc.keys.contains(String($0)) } }
        #expect(keys(ours) == keys(theirs))
    }

    @Test func sarifURIMatchesPercentEncoding() {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        for path in ["/tmp/a b/ü.dcm", "C:/x;y?z#%", "rel/x.dcm"] {
            #expect(FindingRenderer.sarifURI(path) == path.addingPercentEncoding(withAllowedCharacters: allowed))
        }
    }
}
