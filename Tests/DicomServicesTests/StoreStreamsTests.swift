import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomServices
import DicomTestSupport

/// The send side's streams and records, without a peer.
@Suite(.dedicatedThreads) struct StoreStreamsTests {
    @Test func mappedDataSetIsTheRangeInSlices() async throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        var stream = MappedDataSet(source: ByteSource(ownedBytes: bytes, name: "t"), range: 132..<10_000)
        var out: [UInt8] = []
        while let piece = try await stream.next(maxLength: 4096) {
            #expect(piece.count <= 4096)
            out += piece
        }
        #expect(out == Array(bytes[132...]) && stream.sent == 10_000 - 132)
    }

    @Test func pipeSinkCutsPDVSizedChunks() async throws {
        let pipe = ChunkPipe(capacity: 100)
        var sink = PipeSink(pipe: pipe, chunkSize: 10)
        let data = (0..<95).map { UInt8($0) }
        try sink.write(Array(data[0..<3]))
        try sink.write(Array(data[3..<95]))
        try sink.flush()
        pipe.finish(report: nil, failure: nil)
        var chunks: [[UInt8]] = []
        while let c = try await pipe.take() { chunks.append(c) }
        #expect(chunks.map(\.count) == [10, 10, 10, 10, 10, 10, 10, 10, 10, 5])
        #expect(chunks.flatMap { $0 } == data)
    }

    /// The transcoder's side blocks once `capacity` chunks wait: the conversion runs no further
    /// ahead of the network than that.
    @Test func pipeHoldsTheProducerBackAtItsCapacity() async throws {
        let pipe = ChunkPipe(capacity: 3)
        let produced = Counter()
        Thread.detachNewThread {
            for k in 0..<20 {
                do { try pipe.put([UInt8(k)]) } catch { break }
                produced.add()
            }
            pipe.finish(report: nil, failure: nil)
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(produced.value == 3)
        var taken: [UInt8] = []
        while let c = try await pipe.take() { taken += c }
        #expect(taken == (0..<20).map { UInt8($0) } && produced.value == 20)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    @Test func doneFileRecordsAndIsReadBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("done-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try DoneFile(path: path)
        try first.record(sopInstanceUID: "1.2.3", path: "a/b.dcm")
        try first.record(sopInstanceUID: "1.2.4", path: "with\ttab.dcm")  // not recordable: left out
        #expect(!first.contains(sopInstanceUID: "1.2.3", path: "a/b.dcm"))  // the set is the run's start
        let again = try DoneFile(path: path)
        #expect(again.contains(sopInstanceUID: "1.2.3", path: "a/b.dcm"))
        #expect(!again.contains(sopInstanceUID: "1.2.3", path: "other.dcm"))
        #expect(again.recorded.count == 1)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "1.2.3\ta/b.dcm\n")
    }
}
