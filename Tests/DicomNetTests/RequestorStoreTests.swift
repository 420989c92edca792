@testable import DicomNet
import NIOCore
import Testing
import DicomTestSupport

/// The requestor's streaming pieces without a peer: the P-DATA-TF written as buffers (headers,
/// large fragments as they are) is the codec's PDU byte for byte, and a data set handed over in pieces comes
/// back whole.
@Suite(.dedicatedThreads) struct RequestorStoreTests {
    @Test func dataTFWrittenIntoTheBufferIsTheCodecsPDU() throws {
        let tfs = [
            DataTF(values: [PDV(contextID: 1, isCommand: true, isLast: true, data: Array(0..<40))]),
            DataTF(values: [PDV(contextID: 3, isCommand: false, isLast: false, data: (0..<5000).map { UInt8(truncatingIfNeeded: $0) }),
                            PDV(contextID: 3, isCommand: false, isLast: true, data: [])]),
        ]
        for tf in tfs {
            let bytes = try PDUWriter.buffers(.dataTF(tf)).flatMap { Array($0.readableBytesView) }
            #expect(bytes == (try PDUEncoder.encode(.dataTF(tf))))
        }
    }

    @Test func dataSetBytesComeBackInPiecesOfAtMostTheAskedLength() async throws {
        let bytes = (0..<1001).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var stream = DataSetBytes(bytes)
        var pieces: [[UInt8]] = []
        while let piece = try await stream.next(maxLength: 100) { pieces.append(Array(piece)) }
        #expect(pieces.count == 11 && pieces.allSatisfy { $0.count <= 100 && !$0.isEmpty })
        #expect(pieces.flatMap { $0 } == bytes)
    }
}
