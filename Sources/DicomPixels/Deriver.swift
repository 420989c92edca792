import DicomCodecs
import DicomCore
import DicomIO
import FoundationEssentials

/// Derived images with their provenance (PS3.3 C.7.6.1.1.2 Image Type, C.7.6.1.1.3 Derivation,
/// C.12.4.1.2 Source Image Sequence, C.12.3 Frame Extraction), geometry kept true (C.7.6.2 Image
/// Plane, C.7.6.16 functional groups) and lossy history kept monotonic through LossyBookkeeping.
public struct Deriver {
    public let options: DeriveOptions

    public init(_ options: DeriveOptions) { self.options = options }

    /// One derived instance: the source data set and its edits (applied by `write`), the meta,
    /// and the report whose change list describes those edits.
    public struct Output: Sendable {
        public var meta: Dataset
        public let source: Dataset
        public let edits: DatasetEdits
        public var syntax: TransferSyntax
        public var report: DeriveReport
        /// With `splitFrames`: the source frame (1-based) this instance holds, for its file name.
        public var frameNumber: Int?
        /// A lossy copy's Pixel Data, written by the transcode pipeline's encapsulator.
        let pixels: PixelDataOutput?

        /// The data set as written (a lossy copy's Pixel Data is written by `write`).
        public var dataset: Dataset { edits.applied(to: source) }

        public func write<S: OutputSink>(to sink: inout S, preamble: [UInt8]?) throws(DicomError) {
            try DatasetWriter(syntax: syntax, streamed: pixels.streamedElements)
                .writeFile(meta: meta, dataset: dataset, preamble: preamble, to: &sink)
        }
    }

    /// The outputs of one input, and what reading its Image Pixel module found (parsed once).
    public struct Derivation: Sendable {
        public var outputs: [Output]
        public var pixelWarnings: [ReadWarning]
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

    // MARK: Deriving

    /// One output, or one per kept frame with `splitFrames`.
    public func derive(_ file: DicomFile) throws(DicomError) -> [Output] { try derivation(of: file).outputs }

    public func derivation(of file: DicomFile) throws(DicomError) -> Derivation {
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
            return Derivation(outputs: outputs, pixelWarnings: frames.module.warnings)
        }
        return Derivation(outputs: [try deriveOne(file, frames, selection: kept, total: count)], pixelWarnings: frames.module.warnings)
    }

    private func deriveOne(_ file: DicomFile, _ frames: FrameSource, selection: [Int], total: Int) throws(DicomError) -> Output {
        let isSubset = selection != Array(1...total)
        let source = file.dataset
        let originalUID = source.string(LossyBookkeeping.sopInstanceUID) ?? ""
        var report = DeriveReport(frames: isSubset ? selection : nil, syntax: options.lossy?.target ?? .explicitVRLittleEndian)
        let imageTypeValue2 = options.primary ? "PRIMARY" : "SECONDARY"

        // Only a lossy copy: the transcode core does everything, as `transcode` would.
        guard options.transformsPixels else {
            guard let lossy = options.lossy else {
                throw DicomError(.usage, "nothing to derive: give at least one operation")
            }
            let out = try lossyCopy(file, lossy, newSeries: options.newSeries)
            var ds = EditingDataset(source)
            ds.apply(out.edits)
            ds.apply(LossyBookkeeping.imageTypeValue2(ds.current, imageTypeValue2))
            report.operations.append("lossy copy: \(lossy.target.name)")
            report.lossy = out.report.lossy
            report.ratio = out.report.ratio
            report.changes = ds.edits.describe(against: source)
            let meta = DatasetWriter.makeMeta(for: ds.current, syntax: lossy.target, previous: file.meta)
            return Output(meta: meta, source: source, edits: ds.edits, syntax: lossy.target, report: report, pixels: out.pixels)
        }

        // Every frame kept and nothing else asked for would be a copy claiming to be derived:
        // refused before any frame is decoded (the same refusal as below, which stays the one
        // place a derivation code is required).
        if !isSubset && options.crop == nil && options.resample == nil && !options.to8Bit {
            throw DicomError(.unsupported, "nothing to derive: the selection keeps all \(total) frame\(total == 1 ? "" : "s") "
                             + "and no transform is asked for", tag: .pixelData)
        }

        if options.to8Bit {
            if source.string(LossyBookkeeping.sopClassUID) == Self.rtDoseStorage {
                throw DicomError(.unsupported, "--to-8bit: RT Dose pixel values are doses (Bits Allocated 16 or 32 required); "
                                 + "window an image instead", tag: LossyBookkeeping.sopClassUID)
            }
            if source[Tag.modalityLUTSequence] != nil {
                throw DicomError(.unsupported, "--to-8bit: a Modality LUT Sequence is not applied by derive", tag: Tag.modalityLUTSequence)
            }
        }

        // Pixels: decode each kept frame and run the operations in their fixed order.
        let reader = try FrameReader(frames)
        var spatialFrames: [DecodedFrame] = []
        for k in selection {
            var frame = try reader.decoded(k - 1)
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

        var ds = EditingDataset(source)
        var operations: [String] = []
        var codes: [LossyBookkeeping.Code] = []

        if isSubset {
            let temporal = Self.incrementPointers(source).contains { $0 == Tag.frameTime || $0 == Tag.frameTimeVector }
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
            ds.remove(Tag.iconImageSequence)
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
            operations.append("window center \(DecimalString.format(window.center, .measurement)) width \(DecimalString.format(window.width, .measurement)) (linear, PS3.3 C.11.2.1.2.1) "
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
        guard !codes.isEmpty else {
            throw DicomError(.unsupported, "nothing to derive: the selection keeps all \(total) frame\(total == 1 ? "" : "s") "
                             + "and no transform is asked for", tag: .pixelData)
        }

        // Provenance: the derivation's edits, from LossyBookkeeping.
        let description = "dicomtool derive: " + operations.joined(separator: "; ")
        let uids = LossyBookkeeping.NewUIDs.generate(newSeries: options.newSeries)
        ds.apply(LossyBookkeeping.derivation(ds.current, purpose: .sourceForProcessing, codes: codes,
                                             description: description, imageTypeValue2: imageTypeValue2,
                                             referencedFrames: isSubset ? selection : nil, uids: uids))
        if options.to8Bit, let sc = Self.secondaryCaptureClass(for: source, frames: outputFrames.count) {
            // After the derivation, which names the source's class in Source Image Sequence.
            ds.setString(Tag.sopClassUID, .UI, sc)
            if ds[Tag.conversionType] == nil { ds.setString(Tag.conversionType, .CS, "WSD") }
            // No Image Plane module in SC: General Image's Patient Orientation (type 2C) says it.
            if ds[Tag.patientOrientation] == nil {
                ds.setStrings(Tag.patientOrientation, .CS, Self.patientOrientation(ds.numbers(Tag.imageOrientationPatient)))
            }
            operations.append("stored as Secondary Capture (\(sc)): the source's IOD does not allow 8-bit pixels")
        }
        report.operations = operations
        var syntax = TransferSyntax.explicitVRLittleEndian
        var meta = DatasetWriter.makeMeta(for: ds.current, syntax: syntax, previous: file.meta)
        var lossyPixels: PixelDataOutput?

        if let lossy = options.lossy {
            let intermediate = DicomFile(meta: meta, dataset: ds.current, transferSyntax: syntax,
                                         source: ByteSource(ownedBytes: [0], name: "<derived>"))
            let out = try lossyCopy(intermediate, lossy, newSeries: false)
            ds.apply(out.edits)
            // The lossy step named the derived pixels as its predecessor, but they are never stored
            // as an instance: the stored predecessor is the source, so its item names the source.
            ds.apply(LossyBookkeeping.namingStoredPredecessor(ds.current, unstored: uids.instance, original: originalUID,
                                                              frames: isSubset ? selection : nil, imageTypeValue2: imageTypeValue2))
            syntax = lossy.target
            meta = DatasetWriter.makeMeta(for: ds.current, syntax: syntax, previous: file.meta)
            lossyPixels = out.pixels
            report.operations.append("lossy copy: \(lossy.target.name)")
            report.lossy = out.report.lossy
            report.ratio = out.report.ratio
        }
        report.syntax = syntax
        report.changes = ds.edits.describe(against: source)
        return Output(meta: meta, source: source, edits: ds.edits, syntax: syntax, report: report, pixels: lossyPixels)
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

    static let rtDoseStorage = "1.2.840.10008.5.1.4.1.1.481.2"

    /// "1-3,5": a frame list as ranges.
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
}
