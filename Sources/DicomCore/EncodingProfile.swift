/// The image pixel constraints PS3.5 section 8.2 sets for encoding into one transfer syntax: the
/// combinations of Photometric Interpretation, Samples per Pixel, Bits Allocated, Bits Stored and
/// Pixel Representation it allows. Each row of the transfer-syntax table names its profile;
/// DicomCodecs' `EncodingProfiles.check` refuses an image that fits no entry, naming every
/// offending (0028,xxxx) value.
public struct EncodingProfile: Sendable {
    /// One allowed combination for a photometric interpretation.
    public struct Entry: Sendable, Equatable {
        public var photometric: String
        public var samplesPerPixel: Int
        public var bitsAllocated: [Int]
        public var bitsStored: ClosedRange<Int>
        public var signedAllowed: Bool
    }

    /// The short name the refusal messages start with ("JPEG Baseline requires ...").
    public let name: String
    public let entries: [Entry]
    /// JPEG-family codestreams carry no separate high bit: HighBit must be BitsStored - 1.
    public let requiresLowAlignedHighBit: Bool

    init(name: String, entries: [Entry], requiresLowAlignedHighBit: Bool = true) {
        self.name = name
        self.entries = entries
        self.requiresLowAlignedHighBit = requiresLowAlignedHighBit
    }

    /// A profile with the same entries under another name (two syntaxes, one set of constraints).
    func named(_ name: String) -> EncodingProfile {
        EncodingProfile(name: name, entries: entries, requiresLowAlignedHighBit: requiresLowAlignedHighBit)
    }
}

/// The profiles themselves. The photometric interpretations are those of the image handed to the
/// encoder (JPEG baseline takes RGB and writes YBR_FULL_422 / YBR_FULL itself).
extension EncodingProfile {
    private static let monochrome = ["MONOCHROME1", "MONOCHROME2"]

    private static func mono(_ allocated: [Int], _ stored: ClosedRange<Int>, signed: Bool) -> [Entry] {
        monochrome.map { Entry(photometric: $0, samplesPerPixel: 1, bitsAllocated: allocated, bitsStored: stored, signedAllowed: signed) }
    }

    private static func colour(_ pis: [String], _ allocated: [Int], _ stored: ClosedRange<Int>) -> [Entry] {
        pis.map { Entry(photometric: $0, samplesPerPixel: 3, bitsAllocated: allocated, bitsStored: stored, signedAllowed: false) }
    }

    private static func palette(_ allocated: [Int], _ stored: ClosedRange<Int>) -> [Entry] {
        [Entry(photometric: "PALETTE COLOR", samplesPerPixel: 1, bitsAllocated: allocated, bitsStored: stored, signedAllowed: false)]
    }

    private static let j2kAllocated = [8, 16, 24, 32, 40]

    static let jpegBaseline = EncodingProfile(name: "JPEG Baseline", entries:
        mono([8], 8...8, signed: false) + colour(["RGB", "YBR_FULL", "YBR_FULL_422"], [8], 8...8))
    static let jpegExtended = EncodingProfile(name: "JPEG Extended", entries:
        mono([8], 8...8, signed: false) + mono([16], 12...12, signed: false))
    static let jpegLossless = EncodingProfile(name: "JPEG Lossless", entries:
        mono([8, 16], 1...16, signed: true) + palette([8, 16], 1...16) + colour(["YBR_FULL", "RGB"], [8, 16], 1...16))
    static let jpegLSLossless = EncodingProfile(name: "JPEG-LS Lossless", entries:
        mono([8, 16], 2...16, signed: true) + palette([8, 16], 2...16)
        + colour(["YBR_FULL"], [8], 2...8) + colour(["RGB"], [8, 16], 2...16))
    static let jpegLSNearLossless = EncodingProfile(name: "JPEG-LS Near-Lossless", entries:
        mono([8, 16], 2...16, signed: true) + colour(["YBR_FULL"], [8], 2...8) + colour(["RGB"], [8, 16], 2...16))
    static let jpeg2000Lossless = EncodingProfile(name: "JPEG 2000 Lossless", entries:
        mono(j2kAllocated, 1...38, signed: true) + palette([8, 16], 1...16)
        + colour(["YBR_RCT", "RGB", "YBR_FULL"], j2kAllocated, 1...38))
    static let jpeg2000 = EncodingProfile(name: "JPEG 2000", entries: jpeg2000Lossless.entries
        + mono(j2kAllocated, 1...38, signed: true) + colour(["YBR_ICT", "RGB", "YBR_FULL"], j2kAllocated, 1...38))
    static let rleLossless = EncodingProfile(name: "RLE Lossless", entries:
        mono([8, 16, 32], 1...32, signed: true) + palette([8, 16], 1...16)
        + colour(["YBR_FULL"], [8], 1...8) + colour(["RGB"], [8, 16, 32], 1...32))
    /// The two frame-wise uncompressed syntaxes hold any native image (PS3.5 8.2.15, 8.2.16).
    static let native = EncodingProfile(name: "Encapsulated Uncompressed", entries:
        mono([1, 8, 16, 32], 1...32, signed: true) + palette([8, 16], 1...16)
        + colour(["RGB", "YBR_FULL", "YBR_FULL_422"], [8, 16], 1...16), requiresLowAlignedHighBit: false)
}
