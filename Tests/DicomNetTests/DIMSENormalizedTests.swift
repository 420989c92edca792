@testable import DicomNet
import Testing

/// N-ACTION and N-EVENT-REPORT command sets (PS3.7 10.3.4, 10.3.1): byte-exact against the
/// element list the standard gives, and through decode unchanged.
@Suite struct DIMSENormalizedTests {
    typealias B = DIMSETests

    /// N-ACTION-RQ of storage commitment: Requested SOP Class (0000,0003), Command Field 0130,
    /// Message ID, Data Set Type (a data set follows), Requested SOP Instance (0000,1001), Action
    /// Type ID (0000,1008) 1, in tag order.
    @Test func actionRequestIsByteExact() throws {
        let body = B.element(0x0003, ascii("1.2.840.10008.1.20.1"))
            + B.element(0x0100, B.le16(0x0130))
            + B.element(0x0110, B.le16(3))
            + B.element(0x0800, B.le16(0x0000))
            + B.element(0x1001, ascii("1.2.840.10008.1.20.1.1"))
            + B.element(0x1008, B.le16(1))
        let expected = B.element(0x0000, B.le32(body.count)) + body
        let rq = DIMSECommand.actionRQ(messageID: 3, sopClassUID: "1.2.840.10008.1.20.1", sopInstanceUID: "1.2.840.10008.1.20.1.1",
                                       actionTypeID: 1)
        #expect(try rq.encoded() == expected)
        let decoded = try DIMSECommand.decode(expected)
        #expect(decoded == rq && decoded.field == .nActionRQ && !decoded.isResponse)
        let rsp = DIMSECommand.actionRSP(to: rq, status: 0)
        #expect(rsp.affectedSOPClassUID == rq.requestedSOPClassUID && rsp.affectedSOPInstanceUID == rq.requestedSOPInstanceUID)
        #expect(rsp.messageIDBeingRespondedTo == 3 && rsp.isResponse && rsp.actionTypeID == 1)
        #expect(try DIMSECommand.decode(rsp.encoded()) == rsp)
    }

    @Test func eventReportRoundTrips() throws {
        let rq = DIMSECommand.eventReportRQ(messageID: 9, sopClassUID: "1.2.840.10008.1.20.1", sopInstanceUID: "1.2.840.10008.1.20.1.1",
                                            eventTypeID: 2)
        let bytes = try rq.encoded()
        // Event Type ID is (0000,1002), between Affected SOP Instance UID (1000) and nothing after.
        #expect(bytes.suffix(10) == [0x00, 0x00, 0x02, 0x10, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00])
        #expect(try DIMSECommand.decode(bytes) == rq)
        let rsp = DIMSECommand.eventReportRSP(to: rq, status: 0x0115)
        #expect(try DIMSECommand.decode(rsp.encoded()) == rsp && rsp.field == .nEventReportRSP && rsp.eventTypeID == 2)
    }
}
