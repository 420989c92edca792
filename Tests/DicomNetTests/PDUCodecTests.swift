@testable import DicomNet
import Testing

/// The PDU codec against PS3.8 9.3's layouts, byte for byte, both ways; and every malformed case
/// answered with an error naming the offset and the A-ABORT reason.
@Suite struct PDUCodecTests {
    static let limits = PDULimits(maxDataTFLength: 16384, maxAssociateLength: 4096)
    static let echo = "1.2.840.10008.1.1"
    static let implicitLE = "1.2.840.10008.1.2"
    static let explicitLE = "1.2.840.10008.1.2.1"

    static func roundTrip(_ p: PDU) throws -> PDU {
        try PDUDecoder.decode(PDUEncoder.encode(p), limits: PDULimits(maxDataTFLength: 1 << 20))
    }

    static func decodeError(_ bytes: [UInt8], limits: PDULimits = limits) -> NetError? {
        do {
            _ = try PDUDecoder.decode(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Byte-exact encodings

    static let minimalRQBytes: [UInt8] = pdu(0x01,
        be16(1) + [0, 0] + ae16("ANY-SCP") + ae16("ECHOSCU") + [UInt8](repeating: 0, count: 32)
        + item(0x10, ascii("1.2.840.10008.3.1.1.1"))
        + item(0x20, [1, 0, 0, 0] + item(0x30, ascii(echo)) + item(0x40, ascii(implicitLE)) + item(0x40, ascii(explicitLE)))
        + item(0x50, item(0x51, be32(16384)) + item(0x52, ascii("1.2.3.4")) + item(0x55, ascii("TOOL_1"))))

    static var minimalRQ: AssociateRQ {
        AssociateRQ(calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU",
                    presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: echo, transferSyntaxes: [implicitLE, explicitLE])],
                    userInformation: UserInformation(maxLength: 16384, implementationClassUID: "1.2.3.4", implementationVersionName: "TOOL_1"))
    }

    @Test func associateRQEncodesAsPS38Draws() throws {
        let bytes = try PDUEncoder.encode(.associateRQ(Self.minimalRQ))
        #expect(bytes == Self.minimalRQBytes)
        #expect(bytes.count == 6 + 68 + 25 + 4 + 4 + 21 + 21 + 23 + 4 + 8 + 11 + 10)
        #expect(try PDUDecoder.decode(Self.minimalRQBytes, limits: Self.limits) == .associateRQ(Self.minimalRQ))
    }

    @Test func associateACEncodesAsPS38Draws() throws {
        let expected = pdu(0x02,
            be16(1) + [0, 0] + ae16("ANY-SCP") + ae16("ECHOSCU") + [UInt8](repeating: 0, count: 32)
            + item(0x10, ascii("1.2.840.10008.3.1.1.1"))
            + item(0x21, [1, 0, 0, 0] + item(0x40, ascii(Self.explicitLE)))
            + item(0x21, [3, 0, 3, 0] + item(0x40, []))
            + item(0x50, item(0x51, be32(0)) + item(0x52, ascii("1.2.3.5")) + item(0x59, be16(2) + [0xAB, 0xCD])))
        var info = UserInformation(maxLength: 0, implementationClassUID: "1.2.3.5")
        info.userIdentityAC = UserIdentityAC(serverResponse: [0xAB, 0xCD])
        let ac = AssociateAC(calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU",
                             presentationContexts: [PresentationContextAC(id: 1, result: .acceptance, transferSyntax: Self.explicitLE),
                                                    PresentationContextAC(id: 3, result: .abstractSyntaxNotSupported, transferSyntax: nil)],
                             userInformation: info)
        #expect(try PDUEncoder.encode(.associateAC(ac)) == expected)
        #expect(try PDUDecoder.decode(expected, limits: Self.limits) == .associateAC(ac))
    }

    @Test func fixedLengthPDUsEncodeAsPS38Draws() throws {
        let rj: [UInt8] = [0x03, 0, 0, 0, 0, 4, 0, 1, 1, 7]
        #expect(try PDUEncoder.encode(.associateRJ(AssociateRJ(result: .permanent, reason: .calledAETitleNotRecognized))) == rj)
        #expect(try PDUEncoder.encode(.releaseRQ) == [0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(try PDUEncoder.encode(.releaseRP) == [0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(try PDUEncoder.encode(.abort(.unexpectedPDU)) == [0x07, 0, 0, 0, 0, 4, 0, 0, 2, 2])
        #expect(try PDUDecoder.decode(rj, limits: Self.limits)
                == .associateRJ(AssociateRJ(result: .permanent, reason: .calledAETitleNotRecognized)))
        #expect(try PDUDecoder.decode([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0], limits: Self.limits) == .abort(.serviceUser))
    }

    @Test func dataTFEncodesItsPDVsWithMessageControlHeaders() throws {
        let tf = DataTF(values: [PDV(contextID: 1, isCommand: true, isLast: true, data: [0xAA, 0xBB]),
                                 PDV(contextID: 3, isCommand: false, isLast: false, data: [0xCC])])
        let expected: [UInt8] = [0x04, 0, 0, 0, 0, 4 + 4 + 4 + 3,
                                 0, 0, 0, 4, 1, 0x03, 0xAA, 0xBB,
                                 0, 0, 0, 3, 3, 0x00, 0xCC]
        #expect(try PDUEncoder.encode(.dataTF(tf)) == expected)
        #expect(try PDUDecoder.decode(expected, limits: Self.limits) == .dataTF(tf))
    }

    @Test func everyUserInformationSubItemHasItsLayout() throws {
        var info = UserInformation(maxLength: 0x0102_0304)
        info.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: 5, maxPerformed: 0)
        info.roleSelections = [RoleSelection(sopClassUID: "1.2", scuRole: false, scpRole: true)]
        info.extendedNegotiations = [ExtendedNegotiation(sopClassUID: "1.3", applicationInformation: [1, 0, 1])]
        info.commonExtendedNegotiations = [CommonExtendedNegotiation(sopClassUID: "1.4", serviceClassUID: "1.5",
                                                                     relatedGeneralSOPClassUIDs: ["1.6", "1.77"])]
        info.userIdentityRQ = UserIdentityRQ(type: .usernameAndPasscode, positiveResponseRequested: true,
                                             primaryField: ascii("bob"), secondaryField: ascii("pw"))
        let rq = AssociateRQ(calledAETitle: "A", callingAETitle: "B",
                             presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: "1.2", transferSyntaxes: [Self.implicitLE])],
                             userInformation: info)
        let bytes = try PDUEncoder.encode(.associateRQ(rq))
        let userInfo = item(0x50,
            item(0x51, [1, 2, 3, 4])
            + item(0x53, be16(5) + be16(0))
            + item(0x54, be16(3) + ascii("1.2") + [0, 1])
            + item(0x56, be16(3) + ascii("1.3") + [1, 0, 1])
            + item(0x57, be16(3) + ascii("1.4") + be16(3) + ascii("1.5") + be16(5 + 6) + be16(3) + ascii("1.6") + be16(4) + ascii("1.77"))
            + item(0x58, [2, 1] + be16(3) + ascii("bob") + be16(2) + ascii("pw")))
        #expect(Array(bytes.suffix(userInfo.count)) == userInfo)
        #expect(try Self.roundTrip(.associateRQ(rq)) == .associateRQ(rq))
    }

    // MARK: Round trips

    @Test func everyPDURoundTrips() throws {
        var info = UserInformation(maxLength: 262_144, implementationClassUID: "2.25.1", implementationVersionName: "DICOMTOOL_0_1")
        info.asyncOperationsWindow = .synchronous
        info.roleSelections = [RoleSelection(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", scuRole: true, scpRole: true)]
        info.userIdentityRQ = UserIdentityRQ(type: .jwt, positiveResponseRequested: false, primaryField: [UInt8](repeating: 0x41, count: 3000))
        var rq = AssociateRQ(calledAETitle: "PACS", callingAETitle: "DICOMTOOL",
                             presentationContexts: (0..<128).map {
                                 PresentationContextRQ(id: UInt8(truncatingIfNeeded: 2 * $0 + 1), abstractSyntax: "1.2.840.10008.5.1.4.1.1.\($0)",
                                                       transferSyntaxes: [Self.explicitLE, Self.implicitLE])
                             },
                             userInformation: info)
        rq.protocolVersion = 3
        var acInfo = UserInformation(maxLength: 16384, implementationClassUID: "1.2.276.0.7230010.3.0.3.6.7")
        acInfo.roleSelections = [RoleSelection(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", scuRole: true, scpRole: false)]
        acInfo.extendedNegotiations = [ExtendedNegotiation(sopClassUID: "1.2.840.10008.5.1.4.1.2.2.1", applicationInformation: [1])]
        let ac = AssociateAC(calledAETitle: "PACS", callingAETitle: "DICOMTOOL",
                             presentationContexts: [PresentationContextAC(id: 1, result: .acceptance, transferSyntax: Self.implicitLE),
                                                    PresentationContextAC(id: 3, result: .userRejection, transferSyntax: nil),
                                                    PresentationContextAC(id: 5, result: .noReason, transferSyntax: nil),
                                                    PresentationContextAC(id: 7, result: .transferSyntaxesNotSupported, transferSyntax: nil)],
                             userInformation: acInfo)
        let pdus: [PDU] = [
            .associateRQ(rq), .associateAC(ac),
            .associateRJ(AssociateRJ(result: .transient, reason: .localLimitExceeded)),
            .associateRJ(AssociateRJ(rawResult: 9, reason: RejectReason(source: 7, reason: 200))),
            .dataTF(DataTF(values: [PDV(contextID: 255, isCommand: false, isLast: true, data: [UInt8](repeating: 7, count: 70_000))])),
            .dataTF(DataTF(values: [PDV(contextID: 1, isCommand: true, isLast: false, data: [])])),
            .releaseRQ, .releaseRP, .abort(.serviceUser), .abort(.invalidPDUParameterValue),
        ]
        for p in pdus { #expect(try Self.roundTrip(p) == p, "\(p.type)") }
    }

    @Test func paddedFieldsAreTrimmedOnDecode() throws {
        // Some implementations pad UIDs with a NUL and AE titles with leading spaces.
        var bytes = Self.minimalRQBytes
        let calledAt = 6 + 4
        bytes.replaceSubrange(calledAt..<calledAt + 16, with: ascii("  ANY-SCP") + [UInt8](repeating: 0x20, count: 7))
        guard case .associateRQ(let rq) = try PDUDecoder.decode(bytes, limits: Self.limits) else { Issue.record("not an RQ"); return }
        #expect(rq.calledAETitle == "ANY-SCP")
        let nulPaddedUID = Self.rqWithUserInfo(item(0x52, ascii("1.2.3") + [0]))
        guard case .associateRQ(let rq2) = try PDUDecoder.decode(nulPaddedUID, limits: Self.limits) else { Issue.record("not an RQ"); return }
        #expect(rq2.userInformation.implementationClassUID == "1.2.3")
    }

    // MARK: Malformed

    @Test func unknownPDUTypeIsUnrecognized() {
        for type: UInt8 in [0x00, 0x08, 0xFF] {
            let e = Self.decodeError([type, 0, 0, 0, 0, 4, 0, 0, 0, 0])
            #expect(e?.code == .unrecognizedPDU)
            #expect(e?.offset == 0)
            #expect(e?.abortReason == .unrecognizedPDU)
        }
    }

    @Test func lengthPastTheMaximumIsRefusedFromTheHeaderAlone() throws {
        // Only the 6 header bytes: the check comes before anything is read or allocated.
        let e1 = #expect(throws: NetError.self) { try PDUDecoder.frameLength([0x04, 0, 0, 0, 0x40, 1], limits: Self.limits) }
        #expect(e1?.code == .pduTooLarge)
        #expect(e1?.offset == 2)
        let e2 = #expect(throws: NetError.self) { try PDUDecoder.frameLength([0x01, 0, 0xFF, 0xFF, 0xFF, 0xFF], limits: Self.limits) }
        #expect(e2?.code == .pduTooLarge)
        #expect(try PDUDecoder.frameLength([0x04, 0, 0, 0, 0x40, 0], limits: Self.limits) == 6 + 16384)
        #expect(try PDUDecoder.frameLength([0x04, 0, 0, 0], limits: Self.limits) == nil)
        let e3 = #expect(throws: NetError.self) { try PDUDecoder.frameLength([0x05, 0, 0, 0, 0, 5], limits: Self.limits) }
        #expect(e3?.code == .malformedPDU)
    }

    @Test func truncatedPDUsAreErrors() {
        #expect(Self.decodeError([0x05, 0, 0])?.code == .malformedPDU)
        let cut = Array(Self.minimalRQBytes.dropLast(3))
        let e = Self.decodeError(cut)
        #expect(e?.code == .malformedPDU)
        #expect(e?.message.contains("truncated") == true)
        #expect(Self.decodeError(Self.minimalRQBytes + [0])?.message.contains("after the end") == true)
        // A fixed part cut short, in a PDU whose length agrees with what is there.
        let e2 = Self.decodeError(pdu(0x01, be16(1) + [0, 0] + ae16("X")))
        #expect(e2?.offset == 26)  // header 6, version and reserved 4, called AE title 16: the calling one is missing
        #expect(e2?.message.contains("calling AE title needs 16 bytes, 0 remain") == true)
    }

    @Test func itemLengthPastItsContainerNamesTheOffset() {
        // The presentation context item claims 200 bytes; the PDU has fewer left.
        var bytes = Self.minimalRQBytes
        let pcAt = 6 + 68 + 25
        #expect(bytes[pcAt] == 0x20)
        bytes[pcAt + 2] = 0
        bytes[pcAt + 3] = 200
        let e = Self.decodeError(bytes)
        #expect(e?.code == .malformedPDU)
        #expect(e?.offset == pcAt)
        #expect(e?.abortReason == .invalidPDUParameterValue)
        // A UID length inside a role selection sub-item past the sub-item.
        let role = Self.rqWithUserInfo(item(0x54, be16(40) + ascii("1.2") + [1, 0]))
        #expect(Self.decodeError(role)?.message.contains("SOP class UID length 40") == true)
    }

    @Test func pdvLengthsAreChecked() {
        let short = pdu(0x04, be32(1) + [1])
        #expect(Self.decodeError(short)?.message.contains("less than its 2-byte header") == true)
        let past = pdu(0x04, be32(10) + [1, 3, 0xAA])
        let e = Self.decodeError(past)
        #expect(e?.offset == 6)
        #expect(e?.message.contains("exceeds") == true)
        #expect(Self.decodeError(pdu(0x04, be32(3) + [1, 0x04, 0xAA]))?.message.contains("reserved bits") == true)
        #expect(Self.decodeError(pdu(0x04, []))?.message.contains("without a PDV") == true)
    }

    @Test func unknownItemsAreIgnoredAsPS38Says() throws {
        // An unknown variable item (0x60) between the contexts and user information, and an unknown
        // user information sub-item (0x5F): both skipped, the rest decoded.
        let fixed = be16(1) + [0, 0] + ae16("ANY-SCP") + ae16("ECHOSCU") + [UInt8](repeating: 0, count: 32)
        let bytes = pdu(0x01, fixed + item(0x10, ascii("1.2.840.10008.3.1.1.1"))
            + item(0x20, [1, 0, 0, 0] + item(0x30, ascii(Self.echo)) + item(0x40, ascii(Self.implicitLE)) + item(0x40, ascii(Self.explicitLE)))
            + item(0x60, [9, 9, 9])
            + item(0x50, item(0x51, be32(16384)) + item(0x5F, [1]) + item(0x52, ascii("1.2.3.4")) + item(0x55, ascii("TOOL_1"))))
        guard case .associateRQ(let rq) = try PDUDecoder.decode(bytes, limits: Self.limits) else { Issue.record("not an RQ"); return }
        #expect(rq.ignoredItems == [IgnoredItem(type: 0x60, offset: 6 + 68 + 25 + 73, length: 3)])
        #expect(rq.userInformation.ignoredSubItems.map(\.type) == [0x5F])
        var expected = Self.minimalRQ
        expected.ignoredItems = rq.ignoredItems
        expected.userInformation.ignoredSubItems = rq.userInformation.ignoredSubItems
        #expect(rq == expected)
    }

    static func rqWithUserInfo(_ subItems: [UInt8]) -> [UInt8] {
        pdu(0x01, be16(1) + [0, 0] + ae16("A") + ae16("B") + [UInt8](repeating: 0, count: 32)
            + item(0x10, ascii("1.2.840.10008.3.1.1.1")) + item(0x50, subItems))
    }

    @Test func subItemsWithFixedLayoutsAreChecked() {
        #expect(Self.decodeError(Self.rqWithUserInfo(item(0x51, [0, 0, 1])))?.message.contains("fixes it at 4") == true)
        #expect(Self.decodeError(Self.rqWithUserInfo(item(0x53, [0, 1])))?.message.contains("fixes it at 4") == true)
        #expect(Self.decodeError(Self.rqWithUserInfo(item(0x54, be16(1) + ascii("1") + [2, 0])))?.message.contains("only 0 or 1") == true)
        #expect(Self.decodeError(Self.rqWithUserInfo(item(0x58, [1, 0] + be16(1) + ascii("a") + be16(0) + [7])))?.message
            .contains("bytes after") == true)
        #expect(Self.decodeError(Self.rqWithUserInfo(item(0x59, be16(9) + [1])))?.code == .malformedPDU)
    }

    @Test func missingAndDuplicateItemsAreErrors() {
        let noContext = pdu(0x01, be16(1) + [0, 0] + ae16("A") + ae16("B") + [UInt8](repeating: 0, count: 32) + item(0x50, []))
        #expect(Self.decodeError(noContext)?.message.contains("no application context") == true)
        var twoInfos = Self.rqWithUserInfo([])
        twoInfos.append(contentsOf: item(0x50, []))
        twoInfos.replaceSubrange(2..<6, with: be32(twoInfos.count - 6))
        #expect(Self.decodeError(twoInfos)?.message.contains("second user information") == true)
        let noAbstract = pdu(0x01, be16(1) + [0, 0] + ae16("A") + ae16("B") + [UInt8](repeating: 0, count: 32)
            + item(0x10, ascii("1.2.840.10008.3.1.1.1")) + item(0x20, [1, 0, 0, 0] + item(0x40, ascii(Self.implicitLE))))
        #expect(Self.decodeError(noAbstract)?.message.contains("no abstract syntax") == true)
        let acceptedWithoutSyntax = pdu(0x02, be16(1) + [0, 0] + ae16("A") + ae16("B") + [UInt8](repeating: 0, count: 32)
            + item(0x10, ascii("1.2.840.10008.3.1.1.1")) + item(0x21, [1, 0, 0, 0] + item(0x40, [])))
        #expect(Self.decodeError(acceptedWithoutSyntax)?.message.contains("names no transfer syntax") == true)
    }

    @Test func encoderRefusesWhatTheStandardForbids() {
        var rq = Self.minimalRQ
        rq.callingAETitle = "SEVENTEEN_CHARS_X"
        #expect(throws: NetError.self) { try PDUEncoder.encode(.associateRQ(rq)) }
        rq.callingAETitle = "   "
        #expect(throws: NetError.self) { try PDUEncoder.encode(.associateRQ(rq)) }
        rq.callingAETitle = "A\\B"
        #expect(throws: NetError.self) { try PDUEncoder.encode(.associateRQ(rq)) }
        #expect(throws: NetError.self) { try PDUEncoder.encode(.dataTF(DataTF(values: []))) }
        var big = Self.minimalRQ
        big.userInformation.userIdentityRQ = UserIdentityRQ(type: .jwt, positiveResponseRequested: false,
                                                            primaryField: [UInt8](repeating: 0, count: 70_000))
        let e = #expect(throws: NetError.self) { try PDUEncoder.encode(.associateRQ(big)) }
        #expect(e?.code == .invalidArgument)
    }

    @Test func reasonsReadInWords() {
        #expect(AssociateRJ(result: .permanent, reason: .calledAETitleNotRecognized).description
                == "association rejected permanently: called AE title not recognized (source: DICOM UL service-user)")
        #expect(AbortReason.unexpectedPDU.description == "unexpected PDU (source: DICOM UL service-provider)")
        #expect(AbortReason.serviceUser.reasonWords == "no reason (user-initiated abort)")
        #expect(RejectReason.protocolVersionNotSupported.reasonWords == "protocol version not supported")
        #expect(RejectReason(source: 3, reason: 1).reasonWords == "temporary congestion")
        #expect(ContextResult.transferSyntaxesNotSupported.description == "transfer-syntaxes-not-supported (provider rejection)")
        #expect(ContextResult(rawValue: 9).description == "reserved result 9")
    }
}
