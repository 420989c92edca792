import DicomCore
import DicomIO
import DicomNet
import DicomPixels
import Dispatch

/// The data set of a file sent as it is: the mapped file after its meta header, a PDV at a time,
/// each copied once, from the mapping into the buffer the channel writes from (no array, no
/// second copy into the PDU). Copying here, on the sending task, also paces it to what the event
/// loop writes. Pages sent are given back for large files, so a 2 GB instance does not make the
/// process 2 GB large.
struct MappedDataSet: DataSetStream {
    let source: ByteSource
    private var offset: Int
    let end: Int
    /// Bytes sent so far.
    var sent: Int { offset - start }
    private let start: Int
    private static let releaseAbove = 16 << 20
    /// Buffers used again for a large data set's fragments.
    private var ring = PDVBufferRing(budget: 8 << 20)
    /// Data sets up to this size go in fresh buffers (a few, from the heap).
    private static let ringAbove = 1 << 20

    init(source: ByteSource, range: Range<Int>) {
        self.source = source
        self.offset = range.lowerBound
        self.start = range.lowerBound
        self.end = range.upperBound
    }

    mutating func next(maxLength: Int) async throws -> PDVData? {
        guard offset < end, maxLength > 0 else { return nil }
        let stop = min(end, offset + maxLength)
        let region = UnsafeRawBufferPointer(rebasing: source.base[offset..<stop])
        let chunk = end - start > Self.ringAbove ? ring.copy(region) : PDVData(copying: region)
        if end - start > Self.releaseAbove { source.release(offset..<stop) }
        offset = stop
        return chunk
    }
}

/// What a conversion knows before its first byte: the instance UID it sends under (a lossy step
/// gives a new one) and the report so far.
struct ConversionPrelude: Sendable {
    var sopInstanceUID: String
    var report: TranscodeReport
}

/// A bounded pipe from the transcoder, which writes synchronously on a thread of its own, to the
/// association's task, which sends asynchronously: the writer blocks when `capacity` chunks wait,
/// so the conversion runs no further ahead of the network than that (back-pressure both ways).
final class ChunkPipe: @unchecked Sendable {
    private let condition = Condition()
    private var chunks: [[UInt8]] = []
    private var prelude: ConversionPrelude?
    private var finished = false
    private var report: TranscodeReport?
    private var failure: DicomError?
    private var cancelled = false
    private var waiter: CheckedContinuation<Void, Never>?
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    // MARK: Producer (the transcoder's thread)

    func publish(_ prelude: ConversionPrelude) { wakeConsumer { self.prelude = prelude } }

    func put(_ chunk: [UInt8]) throws(DicomError) {
        condition.lock()
        while chunks.count >= capacity && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            throw DicomError(.interrupted, "the association ended before the converted data set was sent")
        }
        chunks.append(chunk)
        let w = waiter
        waiter = nil
        condition.unlock()
        w?.resume()
    }

    func finish(report: TranscodeReport?, failure: DicomError?) {
        wakeConsumer {
            self.finished = true
            self.report = report
            self.failure = failure
        }
    }

    private func wakeConsumer(_ change: () -> Void) {
        condition.lock()
        change()
        let w = waiter
        waiter = nil
        condition.unlock()
        w?.resume()
    }

    // MARK: Consumer (the association's task)

    /// The prelude, or the error that came before it.
    func awaitPrelude() async throws(DicomError) -> ConversionPrelude {
        while true {
            condition.lock()
            if let prelude { condition.unlock(); return prelude }
            if finished {
                let failure = self.failure
                condition.unlock()
                throw failure ?? DicomError(.internalError, "the conversion ended without a data set")
            }
            condition.unlock()
            await waitForProducer { self.prelude != nil || self.finished }
        }
    }

    /// The next chunk, nil at the end, or the conversion's error.
    func take() async throws(DicomError) -> [UInt8]? {
        while true {
            condition.lock()
            if !chunks.isEmpty {
                let chunk = chunks.removeFirst()
                condition.signal()
                condition.unlock()
                return chunk
            }
            if finished {
                let failure = self.failure
                condition.unlock()
                if let failure { throw failure }
                return nil
            }
            condition.unlock()
            await waitForProducer { !self.chunks.isEmpty || self.finished }
        }
    }

    /// The final report, once `take` returned nil.
    var finalReport: TranscodeReport? { condition.lock(); defer { condition.unlock() }; return report }

    private func waitForProducer(until ready: @escaping () -> Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            condition.lock()
            if ready() {
                condition.unlock()
                c.resume()
                return
            }
            waiter = c
            condition.unlock()
        }
    }

    /// The consumer gives up (the association failed): the producer stops at its next write.
    func cancel() {
        condition.lock()
        cancelled = true
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// The transcoder's output cut into chunks of one PDV each, into the pipe.
struct PipeSink: OutputSink {
    let pipe: ChunkPipe
    let chunkSize: Int
    private var buffer: [UInt8] = []

    init(pipe: ChunkPipe, chunkSize: Int) {
        self.pipe = pipe
        self.chunkSize = chunkSize
        buffer.reserveCapacity(chunkSize)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DicomError) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(chunkSize - buffer.count, rest.count)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
            rest = rest.dropFirst(take)
            if buffer.count == chunkSize { try flush() }
        }
    }

    mutating func flush() throws(DicomError) {
        guard !buffer.isEmpty else { return }
        let full = buffer
        buffer.removeAll(keepingCapacity: true)
        try pipe.put(full)
    }
}

/// The data set of a converted instance, as the transcoder writes it on its own thread: memory
/// is bounded by the transcoder's frame bound plus `capacity` PDVs.
struct ConvertedDataSet: DataSetStream {
    let pipe: ChunkPipe
    private var leftover: ArraySlice<UInt8> = []
    /// Bytes handed out so far.
    private(set) var sent = 0

    /// Starts converting `file` with `options` on a thread of its own.
    static func start(_ file: DicomFile, options: TranscodeOptions, chunkSize: Int) -> ConvertedDataSet {
        let pipe = ChunkPipe(capacity: 4)
        let work: @Sendable () -> Void = {
            do throws(DicomError) {
                let output = try Transcoder(options).transcode(file)
                pipe.publish(ConversionPrelude(sopInstanceUID: output.dataset.string(.sopInstanceUID) ?? "", report: output.report))
                var sink = PipeSink(pipe: pipe, chunkSize: chunkSize)
                let report = try output.writeDataSet(to: &sink)
                try sink.flush()
                pipe.finish(report: report, failure: nil)
            } catch {
                pipe.finish(report: nil, failure: error)
            }
        }
        // Codecs may recurse into nested sequences: the same deep stack as the input workers'.
        if !startDetachedThread(stackSize: 8 << 20, work) { DispatchQueue.global().async(execute: work) }
        return ConvertedDataSet(pipe: pipe)
    }

    mutating func next(maxLength: Int) async throws -> PDVData? {
        if leftover.isEmpty {
            guard let chunk = try await pipe.take() else { return nil }
            leftover = chunk[...]
        }
        let piece = PDVData(leftover.prefix(maxLength))
        leftover = leftover.dropFirst(piece.count)
        sent += piece.count
        return piece
    }
}
