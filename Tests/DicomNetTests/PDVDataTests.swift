@testable import DicomNet
import NIOCore
import Testing

/// PDV data held without copies: a received P-DATA-TF's large PDVs are slices of the socket's
/// buffer, small ones copies (so that they pin no large buffer); a large fragment to send goes to
/// the socket from its own buffer. Both ways give the pure codec's bytes.
@Suite struct PDVDataTests {
    /// A P-DATA-TF with a small command PDV and a large data set PDV.
    static let items = [(1, 0x03, [UInt8](repeating: 0xC1, count: 10)),
                        (1, 0x02, (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })]
    static var bytes: [UInt8] {
        pdu(0x04, items.flatMap { id, header, data in be32(data.count + 2) + [UInt8(id), UInt8(header)] + data })
    }

    @Test func largePDVsAreSlicesOfTheReadBufferAndSmallOnesCopies() throws {
        let bytes = Self.bytes
        let buffer = ByteBuffer(bytes: bytes)
        let tf = try PDUFrameDecoder.dataTF(buffer, within: buffer.capacity)
        guard case .dataTF(let expected) = try PDUDecoder.decode(bytes, limits: PDULimits(maxDataTFLength: 1 << 20)) else {
            Issue.record("not a P-DATA-TF")
            return
        }
        #expect(tf == expected)
        #expect(tf.values.map(\.isCommand) == [true, false] && tf.values.map(\.isLast) == [true, true])
        let base = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let addresses = tf.values.map { pdv in pdv.data.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } }
        // The data set PDV starts after the PDU header, the command PDV (4 + 2 + 10) and its own item header.
        #expect(addresses[1] == base + 6 + 16 + 6)
        #expect(addresses[0] < base || addresses[0] >= base + UInt(bytes.count))
    }

    @Test func theFramePathRefusesWhatTheCodecRefusesWithTheSameWords() {
        var reserved = Self.bytes
        reserved[6 + 5] = 0x07  // the command PDV's message control header sets a reserved bit
        var short = Self.bytes
        short[6 + 3] = 0x01  // a PDV item length below its 2-byte header
        for bad in [reserved, short] {
            var framed: NetError?
            do { _ = try PDUFrameDecoder.dataTF(ByteBuffer(bytes: bad), within: bad.count) } catch { framed = error as? NetError }
            var pure: NetError?
            do { _ = try PDUDecoder.decode(bad, limits: PDULimits(maxDataTFLength: 1 << 20)) } catch { pure = error }
            #expect(framed != nil && framed?.message == pure?.message && framed?.offset == pure?.offset
                    && framed?.abortReason == pure?.abortReason, "\(String(describing: framed)) / \(String(describing: pure))")
        }
    }

    @Test func largeFragmentsGoToTheSocketFromTheirOwnBuffer() throws {
        let region = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let large = region.withUnsafeBytes { PDVData(copying: $0) }
        let tf = DataTF(values: [PDV(contextID: 1, isCommand: true, isLast: true, data: [1, 2, 3]),
                                 PDV(contextID: 3, isCommand: false, isLast: true, data: large)])
        #expect(large == PDVData(region) && large.count == 70_000 && large[69_999] == region[69_999] && Array(large) == region)
        let buffers = try PDUWriter.buffers(.dataTF(tf))
        #expect(buffers.flatMap { Array($0.readableBytesView) } == (try PDUEncoder.encode(.dataTF(tf))))
        // Headers and the small command fragment in one buffer, then the large fragment's own storage.
        #expect(buffers.count == 2)
        let written = buffers.last.map { b in b.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(written == large.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) })
        let small = DataTF(values: [PDV(contextID: 1, isCommand: true, isLast: true, data: Array(region.prefix(100)))])
        #expect(try PDUWriter.buffers(.dataTF(small)).count == 1)
    }
}
