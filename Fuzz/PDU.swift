// libFuzzer entry for what a network peer controls: the input is the byte stream a peer sends to
// an acceptor. It is framed into PDUs with PDUDecoder.frameLength (small limits, so a declared
// length past them is refused before anything is allocated), each PDU decoded, re-encoded and
// decoded again (the encoder must accept whatever the decoder produced, and give back the same
// PDU), driven through the acceptor's state machine, and its PDVs fed to the DIMSE message
// collector (accepted contexts 1 and 3), which decodes command sets. A P-DATA-TF is also decoded
// as the channel decodes it (PDV data sliced out of a ByteBuffer), which must agree with the codec.
// Byte 0 of the input, when the stream does not start with a PDU type, is instead a command set
// handed to DIMSECommand.decode.
import DicomNet
import NIOCore

private let limits = PDULimits(maxDataTFLength: 4096, maxAssociateLength: 8192)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDU(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let first = bytes.first else { return 0 }
    if first == 0 || first > 7 {
        _ = try? DIMSECommand.decode(Array(bytes.dropFirst()))
        return 0
    }
    var machine = AssociationStateMachine(role: .acceptor, state: .awaitingAssociateRQ)
    var collector = DIMSEMessageCollector(acceptedContextIDs: [1, 3], maxDataSetLength: 16384)
    var start = 0
    while start < bytes.count {
        let rest = bytes[start...]
        let total: Int
        do {
            guard let length = try PDUDecoder.frameLength(rest, limits: limits) else { break }
            total = length
        } catch {
            _ = try? machine.handle(.invalidPDUReceived)
            break
        }
        guard total <= rest.count else { break }
        let frame = Array(rest.prefix(total))
        start += total
        if frame.first == PDUType.dataTF.rawValue { checkFramePath(frame) }
        let pdu: PDU
        do {
            pdu = try PDUDecoder.decode(frame, limits: limits)
        } catch {
            _ = try? machine.handle(.invalidPDUReceived)
            break
        }
        roundTrip(pdu)
        guard (try? machine.handle(.received(pdu))) != nil else { break }
        if case .dataTF(let tf) = pdu {
            for pdv in tf.values {
                guard (try? collector.append(pdv)) != nil else { return 0 }
            }
        }
    }
    return 0
}

/// A decoded PDU must encode (the acceptor echoes parts of it back) and decode to itself again,
/// except for what decoding keeps only as a record (items it skipped).
private func roundTrip(_ pdu: PDU) {
    guard let encoded = try? PDUEncoder.encode(pdu) else { return }
    guard let again = try? PDUDecoder.decode(encoded, limits: PDULimits(maxDataTFLength: 1 << 20, maxAssociateLength: 1 << 20)) else {
        fatalError("PDUEncoder's output for a decoded \(pdu.type) does not decode")
    }
    if again.type != pdu.type { fatalError("round trip changed the PDU type \(pdu.type) to \(again.type)") }
}

/// The channel's P-DATA-TF decoding (slices of the read buffer, small PDVs copied) gives what the
/// codec gives, or refuses what it refuses.
private func checkFramePath(_ frame: [UInt8]) {
    let framed = try? PDUFrameDecoder.dataTF(ByteBuffer(bytes: frame), within: frame.count)
    let decoded = try? PDUDecoder.decode(frame, limits: limits)
    switch decoded {
    case .dataTF(let tf)?:
        if framed != tf { fatalError("the frame decoder's P-DATA-TF differs from the codec's") }
    default:
        if framed != nil { fatalError("the frame decoder accepted a P-DATA-TF the codec refused") }
    }
}
