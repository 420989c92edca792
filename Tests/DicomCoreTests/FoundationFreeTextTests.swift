import Foundation
import Testing
@testable import DicomCore

/// The Foundation-free replacements (the executable links FoundationEssentials only) give what
/// full Foundation gave: the tests may import Foundation, so they compare with it directly.
@Suite struct FoundationFreeTextTests {
    static let doubles: [Double] = [0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 1e-7, 123.456, -123.456, 2.0 / 3.0,
                                    1e15, 1.7976931348623157e308, 5e-324, 9.999999, 99.995, 12345678.9]

    @Test func fixedAndGeneralMatchStringFormat() {
        for v in Self.doubles {
            for digits in 0...10 {
                #expect(NumberText.fixed(v, digits: digits) == String(format: "%.\(digits)f", v), "\(v) \(digits)")
            }
            #expect(NumberText.general(v, significant: 6) == String(format: "%.6g", v), "\(v)")
        }
        #expect(NumberText.fixed(.infinity, digits: 2) == String(format: "%.2f", Double.infinity))
        #expect(NumberText.fixed(.nan, digits: 2) == String(format: "%.2f", Double.nan))
    }

    @Test func integersMatchStringFormat() {
        for v in [0, 1, 9, 10, 15, 255, 4095, 65535, 0x12345, 99999] {
            #expect(NumberText.hex(v, width: 2) == String(format: "%02x", v))
            #expect(NumberText.hex(v, width: 4) == String(format: "%04x", v))
            #expect(NumberText.hex(v, width: 4, uppercase: true) == String(format: "%04X", v))
            #expect(NumberText.decimal(v, width: 4) == String(format: "%04d", v))
        }
        #expect(NumberText.hex(UInt8(0xAB), width: 2) == "ab")
        #expect(NumberText.decimal(-7, width: 4) == String(format: "%04d", -7))
    }

    @Test func trimmingMatchesCharacterSets() {
        let samples = ["", " ", "\t a b \t", "\u{3000}x\u{00A0}", " \n x \r\n", "\u{2028}y\u{85}", "\0z\0", " é ", "a"]
        for s in samples {
            #expect(s.trimmingWhitespace() == s.trimmingCharacters(in: .whitespaces), "\(Array(s.unicodeScalars))")
            #expect(s.trimmingWhitespaceAndNewlines() == s.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(Array(s.unicodeScalars))")
            #expect(s[...].trimmingWhitespace() == s.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func uidOrderIsNumeric() {
        let uids = ["1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1",
                    "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.5"]
        let expected = uids.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        #expect(uids.sorted(by: TransferSyntax.uidPrecedes) == expected)
        #expect(TransferSyntax.all.map(\.uid) == TransferSyntax.all.map(\.uid).sorted {
            $0.compare($1, options: .numeric) == .orderedAscending
        })
    }

    @Test func uriPathMatchesPercentEncoding() {
        var noColon = CharacterSet.urlPathAllowed
        noColon.remove(charactersIn: ":")
        for path in ["/tmp/a b/ü.dcm", "C:/x;y?z#w[1]%", "rel/päth/\u{1F600}.dcm", "~!$&'()*+,-.=@_",
                     "/C:/x", "a:b", "a/b:c", "x:y:z/w", ":a", "/a:b", "a b:c/d:e", "./a:b", "::"] {
            #expect(TextEscaping.uriPath(path) == path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed))
            #expect(TextEscaping.uriPath(path, keepingColon: false) == path.addingPercentEncoding(withAllowedCharacters: noColon))
        }
    }

    @Test func lockAndConditionSerialise() {
        let lock = Lock()
        let condition = Condition()
        nonisolated(unsafe) var total = 0
        nonisolated(unsafe) var finished = 0
        for _ in 0..<4 {
            let started = startDetachedThread(stackSize: 1 << 20) {
                for _ in 0..<1000 { lock.withLock { total += 1 } }
                condition.lock(); finished += 1; condition.broadcast(); condition.unlock()
            }
            #expect(started)
        }
        condition.lock()
        while finished < 4 { condition.wait() }
        condition.unlock()
        #expect(lock.withLock { total } == 4000)
    }
}
