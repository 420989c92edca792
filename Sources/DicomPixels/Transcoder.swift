import DicomCodecs
import DicomCore
import DicomIO
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// What `transcode` should produce.
public struct TranscodeOptions: Sendable {
    public enum OffsetTable: String, Sendable { case basic, extended, none }

    public var target: TransferSyntax
    public var encode = EncodeOptions()
    public var offsetTable: OffsetTable = .basic
    /// Split each frame's codestream into fragments of at most this many bytes (even).
    public var fragmentSize: Int?
    /// The encapsulation was asked for (--offset-table, --fragment-size): a source already in the
    /// target syntax is re-encapsulated frame by frame (frames copied, not decoded) instead of
    /// having its fragments and tables copied as they are.
    public var reencapsulate = false
    public var newSeries = false
    /// Decode what was encoded and compare: lossless must be bit-exact, lossy is measured.
    public var verify = false
    public var maxError: Int?
    public var minPSNR: Double?
    /// The output is a file that can be patched: lossless multi-frame encapsulated Pixel Data is
    /// then written frame by frame with its offset table filled in afterwards.
    public var streamToFile = false
    /// Frames of a multi-frame image decoded and encoded at once (1 or 2): a pair runs on two
    /// threads and is written in frame order, so the output bytes are the same either way.
    public var frameThreads = TranscodeOptions.defaultFrameThreads

    public init(target: TransferSyntax) { self.target = target }

    /// 2 on a machine with 2 or more cores; 1 when DICOMTOOL_FRAME_THREADS=1 asks for the sequential path.
    public static var defaultFrameThreads: Int {
        #if canImport(Glibc)
        if let value = getenv("DICOMTOOL_FRAME_THREADS"), String(cString: value) == "1" { return 1 }
        #endif
        return ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 1
    }
}

/// What a transcode did, for --plan, --verify and the JSON record.
public struct TranscodeReport: Sendable {
    public var source: TransferSyntax
    public var target: TransferSyntax
    public var frames = 0
    public var pixelsReencoded = false
    public var lossy = false
    public var ratio: Double?
    public var method: String?
    /// Attribute changes as text: "(0028,0004) PhotometricInterpretation: YBR_FULL_422 -> RGB".
    public var changes: [String] = []
    public var maxError: Int?
    public var rmse: Double?
    public var psnr: Double?
}

/// Reads frames, decodes, encodes and records history: the data flow of ARCHITECTURE.md steps 3-7.
/// Codecs see only a PixelDescription and bytes; the data set is edited here and in LossyBookkeeping.
public struct Transcoder {
    public let options: TranscodeOptions

    public init(_ options: TranscodeOptions) { self.options = options }

    /// A transcoded instance ready to write: meta, data set, and the Pixel Data writer when the
    /// pixels are produced frame by frame.
    public struct Output {
        public var meta: Dataset
        public var dataset: Dataset
        public var streamed: [Tag: any StreamedElement]
        public var report: TranscodeReport
        /// Set when Pixel Data is streamed: call `complete(report)` after writing for the totals.
        public var totals: StreamedTotals?
    }

    public func transcode(_ file: DicomFile) throws(DicomError) -> Output {
        let target = options.target
        var ds = file.dataset
        var report = TranscodeReport(source: file.transferSyntax, target: target)
        var streamed: [Tag: any StreamedElement] = [:]
        var totals: StreamedTotals?
        if target.family == .other || target.family == .video || target.family == .jpip || target.family == .jpegXL
            || target.family == .jpegRetired || target.family == .jpeg2000Part2 {
            throw DicomError(.unsupported, "writing \(target.name) is not supported")
        }

        // Native to native needs no pixel description (the writer re-orders bytes by VR), so Pixel
        // Data with no Image Pixel module at all (seen in edge files) is copied as bytes; an image
        // that has one is still checked (Rows 0, Bits Allocated 3, short data are errors).
        let bytesOnly = ds[.pixelData]?.fragments == nil && !target.isEncapsulated && ds[PixelModule.rows] == nil
        if !bytesOnly, let frames = try FrameSource(dataset: ds, syntax: file.transferSyntax) {
            report.frames = frames.frameCount
            let sourceEncapsulated = frames.isEncapsulated
            if sourceEncapsulated && file.transferSyntax == target && !options.verify && !options.reencapsulate {
                // Same compressed syntax: fragments are copied as they are.
            } else if !sourceEncapsulated && !target.isEncapsulated {
                // Native to native: the writer re-orders bytes by VR; nothing is decoded.
            } else if !target.isEncapsulated {
                let plan = try nativePlan(frames, &ds, &report)
                streamed[.pixelData] = plan
            } else {
                totals = try encodeAll(frames, &ds, &report, &streamed)
            }
        } else if ds[.pixelData] == nil, target.isEncapsulated {
            // No pixels: any syntax holds the data set; the encapsulated UID only says how pixels would be stored.
        }

        if report.lossy, let method = report.method {
            // Streamed lossy output: the ratio is known once every frame is written, so the step is
            // recorded with a placeholder and its two ratio-bearing values are patched afterwards.
            let pending = totals?.encoder.pendingRatio
            let ratioText = report.ratio.map(LossyBookkeeping.formatDS) ?? LossyBookkeeping.pendingRatioPlaceholder
            if report.ratio != nil || pending != nil {
                let before = ds
                LossyBookkeeping.recordLossyStep(&ds, ratioText: ratioText, method: method,
                                                 description: "Lossy compression with \(target.name), ratio \(ratioText):1",
                                                 predecessorMethod: LossyBookkeeping.method(of: file.transferSyntax),
                                                 newSeries: options.newSeries)
                report.changes += Self.describeChanges(from: before, to: ds)
            }
            if let pending {
                for tag in LossyBookkeeping.ratioBearingTags {
                    guard let e = ds[tag], let value = e.valueBytes else { continue }
                    let slot = ReservedElement(tag: tag, vr: e.vr, bytes: value.bytes)
                    pending.slots.append(slot)
                    streamed[tag] = slot
                }
            }
        }
        let meta = DatasetWriter.makeMeta(for: ds, syntax: target, previous: file.meta)
        return Output(meta: meta, dataset: ds, streamed: streamed, report: report, totals: totals)
    }

    // MARK: Encapsulated source, native target

    /// Pixel Data written frame by frame from the decoder, so memory holds one decoded frame.
    struct NativePixelWriter: StreamedElement {
        let frames: FrameSource
        let decoder: any PixelDecoder
        let frameDescription: PixelDescription
        let vr: VR
        /// Frame 1, decoded by the plan to learn the output description: not decoded twice.
        let first: [UInt8]
        /// Frame 2 when the plan decoded it alongside frame 1; its error, if any, is thrown in turn.
        let second: Result<DecodedFrame, DicomError>?
        let pairs: Bool

        func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
            let frameBytes = frameDescription.frameByteCount
            let total = frameBytes * frames.frameCount
            let writer = DatasetWriter(syntax: .explicitVRLittleEndian)
            // conversion: nativePlan refuses a total above 0xFFFF_FFFE before this writer exists
            try sink.write(writer.elementHeader(.pixelData, vr, length: UInt32(total + total % 2), encoding))
            var ahead = second.map { (frame: 1, result: $0) }
            let n = frames.frameCount
            for k in 0..<n {
                var bytes: [UInt8]
                if k == 0 {
                    bytes = first
                } else {
                    let decoded: DecodedFrame
                    if let a = ahead, a.frame == k {
                        ahead = nil
                        decoded = try a.result.get()
                    } else if pairs && k + 1 < n {
                        let both = Transcoder.inParallel([k, k + 1]) { [frames, decoder] j throws(DicomError) in
                            try Transcoder.decodeFrame(frames, decoder, j, expecting: nil)
                        }
                        ahead = (frame: k + 1, result: both[1])
                        decoded = try both[0].get()
                    } else {
                        decoded = try decodeFrame(frames, decoder, k, expecting: nil)
                    }
                    try Transcoder.checkSize(decoded, frame: k, expecting: frameDescription)
                    bytes = decoded.bytes
                }
                if encoding.bigEndian && vr == .OW { swapInPlace(&bytes, unit: 2) }
                try sink.write(bytes)
            }
            if total % 2 == 1 { try sink.write([0]) }
        }
    }

    private func nativePlan(_ frames: FrameSource, _ ds: inout Dataset, _ report: inout TranscodeReport) throws(DicomError) -> NativePixelWriter {
        let pairs = framePairs(frames)
        guard let decoder = CodecRegistry.decoder(for: frames.syntax, framesInParallel: pairs) else {
            throw DicomError(.unsupported, "no decoder for \(frames.syntax.name)")
        }
        // Decode frame 1 first: the decoder tells what the pixels really are (e.g. RGB from YBR_FULL_422).
        // With pairs, frame 2 is decoded at the same time and kept (with its error) for the writer.
        let first: DecodedFrame
        var second: Result<DecodedFrame, DicomError>?
        if pairs {
            let both = Self.inParallel([0, 1]) { j throws(DicomError) in try Self.decodeFrame(frames, decoder, j, expecting: nil) }
            first = try both[0].get()
            second = both[1]
        } else {
            first = try Self.decodeFrame(frames, decoder, 0, expecting: nil)
        }
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
        try Self.checkPermitted(d, in: options.target, replacing: ds, from: frames.syntax)
        let before = ds
        try apply(d, to: &ds)
        report.changes += Self.describeChanges(from: before, to: ds)
        report.pixelsReencoded = true
        let vr: VR = d.bitsAllocated > 8 ? .OW : .OB
        ds.set(Element(tag: .pixelData, vr: vr, value: .bytes(ValueBytes([]))))  // placeholder: the writer streams it
        return NativePixelWriter(frames: frames, decoder: decoder, frameDescription: d, vr: vr, first: first.bytes,
                                 second: second, pairs: pairs)
    }

    /// Whether frames are decoded and encoded two at a time: a multi-frame image, unless the
    /// target is JPEG 2000 with OpenJPEG threads (its encoder threads every frame, a second frame
    /// thread would only oversubscribe the cores). JPEG 2000 and HTJ2K sources are decoded a frame
    /// per thread then, OpenJPEG single-threaded (CodecRegistry.decoder(framesInParallel:)): on
    /// the 2-frame 1024x768 RGB, 2 frames at once beat OpenJPEG's threads inside each frame.
    func framePairs(_ frames: FrameSource) -> Bool {
        guard options.frameThreads >= 2, frames.frameCount > 1 else { return false }
        if options.target.family == .jpeg2000 && options.encode.threads > 1 { return false }
        return true
    }

    /// `body(k)` for each frame k given (at most two), each on its own thread when there are two;
    /// every result, value or error, lands in its own preallocated slot, in the order given.
    static func inParallel<T: Sendable>(_ ks: [Int], _ body: @Sendable (Int) throws(DicomError) -> T) -> [Result<T, DicomError>] {
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

    static func checkSize(_ decoded: DecodedFrame, frame k: Int, expecting: PixelDescription) throws(DicomError) {
        if decoded.bytes.count != expecting.frameByteCount {
            throw DicomError(.decodeFailed, "frame \(k + 1) decoded to \(decoded.bytes.count) bytes, frame 1 to \(expecting.frameByteCount)",
                             tag: .pixelData)
        }
    }

    static func decodeFrame(_ frames: FrameSource, _ decoder: any PixelDecoder, _ k: Int,
                            expecting: PixelDescription?) throws(DicomError) -> DecodedFrame {
        let codestream = try frames.frame(k)
        var frameDescription = frames.description
        frameDescription.numberOfFrames = 1
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
        decoded = interleaved(decoded)
        normalize(&decoded)
        if let expecting { try checkSize(decoded, frame: k, expecting: expecting) }
        return decoded
    }

    /// Samples reduced to their Bits Stored and sign-extended when Pixel Representation is 1: what
    /// the codecs encode and decode (a codestream holds Bits Stored bits), so lossless really
    /// compares values, and unused high bits from any source come out the same (0, or the sign).
    static func normalized(_ f: consuming DecodedFrame) -> DecodedFrame {
        // Consumed, so a frame fresh from a decoder is edited in place instead of copied.
        normalize(&f)
        return f
    }

    static func normalize(_ f: inout DecodedFrame) {
        let d = f.description
        guard d.bitsStored < d.bitsAllocated, d.bitsAllocated == 16 || d.bitsAllocated == 32, d.bitsStored >= 1 else { return }
        let mask: UInt32 = (1 << UInt32(d.bitsStored)) - 1  // conversion: 1 <= bitsStored < 32 (guard above)
        // Sign extension without a branch: (v ^ sign) - sign, on the masked value.
        let sign: UInt32 = d.isSigned ? 1 << UInt32(d.bitsStored - 1) : 0  // conversion: as above
        // Unaligned loads and stores: the bytes are an [UInt8], never rebound to another type.
        f.bytes.withUnsafeMutableBytes { raw in
            if d.bitsAllocated == 16 {
                for i in 0..<(raw.count / 2) {
                    let v = UInt32(widening: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    let w = ((v & mask) ^ sign) &- sign
                    raw.storeBytes(of: UInt16(truncatingIfNeeded: w).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            } else {
                for i in 0..<(raw.count / 4) {
                    let v = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    raw.storeBytes(of: (((v & mask) ^ sign) &- sign).littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
            }
        }
    }

    /// Colour-by-plane frames made colour-by-pixel (what every encoder and the hash convention expect).
    static func interleaved(_ f: DecodedFrame) -> DecodedFrame {
        let d = f.description
        guard d.samplesPerPixel > 1, d.planarConfiguration == 1 else { return f }
        let n = d.rows * d.columns, bps = d.bytesPerSample, spp = d.samplesPerPixel
        guard f.bytes.count >= n * spp * bps else { return f }
        var out = [UInt8](repeating: 0, count: n * spp * bps)
        f.bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for s in 0..<spp {
                    for i in 0..<n {
                        for b in 0..<bps { dst[(i * spp + s) * bps + b] = src[(s * n + i) * bps + b] }
                    }
                }
            }
        }
        var nd = d
        nd.planarConfiguration = 0
        return DecodedFrame(bytes: out, description: nd)
    }

    // MARK: Encapsulated target

    /// Decodes (or reads) and encodes one frame at a time, and keeps the running totals: sizes for
    /// the ratio, errors for --verify. A class, because the streamed Pixel Data writer fills it in
    /// while the file is written.
    final class FrameEncoder: @unchecked Sendable {
        // @unchecked: its mutable state is used by one thread at a time (the transcode of one file);
        // the two threads of a frame pair run `code`, which reads only constants.
        let frames: FrameSource
        let decoder: (any PixelDecoder)?
        /// nil: the source is already in the target syntax and its frames pass through as they are.
        let encoder: (any PixelEncoder)?
        let options: TranscodeOptions
        var compressedTotal = 0, uncompressedTotal = 0
        var lossy = false
        var method: String?
        var description: PixelDescription?
        var maxError = 0, sumSquares = 0.0, samples = 0
        /// Set when lossy output is streamed: the reserved ratio-bearing values to patch.
        var pendingRatio: PendingRatio?
        /// Frames are coded two at a time (see `Transcoder.framePairs`).
        let pairs: Bool
        /// The second frame of the last pair, value or error, until `encode` asks for it.
        private var ahead: (frame: Int, result: Result<CodedFrame, DicomError>)?

        /// One frame decoded (or read) and encoded, with its --verify comparison: no running total yet.
        struct CodedFrame: Sendable {
            let sourceByteCount: Int
            let encoded: EncodedFrame
            let comparison: (maxError: Int, sumSquares: Double, samples: Int)?
        }

        /// Uncompressed size / compressed size over the frames encoded so far.
        var ratio: Double? { compressedTotal > 0 ? Double(uncompressedTotal) / Double(compressedTotal) : nil }

        init(frames: FrameSource, decoder: (any PixelDecoder)?, encoder: (any PixelEncoder)?, options: TranscodeOptions,
             pairs: Bool) {
            self.frames = frames
            self.decoder = decoder
            self.encoder = encoder
            self.options = options
            self.pairs = pairs
        }

        /// Frame k's codestream, padded to even length (PS3.5 A.4); frames are asked for in order.
        /// With pairs, frame k is coded with frame k + 1 at once and k + 1 is kept for the next call;
        /// totals and checks are applied in frame order, so the bytes and the first error are those
        /// of coding one frame at a time.
        func encode(_ k: Int) throws(DicomError) -> [UInt8] {
            let coded: CodedFrame
            if let a = ahead, a.frame == k {
                ahead = nil
                coded = try a.result.get()
            } else if pairs && k + 1 < frames.frameCount {
                let both = Transcoder.inParallel([k, k + 1]) { j throws(DicomError) in try self.code(j) }
                ahead = (frame: k + 1, result: both[1])
                coded = try both[0].get()
            } else {
                coded = try code(k)
            }
            return try account(k, coded)
        }

        /// Frame k decoded (or read), encoded and, for --verify, decoded back and compared. Reads
        /// only constants, so the two frames of a pair run it on two threads.
        func code(_ k: Int) throws(DicomError) -> CodedFrame {
            guard let encoder else {
                // Pass-through: frame k's codestream as the source holds it (its fragments joined).
                var d = frames.description
                d.numberOfFrames = 1
                let bytes = try frames.frame(k)
                let outcome = EncodeOutcome(isLossy: false, ratio: Double(d.frameByteCount) / Double(max(bytes.count, 1)), method: nil)
                return CodedFrame(sourceByteCount: d.frameByteCount, encoded: EncodedFrame(bytes: bytes, description: d, outcome: outcome),
                                  comparison: nil)
            }
            let source: DecodedFrame
            if let decoder {
                source = try Transcoder.decodeFrame(frames, decoder, k, expecting: nil)
            } else {
                var d = frames.description
                d.numberOfFrames = 1
                source = Transcoder.normalized(Transcoder.interleaved(DecodedFrame(bytes: try frames.frame(k), description: d)))
            }
            if k == 0 {
                // The target's encoding profile (PS3.5 8.2), checked once for every codec: a refusal
                // names each offending (0028,xxxx) value and is "unsupported", not an encoder failure.
                try EncodingProfiles.check(source.description, for: options.target.uid)
            }
            let encoded: EncodedFrame
            do {
                encoded = try encoder.encode(source, options: options.encode)
            } catch {
                var e = error
                if e.code != .unsupported && e.code != .usage { e.code = .encodeFailed }
                e.message = "frame \(k + 1): " + e.message
                throw e
            }
            var comparison: (maxError: Int, sumSquares: Double, samples: Int)?
            if options.verify {
                guard let check = CodecRegistry.decoder(for: options.target) else {
                    throw DicomError(.unsupported, "--verify: no decoder for \(options.target.name)")
                }
                var d = encoded.description
                d.numberOfFrames = 1
                let back = Transcoder.normalized(Transcoder.interleaved(try check.decode(encoded.bytes, description: d)))
                comparison = try Transcoder.compare(source, back, lossy: encoded.outcome.isLossy, frame: k)
            }
            return CodedFrame(sourceByteCount: source.description.frameByteCount, encoded: encoded, comparison: comparison)
        }

        /// A coded frame added to the running totals (called in frame order) and checked against
        /// frame 1; its codestream padded to even length.
        func account(_ k: Int, _ coded: CodedFrame) throws(DicomError) -> [UInt8] {
            let encoded = coded.encoded
            if let cmp = coded.comparison {
                maxError = max(maxError, cmp.maxError)
                sumSquares += cmp.sumSquares
                samples += cmp.samples
                if let limit = options.maxError, maxError > limit {
                    throw DicomError(.encodeFailed, "--verify: maximum error \(maxError) exceeds --max-error \(limit)")
                }
            }
            if let d = description, d.photometricInterpretation != encoded.description.photometricInterpretation
                || d.bitsStored != encoded.description.bitsStored {
                throw DicomError(.encodeFailed, "frame \(k + 1) encoded as \(encoded.description), frame 1 as \(d)")
            }
            lossy = lossy || encoded.outcome.isLossy
            method = method ?? encoded.outcome.method
            description = description ?? encoded.description
            uncompressedTotal += coded.sourceByteCount
            compressedTotal += encoded.bytes.count
            var bytes = encoded.bytes
            if bytes.count % 2 == 1 { bytes.append(0) }
            return bytes
        }

        /// A codestream cut into fragments of at most --fragment-size bytes.
        func fragments(of bytes: [UInt8]) -> [[UInt8]] {
            guard let size = options.fragmentSize, size >= 2, bytes.count > size else { return [bytes] }
            return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min(bytes.count, $0 + size)]) }
        }

        func finish(_ report: inout TranscodeReport) throws(DicomError) {
            report.pixelsReencoded = encoder != nil
            report.lossy = lossy
            report.method = method
            report.ratio = ratio
            if pendingRatio != nil, let ratio {
                report.changes = report.changes.map { LossyBookkeeping.resolvingPlaceholder($0, ratio: ratio) }
            }
            if options.verify {
                report.maxError = maxError
                let rmse = samples > 0 ? (sumSquares / Double(samples)).squareRoot() : 0
                report.rmse = rmse
                let peak = Double((1 << (description?.bitsStored ?? 8)) - 1)
                report.psnr = rmse > 0 ? 20 * log10(peak / rmse) : .infinity
                if let limit = options.minPSNR, let psnr = report.psnr, psnr < limit {
                    throw DicomError(.encodeFailed, "--verify: PSNR \(NumberText.fixed(psnr, digits: 2)) dB is below --min-psnr \(limit)")
                }
            }
        }
    }

    /// Totals of a streamed encoding, complete once the file has been written.
    public final class StreamedTotals: @unchecked Sendable {
        let encoder: FrameEncoder
        init(_ encoder: FrameEncoder) { self.encoder = encoder }
        /// The report with the ratio and --verify results of every frame (call after writing).
        public func complete(_ report: TranscodeReport) throws(DicomError) -> TranscodeReport {
            var r = report
            try encoder.finish(&r)
            return r
        }
    }

    /// Encapsulated Pixel Data written while frames are encoded: the Basic Offset Table (or the
    /// Extended one, reserved by `ReservedElement`) is filled in afterwards, so memory holds one
    /// decoded and one encoded frame, not the whole compressed image.
    struct EncapsulatedPixelWriter: StreamedElement {
        let encoder: FrameEncoder
        let first: [UInt8]
        let table: TranscodeOptions.OffsetTable
        let extended: ExtendedTableSlots?

        func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
            guard let patchable = sink as? any PatchableSink else {
                throw DicomError(.internalError, "streamed encapsulated Pixel Data needs a file output")
            }
            let n = encoder.frames.frameCount
            let w = DatasetWriter(syntax: .explicitVRLittleEndian)
            try sink.write(w.elementHeader(.pixelData, .OB, length: 0xFFFF_FFFF, encoding))
            let tableBytes = table == .basic ? 4 * n : 0
            guard let tableLength = UInt32(exactly: tableBytes), tableLength != 0xFFFF_FFFF else {
                throw DicomError(.unsupported, "a Basic Offset Table of \(n) frames exceeds 4 GiB: use --offset-table extended")
            }
            try sink.write(w.elementHeader(.item, .OB, length: tableLength, encoding))
            let tableOffset = patchable.bytesWritten
            try sink.write([UInt8](repeating: 0, count: tableBytes))
            let firstItem = patchable.bytesWritten
            var offsets: [Int] = [], lengths: [Int] = []
            for k in 0..<n {
                let bytes = k == 0 ? first : try encoder.encode(k)
                offsets.append(patchable.bytesWritten - firstItem)
                lengths.append(bytes.count)
                for fragment in encoder.fragments(of: bytes) {
                    guard let fragmentLength = UInt32(exactly: fragment.count), fragmentLength != 0xFFFF_FFFF else {
                        throw DicomError(.unsupported, "frame \(k + 1) needs a fragment of \(fragment.count) bytes, more than an item's "
                                         + "32-bit length", tag: .pixelData)
                    }
                    try sink.write(w.elementHeader(.item, .OB, length: fragmentLength, encoding))
                    try sink.write(fragment)
                }
            }
            try sink.write(w.elementHeader(.sequenceDelimitationItem, .OB, length: 0, encoding))
            if table == .basic {
                guard offsets.last ?? 0 <= Int(widening: UInt32.max) else {
                    throw DicomError(.encodeFailed, "encapsulated Pixel Data exceeds 4 GiB: use --offset-table extended")
                }
                try patchable.patch(at: tableOffset, offsets.flatMap { le32(UInt32($0)) })  // conversion: 0...UInt32.max (checked)
            }
            if let slots = extended {
                // conversion: byte counts and offsets from the output's start are never negative
                try patchable.patch(at: slots.offsets.position, offsets.flatMap { le64(UInt64($0)) })
                // conversion: as above
                try patchable.patch(at: slots.lengths.position, lengths.flatMap { le64(UInt64($0)) })
            }
            if let pending = encoder.pendingRatio {
                guard let ratio = encoder.ratio else {
                    throw DicomError(.encodeFailed, "streamed lossy Pixel Data has no compressed bytes to measure a ratio")
                }
                for slot in pending.slots {
                    guard slot.position > 0, let value = LossyBookkeeping.patchedValue(slot.bytes, ratio: ratio) else {
                        throw DicomError(.internalError, "\(slot.tag): reserved ratio value could not be patched", tag: slot.tag)
                    }
                    try patchable.patch(at: slot.position, value)
                }
            }
        }
    }

    /// The reserved values of a streamed lossy step (see `LossyBookkeeping.pendingRatioPlaceholder`).
    final class PendingRatio: @unchecked Sendable {
        // @unchecked: filled by transcode() before writing, read by the writer, one thread.
        var slots: [ReservedElement] = []
    }

    /// An element written with reserved bytes (zeros unless given, even length) whose value
    /// position is remembered, to be patched later with as many bytes.
    final class ReservedElement: StreamedElement, @unchecked Sendable {
        let tag: Tag, vr: VR
        let bytes: [UInt8]
        var position = 0
        var count: Int { bytes.count }
        init(tag: Tag, vr: VR, count: Int) { self.tag = tag; self.vr = vr; self.bytes = [UInt8](repeating: 0, count: count) }
        init(tag: Tag, vr: VR, bytes: [UInt8]) {
            self.tag = tag
            self.vr = vr
            self.bytes = bytes.count % 2 == 0 ? bytes : bytes + [0x20]
        }
        func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
            guard let patchable = sink as? any PatchableSink else {
                throw DicomError(.internalError, "a reserved element needs a file output")
            }
            guard let length = UInt32(exactly: count), length != 0xFFFF_FFFF else {
                throw DicomError(.unsupported, "a value of \(count) bytes exceeds the 32-bit length of an element", tag: tag)
            }
            try sink.write(DatasetWriter(syntax: .explicitVRLittleEndian).elementHeader(tag, vr, length: length, encoding))
            position = patchable.bytesWritten
            try sink.write(bytes)
        }
    }

    struct ExtendedTableSlots: Sendable {
        let offsets: ReservedElement
        let lengths: ReservedElement
    }

    private func encodeAll(_ frames: FrameSource, _ ds: inout Dataset, _ report: inout TranscodeReport,
                           _ streamed: inout [Tag: any StreamedElement]) throws(DicomError) -> StreamedTotals? {
        let target = options.target
        // A source already in the target syntax, re-encapsulated as asked: frames pass through.
        let passThrough = frames.isEncapsulated && frames.syntax == target && !options.verify
        let encoder = passThrough ? nil : CodecRegistry.encoder(for: target)
        if !passThrough && encoder == nil {
            throw DicomError(.unsupported, "\(target.name) can be read but not written (no encoder)")
        }
        let pairs = !passThrough && framePairs(frames)
        let decoder: (any PixelDecoder)? = frames.isEncapsulated && !passThrough
            ? CodecRegistry.decoder(for: frames.syntax, framesInParallel: pairs) : nil
        if frames.isEncapsulated && decoder == nil && !passThrough {
            throw DicomError(.unsupported, "no decoder for \(frames.syntax.name)")
        }
        if !frames.isEncapsulated && frames.description.photometricInterpretation == "YBR_FULL_422" {
            throw DicomError(.unsupported, "encoding native YBR_FULL_422 (2 samples per pixel pair) is not supported",
                             tag: PixelModule.photometric)
        }
        let coder = FrameEncoder(frames: frames, decoder: decoder, encoder: encoder, options: options,
                                 pairs: pairs)
        let first = try coder.encode(0)
        if !passThrough, let d = coder.description {
            try Self.checkPermitted(d, in: target, replacing: ds, from: frames.syntax)
        }
        let before = ds
        ds.remove(.extendedOffsetTable)
        ds.remove(.extendedOffsetTableLengths)
        if !passThrough, var d = coder.description {
            d.numberOfFrames = frames.frameCount
            try apply(d, to: &ds)
        }
        // Stream when the output can be patched: the offset tables and, for lossy output, the
        // ratio-bearing values (reserved at full DS width by transcode()) are patched afterwards.
        if options.streamToFile && frames.frameCount > 1 {
            if coder.lossy {
                coder.pendingRatio = PendingRatio()
                report.lossy = true
                report.method = coder.method
            }
            var slots: ExtendedTableSlots?
            if options.offsetTable == .extended {
                let n = 8 * frames.frameCount
                slots = ExtendedTableSlots(offsets: ReservedElement(tag: .extendedOffsetTable, vr: .OV, count: n),
                                           lengths: ReservedElement(tag: .extendedOffsetTableLengths, vr: .OV, count: n))
                ds.set(Element(tag: .extendedOffsetTable, vr: .OV, value: .bytes(ValueBytes([]))))
                ds.set(Element(tag: .extendedOffsetTableLengths, vr: .OV, value: .bytes(ValueBytes([]))))
                streamed[.extendedOffsetTable] = slots!.offsets
                streamed[.extendedOffsetTableLengths] = slots!.lengths
            }
            ds.set(Element(tag: .pixelData, vr: .OB, value: .bytes(ValueBytes([]))))  // placeholder: streamed
            streamed[.pixelData] = EncapsulatedPixelWriter(encoder: coder, first: first, table: options.offsetTable, extended: slots)
            report.changes += Self.describeChanges(from: before, to: ds)
            report.pixelsReencoded = !passThrough
            return StreamedTotals(coder)
        }

        var fragments: [ValueBytes] = []
        var frameStarts: [Int] = []
        var frameLengths: [Int] = []
        for k in 0..<frames.frameCount {
            let bytes = k == 0 ? first : try coder.encode(k)
            frameStarts.append(fragments.count)
            frameLengths.append(bytes.count)
            fragments += coder.fragments(of: bytes).map { ValueBytes($0) }
        }
        // Offsets of each frame's first fragment item, from the first fragment's item tag.
        var itemOffsets: [Int] = []
        var acc = 0
        for f in fragments { itemOffsets.append(acc); acc += 8 + f.count }
        let frameOffsets = frameStarts.map { itemOffsets[$0] }
        var table = ValueBytes([])
        switch options.offsetTable {
        case .basic:
            guard acc <= Int(widening: UInt32.max) else {
                throw DicomError(.encodeFailed, "encapsulated Pixel Data exceeds 4 GiB: use --offset-table extended")
            }
            table = ValueBytes(frameOffsets.flatMap { le32(UInt32($0)) })  // conversion: 0...UInt32.max (checked above)
        case .extended:
            // conversion: offsets are sums of fragment sizes, never negative
            ds.set(Element(tag: .extendedOffsetTable, vr: .OV, value: .bytes(ValueBytes(frameOffsets.flatMap { le64(UInt64($0)) }))))
            // conversion: lengths are byte counts, never negative
            ds.set(Element(tag: .extendedOffsetTableLengths, vr: .OV, value: .bytes(ValueBytes(frameLengths.flatMap { le64(UInt64($0)) }))))
        case .none:
            break
        }
        ds.set(Element(tag: .pixelData, vr: .OB, value: .fragments(Fragments(offsetTable: table, fragments: fragments)),
                       hadUndefinedLength: true))
        report.changes += Self.describeChanges(from: before, to: ds)
        try coder.finish(&report)
        return nil
    }

    /// Sample-wise comparison of two decoded frames; lossless encodings must match bit for bit.
    static func compare(_ a: DecodedFrame, _ b: DecodedFrame, lossy: Bool, frame k: Int) throws(DicomError)
        -> (maxError: Int, sumSquares: Double, samples: Int) {
        guard a.bytes.count == b.bytes.count else {
            throw DicomError(.encodeFailed, "--verify: frame \(k + 1) decodes to \(b.bytes.count) bytes, expected \(a.bytes.count)")
        }
        if !lossy {
            guard a.bytes == b.bytes else {
                throw DicomError(.encodeFailed, "--verify: frame \(k + 1) is not bit-exact after a lossless encoding; nothing written")
            }
            return (0, 0, a.bytes.count)
        }
        let d = a.description
        let bps = d.bytesPerSample
        let n = a.bytes.count / bps
        var maxE = 0, sum = 0.0
        let bits = d.bitsStored, signed = d.isSigned
        func sample(_ x: [UInt8], _ i: Int) -> Int {
            var v = 0
            for k in 0..<bps { v |= Int(widening: x[i * bps + k]) << (8 * k) }
            v &= (1 << bits) - 1
            if signed && v & (1 << (bits - 1)) != 0 { v -= 1 << bits }
            return v
        }
        for i in 0..<n {
            let e = abs(sample(a.bytes, i) - sample(b.bytes, i))
            maxE = max(maxE, e)
            sum += Double(e * e)
        }
        return (maxE, sum, n)
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

    /// Writes the Image Pixel attributes a description changes (photometric, planar, bits).
    private func apply(_ d: PixelDescription, to ds: inout Dataset) throws(DicomError) {
        try PixelModule.write(d, to: &ds)
    }

    /// "(gggg,eeee) Keyword: old -> new" for every top-level element that changed (not Pixel Data).
    static func describeChanges(from a: Dataset, to b: Dataset) -> [String] {
        var out: [String] = []
        var tags = Set(a.elements.map(\.tag))
        tags.formUnion(b.elements.map(\.tag))
        for tag in tags.sorted() where tag != .pixelData {
            let old = a[tag].map { render($0, a) }, new = b[tag].map { render($0, b) }
            if old != new {
                let kw = DataDictionary.entry(for: tag)?.keyword ?? ""
                out.append("\(tag) \(kw): \(old ?? "(absent)") -> \(new ?? "(removed)")")
            }
        }
        return out
    }

    private static func render(_ e: Element, _ ds: Dataset) -> String {
        switch e.value {
        case .sequence(let items): return "(\(items.count) item\(items.count == 1 ? "" : "s"))"
        case .fragments(let f): return "(\(f.fragments.count) fragments)"
        case .bytes(let b):
            if e.vr.isBinaryNumber { return binaryNumbers(b, vr: e.vr).map { Int(exactly: $0).map(String.init) ?? String($0) }.joined(separator: "\\") }
            if e.vr.isBulkBinary { return "(\(b.count) bytes)" }
            return ds.decodeText(b, vr: e.vr)
        }
    }
}

private func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
private func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
