import DicomCore
import DicomIO

/// How Pixel Data is produced while the file is written.
enum PixelDataOutput: Sendable {
    case native(NativePixelWriter)
    case encapsulated(EncapsulatedPixelWriter)
}

extension Optional where Wrapped == PixelDataOutput {
    /// The elements the output writes itself: Pixel Data, and when streamed the reserved Extended
    /// Offset Table and lossy ratio values.
    var streamedElements: [Tag: any StreamedElement] {
        var streamed: [Tag: any StreamedElement] = [:]
        switch self {
        case .native(let w)?: streamed[.pixelData] = w
        case .encapsulated(let w)?:
            streamed[.pixelData] = w
            if let slots = w.extended {
                streamed[.extendedOffsetTable] = slots.offsets
                streamed[.extendedOffsetTableLengths] = slots.lengths
            }
            for (tag, slot) in w.pendingStep?.slots ?? [:] { streamed[tag] = slot }
        case nil: break
        }
        return streamed
    }
}

/// Native Pixel Data written frame by frame from the pipeline's decoded frames, so memory holds
/// one decoded frame (or a pair), not the image.
struct NativePixelWriter: StreamedElement {
    /// The decode pipeline, frame 1 already taken from it.
    let pipeline: FramePipeline
    /// Frame 1, decoded by the plan to learn the output description: not decoded twice.
    let first: [UInt8]
    let vr: VR
    let frameByteCount: Int

    func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
        let n = pipeline.frameCount
        let total = frameByteCount * n
        let writer = DatasetWriter(syntax: .explicitVRLittleEndian)
        // conversion: the plan refuses a total above 0xFFFF_FFFE before this writer exists
        try sink.write(writer.elementHeader(.pixelData, vr, length: UInt32(total + total % 2), encoding))
        for k in 0..<n {
            var bytes = k == 0 ? first : try pipeline.frame(k).bytes
            if encoding.bigEndian && vr == .OW { swapInPlace(&bytes, unit: 2) }
            try sink.write(bytes)
        }
        if total % 2 == 1 { try sink.write([0]) }
    }
}

/// Frames encoded before writing, with their layout (one frame, standard output, --plan).
struct KnownFrames: Sendable {
    let frames: [[UInt8]]
    let layout: Encapsulator.Layout
}

/// Encapsulated Pixel Data through the Encapsulator: frames pulled from the pipeline as they are
/// encoded (streamed, tables patched afterwards), or the frames already encoded.
struct EncapsulatedPixelWriter: StreamedElement {
    let encapsulator: Encapsulator
    let frameCount: Int
    /// The encode pipeline when streamed, frame 1 already taken from it.
    let pipeline: FramePipeline?
    let first: [UInt8]?
    let known: KnownFrames?
    /// Streamed with --offset-table extended: the table's reserved elements.
    let extended: ExtendedTableSlots?
    /// Streamed lossy output: the step whose ratio-bearing values are filled in after the last frame.
    var pendingStep: Transcoder.PendingStep?

    init(encapsulator: Encapsulator, frameCount: Int, pipeline: FramePipeline?, first: [UInt8]?, known: KnownFrames?,
         extended: ExtendedTableSlots?) {
        self.encapsulator = encapsulator
        self.frameCount = frameCount
        self.pipeline = pipeline
        self.first = first
        self.known = known
        self.extended = extended
    }

    func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
        _ = try encapsulator.write(count: frameCount, frame: { k throws(DicomError) -> [UInt8] in
            if let known { return known.frames[k] }
            if k == 0, let first { return first }
            guard let pipeline else { throw DicomError(.internalError, "encapsulated Pixel Data has no frames to write") }
            return try pipeline.frame(k).bytes
        }, known: known?.layout, extended: extended, to: &sink, encoding: encoding)
        if let pendingStep, let pipeline {
            guard let patchable = sink as? any PatchableSink else {
                throw DicomError(.internalError, "a streamed lossy step needs a file output")
            }
            try pendingStep.fill(pipeline, in: patchable)
        }
    }
}
