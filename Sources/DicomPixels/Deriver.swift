import DicomCodecs
import DicomCore
import DicomIO
import FoundationEssentials

/// What `derive` should do. The operations always run in this order, whatever the order of the
/// flags: frame selection, crop, downsample or resize, window to 8 bits, then the lossy copy.
public struct DeriveOptions: Sendable {
    public enum Resample: Sendable, Equatable {
        /// Box filter over N x N blocks (`PixelTransforms.downsample`).
        case downsample(Int)
        /// Area averaging to a new size (`PixelTransforms.resize`).
        case resize(columns: Int, rows: Int)
    }

    /// A lossy copy made by the transcode core after the other operations.
    public struct Lossy: Sendable {
        public var target: TransferSyntax
        public var encode: EncodeOptions
        public init(target: TransferSyntax, encode: EncodeOptions) {
            self.target = target
            self.encode = encode
        }
    }

    /// 1-based frame numbers to keep, in output order; nil keeps every frame.
    public var frames: [Int]?
    /// One output instance per kept frame.
    public var splitFrames = false
    public var crop: PixelTransforms.Rect?
    public var resample: Resample?
    /// The VOI window for `to8Bit`; nil takes the data set's first window, else the value range.
    public var window: PixelTransforms.Window?
    public var to8Bit = false
    public var lossy: Lossy?
    /// Image Type value 2 PRIMARY instead of SECONDARY.
    public var primary = false
    public var newSeries = false

    public init() {}

    /// Whether anything but the lossy copy changes the pixels or the frames.
    var transformsPixels: Bool { frames != nil || splitFrames || crop != nil || resample != nil || to8Bit }
}

/// What one derived instance is, for --plan and the JSON record.
public struct DeriveReport: Sendable {
    /// 1-based source frames in this output (nil: all of them).
    public var frames: [Int]?
    public var operations: [String] = []
    public var syntax: TransferSyntax
    public var lossy = false
    public var ratio: Double?
    /// "(gggg,eeee) Keyword: old -> new" for every top-level attribute that changed.
    public var changes: [String] = []
}

/// Derived images with their provenance (PS3.3 C.7.6.1.1.2 Image Type, C.7.6.1.1.3 Derivation,
/// C.12.4.1.2 Source Image Sequence, C.12.3 Frame Extraction), geometry kept true (C.7.6.2 Image
/// Plane, C.7.6.16 functional groups) and lossy history kept monotonic through LossyBookkeeping.
public struct Deriver {
    public let options: DeriveOptions

    public init(_ options: DeriveOptions) { self.options = options }

    public struct Output: Sendable {
        public var meta: Dataset
        public var dataset: Dataset
        public var syntax: TransferSyntax
        public var report: DeriveReport
        /// With `splitFrames`: the source frame (1-based) this instance holds, for its file name.
        public var frameNumber: Int?
    }

    // MARK: Derivation codes

    /// The Derivation Code Sequence entries used, one per operation. CID 7203 "Image Derivation"
    /// (PS3.16; the list checked against the CID 7203 table in ClearCanvas'
    /// ImageDerivationContextGroup, DICOM 2011, and GDCM's gdcmFileDerivation.cxx) has codes for
    /// frame extraction and resampling, none for cropping or windowing; the group is extensible,
    /// so those two use a private coding scheme (designator prefix "99", PS3.16 8.2).
    public enum Codes {
        /// 113091: frames of a volume (RT Dose grids, CT/MR stacks, enhanced multi-frame).
        public static let spatialFrames = LossyBookkeeping.Code("113091", "DCM", "Spatially-related frames extracted from the volume")
        /// 113092: frames of a time series (cine: Frame Increment Pointer is Frame Time or Frame Time Vector).
        public static let temporalFrames = LossyBookkeeping.Code("113092", "DCM", "Temporally-related frames extracted from the set of volumes")
        /// 113085: downsample and resize.
        public static let spatialResampling = LossyBookkeeping.Code("113085", "DCM", "Spatial resampling")
        /// Private: no CID 7203 concept means "a sub-rectangle of the pixel matrix".
        public static let crop = LossyBookkeeping.Code("CROP", "99DICOMTOOL", "Image cropping")
        /// Private: no CID 7203 concept means "modality and VOI transforms applied to stored values".
        public static let voiTo8Bit = LossyBookkeeping.Code("VOI8BIT", "99DICOMTOOL", "Modality and VOI LUT applied, 8-bit output")
    }

    // MARK: Tags

    enum T {
        static let imageType = Tag.imageType
        static let conversionType = Tag.conversionType
        static let frameExtractionSequence = Tag.frameExtractionSequence
        static let simpleFrameList = Tag.simpleFrameList
        static let multiFrameSourceSOPInstanceUID = Tag.multiFrameSourceSOPInstanceUID
        static let referencedFrameNumber = Tag.referencedFrameNumber
        static let imagerPixelSpacing = Tag.imagerPixelSpacing
        static let nominalScannedPixelSpacing = Tag.nominalScannedPixelSpacing
        static let frameTime = Tag.frameTime, frameTimeVector = Tag.frameTimeVector
        static let patientOrientation = Tag.patientOrientation
        static let imagePosition = Tag.imagePositionPatient, imageOrientation = Tag.imageOrientationPatient
        static let frameIncrementPointer = Tag.frameIncrementPointer
        static let pixelSpacing = Tag.pixelSpacing, pixelAspectRatio = Tag.pixelAspectRatio
        static let smallestImagePixelValue = Tag.smallestImagePixelValue, largestImagePixelValue = Tag.largestImagePixelValue
        static let smallestInSeries = Tag.smallestPixelValueInSeries, largestInSeries = Tag.largestPixelValueInSeries
        static let pixelPaddingValue = Tag.pixelPaddingValue, pixelPaddingRangeLimit = Tag.pixelPaddingRangeLimit
        static let windowCenter = Tag.windowCenter, windowWidth = Tag.windowWidth
        static let rescaleIntercept = Tag.rescaleIntercept, rescaleSlope = Tag.rescaleSlope
        static let rescaleType = Tag.rescaleType, windowExplanation = Tag.windowCenterWidthExplanation
        static let voiLUTFunction = Tag.voilutFunction
        static let modalityLUTSequence = Tag.modalityLUTSequence, voiLUTSequence = Tag.voilutSequence
        static let pixelMeasuresSequence = Tag.pixelMeasuresSequence, frameVOILUTSequence = Tag.frameVOILUTSequence
        static let pixelValueTransformationSequence = Tag.pixelValueTransformationSequence
        static let planePositionSequence = Tag.planePositionSequence, planeOrientationSequence = Tag.planeOrientationSequence
        static let iconImageSequence = Tag.iconImageSequence
        static let gridFrameOffsetVector = Tag.gridFrameOffsetVector
        static let sharedGroups = Tag.sharedFunctionalGroupsSequence, perFrameGroups = Tag.perFrameFunctionalGroupsSequence
        static let rtDoseStorage = "1.2.840.10008.5.1.4.1.1.481.2"
    }

    // MARK: Deriving

    /// One output, or one per kept frame with `splitFrames`.
    public func derive(_ file: DicomFile) throws(DicomError) -> [Output] {
        guard let frames = try FrameSource(dataset: file.dataset, syntax: file.transferSyntax) else {
            throw DicomError(.invalidInput, "no Pixel Data: there is nothing to derive from", tag: .pixelData)
        }
        let count = frames.frameCount
        if let list = options.frames, let bad = list.first(where: { $0 < 1 || $0 > count }) {
            throw DicomError(.usage, "frame \(bad) requested, the image has \(count) frame\(count == 1 ? "" : "s")")
        }
        let kept = options.frames ?? Array(1...count)
        if options.splitFrames {
            var outputs: [Output] = []
            for k in kept {
                var out = try deriveOne(file, frames, selection: [k], total: count)
                out.frameNumber = k
                outputs.append(out)
            }
            return outputs
        }
        return [try deriveOne(file, frames, selection: kept, total: count)]
    }

    private func deriveOne(_ file: DicomFile, _ frames: FrameSource, selection: [Int], total: Int) throws(DicomError) -> Output {
        let isSubset = selection != Array(1...total)
        let source = file.dataset
        let originalUID = source.string(LossyBookkeeping.sopInstanceUID) ?? ""
        var report = DeriveReport(frames: isSubset ? selection : nil, syntax: options.lossy?.target ?? .explicitVRLittleEndian)

        // Only a lossy copy: the transcode core does everything, as `transcode` would.
        guard options.transformsPixels else {
            guard let lossy = options.lossy else {
                throw DicomError(.usage, "nothing to derive: give at least one operation")
            }
            let out = try lossyCopy(file, lossy, newSeries: options.newSeries)
            var ds = out.dataset
            setImageTypeValue2(&ds)
            report.operations.append("lossy copy: \(lossy.target.name)")
            report.lossy = out.report.lossy
            report.ratio = out.report.ratio
            report.changes = Transcoder.describeChanges(from: source, to: ds)
            let meta = DatasetWriter.makeMeta(for: ds, syntax: lossy.target, previous: out.meta)
            return Output(meta: meta, dataset: ds, syntax: lossy.target, report: report)
        }

        // Every frame kept and nothing else asked for would be a copy claiming to be derived:
        // refused before any frame is decoded (the same refusal as below, which stays the one
        // place a derivation code is required).
        if !isSubset && options.crop == nil && options.resample == nil && !options.to8Bit {
            throw DicomError(.unsupported, "nothing to derive: the selection keeps all \(total) frame\(total == 1 ? "" : "s") "
                             + "and no transform is asked for", tag: .pixelData)
        }

        if options.to8Bit {
            if source.string(LossyBookkeeping.sopClassUID) == T.rtDoseStorage {
                throw DicomError(.unsupported, "--to-8bit: RT Dose pixel values are doses (Bits Allocated 16 or 32 required); "
                                 + "window an image instead", tag: LossyBookkeeping.sopClassUID)
            }
            if source[T.modalityLUTSequence] != nil {
                throw DicomError(.unsupported, "--to-8bit: a Modality LUT Sequence is not applied by derive", tag: T.modalityLUTSequence)
            }
        }

        // Pixels: decode each kept frame and run the operations in their fixed order.
        let decoder: (any PixelDecoder)? = frames.isEncapsulated ? CodecRegistry.decoder(for: frames.syntax) : nil
        if frames.isEncapsulated && decoder == nil {
            throw DicomError(.unsupported, "no decoder for \(frames.syntax.name)")
        }
        var spatialFrames: [DecodedFrame] = []
        for k in selection {
            var frame: DecodedFrame
            if let decoder {
                frame = try Transcoder.decodeFrame(frames, decoder, k - 1, expecting: nil)
            } else {
                var d = frames.description
                d.numberOfFrames = 1
                frame = Transcoder.normalized(Transcoder.interleaved(DecodedFrame(bytes: try frames.frame(k - 1), description: d)))
            }
            if frame.description.photometricInterpretation == "YBR_FULL", frames.description.photometricInterpretation != "YBR_FULL" {
                frame = try PixelTransforms.ybrFullToRGB(frame)
            }
            if let rect = options.crop { frame = try PixelTransforms.crop(frame, rect) }
            switch options.resample {
            case .downsample(let n)?: frame = try PixelTransforms.downsample(frame, by: n)
            case .resize(let c, let r)?: frame = try PixelTransforms.resize(frame, columns: c, rows: r)
            case nil: break
            }
            spatialFrames.append(frame)
        }
        guard let firstFrame = spatialFrames.first else {
            throw DicomError(.usage, "no frame selected")
        }
        let spatialDescription = firstFrame.description
        if let other = spatialFrames.first(where: { $0.description != spatialDescription }) {
            throw DicomError(.decodeFailed, "frames decode to different images (\(spatialDescription) and \(other.description))", tag: .pixelData)
        }

        var ds = source
        var operations: [String] = []
        var codes: [LossyBookkeeping.Code] = []

        if isSubset {
            let temporal = Self.incrementPointers(source).contains { $0 == T.frameTime || $0 == T.frameTimeVector }
            codes.append(temporal ? Codes.temporalFrames : Codes.spatialFrames)
            operations.append("frame\(selection.count == 1 ? "" : "s") \(Self.describe(selection)) of \(total)")
            try selectFrames(&ds, selection: selection, total: total, originalUID: originalUID)
        }

        // Geometry: each spatial step moves the first pixel's centre and scales the spacing.
        var steps: [SpatialStep] = []
        var columns = frames.description.columns, rows = frames.description.rows
        if let rect = options.crop {
            steps.append(SpatialStep(dx: Double(rect.x), dy: Double(rect.y), rowScale: 1, columnScale: 1))
            codes.append(Codes.crop)
            operations.append("crop x=\(rect.x) y=\(rect.y) width=\(rect.width) height=\(rect.height) of \(columns)x\(rows)")
            columns = rect.width
            rows = rect.height
        }
        switch options.resample {
        case .downsample(let n)?:
            let half = Double(n - 1) / 2
            steps.append(SpatialStep(dx: half, dy: half, rowScale: Double(n), columnScale: Double(n)))
            codes.append(Codes.spatialResampling)
            operations.append("downsample \(n) (box filter, mean of \(n)x\(n) blocks) from \(columns)x\(rows) to \(columns / n)x\(rows / n)")
        case .resize(let c, let r)?:
            let sx = Double(columns) / Double(c), sy = Double(rows) / Double(r)
            steps.append(SpatialStep(dx: 0.5 * sx - 0.5, dy: 0.5 * sy - 0.5, rowScale: sy, columnScale: sx))
            codes.append(Codes.spatialResampling)
            operations.append("resize from \(columns)x\(rows) to \(c)x\(r) (area averaging)")
        case nil: break
        }
        if !steps.isEmpty {
            Self.applyGeometry(&ds, steps)
            // Overlays and the icon describe the old pixel matrix.
            ds.removeAll { ($0.tag.group & 0xFF00) == 0x6000 && $0.tag.group % 2 == 0 }
            ds.remove(T.iconImageSequence)
        }

        // Window to 8 bits, with the modality transform of each frame.
        var outputFrames = spatialFrames
        if options.to8Bit {
            var transforms: [(slope: Double, intercept: Double)] = []
            for k in selection { transforms.append(try Self.rescale(source, frame: k)) }
            let window: PixelTransforms.Window
            let given: PixelTransforms.Window?
            if let w = options.window { given = w } else { given = try Self.storedWindow(source, frame: selection[0]) }
            if let given {
                window = given
            } else {
                window = try Self.fullRangeWindow(spatialFrames, transforms)
            }
            outputFrames = []
            for (i, f) in spatialFrames.enumerated() {
                outputFrames.append(try PixelTransforms.windowTo8Bit(f, window: window, slope: transforms[i].slope,
                                                                     intercept: transforms[i].intercept))
            }
            codes.append(Codes.voiTo8Bit)
            operations.append("window center \(Self.formatDS(window.center)) width \(Self.formatDS(window.width)) (linear, PS3.3 C.11.2.1.2.1) "
                              + "to 8-bit MONOCHROME2")
            Self.applyTo8Bit(&ds)
        }

        // Image Pixel attributes and the pixels themselves (native, Explicit VR Little Endian).
        var d = outputFrames[0].description
        d.numberOfFrames = outputFrames.count
        try Self.applyDescription(d, to: &ds, hadFrameCount: source[PixelModule.numberOfFrames] != nil)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(d.frameByteCount * outputFrames.count + 1)
        for f in outputFrames { pixels += f.bytes }
        if pixels.count % 2 == 1 { pixels.append(0) }
        ds.set(Element(tag: .pixelData, vr: d.bitsAllocated > 8 ? .OW : .OB, value: .bytes(ValueBytes(pixels))))
        ds.remove(.extendedOffsetTable)
        ds.remove(.extendedOffsetTableLengths)
        try Self.updatePixelValueRange(&ds, source: source, frames: outputFrames)

        // A selection of every frame with no transform would be a copy claiming to be derived.
        guard let firstCode = codes.first else {
            throw DicomError(.unsupported, "nothing to derive: the selection keeps all \(total) frame\(total == 1 ? "" : "s") "
                             + "and no transform is asked for", tag: .pixelData)
        }

        // Provenance: the one call to LossyBookkeeping for the derivation.
        let description = "dicomtool derive: " + operations.joined(separator: "; ")
        let intermediateUID = LossyBookkeeping.markDerived(&ds, purpose: .sourceForProcessing, derivation: firstCode,
                                                           description: description, secondary: !options.primary,
                                                           referencedFrames: isSubset ? selection : nil,
                                                           newSeries: options.newSeries)
        Self.addDerivationCodes(&ds, codes.dropFirst())
        setImageTypeValue2(&ds)
        if options.to8Bit, let sc = Self.secondaryCaptureClass(for: source, frames: outputFrames.count) {
            // After markDerived, which names the source's class in Source Image Sequence.
            ds.setString(LossyBookkeeping.sopClassUID, .UI, sc)
            if ds[T.conversionType] == nil { ds.setString(T.conversionType, .CS, "WSD") }
            // No Image Plane module in SC: General Image's Patient Orientation (type 2C) says it.
            if ds[T.patientOrientation] == nil {
                ds.setStrings(T.patientOrientation, .CS, Self.patientOrientation(ds.numbers(T.imageOrientation)))
            }
            operations.append("stored as Secondary Capture (\(sc)): the source's IOD does not allow 8-bit pixels")
        }
        report.operations = operations
        var syntax = TransferSyntax.explicitVRLittleEndian
        var meta = DatasetWriter.makeMeta(for: ds, syntax: syntax, previous: file.meta)

        if let lossy = options.lossy {
            let intermediate = DicomFile(meta: meta, dataset: ds, transferSyntax: syntax,
                                         source: ByteSource(ownedBytes: [0], name: "<derived>"))
            let out = try lossyCopy(intermediate, lossy, newSeries: false)
            ds = out.dataset
            // The lossy step named the derived pixels as its predecessor, but they are never stored
            // as an instance: the stored predecessor is the source, so its item names the source.
            Self.retarget(&ds, from: intermediateUID, to: originalUID, frames: isSubset ? selection : nil)
            setImageTypeValue2(&ds)
            syntax = lossy.target
            meta = DatasetWriter.makeMeta(for: ds, syntax: syntax, previous: out.meta)
            report.operations.append("lossy copy: \(lossy.target.name)")
            report.lossy = out.report.lossy
            report.ratio = out.report.ratio
        }
        report.syntax = syntax
        report.changes = Transcoder.describeChanges(from: source, to: ds)
        return Output(meta: meta, dataset: ds, syntax: syntax, report: report)
    }

    /// A lossy copy through the transcode core, which must really be lossy.
    private func lossyCopy(_ file: DicomFile, _ lossy: DeriveOptions.Lossy, newSeries: Bool) throws(DicomError) -> Transcoder.Output {
        var o = TranscodeOptions(target: lossy.target)
        o.encode = lossy.encode
        o.newSeries = newSeries
        let out = try Transcoder(o).transcode(file)
        guard out.report.lossy else {
            throw DicomError(.usage, "--lossy \(lossy.target.name): these parameters encode losslessly; "
                             + "a lossless copy is made with transcode")
        }
        return out
    }

    /// Image Type value 2 as asked (markDerived sets it only when Image Type had fewer than 2 values).
    private func setImageTypeValue2(_ ds: inout Dataset) {
        var types = ds.strings(T.imageType) ?? ["DERIVED"]
        if types.isEmpty { types = ["DERIVED"] }
        let value2 = options.primary ? "PRIMARY" : "SECONDARY"
        if types.count == 1 { types.append(value2) } else { types[1] = value2 }
        ds.setStrings(T.imageType, .CS, types)
    }

    // MARK: Frames

    /// Frame-dependent attributes cut down to the kept frames, and the extraction recorded (C.12.3).
    private func selectFrames(_ ds: inout Dataset, selection: [Int], total: Int, originalUID: String) throws(DicomError) {
        let source = ds
        // Per-frame functional groups of enhanced multi-frame objects (C.7.6.16).
        if let items = source.items(T.perFrameGroups), items.count == total {
            ds.setSequence(T.perFrameGroups, selection.map { items[$0 - 1] })
        }
        // RT Dose grids: the first kept plane becomes the first frame (C.8.8.3.2).
        if let offsets = source.numbers(T.gridFrameOffsetVector), offsets.count == total {
            let k0 = selection[0] - 1
            let delta = offsets[k0] - offsets[0]
            if delta != 0, let ipp = source.numbers(T.imagePosition), ipp.count == 3,
               let iop = source.numbers(T.imageOrientation), iop.count == 6 {
                let n = Self.cross(Array(iop[0..<3]), Array(iop[3..<6]))
                ds.setStrings(T.imagePosition, .DS, (0..<3).map { Self.formatDS(ipp[$0] + delta * n[$0]) })
            }
            let relative = offsets[0] == 0
            ds.setStrings(T.gridFrameOffsetVector, .DS, selection.map { Self.formatDS(relative ? offsets[$0 - 1] - offsets[k0] : offsets[$0 - 1]) })
        }
        // Other vectors the Frame Increment Pointer names, with one value per frame.
        // The kept values are copied as the file gave them (text as written, numbers byte for
        // byte): no detour through Double, which rounds 64-bit values and cannot hold IS "1e20" as Int.
        for tag in Self.incrementPointers(source) where tag != T.gridFrameOffsetVector {
            guard let e = source[tag] else { continue }
            switch e.vr {
            case .DS, .IS:
                guard let values = source.strings(tag), values.count == total else { continue }
                ds.setStrings(tag, e.vr, selection.map { values[$0 - 1] })
            case .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV:
                let unit = e.vr.byteSwapUnit
                guard let b = e.valueBytes, b.count == total * unit else { continue }
                let bytes = b.littleEndianBytes(swapUnit: unit)
                ds.set(Element(tag: tag, vr: e.vr, value: .bytes(ValueBytes(selection.flatMap { bytes[($0 - 1) * unit..<$0 * unit] }))))
            default: continue
            }
        }
        var item = Dataset(characterSet: ds.characterSet)
        item.setString(T.multiFrameSourceSOPInstanceUID, .UI, originalUID)
        // Frame numbers are at most the frame count, itself a count of values or fragments held in the file.
        var frameList: [UInt8] = []
        for n in selection {
            guard let v = UInt32(exactly: n) else {
                throw DicomError(.unsupported, "frame number \(n) does not fit Simple Frame List (UL)", tag: T.simpleFrameList)
            }
            withUnsafeBytes(of: v.littleEndian) { frameList.append(contentsOf: $0) }
        }
        item.set(Element(tag: T.simpleFrameList, vr: .UL, value: .bytes(ValueBytes(frameList))))
        ds.setSequence(T.frameExtractionSequence, (source.items(T.frameExtractionSequence) ?? []) + [item])
    }

    static func incrementPointers(_ ds: Dataset) -> [Tag] {
        guard let e = ds[T.frameIncrementPointer], e.vr == .AT, let b = e.valueBytes else { return [] }
        let bytes = b.littleEndianBytes(swapUnit: 2)
        var tags: [Tag] = []
        var i = 0
        while i + 3 < bytes.count {
            let group = UInt16(widening: bytes[i]) | UInt16(widening: bytes[i + 1]) << 8
            let element = UInt16(widening: bytes[i + 2]) | UInt16(widening: bytes[i + 3]) << 8
            tags.append(Tag(group, element))
            i += 4
        }
        return tags
    }

    // MARK: Geometry

    /// One spatial operation: where the new first pixel's centre lies, in pixels of the step's
    /// input (dx along a row, dy down a column), and how much larger the new pixels are.
    struct SpatialStep {
        var dx: Double, dy: Double, rowScale: Double, columnScale: Double
    }

    /// Pixel Spacing (row spacing \ column spacing), Imager and Nominal Scanned Pixel Spacing scaled,
    /// Pixel Aspect Ratio kept true, Image Position (Patient) moved along Image Orientation
    /// (Patient) (C.7.6.2.1.1), at the top level and in the functional groups.
    static func applyGeometry(_ ds: inout Dataset, _ steps: [SpatialStep]) {
        let rowScale = steps.reduce(1.0) { $0 * $1.rowScale }, columnScale = steps.reduce(1.0) { $0 * $1.columnScale }
        for tag in [T.imagerPixelSpacing, T.nominalScannedPixelSpacing] {
            if let s = ds.numbers(tag), s.count == 2 {
                ds.setStrings(tag, .DS, [formatDS(s[0] * rowScale), formatDS(s[1] * columnScale)])
            }
        }
        if let ratio = ds.numbers(T.pixelAspectRatio), ratio.count == 2 {
            // Vertical : horizontal, both scaled; kept as the smallest integers of that ratio when exact.
            let v = ratio[0] * rowScale, h = ratio[1] * columnScale
            if let (a, b) = smallIntegerRatio(v, h) { ds.setStrings(T.pixelAspectRatio, .IS, [String(a), String(b)]) } else {
                ds.remove(T.pixelAspectRatio)
            }
        }
        movePlane(&ds, orientationFrom: ds, spacingFrom: ds, steps)

        // Enhanced multi-frame: the shared group, then each frame's (whose values win over shared ones).
        let shared = ds.items(T.sharedGroups)?.first
        if var s = shared {
            let orientation = s.items(T.planeOrientationSequence)?.first
            let measures = s.items(T.pixelMeasuresSequence)?.first
            updateGroup(&s, orientation: orientation, measures: measures, steps)
            ds.setSequence(T.sharedGroups, [s])
        }
        if let items = ds.items(T.perFrameGroups) {
            var updated: [Dataset] = []
            for var item in items {
                let orientation = item.items(T.planeOrientationSequence)?.first ?? shared?.items(T.planeOrientationSequence)?.first
                let measures = item.items(T.pixelMeasuresSequence)?.first ?? shared?.items(T.pixelMeasuresSequence)?.first
                updateGroup(&item, orientation: orientation, measures: measures, steps)
                updated.append(item)
            }
            ds.setSequence(T.perFrameGroups, updated)
        }
    }

    /// One functional group item: its Plane Position moved and its Pixel Measures scaled.
    private static func updateGroup(_ group: inout Dataset, orientation: Dataset?, measures: Dataset?, _ steps: [SpatialStep]) {
        if var position = group.items(T.planePositionSequence)?.first, let orientation, let measures {
            movePlane(&position, orientationFrom: orientation, spacingFrom: measures, steps)
            group.setSequence(T.planePositionSequence, [position])
        }
        if var own = group.items(T.pixelMeasuresSequence)?.first {
            scaleSpacing(&own, steps)
            group.setSequence(T.pixelMeasuresSequence, [own])
        }
    }

    /// Moves `target`'s Image Position (Patient) and scales its Pixel Spacing, step by step.
    private static func movePlane(_ target: inout Dataset, orientationFrom: Dataset, spacingFrom: Dataset, _ steps: [SpatialStep]) {
        guard var spacing = spacingFrom.numbers(T.pixelSpacing), spacing.count == 2 else { return }
        if var ipp = target.numbers(T.imagePosition), ipp.count == 3,
           let iop = orientationFrom.numbers(T.imageOrientation), iop.count == 6 {
            var s = spacing
            for step in steps {
                for i in 0..<3 { ipp[i] += step.dx * s[1] * iop[i] + step.dy * s[0] * iop[3 + i] }
                s[0] *= step.rowScale
                s[1] *= step.columnScale
            }
            target.setStrings(T.imagePosition, .DS, ipp.map { formatDS($0) })
        }
        if target[T.pixelSpacing] != nil {
            for step in steps {
                spacing[0] *= step.rowScale
                spacing[1] *= step.columnScale
            }
            target.setStrings(T.pixelSpacing, .DS, spacing.map { formatDS($0) })
        }
    }

    private static func scaleSpacing(_ item: inout Dataset, _ steps: [SpatialStep]) {
        guard var spacing = item.numbers(T.pixelSpacing), spacing.count == 2 else { return }
        for step in steps {
            spacing[0] *= step.rowScale
            spacing[1] *= step.columnScale
        }
        item.setStrings(T.pixelSpacing, .DS, spacing.map { formatDS($0) })
    }

    // MARK: Values

    /// The first value of a stored number that --to-8bit computes with; nil when absent or empty.
    /// A value that is not a finite number (NaN, Inf, or not a number at all) is refused: computed
    /// with, it made every pixel black (NaN compares false with every bound) with exit status 0.
    static func finiteNumber(_ d: Dataset, _ tag: Tag, _ name: String, _ consequence: String) throws(DicomError) -> Double? {
        guard let text = d.strings(tag)?.first, !text.isEmpty else { return nil }
        guard let v = Double(text), v.isFinite else {
            throw DicomError(.invalidInput, "--to-8bit: \(name) \"\(text)\" is not a finite number: \(consequence)", tag: tag)
        }
        return v
    }

    /// Rescale slope and intercept for a frame: top level, else its functional group, else shared.
    static func rescale(_ ds: Dataset, frame: Int) throws(DicomError) -> (slope: Double, intercept: Double) {
        func read(_ d: Dataset) throws(DicomError) -> (Double, Double)? {
            let undefined = "the modality values are undefined"
            let i = try finiteNumber(d, T.rescaleIntercept, "Rescale Intercept", undefined)
            let s = try finiteNumber(d, T.rescaleSlope, "Rescale Slope", undefined)
            guard let i, let s else { return nil }
            return (s, i)
        }
        if let r = try read(ds) { return r }
        let perFrame = ds.items(T.perFrameGroups).flatMap { $0.indices.contains(frame - 1) ? $0[frame - 1] : nil }
        for group in [perFrame, ds.items(T.sharedGroups)?.first] {
            if let item = group?.items(T.pixelValueTransformationSequence)?.first, let r = try read(item) { return r }
        }
        return (1, 0)
    }

    /// The first stored window: top level, else the frame's or the shared Frame VOI LUT. A stored
    /// window that is not finite, or whose width is below 1 (PS3.3 C.11.2.1.2.1: "Window Width
    /// (0028,1051) shall always be greater than or equal to 1"), is refused, not skipped.
    static func storedWindow(_ ds: Dataset, frame: Int) throws(DicomError) -> PixelTransforms.Window? {
        func read(_ d: Dataset) throws(DicomError) -> PixelTransforms.Window? {
            let replace = "give --window CENTER,WIDTH to use another window"
            let c = try finiteNumber(d, T.windowCenter, "Window Center", replace)
            let w = try finiteNumber(d, T.windowWidth, "Window Width", replace)
            guard let c, let w else { return nil }
            guard w >= 1 else {
                throw DicomError(.invalidInput, "--to-8bit: Window Width \(formatDS(w)) is below 1 (PS3.3 C.11.2.1.2.1); "
                                 + "give --window CENTER,WIDTH to replace it", tag: T.windowWidth)
            }
            return PixelTransforms.Window(center: c, width: w)
        }
        if let w = try read(ds) { return w }
        let perFrame = ds.items(T.perFrameGroups).flatMap { $0.indices.contains(frame - 1) ? $0[frame - 1] : nil }
        for group in [perFrame, ds.items(T.sharedGroups)?.first] {
            if let item = group?.items(T.frameVOILUTSequence)?.first, let w = try read(item) { return w }
        }
        return nil
    }

    /// No window given or stored: the whole range of modality values maps onto 0...255.
    static func fullRangeWindow(_ frames: [DecodedFrame], _ transforms: [(slope: Double, intercept: Double)]) throws(DicomError)
        -> PixelTransforms.Window {
        var lo = Double.infinity, hi = -Double.infinity
        for (i, f) in frames.enumerated() {
            guard let r = try PixelTransforms.range(f) else { continue }
            let a = Double(r.lowerBound) * transforms[i].slope + transforms[i].intercept
            let b = Double(r.upperBound) * transforms[i].slope + transforms[i].intercept
            lo = min(lo, a, b)
            hi = max(hi, a, b)
        }
        guard lo.isFinite, hi.isFinite else { return PixelTransforms.Window(center: 128, width: 256) }
        let width = max(1, hi - lo + 1)
        return PixelTransforms.Window(center: lo + width / 2, width: width)
    }

    /// The values now are display values 0...255: the modality transform is the identity (its
    /// type unspecified, as CT's HU no longer holds), the window covers 0...255, padding is gone.
    static func applyTo8Bit(_ ds: inout Dataset) {
        func identity(_ d: inout Dataset, always: Bool) {
            if always || d[T.rescaleSlope] != nil || d[T.rescaleIntercept] != nil {
                d.setString(T.rescaleIntercept, .DS, "0")
                d.setString(T.rescaleSlope, .DS, "1")
                d.setString(T.rescaleType, .LO, "US")
            }
        }
        func window(_ d: inout Dataset, always: Bool) {
            if always || d[T.windowCenter] != nil {
                d.setString(T.windowCenter, .DS, "128")
                d.setString(T.windowWidth, .DS, "256")
            }
            d.remove(T.windowExplanation)
            d.remove(T.voiLUTFunction)
            d.remove(T.voiLUTSequence)
        }
        identity(&ds, always: false)
        window(&ds, always: ds.items(T.sharedGroups) == nil)
        ds.remove(T.pixelPaddingValue)
        ds.remove(T.pixelPaddingRangeLimit)
        for groupsTag in [T.sharedGroups, T.perFrameGroups] {
            guard let items = ds.items(groupsTag) else { continue }
            ds.setSequence(groupsTag, items.map { group in
                var g = group
                if var t = g.items(T.pixelValueTransformationSequence)?.first {
                    identity(&t, always: true)
                    g.setSequence(T.pixelValueTransformationSequence, [t])
                }
                if var v = g.items(T.frameVOILUTSequence)?.first {
                    window(&v, always: true)
                    g.setSequence(T.frameVOILUTSequence, [v])
                }
                return g
            })
        }
    }

    /// Smallest/Largest Image Pixel Value recomputed where the source had them; series-wide values
    /// cannot be known from one instance and are removed.
    static func updatePixelValueRange(_ ds: inout Dataset, source: Dataset, frames: [DecodedFrame]) throws(DicomError) {
        ds.remove(T.smallestInSeries)
        ds.remove(T.largestInSeries)
        guard source[T.smallestImagePixelValue] != nil || source[T.largestImagePixelValue] != nil else { return }
        var lo = Int.max, hi = Int.min
        for f in frames {
            guard let r = try PixelTransforms.range(f) else { continue }
            lo = min(lo, r.lowerBound)
            hi = max(hi, r.upperBound)
        }
        let signed = frames.first?.description.isSigned ?? false
        let bits = frames.first?.description.bitsAllocated ?? 8
        guard lo <= hi, bits <= 16 else {
            ds.remove(T.smallestImagePixelValue)
            ds.remove(T.largestImagePixelValue)
            return
        }
        let vr: VR = signed ? .SS : .US
        ds.setUInt16(T.smallestImagePixelValue, UInt16(truncatingIfNeeded: lo), vr: vr)
        ds.setUInt16(T.largestImagePixelValue, UInt16(truncatingIfNeeded: hi), vr: vr)
    }

    /// Photometric interpretation, bits, rows, columns and frame count as the output pixels are.
    static func applyDescription(_ d: PixelDescription, to ds: inout Dataset, hadFrameCount: Bool) throws(DicomError) {
        try PixelModule.write(d, to: &ds)
        if d.samplesPerPixel == 1 { ds.remove(PixelModule.planarConfiguration) }
        ds.setUInt16(PixelModule.rows, UInt16(clamping: d.rows))
        ds.setUInt16(PixelModule.columns, UInt16(clamping: d.columns))
        if hadFrameCount || d.numberOfFrames > 1 { ds.setString(PixelModule.numberOfFrames, .IS, String(d.numberOfFrames)) }
        if d.photometricInterpretation != "PALETTE COLOR" {
            // Palette descriptors and data belong to PALETTE COLOR only.
            ds.removeAll { $0.tag.group == 0x0028 && (0x1101...0x1223).contains($0.tag.element) }
        }
    }

    /// The IODs whose Image Pixel constraints exclude 8-bit grayscale (CT, MR and PET Image
    /// modules enumerate Bits Allocated 16): a windowed 8-bit rendition of them is a secondary
    /// capture (PS3.3 A.8), single-frame or Multi-frame Grayscale Byte.
    static let sixteenBitOnlyClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1",   // CT, Enhanced CT
        "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.4.1",   // MR, Enhanced MR
        "1.2.840.10008.5.1.4.1.1.128", "1.2.840.10008.5.1.4.1.1.130", // PET, Enhanced PET
    ]

    static func secondaryCaptureClass(for source: Dataset, frames: Int) -> String? {
        guard let cls = source.string(LossyBookkeeping.sopClassUID), sixteenBitOnlyClasses.contains(cls) else { return nil }
        return frames > 1 || source.items(T.perFrameGroups) != nil ? "1.2.840.10008.5.1.4.1.1.7.2" : "1.2.840.10008.5.1.4.1.1.7"
    }

    /// Patient Orientation from Image Orientation (Patient) (C.7.6.1.1.1): for the row and the
    /// column direction, the letters of the axes they point along (L/R, P/A, H/F), strongest
    /// first, components under 0.25 ignored. Empty (type 2) when the orientation is unknown.
    static func patientOrientation(_ iop: [Double]?) -> [String] {
        guard let iop, iop.count == 6 else { return [] }
        func letters(_ v: ArraySlice<Double>) -> String {
            let axes = [("L", "R"), ("P", "A"), ("H", "F")]
            let order = (0..<3).sorted { abs(v[v.startIndex + $0]) > abs(v[v.startIndex + $1]) }
            return order.filter { abs(v[v.startIndex + $0]) >= 0.25 }.map { v[v.startIndex + $0] > 0 ? axes[$0].0 : axes[$0].1 }.joined()
        }
        return [letters(iop[0..<3]), letters(iop[3..<6])]
    }

    // MARK: Provenance helpers

    /// Derivation codes beyond the first (markDerived records one code per call; the sequence
    /// holds one item per operation, C.7.6.1.1.3).
    static func addDerivationCodes(_ ds: inout Dataset, _ codes: ArraySlice<LossyBookkeeping.Code>) {
        guard !codes.isEmpty else { return }
        var items = ds.items(LossyBookkeeping.derivationCodeSequence) ?? []
        for code in codes where !items.contains(where: { $0.string(Tag.codeValue) == code.value
            && $0.string(Tag.codingSchemeDesignator) == code.scheme }) {
            var item = Dataset(characterSet: ds.characterSet)
            item.setString(Tag.codeValue, .SH, code.value)
            item.setString(Tag.codingSchemeDesignator, .SH, code.scheme)
            item.setString(Tag.codeMeaning, .LO, code.meaning)
            items.append(item)
        }
        ds.setSequence(LossyBookkeeping.derivationCodeSequence, items)
    }

    /// Source Image Sequence items naming `old` made to name `new` (with the frames taken).
    static func retarget(_ ds: inout Dataset, from old: String, to new: String, frames: [Int]?) {
        guard let items = ds.items(LossyBookkeeping.sourceImageSequence) else { return }
        ds.setSequence(LossyBookkeeping.sourceImageSequence, items.map { item in
            guard item.string(LossyBookkeeping.referencedSOPInstanceUID) == old else { return item }
            var i = item
            i.setString(LossyBookkeeping.referencedSOPInstanceUID, .UI, new)
            if let frames { i.setStrings(T.referencedFrameNumber, .IS, frames.map(String.init)) }
            return i
        })
    }

    // MARK: Formatting

    /// A decimal string valid as DS: at most 16 characters, as precise as fits.
    static func formatDS(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }  // conversion: a whole number below 1e15
        for digits in stride(from: 10, through: 1, by: -1) {
            var s = NumberText.fixed(v, digits: digits)
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
            if s.count <= 16 { return s == "-0" ? "0" : s }
        }
        return NumberText.general(v, significant: 6)
    }

    static func describe(_ frames: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < frames.count {
            var j = i
            while j + 1 < frames.count && frames[j + 1] == frames[j] + 1 { j += 1 }
            parts.append(j > i ? "\(frames[i])-\(frames[j])" : "\(frames[i])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func cross(_ a: [Double], _ b: [Double]) -> [Double] {
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    }

    static func smallIntegerRatio(_ a: Double, _ b: Double) -> (Int, Int)? {
        for denominator in 1...1000 {
            let numerator = a / b * Double(denominator)
            if abs(numerator - numerator.rounded()) < 1e-9, numerator >= 1, numerator < 1e9 {
                return (Int(numerator.rounded()), denominator)  // conversion: 1 <= numerator < 1e9 (checked above)
            }
        }
        return nil
    }
}
