// TEMPORARY STAND-IN until the charset branch lands (UTF-8/ASCII only); replaced, not extended.
import DicomCore
public struct SpecificCharacterSet: Sendable, Equatable {
    public var terms: [String]
    public init(terms: [String]) { self.terms = terms }
    public static let `default` = SpecificCharacterSet(terms: [])
    public var isUTF8Compatible: Bool { true }
    public var unknownTerms: [String] { [] }
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String { String(decoding: Array(bytes), as: UTF8.self) }
    public func encode(_ string: String, vr: VR) -> [UInt8]? { Array(string.utf8) }
}
