import NIOCore

/// The bytes of one PDV in a NIO buffer, never copied through an array: a received PDV's are a
/// slice of the buffer the socket read into (the frame decoder cuts it out, the file writer
/// writes it from there); a sent data set fragment is copied once, where it is produced (from
/// the mapped file), and goes to the socket from that buffer (`PDUWriter`). Services see a
/// collection of bytes and `withUnsafeBytes`, never a NIO type.
public struct PDVData: Sendable, Equatable, RandomAccessCollection {
    let buffer: ByteBuffer

    /// A copy of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) { buffer = ByteBuffer(bytes: bytes) }

    /// A copy of `bytes` (a region of a mapped file).
    public init(copying bytes: UnsafeRawBufferPointer) { buffer = ByteBuffer(bytes: bytes) }

    /// The readable bytes of `buffer`, not copied (a slice shares its storage).
    init(buffer: ByteBuffer) { self.buffer = buffer }

    public var startIndex: Int { 0 }
    public var endIndex: Int { buffer.readableBytes }
    public var count: Int { buffer.readableBytes }

    public subscript(position: Int) -> UInt8 {
        withUnsafeBytes { $0[position] }
    }

    /// The bytes, valid only inside `body`.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try buffer.withUnsafeReadableBytes(body)
    }

    /// Lets `Array.append(contentsOf:)` and the like copy the bytes at once, not one by one.
    public func withContiguousStorageIfAvailable<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R? {
        try buffer.readableBytesView.withContiguousStorageIfAvailable(body)
    }

    public static func == (a: PDVData, b: PDVData) -> Bool { a.buffer == b.buffer }
}

extension Array where Element == UInt8 {
    /// Appends a PDV's bytes in one copy (the generic `+=` would take them one by one).
    public static func += (bytes: inout [UInt8], data: PDVData) {
        data.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// Buffers for the fragments of a large data set, each used again once the channel has written
/// it (the copy goes into memory already mapped, not into fresh pages faulted in and zeroed one
/// by one: 13% of a sender's time for 1 GB in 52 MB files). A buffer the channel still holds is
/// not touched: writing to it makes a new one (copy on write).
public struct PDVBufferRing {
    private var buffers: [ByteBuffer] = []
    private var next = 0
    private var count = 0
    private let budget: Int

    /// Buffers of `budget` bytes in all: more than the channel holds at once (its high write
    /// watermark, 4 MiB, and a batch) leaves each written by its next turn.
    public init(budget: Int) { self.budget = budget }

    /// A copy of `bytes`, in the next buffer of the ring (as many as `budget` holds of the first).
    public mutating func copy(_ bytes: UnsafeRawBufferPointer) -> PDVData {
        if count == 0 { count = max(2, budget / max(1, bytes.count)) }
        guard buffers.count == count else {
            let buffer = ByteBuffer(bytes: bytes)
            buffers.append(buffer)
            return PDVData(buffer: buffer)
        }
        var buffer = buffers[next]
        buffers[next] = ByteBuffer()  // ours is then the one reference left, if the channel is done with it
        buffer.clear()
        buffer.writeBytes(bytes)
        buffers[next] = buffer
        next = (next + 1) % count
        return PDVData(buffer: buffer)
    }
}
