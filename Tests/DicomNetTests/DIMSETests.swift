@testable import DicomNet
import Testing

@Suite struct DIMSETests {
    static func le16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v) + le16(v >> 16) }
    /// An Implicit VR Little Endian element of group 0000: group, element, 4-byte length, value.
    static func element(_ elementNumber: Int, _ value: [UInt8]) -> [UInt8] { [0, 0] + le16(elementNumber) + le32(value.count) + value }

    /// C-ECHO-RQ as PS3.7 9.3.5.1 lists it, in Implicit VR Little Endian (PS3.5 7.1.3).
    static let echoRQBytes: [UInt8] = {
        let body = element(0x0002, ascii("1.2.840.10008.1.1") + [0])  // UI padded with NUL to even length
            + element(0x0100, le16(0x0030))
            + element(0x0110, le16(7))
            + element(0x0800, le16(0x0101))
        return element(0x0000, le32(body.count)) + body
    }()

    @Test func echoRequestIsByteExact() throws {
        #expect(Self.echoRQBytes.count == 68)
        #expect(try DIMSECommand.echoRQ(messageID: 7).encoded() == Self.echoRQBytes)
        let decoded = try DIMSECommand.decode(Self.echoRQBytes)
        #expect(decoded == .echoRQ(messageID: 7))
        #expect(decoded.field == .cEchoRQ)
    }

    @Test func echoResponseIsByteExact() throws {
        let body = Self.element(0x0002, ascii("1.2.840.10008.1.1") + [0])
            + Self.element(0x0100, Self.le16(0x8030))
            + Self.element(0x0120, Self.le16(7))
            + Self.element(0x0800, Self.le16(0x0101))
            + Self.element(0x0900, Self.le16(0))
        let expected = Self.element(0x0000, Self.le32(body.count)) + body
        let rsp = DIMSECommand.echoRSP(to: .echoRQ(messageID: 7))
        #expect(try rsp.encoded() == expected)
        #expect(try DIMSECommand.decode(expected) == rsp)
    }

    @Test func storeCommandsRoundTrip() throws {
        var rq = DIMSECommand.storeRQ(messageID: 65535, sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: "1.2.3.4.5")
        rq.moveOriginatorAETitle = "MOVER"
        rq.moveOriginatorMessageID = 12
        let bytes = try rq.encoded()
        #expect(try DIMSECommand.decode(bytes) == rq)
        #expect(try DIMSECommand.decode(bytes).hasDataSet)
        let rsp = DIMSECommand.storeRSP(to: rq, status: DIMSEStatus.outOfResources, errorComment: "disk full")
        let back = try DIMSECommand.decode(rsp.encoded())
        #expect(back == rsp)
        #expect(back.messageIDBeingRespondedTo == 65535)
        #expect(back.affectedSOPInstanceUID == "1.2.3.4.5")
        #expect(DIMSEStatus.kind(back.status ?? 0) == .failure)
        #expect(DIMSEStatus.kind(0xB007) == .warning)
        #expect(DIMSEStatus.kind(0xFF00) == .pending)
        #expect(DIMSEStatus.kind(0) == .success)
    }

    @Test func malformedCommandSetsAreErrors() throws {
        // Command Group Length that disagrees with the bytes.
        var wrongLength = Self.echoRQBytes
        wrongLength[8] = 60
        let e = #expect(throws: NetError.self) { try DIMSECommand.decode(wrongLength) }
        #expect(e?.message.contains("Command Group Length 60") == true)
        // No Command Field.
        let noField = Self.element(0x0110, Self.le16(1)) + Self.element(0x0800, Self.le16(0x0101))
        #expect((#expect(throws: NetError.self) { try DIMSECommand.decode(noField) })?.message.contains("no Command Field") == true)
        // An element length past the end.
        let cut = Array(Self.echoRQBytes.dropLast(1))
        let e2 = #expect(throws: NetError.self) { try DIMSECommand.decode(cut) }
        #expect(e2?.code == .malformedPDU)
        #expect(e2?.offset != nil)
        // Data set elements after the command's, as DCMTK puts a status detail there (Orthanc's
        // failed C-GET sub-operations: (0008,0000) and the Failed SOP Instance UID List): read as
        // the command, with the Command Group Length covering group 0000 alone.
        let detail: [UInt8] = [8, 0, 0, 0, 4, 0, 0, 0, 12, 0, 0, 0] + [8, 0, 0x58, 0, 4, 0, 0, 0] + Array("1.23".utf8)
        #expect(try DIMSECommand.decode(Self.echoRQBytes + detail) == DIMSECommand.echoRQ(messageID: 7))
        let stray = Self.echoRQBytes.suffix(from: 12) + [8, 0, 0x18, 0, 2, 0, 0, 0, 0x31, 0]
        #expect(try DIMSECommand.decode(Array(stray)) == DIMSECommand.echoRQ(messageID: 7))
        // A command set that begins outside group 0000 is no command set.
        let noCommand = [UInt8]([8, 0, 0x18, 0, 2, 0, 0, 0, 0x31, 0]) + Self.echoRQBytes.suffix(from: 12)
        #expect((#expect(throws: NetError.self) { try DIMSECommand.decode(noCommand) })?.message.contains("outside group 0000") == true)
        // A US value of the wrong size.
        let oddField = Self.element(0x0100, [0x30]) + Self.element(0x0800, Self.le16(0x0101))
        #expect(throws: NetError.self) { try DIMSECommand.decode(oddField) }
    }

    @Test func messagesAreCutToTheNegotiatedLength() throws {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let rq = DIMSECommand.storeRQ(messageID: 1, sopClassUID: "1.2", sopInstanceUID: "1.3")
        let command = try rq.encoded()
        let tfs = try PDVFragmenter.dataTFs(command: rq, dataSet: data, contextID: 5, maxPDULength: 106)
        for tf in tfs {
            let bytes = try PDUEncoder.encode(.dataTF(tf))
            #expect(bytes.count - 6 <= 106)
        }
        let pdvs = tfs.flatMap(\.values)
        #expect(pdvs.filter(\.isCommand).count == (command.count + 99) / 100)
        #expect(pdvs.filter { !$0.isCommand }.count == 10)
        #expect(pdvs.filter(\.isLast).count == 2)
        #expect(pdvs.allSatisfy { $0.contextID == 5 })
        #expect(pdvs.filter { !$0.isCommand }.flatMap(\.data) == data)

        var collector = DIMSEMessageCollector(acceptedContextIDs: [5], maxDataSetLength: 1 << 20)
        var messages: [DIMSEMessage] = []
        for pdv in pdvs { if let m = try collector.append(pdv) { messages.append(m) } }
        #expect(messages == [DIMSEMessage(contextID: 5, command: rq, dataSet: data)])
        #expect(collector.assembler.isIdle)

        #expect(throws: NetError.self) { try PDVFragmenter.dataTFs([1], contextID: 1, isCommand: true, maxPDULength: 6) }
        #expect(throws: NetError.self) { try PDVFragmenter.dataTFs(command: rq, dataSet: nil, contextID: 1, maxPDULength: 1000) }
        let empty = try PDVFragmenter.dataTFs([], contextID: 1, isCommand: false, maxPDULength: 100)
        #expect(empty == [DataTF(values: [PDV(contextID: 1, isCommand: false, isLast: true, data: [])])])
    }

    @Test func echoNeedsNoDataSet() throws {
        let tfs = try PDVFragmenter.dataTFs(command: .echoRQ(messageID: 3), dataSet: nil, contextID: 1, maxPDULength: 16384)
        #expect(tfs.count == 1)
        var assembler = DIMSEAssembler(acceptedContextIDs: [1])
        #expect(try assembler.append(tfs[0].values[0]) == .command(contextID: 1, .echoRQ(messageID: 3)))
        #expect(assembler.isIdle)
    }

    @Test func assemblerRefusesOutOfOrderFragments() throws {
        let command = try DIMSECommand.storeRQ(messageID: 1, sopClassUID: "1.2", sopInstanceUID: "1.3").encoded()
        func error(_ pdvs: [PDV], accepted: Set<UInt8> = [1, 3]) -> NetError? {
            var a = DIMSEAssembler(acceptedContextIDs: accepted, maxCommandLength: 200)
            do {
                for p in pdvs { _ = try a.append(p) }
                return nil
            } catch {
                return error
            }
        }
        let cmd = PDV(contextID: 1, isCommand: true, isLast: true, data: command)
        #expect(error([PDV(contextID: 1, isCommand: false, isLast: true, data: [1])])?.message.contains("where a command set was expected") == true)
        #expect(error([PDV(contextID: 9, isCommand: true, isLast: true, data: command)])?.message.contains("not accepted") == true)
        #expect(error([cmd, PDV(contextID: 1, isCommand: true, isLast: true, data: command)])?.message.contains("before the data set's last") == true)
        #expect(error([cmd, PDV(contextID: 3, isCommand: false, isLast: true, data: [])])?.message.contains("its command was on 1") == true)
        #expect(error([PDV(contextID: 1, isCommand: true, isLast: false, data: [0, 0]),
                       PDV(contextID: 3, isCommand: true, isLast: true, data: [])])?.message.contains("began on 1") == true)
        #expect(error([PDV(contextID: 1, isCommand: true, isLast: false, data: [UInt8](repeating: 0, count: 150)),
                       PDV(contextID: 1, isCommand: true, isLast: false, data: [UInt8](repeating: 0, count: 51))])?
            .message.contains("longer than 200") == true)
        #expect(error([PDV(contextID: 1, isCommand: true, isLast: false, data: Array(command.prefix(10))),
                       PDV(contextID: 1, isCommand: false, isLast: true, data: [])])?.abortReason == .unexpectedPDUParameter)
        #expect(error([cmd, PDV(contextID: 1, isCommand: false, isLast: false, data: [1]),
                       PDV(contextID: 1, isCommand: false, isLast: true, data: [2])]) == nil)

        var collector = DIMSEMessageCollector(acceptedContextIDs: [1], maxDataSetLength: 4)
        _ = try collector.append(cmd)
        _ = try collector.append(PDV(contextID: 1, isCommand: false, isLast: false, data: [1, 2, 3]))
        #expect(throws: NetError.self) { try collector.append(PDV(contextID: 1, isCommand: false, isLast: true, data: [4, 5])) }
    }
}
