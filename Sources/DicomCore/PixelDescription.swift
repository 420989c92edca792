/// What a codec needs to know about an image, and nothing else: codecs never see a dataset.
/// Built from the Image Pixel module by DicomPixels; returned by decoders as the truth about the
/// bytes they produced (e.g. YBR_FULL_422 JPEG decoded to RGB, precision read from the codestream).
public struct PixelDescription: Sendable, Equatable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var highBit: Int
    /// 0 unsigned, 1 two's complement.
    public var pixelRepresentation: Int
    public var photometricInterpretation: String
    /// 0 colour-by-pixel (R G B R G B), 1 colour-by-plane.
    public var planarConfiguration: Int
    public var numberOfFrames: Int

    public init(rows: Int, columns: Int, samplesPerPixel: Int = 1, bitsAllocated: Int, bitsStored: Int,
                highBit: Int? = nil, pixelRepresentation: Int = 0, photometricInterpretation: String,
                planarConfiguration: Int = 0, numberOfFrames: Int = 1) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.highBit = highBit ?? bitsStored - 1
        self.pixelRepresentation = pixelRepresentation
        self.photometricInterpretation = photometricInterpretation
        self.planarConfiguration = planarConfiguration
        self.numberOfFrames = numberOfFrames
    }

    public var isSigned: Bool { pixelRepresentation == 1 }
    public var bytesPerSample: Int { (bitsAllocated + 7) / 8 }
    public var pixelsPerFrame: Int { rows * columns }

    /// Bytes of one native frame; YBR_FULL_422 stores 2 samples per pixel (PS3.3 C.7.6.3.1.2);
    /// 1-bit frames are counted in bits and rounded up here (frames are bit-contiguous in a file).
    public var frameByteCount: Int {
        if bitsAllocated == 1 { return (pixelsPerFrame + 7) / 8 }
        if photometricInterpretation == "YBR_FULL_422" && samplesPerPixel == 3 {
            return pixelsPerFrame * 2 * bytesPerSample
        }
        return pixelsPerFrame * samplesPerPixel * bytesPerSample
    }

    public var description: String {
        "\(columns)x\(rows) \(samplesPerPixel)x\(bitsStored)/\(bitsAllocated)-bit "
            + "\(isSigned ? "signed" : "unsigned") \(photometricInterpretation)"
            + (samplesPerPixel > 1 ? " planar=\(planarConfiguration)" : "")
            + (numberOfFrames != 1 ? " frames=\(numberOfFrames)" : "")
    }
}
