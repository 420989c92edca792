import DicomCore

/// One decoded frame: native little-endian samples in a `bitsAllocated` container, colour-by-pixel
/// unless `description.planarConfiguration` says otherwise, and the description that is true for
/// these bytes (which may differ from the dataset's: a YBR_FULL_422 JPEG decodes to RGB).
public struct DecodedFrame: Sendable {
    public var bytes: [UInt8]
    public var description: PixelDescription

    public init(bytes: [UInt8], description: PixelDescription) {
        self.bytes = bytes
        self.description = description
    }
}

/// The sample precision P of a JPEG-LS or lossless JPEG codestream for `d`: Bits Stored, except
/// that Bits Stored of 8 or less below Bits Allocated is coded at Bits Allocated, as dcmcjpls and
/// gdcmconv write it. dcmdjpls decodes no JPEG-LS P below 8, and decoders size their output from P
/// (one byte a sample up to 8 bits): under Bits Allocated 16, dcmdjpls refuses P <= 8, GDCM 3.0
/// misreads it and pydicom cannot decode it.
public func codedPrecision(_ d: PixelDescription) -> Int {
    d.bitsStored <= 8 && d.bitsStored < d.bitsAllocated ? d.bitsAllocated : d.bitsStored
}

/// The caller's wishes for an encoding; each codec maps them onto its library's parameters.
public struct EncodeOptions: Sendable, Equatable {
    public enum Subsampling: String, Sendable { case s444 = "444", s422 = "422", s420 = "420" }
    public enum J2KTarget: Sendable, Equatable { case lossless, ratio(Double), psnr(Double) }

    /// JPEG baseline/extended quality 1...100.
    public var quality: Int = 90
    /// Chroma subsampling of colour JPEG: 4:2:2 (YBR_FULL_422) by default, as dcmcjpeg writes it and
    /// as the US and multi-frame True Color SC IODs require; 4:4:4 writes YBR_FULL.
    public var subsampling: Subsampling = .s422
    /// JPEG lossless predictor 1...7 (SV1 is predictor 1).
    public var predictor: Int = 1
    /// JPEG lossless point transform.
    public var pointTransform: Int = 0
    /// JPEG-LS NEAR (0 = lossless).
    public var near: Int = 0
    public var j2k: J2KTarget = .lossless
    /// Worker threads a library may use inside one frame (OpenJPEG).
    public var threads: Int = 1

    public init() {}
}

/// Facts about an encoding, stated by the codec from the parameters it actually used.
public struct EncodeOutcome: Sendable, Equatable {
    public var isLossy: Bool
    /// Uncompressed size / compressed size.
    public var ratio: Double
    /// Lossy Image Compression Method term (PS3.3 C.7.6.1.1.5), e.g. ISO_10918_1; nil when lossless.
    public var method: String?

    public init(isLossy: Bool, ratio: Double, method: String?) {
        self.isLossy = isLossy
        self.ratio = ratio
        self.method = method
    }
}

/// An encoded frame and the description of the image as the codestream now holds it
/// (photometric interpretation, planar configuration, bits).
public struct EncodedFrame: Sendable {
    public var bytes: [UInt8]
    public var description: PixelDescription
    public var outcome: EncodeOutcome

    public init(bytes: [UInt8], description: PixelDescription, outcome: EncodeOutcome) {
        self.bytes = bytes
        self.description = description
        self.outcome = outcome
    }
}

/// Decodes one frame's codestream. `description` is what the dataset says; the decoder checks the
/// codestream's geometry against it first and returns the description true for its output.
public protocol PixelDecoder: Sendable {
    func decode(_ codestream: [UInt8], description: PixelDescription) throws(DicomError) -> DecodedFrame
}

/// Encodes one frame. Checks the target's encoding profile (PS3.5 8.2) and refuses, naming every
/// offending (0028,xxxx) value; never cuts bits, rescales or switches syntax silently.
public protocol PixelEncoder: Sendable {
    func encode(_ frame: DecodedFrame, options: EncodeOptions) throws(DicomError) -> EncodedFrame
}
