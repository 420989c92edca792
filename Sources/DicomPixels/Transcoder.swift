import DicomCodecs
import DicomCore
import DicomIO
import FoundationEssentials

/// Transcode as a thin user of the frame pipeline (ARCHITECTURE.md steps 3-7): it chooses what
/// happens to the pixels (copied, decoded to native, encoded, passed through and re-encapsulated),
/// and collects the data set's edits as a value: Image Pixel attributes, offset tables, and the
/// lossy step from LossyBookkeeping. Codecs see only a PixelDescription and bytes.
public struct Transcoder {
    public let options: TranscodeOptions

    public init(_ options: TranscodeOptions) { self.options = options }

    /// A transcoded instance ready to write: the source data set and its edits, the meta, the
    /// report, and the Pixel Data produced while the file is written.
    public struct Output: Sendable {
        public let source: Dataset
        /// Every change to the data set, applied by `write`.
        public let edits: DatasetEdits
        public let meta: Dataset
        public let syntax: TransferSyntax
        /// The report as known before writing: complete unless Pixel Data is streamed.
        public let report: TranscodeReport
        /// What reading the Image Pixel module found (parsed once, here).
        public let pixelWarnings: [ReadWarning]
        let pixels: PixelDataOutput?
        /// The change-list groups, in the order the report lists them (each in tag order).
        let changeGroups: [DatasetEdits]

        /// The data set as written (a streamed lossy step's ratio as reserved until written).
        public var dataset: Dataset { edits.applied(to: source) }

        /// Writes the instance and returns the complete report (ratio and --verify results of
        /// every frame); a --min-psnr failure throws, so the output is discarded.
        public func write<S: OutputSink>(to sink: inout S, preamble: [UInt8]?) throws(DicomError) -> TranscodeReport {
            try DatasetWriter(syntax: syntax, streamed: pixels.streamedElements)
                .writeFile(meta: meta, dataset: dataset, preamble: preamble, to: &sink)
            return try complete(report)
        }

        /// Writes the data set alone, no preamble and no meta, as a C-STORE sends it (the receiver
        /// writes its own meta). Pixel Data is produced frame by frame as for a file. A deflated
        /// syntax is refused: its data set is one stream, not elements written one at a time.
        public func writeDataSet<S: OutputSink>(to sink: inout S) throws(DicomError) -> TranscodeReport {
            guard !syntax.isDeflated else {
                throw DicomError(.unsupported, "a bare data set in \(syntax.name) is not written element by element")
            }
            try DatasetWriter(syntax: syntax, streamed: pixels.streamedElements).writeBare(dataset, to: &sink)
            return try complete(report)
        }

        /// The report once Pixel Data has been streamed: the totals of every frame, and the change
        /// list with the lossy step as measured (the value whose ratio-bearing elements were written).
        func complete(_ report: TranscodeReport) throws(DicomError) -> TranscodeReport {
            guard case .encapsulated(let w)? = pixels, let pipeline = w.pipeline else { return report }
            var r = report
            try pipeline.totals.finish(&r, pixelsReencoded: !pipeline.isPassThrough, bitsStored: pipeline.description?.bitsStored,
                                       pipeline.options)
            if let pending = w.pendingStep, let step = try? pending.measured(pipeline) {
                r.changes = (changeGroups.dropLast() + [step]).flatMap { $0.describe(against: source) }
            }
            return r
        }
    }

    /// A lossy step whose ratio is measured once every frame is written: its ratio-bearing values
    /// are reserved (`LossyBookkeeping.reservedStep`) and filled in after the last frame.
    struct PendingStep: Sendable {
        let base: Dataset
        let step: LossyBookkeeping.LossyStep
        let slots: [Tag: ReservedElement]

        /// The step's edits with the ratio measured over every frame (the same UIDs).
        func measured(_ pipeline: FramePipeline) throws(DicomError) -> DatasetEdits {
            guard let ratio = pipeline.totals.ratio else {
                throw DicomError(.encodeFailed, "streamed lossy Pixel Data has no compressed bytes to measure a ratio")
            }
            return LossyBookkeeping.lossyStep(base, step, ratio: ratio)
        }

        /// The measured values written into the bytes reserved for them.
        func fill(_ pipeline: FramePipeline, in sink: any PatchableSink) throws(DicomError) {
            let step = try measured(pipeline)
            for (tag, slot) in slots {
                guard let value = LossyBookkeeping.reservedValue(step, tag, length: slot.count) else {
                    throw DicomError(.internalError, "\(tag): the measured value does not fit the bytes reserved for it", tag: tag)
                }
                try slot.fill(value, in: sink)
            }
        }
    }

    public func transcode(_ file: DicomFile) throws(DicomError) -> Output {
        let target = options.target
        let source = file.dataset
        var report = TranscodeReport(source: file.transferSyntax, target: target)
        if target.family == .other || target.family == .video || target.family == .jpip || target.family == .jpegXL
            || target.family == .jpegRetired || target.family == .jpeg2000Part2 {
            throw DicomError(.unsupported, "writing \(target.name) is not supported")
        }
        var ds = EditingDataset(source)
        var pixels: PixelDataOutput?
        var pixelWarnings: [ReadWarning] = []
        var pendingLossy = false

        // Native to native needs no pixel description (the writer re-orders bytes by VR), so Pixel
        // Data with no Image Pixel module at all (seen in edge files) is copied as bytes; an image
        // that has one is still checked (Rows 0, Bits Allocated 3, short data are errors).
        let bytesOnly = source[.pixelData]?.fragments == nil && !target.isEncapsulated && source[PixelModule.rows] == nil
        if !bytesOnly, let frames = try FrameSource(dataset: source, syntax: file.transferSyntax) {
            pixelWarnings = frames.module.warnings
            report.frames = frames.frameCount
            let sourceEncapsulated = frames.isEncapsulated
            if sourceEncapsulated && file.transferSyntax == target && !options.verify && !options.reencapsulate {
                // Same compressed syntax: fragments are copied as they are.
            } else if !sourceEncapsulated && !target.isEncapsulated {
                // Native to native: the writer re-orders bytes by VR; nothing is decoded.
            } else if !target.isEncapsulated {
                pixels = .native(try nativePlan(frames, &ds, &report))
            } else {
                let writer = try encapsulatedPlan(frames, &ds, &report)
                pendingLossy = writer.pipeline?.totals.lossy ?? false
                pixels = .encapsulated(writer)
            }
        }
        var groups = [ds.edits]

        if report.lossy || pendingLossy, let method = report.method {
            // The ratio is measured over every frame: now, or (Pixel Data streamed) once the last
            // frame is written, when the bytes reserved for its two values are filled in.
            let step = LossyBookkeeping.LossyStep(method: method, syntaxName: target.name,
                                                  predecessorMethod: LossyBookkeeping.method(of: file.transferSyntax),
                                                  uids: .generate(newSeries: options.newSeries))
            let base = ds.current
            if let ratio = report.ratio {
                let edits = LossyBookkeeping.lossyStep(base, step, ratio: ratio)
                ds.apply(edits)
                groups.append(edits)
            } else if case .encapsulated(var writer)? = pixels, pendingLossy {
                let edits = LossyBookkeeping.reservedStep(base, step)
                var slots: [Tag: ReservedElement] = [:]
                for tag in LossyBookkeeping.ratioBearingTags {
                    if let e = edits[tag] ?? nil, let b = e.valueBytes { slots[tag] = ReservedElement(tag: tag, vr: e.vr, count: b.count) }
                }
                ds.apply(edits)
                groups.append(edits)
                writer.pendingStep = PendingStep(base: base, step: step, slots: slots)
                pixels = .encapsulated(writer)
            }
        }
        report.changes = groups.flatMap { $0.describe(against: source) }
        let meta = DatasetWriter.makeMeta(for: ds.current, syntax: target, previous: file.meta)
        return Output(source: source, edits: ds.edits, meta: meta, syntax: target, report: report, pixelWarnings: pixelWarnings,
                      pixels: pixels, changeGroups: groups)
    }

    // MARK: Encapsulated source, native target

    private func nativePlan(_ frames: FrameSource, _ ds: inout EditingDataset, _ report: inout TranscodeReport) throws(DicomError)
        -> NativePixelWriter {
        let pairs = FrameOrder<FramePipeline.Frame>.pairs(frameCount: frames.frameCount, options)
        let pipeline = FramePipeline(try FrameReader(frames, framesInParallel: pairs), stage: .decode, options: options, pairs: pairs)
        // Decode frame 1 first: the decoder tells what the pixels really are (e.g. RGB from YBR_FULL_422).
        // With pairs, frame 2 is decoded at the same time and kept (with its error) for the writer.
        let first = try pipeline.frame(0)
        var d = first.description
        d.numberOfFrames = frames.frameCount
        // A native Pixel Data length is 32 bits, and 0xFFFFFFFF means undefined: an encapsulated
        // source of more than 4 GiB (Extended Offset Table) has no native form.
        let (total, overflow) = d.frameByteCount.multipliedReportingOverflow(by: frames.frameCount)
        guard !overflow, total + total % 2 <= 0xFFFF_FFFE else {
            throw DicomError(.unsupported, "native Pixel Data of \(total) bytes would exceed the 32-bit length of native "
                             + "encodings (4 GiB - 2); keep it encapsulated (e.g. --encapsulated-uncompressed --offset-table extended)",
                             tag: .pixelData)
        }
        try Self.checkPermitted(d, in: options.target, replacing: ds.current, from: frames.syntax)
        ds.apply(try PixelModule.edits(for: d))
        report.pixelsReencoded = true
        let vr: VR = d.bitsAllocated > 8 ? .OW : .OB
        ds.set(Element(tag: .pixelData, vr: vr, value: .bytes(ValueBytes([]))))  // placeholder: the writer streams it
        return NativePixelWriter(pipeline: pipeline, first: first.bytes, vr: vr, frameByteCount: d.frameByteCount)
    }

    // MARK: Encapsulated target

    private func encapsulatedPlan(_ frames: FrameSource, _ ds: inout EditingDataset,
                                  _ report: inout TranscodeReport) throws(DicomError) -> EncapsulatedPixelWriter {
        let target = options.target
        // A source already in the target syntax, re-encapsulated as asked: frames pass through.
        let passThrough = frames.isEncapsulated && frames.syntax == target && !options.verify
        let encoder = passThrough ? nil : CodecRegistry.encoder(for: target)
        if !passThrough && encoder == nil {
            throw DicomError(.unsupported, "\(target.name) can be read but not written (no encoder)")
        }
        let pairs = !passThrough && FrameOrder<FramePipeline.Frame>.pairs(frameCount: frames.frameCount, options)
        let reader = try FrameReader(frames, framesInParallel: pairs, decoding: !passThrough)
        if !frames.isEncapsulated && frames.description.photometricInterpretation == "YBR_FULL_422" {
            throw DicomError(.unsupported, "encoding native YBR_FULL_422 (2 samples per pixel pair) is not supported",
                             tag: PixelModule.photometric)
        }
        let stage: FramePipeline.Stage = encoder.map { .encode($0) } ?? .passThrough
        let pipeline = FramePipeline(reader, stage: stage, options: options, pairs: pairs)
        let first = try pipeline.frame(0)
        if !passThrough, let d = pipeline.description {
            try Self.checkPermitted(d, in: target, replacing: ds.current, from: frames.syntax)
        }
        ds.remove(.extendedOffsetTable)
        ds.remove(.extendedOffsetTableLengths)
        if !passThrough, var d = pipeline.description {
            d.numberOfFrames = frames.frameCount
            ds.apply(try PixelModule.edits(for: d))
        }
        let encapsulator = Encapsulator(table: options.offsetTable, fragmentSize: options.fragmentSize)
        // Streamed when the output can be patched: the offset tables and, for lossy output, the
        // ratio-bearing values are reserved and filled in after the last frame.
        if options.streamToFile && frames.frameCount > 1 {
            if pipeline.totals.lossy {
                report.lossy = true
                report.method = pipeline.totals.method
            }
            var slots: ExtendedTableSlots?
            if options.offsetTable == .extended {
                slots = ExtendedTableSlots(frameCount: frames.frameCount)
                ds.set(Element(tag: .extendedOffsetTable, vr: .OV, value: .bytes(ValueBytes([]))))
                ds.set(Element(tag: .extendedOffsetTableLengths, vr: .OV, value: .bytes(ValueBytes([]))))
            }
            ds.set(Element(tag: .pixelData, vr: .OB, value: .bytes(ValueBytes([]))))  // placeholder: streamed
            report.pixelsReencoded = !passThrough
            return EncapsulatedPixelWriter(encapsulator: encapsulator, frameCount: frames.frameCount, pipeline: pipeline,
                                           first: first.bytes, known: nil, extended: slots)
        }

        // Not streamed (one frame, standard output, --plan): every frame encoded now, so the
        // tables and the totals are known before anything is written.
        var encoded = [first.bytes]
        for k in 1..<max(1, frames.frameCount) { encoded.append(try pipeline.frame(k).bytes) }
        let layout = encapsulator.layout(frameLengths: encoded.map(\.count))
        _ = try encapsulator.basicTable(layout)  // refused here, before anything is written, when it cannot be
        if options.offsetTable == .extended {
            for e in Encapsulator.extendedTableElements(layout) { ds.set(e) }
        }
        ds.set(Element(tag: .pixelData, vr: .OB, value: .bytes(ValueBytes([]))))  // placeholder: written by the encapsulator
        try pipeline.totals.finish(&report, pixelsReencoded: !passThrough, bitsStored: pipeline.description?.bitsStored, options)
        return EncapsulatedPixelWriter(encapsulator: encapsulator, frameCount: frames.frameCount, pipeline: nil, first: nil,
                                       known: KnownFrames(frames: encoded, layout: layout), extended: nil)
    }

    /// Refuses an output whose Image Pixel values its IOD does not permit in the target syntax
    /// (ImagePixelConstraints: e.g. YBR_FULL from JPEG Baseline in an Ultrasound image, PS3.3
    /// C.8.5.6.1.2), unless the input already broke the same rule: a conversion never makes an
    /// instance less conformant than it was, and never silently picks other pixels than asked.
    static func checkPermitted(_ d: PixelDescription, in target: TransferSyntax, replacing ds: Dataset,
                               from source: TransferSyntax) throws(DicomError) {
        guard let sopClass = ds.string(Tag.sopClassUID)?.trimmingWhitespace(), !sopClass.isEmpty else { return }
        let after = ImagePixelConstraints.violations(sopClass: sopClass, syntax: target, values: .init(d))
        guard !after.isEmpty else { return }
        let beforeValues = ImagePixelConstraints.Values(
            photometricInterpretation: ds.string(PixelModule.photometric)?.trimmingWhitespace(),
            samplesPerPixel: ds.int(PixelModule.samplesPerPixel), planarConfiguration: ds.int(PixelModule.planarConfiguration),
            bitsAllocated: ds.int(PixelModule.bitsAllocated), bitsStored: ds.int(PixelModule.bitsStored),
            highBit: ds.int(PixelModule.highBit), pixelRepresentation: ds.int(PixelModule.pixelRepresentation))
        let already = Set(ImagePixelConstraints.violations(sopClass: sopClass, syntax: source, values: beforeValues)
            .map { "\($0.rule.keyword) \($0.rule.section) \($0.value)" })
        guard let v = after.first(where: { !already.contains("\($0.rule.keyword) \($0.rule.section) \($0.value)") }) else { return }
        let iod = UIDDictionary.entry(for: sopClass)?.name ?? sopClass
        var hint = ""
        if v.rule.tag == PixelModule.photometric, ImagePixelConstraints.SyntaxClass(target) == .jpegLossy, d.samplesPerPixel == 3 {
            hint = "; chroma subsampling 422 or 420 writes YBR_FULL_422"
        }
        throw DicomError(.unsupported, "\(iod): the output's \(v.message) (PS3.3 \(v.rule.section)); nothing written\(hint)",
                         tag: v.rule.tag)
    }

}
