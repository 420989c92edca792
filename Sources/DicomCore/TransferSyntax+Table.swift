/// The transfer-syntax table: one row per syntax of PS3.6's UID table, in UID order. A fact about
/// a syntax (byte order, VR, deflate, encapsulation, family, what its pixels may be, the (0028,2114)
/// term, the PS3.5 8.2 encoding profile, the codec) is written here and nowhere else; code that
/// needs it reads the row. DicomCoreTests' TransferSyntaxTableTests holds the table's invariants.
extension TransferSyntax {
    private init(_ uid: String, _ keyword: String, _ name: String, _ family: Family, _ fidelity: Fidelity = .unconstrained,
                 byteOrder: ByteOrder = .littleEndian, vr: VRMode = .explicit, deflated: Bool = false,
                 encapsulated: Bool = true, method: LossyMethod? = nil, lossyVariant: String? = nil,
                 profile: EncodingProfile? = nil, codec: CodecID? = nil) {
        self.uid = uid
        self.keyword = keyword
        self.name = name
        self.family = family
        self.fidelity = fidelity
        self.byteOrder = byteOrder
        vrMode = vr
        isDeflated = deflated
        isEncapsulated = encapsulated
        lossyMethod = method
        lossyVariantUID = lossyVariant
        encodingProfile = profile
        self.codec = codec
    }

    // Native: PS3.5 A.1-A.3 and A.5. Only these two are implicit VR; only Explicit VR Big Endian is big endian.
    public static let implicitVRLittleEndian = TransferSyntax(
        "1.2.840.10008.1.2", "ImplicitVRLittleEndian", "Implicit VR Little Endian", .native, .losslessOnly,
        vr: .implicit, encapsulated: false)
    public static let explicitVRLittleEndian = TransferSyntax(
        "1.2.840.10008.1.2.1", "ExplicitVRLittleEndian", "Explicit VR Little Endian", .native, .losslessOnly,
        encapsulated: false)
    public static let explicitVRBigEndian = TransferSyntax(
        "1.2.840.10008.1.2.2", "ExplicitVRBigEndian", "Explicit VR Big Endian", .native, .losslessOnly,
        byteOrder: .bigEndian, encapsulated: false)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(
        "1.2.840.10008.1.2.1.99", "DeflatedExplicitVRLittleEndian", "Deflated Explicit VR Little Endian", .native,
        .losslessOnly, deflated: true, encapsulated: false)
    static let papyrus3ImplicitVRLittleEndian = TransferSyntax(
        "1.2.840.10008.1.20", "Papyrus3ImplicitVRLittleEndian", "Papyrus 3 Implicit VR Little Endian", .native,
        .losslessOnly, vr: .implicit, encapsulated: false)

    // Frame-wise uncompressed, deflated frames, RLE (PS3.5 A.4.2): one fragment per frame.
    public static let encapsulatedUncompressed = TransferSyntax(
        "1.2.840.10008.1.2.1.98", "EncapsulatedUncompressedExplicitVRLittleEndian",
        "Encapsulated Uncompressed Explicit VR Little Endian", .encapsulatedUncompressed, .losslessOnly,
        profile: .native, codec: .encapsulatedUncompressed)
    public static let deflatedImageFrame = TransferSyntax(
        "1.2.840.10008.1.2.8.1", "DeflatedImageFrameCompression", "Deflated Image Frame Compression",
        .deflatedImageFrame, .losslessOnly, profile: .native.named("Deflated Image Frame Compression"),
        codec: .deflatedImageFrame)
    public static let rleLossless = TransferSyntax(
        "1.2.840.10008.1.2.5", "RLELossless", "RLE Lossless", .rle, .losslessOnly, profile: .rleLossless, codec: .rle)

    // JPEG (ISO/IEC 10918-1, PS3.5 A.4.1).
    public static let jpegBaseline = TransferSyntax(
        "1.2.840.10008.1.2.4.50", "JPEGBaseline8Bit", "JPEG Baseline (Process 1)", .jpegBaseline, .lossyOnly,
        method: .iso10918_1, profile: .jpegBaseline, codec: .jpegBaseline)
    public static let jpegExtended = TransferSyntax(
        "1.2.840.10008.1.2.4.51", "JPEGExtended12Bit", "JPEG Extended (Process 2 and 4)", .jpegExtended, .lossyOnly,
        method: .iso10918_1, profile: .jpegExtended, codec: .jpegExtended)
    public static let jpegLossless = TransferSyntax(
        "1.2.840.10008.1.2.4.57", "JPEGLossless", "JPEG Lossless, Non-Hierarchical (Process 14)", .jpegLossless,
        .losslessOnly, profile: .jpegLossless, codec: .jpegLossless)
    public static let jpegLosslessSV1 = TransferSyntax(
        "1.2.840.10008.1.2.4.70", "JPEGLosslessSV1",
        "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", .jpegLossless,
        .losslessOnly, profile: .jpegLossless.named("JPEG Lossless SV1"), codec: .jpegLossless)

    // JPEG-LS (ISO/IEC 14495-1, PS3.5 A.4.3).
    public static let jpegLSLossless = TransferSyntax(
        "1.2.840.10008.1.2.4.80", "JPEGLSLossless", "JPEG-LS Lossless Image Compression", .jpegLS, .losslessOnly,
        lossyVariant: "1.2.840.10008.1.2.4.81", profile: .jpegLSLossless, codec: .jpegLS)
    public static let jpegLSNearLossless = TransferSyntax(
        "1.2.840.10008.1.2.4.81", "JPEGLSNearLossless", "JPEG-LS Lossy (Near-Lossless) Image Compression", .jpegLS,
        method: .iso14495_1, profile: .jpegLSNearLossless, codec: .jpegLS)

    // JPEG 2000 (ISO/IEC 15444-1, PS3.5 A.4.4) and High-Throughput JPEG 2000 (ISO/IEC 15444-15).
    public static let jpeg2000Lossless = TransferSyntax(
        "1.2.840.10008.1.2.4.90", "JPEG2000Lossless", "JPEG 2000 Image Compression (Lossless Only)", .jpeg2000,
        .losslessOnly, lossyVariant: "1.2.840.10008.1.2.4.91", profile: .jpeg2000Lossless, codec: .jpeg2000)
    public static let jpeg2000 = TransferSyntax(
        "1.2.840.10008.1.2.4.91", "JPEG2000", "JPEG 2000 Image Compression", .jpeg2000,
        method: .iso15444_1, profile: .jpeg2000, codec: .jpeg2000)
    public static let htj2kLossless = TransferSyntax(
        "1.2.840.10008.1.2.4.201", "HTJ2KLossless", "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        .htj2k, .losslessOnly, lossyVariant: "1.2.840.10008.1.2.4.203",
        profile: .jpeg2000Lossless.named("HTJ2K Lossless"), codec: .htj2kLossless)
    public static let htj2kLosslessRPCL = TransferSyntax(
        "1.2.840.10008.1.2.4.202", "HTJ2KLosslessRPCL",
        "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", .htj2k, .losslessOnly,
        lossyVariant: "1.2.840.10008.1.2.4.203", profile: .jpeg2000Lossless.named("HTJ2K Lossless RPCL"),
        codec: .htj2kLosslessRPCL)
    public static let htj2k = TransferSyntax(
        "1.2.840.10008.1.2.4.203", "HTJ2K", "High-Throughput JPEG 2000 Image Compression", .htj2k,
        method: .iso15444_15, profile: .jpeg2000.named("HTJ2K"), codec: .htj2k)

    /// Every row, in UID order. Rows without a name above are those nothing in the project names:
    /// read and dumped, their pixels unsupported.
    static let table: [TransferSyntax] = [
        implicitVRLittleEndian, explicitVRLittleEndian, encapsulatedUncompressed, deflatedExplicitVRLittleEndian,
        explicitVRBigEndian, jpegBaseline, jpegExtended,
        // The retired JPEG processes (PS3.5 A.4.1 before 2006): DCT ones and the lossless ones
        // alike have the lossy term, as the bookkeeping has always given them.
        retiredJPEG("1.2.840.10008.1.2.4.52", "JPEGExtended35", "JPEG Extended (Process 3 and 5)"),
        retiredJPEG("1.2.840.10008.1.2.4.53", "JPEGSpectralSelectionNonHierarchical68",
                    "JPEG Spectral Selection, Non-Hierarchical (Process 6 and 8)"),
        retiredJPEG("1.2.840.10008.1.2.4.54", "JPEGSpectralSelectionNonHierarchical79",
                    "JPEG Spectral Selection, Non-Hierarchical (Process 7 and 9)"),
        retiredJPEG("1.2.840.10008.1.2.4.55", "JPEGFullProgressionNonHierarchical1012",
                    "JPEG Full Progression, Non-Hierarchical (Process 10 and 12)"),
        retiredJPEG("1.2.840.10008.1.2.4.56", "JPEGFullProgressionNonHierarchical1113",
                    "JPEG Full Progression, Non-Hierarchical (Process 11 and 13)"),
        jpegLossless,
        retiredJPEG("1.2.840.10008.1.2.4.58", "JPEGLosslessNonHierarchical15", "JPEG Lossless, Non-Hierarchical (Process 15)"),
        retiredJPEG("1.2.840.10008.1.2.4.59", "JPEGExtendedHierarchical1618", "JPEG Extended, Hierarchical (Process 16 and 18)"),
        retiredJPEG("1.2.840.10008.1.2.4.60", "JPEGExtendedHierarchical1719", "JPEG Extended, Hierarchical (Process 17 and 19)"),
        retiredJPEG("1.2.840.10008.1.2.4.61", "JPEGSpectralSelectionHierarchical2022",
                    "JPEG Spectral Selection, Hierarchical (Process 20 and 22)"),
        retiredJPEG("1.2.840.10008.1.2.4.62", "JPEGSpectralSelectionHierarchical2123",
                    "JPEG Spectral Selection, Hierarchical (Process 21 and 23)"),
        retiredJPEG("1.2.840.10008.1.2.4.63", "JPEGFullProgressionHierarchical2426",
                    "JPEG Full Progression, Hierarchical (Process 24 and 26)"),
        retiredJPEG("1.2.840.10008.1.2.4.64", "JPEGFullProgressionHierarchical2527",
                    "JPEG Full Progression, Hierarchical (Process 25 and 27)"),
        retiredJPEG("1.2.840.10008.1.2.4.65", "JPEGLosslessHierarchical28", "JPEG Lossless, Hierarchical (Process 28)"),
        retiredJPEG("1.2.840.10008.1.2.4.66", "JPEGLosslessHierarchical29", "JPEG Lossless, Hierarchical (Process 29)"),
        jpegLosslessSV1, jpegLSLossless, jpegLSNearLossless, jpeg2000Lossless, jpeg2000,
        // JPEG 2000 Part 2 multi-component: no codec.
        TransferSyntax("1.2.840.10008.1.2.4.92", "JPEG2000MCLossless",
                       "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", .jpeg2000Part2, .losslessOnly,
                       lossyVariant: "1.2.840.10008.1.2.4.93"),
        TransferSyntax("1.2.840.10008.1.2.4.93", "JPEG2000MC", "JPEG 2000 Part 2 Multi-component Image Compression",
                       .jpeg2000Part2),
        // JPIP (PS3.5 A.6): Pixel Data Provider URL instead of pixels, so never encapsulated.
        TransferSyntax("1.2.840.10008.1.2.4.94", "JPIPReferenced", "JPIP Referenced", .jpip, encapsulated: false),
        TransferSyntax("1.2.840.10008.1.2.4.95", "JPIPReferencedDeflate", "JPIP Referenced Deflate", .jpip,
                       deflated: true, encapsulated: false),
        // MPEG-2, H.264, HEVC: no codec.
        video("1.2.840.10008.1.2.4.100", "MPEG2MPML", "MPEG2 Main Profile / Main Level"),
        video("1.2.840.10008.1.2.4.100.1", "MPEG2MPMLF", "Fragmentable MPEG2 Main Profile / Main Level"),
        video("1.2.840.10008.1.2.4.101", "MPEG2MPHL", "MPEG2 Main Profile / High Level"),
        video("1.2.840.10008.1.2.4.101.1", "MPEG2MPHLF", "Fragmentable MPEG2 Main Profile / High Level"),
        video("1.2.840.10008.1.2.4.102", "MPEG4HP41", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
        video("1.2.840.10008.1.2.4.102.1", "MPEG4HP41F", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1"),
        video("1.2.840.10008.1.2.4.103", "MPEG4HP41BD", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
        video("1.2.840.10008.1.2.4.103.1", "MPEG4HP41BDF",
              "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
        video("1.2.840.10008.1.2.4.104", "MPEG4HP422D", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
        video("1.2.840.10008.1.2.4.104.1", "MPEG4HP422DF",
              "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
        video("1.2.840.10008.1.2.4.105", "MPEG4HP423D", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
        video("1.2.840.10008.1.2.4.105.1", "MPEG4HP423DF",
              "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
        video("1.2.840.10008.1.2.4.106", "MPEG4HP42STEREO", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
        video("1.2.840.10008.1.2.4.106.1", "MPEG4HP42STEREOF",
              "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
        video("1.2.840.10008.1.2.4.107", "HEVCMP51", "HEVC/H.265 Main Profile / Level 5.1"),
        video("1.2.840.10008.1.2.4.108", "HEVCM10P51", "HEVC/H.265 Main 10 Profile / Level 5.1"),
        // JPEG XL (ISO/IEC 18181-1): no codec.
        TransferSyntax("1.2.840.10008.1.2.4.110", "JPEGXLLossless", "JPEG XL Lossless", .jpegXL, .losslessOnly),
        TransferSyntax("1.2.840.10008.1.2.4.111", "JPEGXLJPEGRecompression", "JPEG XL JPEG Recompression", .jpegXL),
        TransferSyntax("1.2.840.10008.1.2.4.112", "JPEGXL", "JPEG XL", .jpegXL),
        htj2kLossless, htj2kLosslessRPCL, htj2k,
        TransferSyntax("1.2.840.10008.1.2.4.204", "JPIPHTJ2KReferenced", "JPIP HTJ2K Referenced", .jpip,
                       encapsulated: false),
        TransferSyntax("1.2.840.10008.1.2.4.205", "JPIPHTJ2KReferencedDeflate", "JPIP HTJ2K Referenced Deflate", .jpip,
                       deflated: true, encapsulated: false),
        rleLossless,
        // Syntaxes for other media (MIME, XML, SMPTE ST 2110 streams): no Part 10 pixels the project
        // reads; like every syntax that is not native or JPIP, their Pixel Data counts as encapsulated.
        TransferSyntax("1.2.840.10008.1.2.6.1", "RFC2557MIMEEncapsulation", "RFC 2557 MIME encapsulation", .other),
        TransferSyntax("1.2.840.10008.1.2.6.2", "XMLEncoding", "XML Encoding", .other),
        TransferSyntax("1.2.840.10008.1.2.7.1", "SMPTEST211020UncompressedProgressiveActiveVideo",
                       "SMPTE ST 2110-20 Uncompressed Progressive Active Video", .other),
        TransferSyntax("1.2.840.10008.1.2.7.2", "SMPTEST211020UncompressedInterlacedActiveVideo",
                       "SMPTE ST 2110-20 Uncompressed Interlaced Active Video", .other),
        TransferSyntax("1.2.840.10008.1.2.7.3", "SMPTEST211030PCMDigitalAudio", "SMPTE ST 2110-30 PCM Digital Audio",
                       .other),
        deflatedImageFrame, papyrus3ImplicitVRLittleEndian,
    ]

    private static func retiredJPEG(_ uid: String, _ keyword: String, _ name: String) -> TransferSyntax {
        TransferSyntax(uid, keyword, name, .jpegRetired, method: .iso10918_1)
    }

    private static func video(_ uid: String, _ keyword: String, _ name: String) -> TransferSyntax {
        TransferSyntax(uid, keyword, name, .video)
    }
}
