import DicomCore
import DicomIO

/// The Image Pixel module of a data set, read into a `PixelDescription` and checked before any
/// pixel byte is touched: geometry, bits and the length of the stored value.
public struct PixelModule: Sendable {
    public var description: PixelDescription
    public var element: Element
    /// Things a strict reader would reject but that can be read (e.g. excess bytes, NumberOfFrames '1A').
    public var warnings: [ReadWarning]

    public static let rows = Tag.rows, columns = Tag.columns
    public static let samplesPerPixel = Tag.samplesPerPixel, photometric = Tag.photometricInterpretation
    public static let planarConfiguration = Tag.planarConfiguration, numberOfFrames = Tag.numberOfFrames
    public static let bitsAllocated = Tag.bitsAllocated, bitsStored = Tag.bitsStored
    public static let highBit = Tag.highBit, pixelRepresentation = Tag.pixelRepresentation

    /// nil when the data set has no Pixel Data.
    public init?(_ ds: Dataset, syntax: TransferSyntax) throws(DicomError) {
        guard let pixel = ds[.pixelData] else { return nil }
        element = pixel
        warnings = []
        func required(_ tag: Tag) throws(DicomError) -> Int {
            guard let v = ds.int(tag) else {
                throw DicomError(.invalidInput, "Pixel Data present but \(DataDictionary.entry(for: tag)?.keyword ?? "\(tag)") is missing or invalid",
                                 offset: ds[tag]?.offset ?? pixel.offset, tag: tag)
            }
            return v
        }
        let rows = try required(Self.rows), columns = try required(Self.columns)
        let bitsAllocated = try required(Self.bitsAllocated)
        let spp = ds.int(Self.samplesPerPixel) ?? 1
        let bitsStored = ds.int(Self.bitsStored) ?? bitsAllocated
        let pi = ds.string(Self.photometric)?.trimmingWhitespace() ?? (spp == 1 ? "MONOCHROME2" : "RGB")
        guard rows > 0, columns > 0, rows <= 65535, columns <= 65535 else {
            throw DicomError(.invalidInput, "image has \(rows) rows and \(columns) columns", offset: ds[Self.rows]?.offset, tag: Self.rows)
        }
        guard [1, 8, 16, 32, 64].contains(bitsAllocated) else {
            throw DicomError(.invalidInput, "Bits Allocated \(bitsAllocated) is not 1, 8, 16, 32 or 64",
                             offset: ds[Self.bitsAllocated]?.offset, tag: Self.bitsAllocated)
        }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else {
            throw DicomError(.invalidInput, "Bits Stored \(bitsStored) does not fit Bits Allocated \(bitsAllocated)",
                             offset: ds[Self.bitsStored]?.offset, tag: Self.bitsStored)
        }
        guard [1, 3, 4].contains(spp) else {
            throw DicomError(.invalidInput, "Samples per Pixel \(spp) is not 1, 3 or 4", offset: ds[Self.samplesPerPixel]?.offset,
                             tag: Self.samplesPerPixel)
        }
        // US attributes: a value outside 0...65535 comes only with another VR (explicit VR files
        // can say SS, SL, IS...), and it would not fit the US these are written back as.
        let highBit = ds.int(Self.highBit) ?? bitsStored - 1
        let pixelRepresentation = ds.int(Self.pixelRepresentation) ?? 0
        let planar = spp > 1 ? (ds.int(Self.planarConfiguration) ?? 0) : 0
        for (tag, value) in [(Self.highBit, highBit), (Self.pixelRepresentation, pixelRepresentation), (Self.planarConfiguration, planar)]
        where !(0...65535).contains(value) {
            throw DicomError(.invalidInput, "\(DataDictionary.entry(for: tag)?.keyword ?? "\(tag)") \(value) is not a US value (0 to 65535)",
                             offset: ds[tag]?.offset ?? pixel.offset, tag: tag)
        }
        var frames = 1
        if let e = ds[Self.numberOfFrames] {
            if let n = ds.int(Self.numberOfFrames), n >= 1 {
                frames = n
            } else {
                frames = 0  // worked out from the value length below
                warnings.append(ReadWarning(message: "Number of Frames '\(ds.string(Self.numberOfFrames) ?? "")' is invalid; "
                                            + "frames counted from the Pixel Data length", offset: e.offset, tag: Self.numberOfFrames))
            }
        }
        var d = PixelDescription(rows: rows, columns: columns, samplesPerPixel: spp, bitsAllocated: bitsAllocated,
                                 bitsStored: bitsStored, highBit: highBit,
                                 pixelRepresentation: pixelRepresentation, photometricInterpretation: pi,
                                 planarConfiguration: planar,
                                 numberOfFrames: max(frames, 1))
        if case .bytes(let b) = pixel.value {
            // Native: the value must hold every frame; excess is tolerated (and not read).
            let bitsPerFrame = d.bitsAllocated == 1 ? rows * columns : d.frameByteCount * 8
            if frames == 0 { d.numberOfFrames = max(1, b.count * 8 / bitsPerFrame) }
            let (needBits, overflow) = bitsPerFrame.multipliedReportingOverflow(by: d.numberOfFrames)
            let need = (needBits + 7) / 8
            if overflow || need > b.count {
                throw DicomError(.invalidInput, "Pixel Data has \(b.count) bytes, \(overflow ? "more than that" : String(need)) needed for "
                                 + "\(d.numberOfFrames) frame\(d.numberOfFrames == 1 ? "" : "s") of \(d)", offset: pixel.offset, tag: .pixelData)
            }
            if b.count > need + 1 {
                warnings.append(ReadWarning(message: "Pixel Data has \(b.count) bytes, \(need) needed; the first \(need) are used",
                                            offset: pixel.offset, tag: .pixelData))
            }
        } else if frames == 0 {
            d.numberOfFrames = max(1, pixel.fragments?.fragments.count ?? 1)
        }
        description = d
    }

    /// The edits that write the Image Pixel attributes a description gives (US values). PixelModule
    /// checks each value it reads; a decoder's description that does not fit a US would be a bug, not a trap.
    public static func edits(for d: PixelDescription) throws(DicomError) -> DatasetEdits {
        var ds = EditingDataset(Dataset())
        func us(_ tag: Tag, _ value: Int) throws(DicomError) {
            guard let v = UInt16(exactly: value) else {
                throw DicomError(.internalError, "\(DataDictionary.entry(for: tag)?.keyword ?? "\(tag)") \(value) of \(d) does not fit a US", tag: tag)
            }
            ds.setUInt16(tag, v)
        }
        ds.setString(photometric, .CS, d.photometricInterpretation)
        try us(samplesPerPixel, d.samplesPerPixel)
        if d.samplesPerPixel > 1 { try us(planarConfiguration, d.planarConfiguration) }
        try us(bitsAllocated, d.bitsAllocated)
        try us(bitsStored, d.bitsStored)
        try us(highBit, d.highBit)
        try us(pixelRepresentation, d.pixelRepresentation)
        return ds.edits
    }
}
