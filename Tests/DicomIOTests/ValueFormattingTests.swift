import DicomCore
import Foundation
import Testing
@testable import DicomIO

/// Every binary VR formatted exactly from its bytes, in both byte orders and in every renderer
/// (text, JSON, XML): the values where a detour through Double rounds or traps.
@Suite struct ValueFormattingTests {
    /// One element of `vr` holding `units` (each the raw little-endian number of the VR's width),
    /// stored in the given byte order.
    private func element(_ vr: VR, _ units: [UInt64], bigEndian: Bool = false, tag: DicomCore.Tag = DicomCore.Tag(0x0011, 0x1001)) -> Element {
        let w = vr.byteSwapUnit
        var bytes: [UInt8] = []
        for u in units {
            let le = (0..<w).map { UInt8(truncatingIfNeeded: u >> (8 * UInt64($0))) }
            bytes += bigEndian ? le.reversed() : le
        }
        let source = ByteSource(ownedBytes: bytes, name: "test")
        return Element(tag: tag, vr: vr, value: .bytes(ValueBytes(source: source, range: 0..<bytes.count, isBigEndian: bigEndian)))
    }

    private func text(_ e: Element) -> [String]? { ValueText.values(e, in: Dataset(elements: [e])) }

    @Test(arguments: [false, true]) func integersAtTheEdgesOfEveryWidth(bigEndian: Bool) {
        #expect(text(element(.US, [0, 0xFFFF], bigEndian: bigEndian)) == ["0", "65535"])
        #expect(text(element(.SS, [0x8000, 0x7FFF, 0xFFFF], bigEndian: bigEndian)) == ["-32768", "32767", "-1"])
        #expect(text(element(.UL, [0xFFFF_FFFF], bigEndian: bigEndian)) == ["4294967295"])
        #expect(text(element(.SL, [0x8000_0000, 0x7FFF_FFFF], bigEndian: bigEndian)) == ["-2147483648", "2147483647"])
        let sv: [Int64] = [.max, .min, 1_234_567_890_123_456_789, 9_007_199_254_740_993, -9_007_199_254_740_993, 0]
        #expect(text(element(.SV, sv.map { UInt64(bitPattern: $0) }, bigEndian: bigEndian))
                == ["9223372036854775807", "-9223372036854775808", "1234567890123456789",
                    "9007199254740993", "-9007199254740993", "0"])
        #expect(text(element(.UV, [.max, 1 << 63, (1 << 63) + 1, (1 << 53) + 1], bigEndian: bigEndian))
                == ["18446744073709551615", "9223372036854775808", "9223372036854775809", "9007199254740993"])
    }

    @Test(arguments: [false, true]) func floatsAreShortestAndExact(bigEndian: Bool) {
        let fd: [Double] = [.nan, .infinity, -.infinity, -0.0, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                            .leastNormalMagnitude, 1e16]
        let fdText = text(element(.FD, fd.map(\.bitPattern), bigEndian: bigEndian)) ?? []
        #expect(fdText[0..<4] == ["NaN", "Infinity", "-Infinity", "-0.0"])
        for (t, v) in zip(fdText.dropFirst(3), fd.dropFirst(3)) { #expect(Double(t)?.bitPattern == v.bitPattern, "\(t)") }
        #expect(fdText[4] == "0.1")
        let fl: [Float] = [.nan, -.infinity, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0]
        let flText = text(element(.FL, fl.map { UInt64($0.bitPattern) }, bigEndian: bigEndian)) ?? []
        #expect(flText[0..<3] == ["NaN", "-Infinity", "0.1"])
        for (t, v) in zip(flText.dropFirst(1), fl.dropFirst(1)) { #expect(Float(t)?.bitPattern == v.bitPattern, "\(t)") }
    }

    @Test func attributeTagsAreTags() {
        #expect(text(element(.AT, [0x0010, 0x0020, 0xFFFE, 0xE000])) == ["00100020", "FFFEE000"])
        #expect(text(element(.AT, [0x0010, 0x0020], bigEndian: true)) == ["00100020"])
    }

    @Test func bulkNumbersInTheTextDump() {
        func line(_ e: Element) -> String {
            var s = ""
            TextDumper().render(Dataset(elements: [e]), depth: 0, into: &s)
            return s
        }
        #expect(line(element(.OL, [0xFFFF_FFFF, 1])).contains(" OL 4294967295\\1 "))
        #expect(line(element(.OV, [.max, 0])).contains(" OV 18446744073709551615\\0 "))
        #expect(line(element(.OD, [Double.nan.bitPattern, (-0.0).bitPattern])).contains(" OD NaN\\-0.0 "))
        #expect(line(element(.OF, [UInt64(Float(0.1).bitPattern)])).contains(" OF 0.1 "))
        #expect(line(element(.OW, [0xFFFF, 0x0001], bigEndian: true)).contains(" OW ffff\\0001 "))
    }

    @Test func jsonAndXMLCarryExactIntegersAndNamedNonFiniteFloats() {
        let ds = Dataset(elements: [
            element(.FD, [Double.nan.bitPattern, Double.infinity.bitPattern, 2.5.bitPattern], tag: DicomCore.Tag(0x0011, 0x1001)),
            element(.FL, [UInt64((-Float.infinity).bitPattern)], tag: DicomCore.Tag(0x0011, 0x1002)),
            element(.SV, [UInt64(bitPattern: Int64.max)], tag: DicomCore.Tag(0x0011, 0x1003)),
            element(.UV, [UInt64.max], tag: DicomCore.Tag(0x0011, 0x1004)),
        ])
        var warnings: [ReadWarning] = []
        let json = JSONDumper().render(ds, warnings: &warnings)
        #expect(json.contains("\"vr\":\"FD\",\"Value\":[\"NaN\",\"Infinity\",2.5]"))
        #expect(json.contains("\"vr\":\"FL\",\"Value\":[\"-Infinity\"]"))
        #expect(json.contains("\"vr\":\"SV\",\"Value\":[9223372036854775807]"))
        #expect(json.contains("\"vr\":\"UV\",\"Value\":[18446744073709551615]"))
        #expect(warnings.count == 2)
        #expect(warnings.first?.tag == DicomCore.Tag(0x0011, 0x1001))
        #expect(warnings.first?.message.contains("NaN, Infinity") == true)
        // The result is strict JSON: every value parses with a strict parser.
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
        let xml = XMLDumper().render(ds)
        #expect(xml.contains("<Value number=\"1\">NaN</Value><Value number=\"2\">Infinity</Value>"))
        #expect(xml.contains("<Value number=\"1\">18446744073709551615</Value>"))
    }

    @Test func definedLengthSequencesShowTheirLength() throws {
        // (0008,1140) SQ of defined length 24 holding one item of defined length 16.
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let inner = le16(0x0008) + le16(0x1155) + Array("UI".utf8) + le16(8) + Array("1.2.3.4\0".utf8)
        let item = le16(0xFFFE) + le16(0xE000) + le32(UInt32(inner.count)) + inner
        let seq = le16(0x0008) + le16(0x1140) + Array("SQ".utf8) + [0, 0] + le32(UInt32(item.count)) + item
        let undefined = le16(0x0008) + le16(0x2112) + Array("SQ".utf8) + [0, 0] + le32(0xFFFF_FFFF)
            + le16(0xFFFE) + le16(0xE0DD) + le32(0)
        let bytes = seq + undefined
        var parser = DatasetParser(source: ByteSource(ownedBytes: bytes, name: "test"))
        let (ds, _) = try parser.parseDataset(from: 0, to: bytes.count, encoding: .explicitLittle, undefinedItem: false,
                                              characterSet: .default, depth: 0)
        var s = ""
        TextDumper().render(ds, depth: 0, into: &s)
        #expect(s.contains("# 24, 1 ReferencedImageSequence"), "\(s)")
        #expect(s.contains("# u/l, 1 SourceImageSequence"), "\(s)")
    }
}
