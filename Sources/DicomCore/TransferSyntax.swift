import FoundationEssentials

/// A transfer syntax as PS3.5 section 10 and Annex A define it: one row of `TransferSyntax.table`
/// (TransferSyntax+Table.swift) per registered syntax, carrying every fact the project keys on a
/// transfer syntax UID. Every registered syntax has a row, so "unknown syntax" and "known but no
/// codec" stay different errors.
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    /// How pixel data is compressed; one codec file (or folder) per family in DicomCodecs.
    public enum Family: String, Sendable {
        case native, jpegBaseline, jpegExtended, jpegLossless, jpegRetired, jpegLS, jpeg2000, jpeg2000Part2,
             htj2k, rle, encapsulatedUncompressed, deflatedImageFrame, jpip, video, jpegXL, other
    }

    public enum ByteOrder: Sendable { case littleEndian, bigEndian }

    public enum VRMode: Sendable { case explicit, implicit }

    /// What the syntax allows its pixels to be. Lossiness of a real encoding is decided from the
    /// actual parameters (NEAR, wavelet), never from the UID alone; this is what the UID demands.
    public enum Fidelity: Sendable {
        case losslessOnly, lossyOnly
        /// Either, or the syntax says nothing about it (video, JPIP, MIME).
        case unconstrained
    }

    /// Lossy Image Compression Method defined terms for (0028,2114) (PS3.3 C.7.6.1.1.5).
    public enum LossyMethod: String, Sendable {
        case iso10918_1 = "ISO_10918_1", iso14495_1 = "ISO_14495_1", iso15444_1 = "ISO_15444_1",
             iso15444_15 = "ISO_15444_15"
    }

    /// Which codec reads and writes the syntax's pixels: DicomCodecs' `CodecRegistry` maps each id
    /// to its decoder and encoder. Several syntaxes share a codec (JPEG-LS lossless and near-lossless).
    public enum CodecID: String, Sendable, CaseIterable {
        case jpegBaseline, jpegExtended, jpegLossless, jpegLS, jpeg2000, htj2kLossless, htj2kLosslessRPCL, htj2k,
             rle, encapsulatedUncompressed, deflatedImageFrame
    }

    public let uid: String
    /// The PS3.6 keyword (unique, also ignoring case).
    public let keyword: String
    /// The PS3.6 name.
    public let name: String
    public let byteOrder: ByteOrder
    public let vrMode: VRMode
    /// The whole dataset after the meta is a raw deflate stream (PS3.5 A.5).
    public let isDeflated: Bool
    /// Pixel Data is stored as fragments in items (PS3.5 A.4).
    public let isEncapsulated: Bool
    public let family: Family
    public let fidelity: Fidelity
    /// The (0028,2114) term of a lossy encoding in this syntax; nil for lossless-only syntaxes and
    /// where the project knows no term.
    public let lossyMethod: LossyMethod?
    /// For a lossless-only syntax, the syntax of the same codestream family that also holds lossy
    /// encodings (JPEG 2000 Lossless -> JPEG 2000): where a lossy setting takes a lossless target.
    public let lossyVariantUID: String?
    /// PS3.5 8.2's constraints on the images this syntax can be encoded from; nil when the project
    /// does not encode into it.
    public let encodingProfile: EncodingProfile?
    /// nil: the pixels are readable as bytes only (dump, validate), their decoding "unsupported".
    public let codec: CodecID?

    public var isExplicitVR: Bool { vrMode == .explicit }
    public var isBigEndian: Bool { byteOrder == .bigEndian }
    public var isLittleEndian: Bool { byteOrder == .littleEndian }
    public var isRetired: Bool { UIDDictionary.entry(for: uid)?.isRetired ?? false }
    public var description: String { "\(uid) (\(name))" }

    /// Whether the syntax can only hold lossy pixels.
    public var isLossyOnly: Bool { fidelity == .lossyOnly }
    /// Syntaxes that guarantee lossless pixels.
    public var isLosslessOnly: Bool { fidelity == .losslessOnly }

    public var lossyVariant: TransferSyntax? { lossyVariantUID.flatMap { Self.byUID[$0] } }

    /// Syntaxes whose every frame is one and only one fragment: RLE (PS3.5 A.4.2) and the
    /// frame-wise uncompressed and deflated syntaxes.
    public var holdsOneFragmentPerFrame: Bool {
        family == .rle || family == .encapsulatedUncompressed || family == .deflatedImageFrame
    }

    /// The row for `uid` (trailing spaces and NULs of a padded UI value ignored), or nil when the
    /// UID is not a registered transfer syntax.
    public init?(uid rawUID: String) {
        guard let row = Self.byUID[rawUID.trimmingTrailingSpaces()] else { return nil }
        self = row
    }

    /// The row whose PS3.6 keyword is `keyword`, ignoring ASCII case ("jpeg2000lossless").
    public init?(keyword: String) {
        guard let row = Self.byKeyword[Self.foldingCase(keyword)] else { return nil }
        self = row
    }

    /// Every registered transfer syntax, in UID order (`uidPrecedes`).
    public static var all: [TransferSyntax] { table }

    private static let byUID: [String: TransferSyntax] =
        Dictionary(table.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
    private static let byKeyword: [String: TransferSyntax] =
        Dictionary(table.map { (foldingCase($0.keyword), $0) }, uniquingKeysWith: { first, _ in first })

    static func foldingCase(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    // A row is its UID: two rows never share one (a test checks it).
    public static func == (a: TransferSyntax, b: TransferSyntax) -> Bool { a.uid == b.uid }
    public func hash(into hasher: inout Hasher) { hasher.combine(uid) }

    /// UID order with each run of digits compared as a number ("1.2.10" after "1.2.9"), the order
    /// Foundation's `.numeric` comparison gives, without full Foundation.
    static func uidPrecedes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        var i = 0, j = 0
        while i < x.count, j < y.count {
            if isDigit(x[i]), isDigit(y[j]) {
                var iEnd = i, jEnd = j
                while iEnd < x.count, isDigit(x[iEnd]) { iEnd += 1 }
                while jEnd < y.count, isDigit(y[jEnd]) { jEnd += 1 }
                // Equal-valued runs may differ in leading zeros: compare without them.
                while i < iEnd - 1, x[i] == 0x30 { i += 1 }
                while j < jEnd - 1, y[j] == 0x30 { j += 1 }
                if iEnd - i != jEnd - j { return iEnd - i < jEnd - j }
                if x[i..<iEnd] != y[j..<jEnd] { return x[i..<iEnd].lexicographicallyPrecedes(y[j..<jEnd]) }
                i = iEnd; j = jEnd
            } else {
                if x[i] != y[j] { return x[i] < y[j] }
                i += 1; j += 1
            }
        }
        return x.count - i < y.count - j
    }
}
