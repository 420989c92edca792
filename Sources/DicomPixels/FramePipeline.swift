import DicomCodecs
import DicomCore
import DicomIO
import Dispatch
import FoundationEssentials

/// Frames in: frame k of an image decoded (or read, when native) into the layout every encoder,
/// transform and comparison works on (`SampleLayout`). Reads only constants, so the two frames of
/// a pair are read on two threads. Public for render, which decodes one frame at a time through it.
public struct FrameReader: Sendable {
    public let frames: FrameSource
    /// nil: native frames, read as they are.
    let decoder: (any PixelDecoder)?

    /// A reader of `frames`; encapsulated frames need a decoder for their syntax unless they are
    /// only passed through (`decoding` false).
    public init(_ frames: FrameSource, framesInParallel: Bool = false, decoding: Bool = true) throws(DicomError) {
        self.frames = frames
        if frames.isEncapsulated && decoding {
            guard let decoder = CodecRegistry.decoder(for: frames.syntax, framesInParallel: framesInParallel) else {
                throw DicomError(.unsupported, "no decoder for \(frames.syntax.name)")
            }
            self.decoder = decoder
        } else {
            decoder = nil
        }
    }

    /// One frame as the source describes it.
    var frameDescription: PixelDescription {
        var d = frames.description
        d.numberOfFrames = 1
        return d
    }

    /// Frame k (0-based) decoded, colour by pixel, samples at their Bits Stored.
    public func decoded(_ k: Int) throws(DicomError) -> DecodedFrame {
        guard let decoder else {
            return SampleLayout.normalized(SampleLayout.interleaved(DecodedFrame(bytes: try frames.frame(k), description: frameDescription)))
        }
        let codestream = try frames.frame(k)
        var decoded: DecodedFrame
        do {
            decoded = try decoder.decode(codestream, description: frameDescription)
        } catch {
            var e = error
            if e.code != .unsupported { e.code = .decodeFailed }
            e.message = "frame \(k + 1): " + e.message
            e.tag = e.tag ?? .pixelData
            throw e
        }
        decoded = SampleLayout.interleaved(decoded)
        SampleLayout.normalize(&decoded)
        return decoded
    }
}

/// Two-frame threading, in one place: results asked for in frame order; with `pairs`, frames k and
/// k + 1 are computed at once on two threads and k + 1 (value or error) is kept for the next call,
/// so the results and the first error are those of computing one frame at a time.
final class FrameOrder<T: Sendable>: @unchecked Sendable {
    // @unchecked: used by one thread at a time (the transcode of one file); the two threads of a
    // pair run `work`, which reads only constants.
    let count: Int
    let pairs: Bool
    private let work: @Sendable (Int) throws(DicomError) -> T
    private var ahead: (frame: Int, result: Result<T, DicomError>)?

    init(count: Int, pairs: Bool, _ work: @escaping @Sendable (Int) throws(DicomError) -> T) {
        self.count = count
        self.pairs = pairs
        self.work = work
    }

    /// Frame k's result; frames are asked for in order.
    func get(_ k: Int) throws(DicomError) -> T {
        if let a = ahead, a.frame == k {
            ahead = nil
            return try a.result.get()
        }
        if pairs && k + 1 < count {
            let both = Self.inParallel([k, k + 1], work)
            ahead = (frame: k + 1, result: both[1])
            return try both[0].get()
        }
        return try work(k)
    }

    /// Whether frames are decoded and encoded two at a time: a multi-frame image, unless the
    /// target is JPEG 2000 with OpenJPEG threads (its encoder threads every frame, a second frame
    /// thread would only oversubscribe the cores). JPEG 2000 and HTJ2K sources are decoded a frame
    /// per thread then, OpenJPEG single-threaded (CodecRegistry.decoder(framesInParallel:)): on
    /// the 2-frame 1024x768 RGB, 2 frames at once beat OpenJPEG's threads inside each frame.
    static func pairs(frameCount: Int, _ options: TranscodeOptions) -> Bool {
        guard options.frameThreads >= 2, frameCount > 1 else { return false }
        if options.target.family == .jpeg2000 && options.encode.threads > 1 { return false }
        return true
    }

    /// `body(k)` for each frame k given (at most two), each on its own thread when there are two;
    /// every result, value or error, lands in its own preallocated slot, in the order given.
    static func inParallel(_ ks: [Int], _ body: @Sendable (Int) throws(DicomError) -> T) -> [Result<T, DicomError>] {
        guard ks.count > 1 else { return ks.map { k in Result { () throws(DicomError) in try body(k) } } }
        var slots = [Result<T, DicomError>?](repeating: nil, count: ks.count)
        slots.withUnsafeMutableBufferPointer { buffer in
            // Unchecked: each iteration writes only slot i, so no two threads touch the same memory,
            // and concurrentPerform returns only after both have finished.
            nonisolated(unsafe) let slotBuffer = buffer
            DispatchQueue.concurrentPerform(iterations: ks.count) { i in
                slotBuffer[i] = Result { () throws(DicomError) in try body(ks[i]) }
            }
        }
        return slots.map { $0 ?? .failure(DicomError(.internalError, "a frame thread produced no result")) }
    }
}

/// The frame pipeline of one image (ARCHITECTURE.md steps 3-6): frames in (decoded, or passed
/// through as the source holds them), encoded when the target is encapsulated, and out in frame
/// order with the running totals kept here: sizes for the ratio, errors for --verify, and the
/// description every frame must share. Native targets take the decoded frames. Memory holds the
/// frames in flight: one, or a pair.
final class FramePipeline: @unchecked Sendable {
    // @unchecked: its mutable state (totals, the pair in flight) is used by one thread at a time.
    enum Stage: Sendable {
        /// Decoded frames out (a native target).
        case decode
        /// Encoded frames out, each checked by decoding it back with --verify.
        case encode(any PixelEncoder)
        /// The source's codestreams out as they are (already in the target syntax).
        case passThrough
    }

    /// One frame out of the pipeline.
    struct Frame: Sendable {
        /// Decoded samples, or the codestream (padded to even length once accounted).
        var bytes: [UInt8]
        var description: PixelDescription
        /// The decoded size of the frame, for the ratio.
        var sourceByteCount: Int
        var outcome: EncodeOutcome?
        var comparison: FrameComparison?
    }

    let reader: FrameReader
    let stage: Stage
    let options: TranscodeOptions
    private let order: FrameOrder<Frame>

    var frameCount: Int { reader.frames.frameCount }
    var isPassThrough: Bool { if case .passThrough = stage { return true } else { return false } }

    /// Running totals, in frame order.
    private(set) var totals = EncodeTotals()
    /// The description of frame 1 out: every frame must have it.
    private(set) var description: PixelDescription?

    init(_ reader: FrameReader, stage: Stage, options: TranscodeOptions, pairs: Bool) {
        self.reader = reader
        self.stage = stage
        self.options = options
        let work = FrameWork(reader: reader, stage: stage, options: options)
        order = FrameOrder(count: reader.frames.frameCount, pairs: pairs) { k throws(DicomError) in try work.run(k) }
    }

    /// Frame k (asked for in order), added to the totals and checked against frame 1.
    func frame(_ k: Int) throws(DicomError) -> Frame {
        var f = try order.get(k)
        switch stage {
        case .decode:
            if let d = description, f.bytes.count != d.frameByteCount {
                throw DicomError(.decodeFailed, "frame \(k + 1) decoded to \(f.bytes.count) bytes, frame 1 to \(d.frameByteCount)",
                                 tag: .pixelData)
            }
            description = description ?? f.description
        case .encode, .passThrough:
            if let cmp = f.comparison {
                totals.add(cmp)
                if let limit = options.maxError, totals.maxError > limit {
                    throw DicomError(.encodeFailed, "--verify: maximum error \(totals.maxError) exceeds --max-error \(limit)")
                }
            }
            if let d = description, d.photometricInterpretation != f.description.photometricInterpretation
                || d.bitsStored != f.description.bitsStored {
                throw DicomError(.encodeFailed, "frame \(k + 1) encoded as \(f.description), frame 1 as \(d)")
            }
            totals.lossy = totals.lossy || (f.outcome?.isLossy ?? false)
            totals.method = totals.method ?? f.outcome?.method
            description = description ?? f.description
            totals.uncompressed += f.sourceByteCount
            totals.compressed += f.bytes.count
            if f.bytes.count % 2 == 1 { f.bytes.append(0) }
        }
        return f
    }
}

/// What one frame goes through, reading only constants (so a pair runs it on two threads).
private struct FrameWork: Sendable {
    let reader: FrameReader
    let stage: FramePipeline.Stage
    let options: TranscodeOptions

    func run(_ k: Int) throws(DicomError) -> FramePipeline.Frame {
        switch stage {
        case .decode:
            let decoded = try reader.decoded(k)
            return FramePipeline.Frame(bytes: decoded.bytes, description: decoded.description,
                                       sourceByteCount: decoded.bytes.count, outcome: nil, comparison: nil)
        case .passThrough:
            // Frame k's codestream as the source holds it (its fragments joined).
            let d = reader.frameDescription
            let bytes = try reader.frames.frame(k)
            let outcome = EncodeOutcome(isLossy: false, ratio: Double(d.frameByteCount) / Double(max(bytes.count, 1)), method: nil)
            return FramePipeline.Frame(bytes: bytes, description: d, sourceByteCount: d.frameByteCount, outcome: outcome, comparison: nil)
        case .encode(let encoder):
            let source = try reader.decoded(k)
            let coded = try FrameCoding.encode(source, frame: k, with: encoder, options)
            return FramePipeline.Frame(bytes: coded.encoded.bytes, description: coded.encoded.description,
                                       sourceByteCount: source.description.frameByteCount, outcome: coded.encoded.outcome,
                                       comparison: coded.comparison)
        }
    }
}
