import FoundationEssentials

/// A transfer syntax as PS3.5 section 10 and Annex A define it. Every registered syntax has a
/// descriptor (names come from the generated UID table), so "unknown syntax" and "known but no
/// codec" stay different errors.
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    /// How pixel data is compressed; one codec file per family in DicomCodecs.
    public enum Family: String, Sendable {
        case native, jpegBaseline, jpegExtended, jpegLossless, jpegRetired, jpegLS, jpeg2000, jpeg2000Part2,
             htj2k, rle, encapsulatedUncompressed, deflatedImageFrame, jpip, video, jpegXL, other
    }

    public let uid: String
    public let isExplicitVR: Bool
    public let isBigEndian: Bool
    /// The whole dataset after the meta is a raw deflate stream (PS3.5 A.5).
    public let isDeflated: Bool
    /// Pixel Data is stored as fragments in items (PS3.5 A.4).
    public let isEncapsulated: Bool
    public let family: Family

    public var isLittleEndian: Bool { !isBigEndian }
    public var name: String { UIDDictionary.entry(for: uid)?.name ?? uid }
    public var keyword: String { UIDDictionary.entry(for: uid)?.keyword ?? "" }
    public var isRetired: Bool { UIDDictionary.entry(for: uid)?.isRetired ?? false }
    public var description: String { "\(uid) (\(name))" }

    /// Whether the syntax can only hold lossy pixels. Lossiness of a real encoding is decided from
    /// the actual parameters (NEAR, wavelet), never from the UID alone; this is what the UID forbids.
    public var isLossyOnly: Bool {
        switch uid {
        case "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51": return true
        default: return false
        }
    }

    /// Syntaxes that guarantee lossless pixels.
    public var isLosslessOnly: Bool {
        switch family {
        case .native, .rle, .encapsulatedUncompressed, .deflatedImageFrame, .jpegLossless: return true
        default:
            return ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.92",
                    "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.110"].contains(uid)
        }
    }

    /// Syntaxes whose every frame is one and only one fragment: RLE (PS3.5 A.4.2) and the
    /// frame-wise uncompressed and deflated syntaxes.
    public var holdsOneFragmentPerFrame: Bool {
        family == .rle || family == .encapsulatedUncompressed || family == .deflatedImageFrame
    }

    /// The descriptor for `uid`, or nil when the UID is not a registered transfer syntax.
    public init?(uid rawUID: String) {
        let uid = rawUID.trimmingTrailingSpaces()
        guard let entry = UIDDictionary.entry(for: uid), entry.type == "Transfer Syntax" else { return nil }
        self.uid = uid
        // PS3.5 A.1 and A.2: only these two are implicit VR, and only explicit big endian is big endian.
        isExplicitVR = !(uid == "1.2.840.10008.1.2" || uid == "1.2.840.10008.1.20")
        isBigEndian = uid == "1.2.840.10008.1.2.2"
        isDeflated = ["1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.95", "1.2.840.10008.1.2.4.205"].contains(uid)
        family = Self.family(of: uid)
        switch family {
        case .native, .jpip: isEncapsulated = false
        default: isEncapsulated = true
        }
    }

    private static func family(of uid: String) -> Family {
        let p = "1.2.840.10008.1.2."
        if uid == "1.2.840.10008.1.2" || uid == "1.2.840.10008.1.20" { return .native }
        guard uid.hasPrefix(p) else { return .other }
        let rest = String(uid.dropFirst(p.count))
        switch rest {
        case "1", "1.99", "2": return .native
        case "1.98": return .encapsulatedUncompressed
        case "5": return .rle
        case "8.1": return .deflatedImageFrame
        case "4.50": return .jpegBaseline
        case "4.51": return .jpegExtended
        case "4.57", "4.70": return .jpegLossless
        case "4.80", "4.81": return .jpegLS
        case "4.90", "4.91": return .jpeg2000
        case "4.92", "4.93": return .jpeg2000Part2
        case "4.94", "4.95", "4.204", "4.205": return .jpip
        case "4.201", "4.202", "4.203": return .htj2k
        case "4.110", "4.111", "4.112": return .jpegXL
        default:
            if rest.hasPrefix("4.10") { return .video }
            if rest.hasPrefix("4.") { return .jpegRetired }
            return .other
        }
    }

    public static let implicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2")!
    public static let explicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1")!
    public static let explicitVRBigEndian = TransferSyntax(uid: "1.2.840.10008.1.2.2")!
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1.99")!
    public static let jpegBaseline = TransferSyntax(uid: "1.2.840.10008.1.2.4.50")!
    public static let jpegExtended = TransferSyntax(uid: "1.2.840.10008.1.2.4.51")!
    public static let jpegLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.57")!
    public static let jpegLosslessSV1 = TransferSyntax(uid: "1.2.840.10008.1.2.4.70")!
    public static let jpegLSLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.80")!
    public static let jpegLSNearLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.81")!
    public static let jpeg2000Lossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.90")!
    public static let jpeg2000 = TransferSyntax(uid: "1.2.840.10008.1.2.4.91")!
    public static let htj2kLossless = TransferSyntax(uid: "1.2.840.10008.1.2.4.201")!
    public static let htj2kLosslessRPCL = TransferSyntax(uid: "1.2.840.10008.1.2.4.202")!
    public static let htj2k = TransferSyntax(uid: "1.2.840.10008.1.2.4.203")!
    public static let rleLossless = TransferSyntax(uid: "1.2.840.10008.1.2.5")!
    public static let encapsulatedUncompressed = TransferSyntax(uid: "1.2.840.10008.1.2.1.98")!
    public static let deflatedImageFrame = TransferSyntax(uid: "1.2.840.10008.1.2.8.1")!

    /// Every registered transfer syntax.
    public static var all: [TransferSyntax] {
        UIDDictionary.all.filter { $0.type == "Transfer Syntax" }.compactMap { TransferSyntax(uid: $0.uid) }
            .sorted { uidPrecedes($0.uid, $1.uid) }
    }

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
