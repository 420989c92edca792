@testable import DicomNet
import Testing

@Suite struct NegotiationTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static let mr = "1.2.840.10008.5.1.4.1.1.4"
    static let echo = verificationSOPClassUID
    static let implicitLE = "1.2.840.10008.1.2"
    static let explicitLE = "1.2.840.10008.1.2.1"
    static let jpegLS = "1.2.840.10008.1.2.4.80"
    static let j2k = "1.2.840.10008.1.2.4.90"

    static var policy: Negotiation.AcceptorPolicy {
        var p = Negotiation.AcceptorPolicy(aeTitle: "ARCHIVE", transferSyntaxPreference: [jpegLS, explicitLE, implicitLE],
                                           implementationClassUID: "2.25.7")
        p.abstractSyntaxes = [ct, mr, echo]
        return p
    }

    static func request(_ contexts: [PresentationContextRQ], info: UserInformation = UserInformation(maxLength: 16384)) -> AssociateRQ {
        AssociateRQ(calledAETitle: "ARCHIVE", callingAETitle: "MODALITY", presentationContexts: contexts, userInformation: info)
    }

    static func accepted(_ answer: Negotiation.AcceptorAnswer) -> AssociateAC? {
        if case .accept(let ac) = answer { return ac }
        return nil
    }

    static func rejected(_ answer: Negotiation.AcceptorAnswer) -> AssociateRJ? {
        if case .reject(let rj) = answer { return rj }
        return nil
    }

    @Test func proposalsGetOddIDsAndStopAt128() throws {
        let wanted = (0..<128).map { (abstractSyntax: "1.2.\($0)", transferSyntaxes: [Self.implicitLE]) }
        let contexts = try Negotiation.propose(wanted)
        #expect(contexts.map(\.id) == (0..<128).map { UInt8(2 * $0 + 1) })
        #expect(contexts.last?.id == 255)
        let e = #expect(throws: NetError.self) { try Negotiation.propose(wanted + [(abstractSyntax: "1.3", transferSyntaxes: [Self.implicitLE])]) }
        #expect(e?.code == .invalidArgument)
        #expect(e?.message.contains("at most 128") == true)
        #expect(throws: NetError.self) { try Negotiation.propose([(abstractSyntax: "1.3", transferSyntaxes: [])]) }
    }

    @Test func acceptorChoosesByItsPreferenceAndGivesEveryReason() throws {
        var policy = Self.policy
        policy.userRejectedAbstractSyntaxes = [Self.mr]
        let rq = Self.request([
            PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE, Self.explicitLE, Self.jpegLS]),
            PresentationContextRQ(id: 3, abstractSyntax: Self.ct, transferSyntaxes: [Self.j2k]),
            PresentationContextRQ(id: 5, abstractSyntax: "1.2.3.4.5", transferSyntaxes: [Self.implicitLE]),
            PresentationContextRQ(id: 7, abstractSyntax: Self.mr, transferSyntaxes: [Self.implicitLE]),
            PresentationContextRQ(id: 8, abstractSyntax: Self.echo, transferSyntaxes: [Self.implicitLE]),  // even: invalid
            PresentationContextRQ(id: 1, abstractSyntax: Self.echo, transferSyntaxes: [Self.implicitLE]),  // duplicate
        ])
        let ac = try #require(Self.accepted(Negotiation.answer(rq, policy: policy)))
        #expect(ac.presentationContexts == [
            PresentationContextAC(id: 1, result: .acceptance, transferSyntax: Self.jpegLS),
            PresentationContextAC(id: 3, result: .transferSyntaxesNotSupported, transferSyntax: nil),
            PresentationContextAC(id: 5, result: .abstractSyntaxNotSupported, transferSyntax: nil),
            PresentationContextAC(id: 7, result: .userRejection, transferSyntax: nil),
            PresentationContextAC(id: 8, result: .noReason, transferSyntax: nil),
            PresentationContextAC(id: 1, result: .noReason, transferSyntax: nil),
        ])
        #expect(ac.userInformation.maxLength == Negotiation.defaultMaxReceiveLength)
        #expect(ac.userInformation.implementationClassUID == "2.25.7")
        policy.preferRequestorOrder = true
        let ac2 = try #require(Self.accepted(Negotiation.answer(rq, policy: policy)))
        #expect(ac2.presentationContexts[0].transferSyntax == Self.implicitLE)
        policy.abstractSyntaxes = nil  // --accept-unknown
        let ac3 = try #require(Self.accepted(Negotiation.answer(rq, policy: policy)))
        #expect(ac3.presentationContexts[2].result == .acceptance)
    }

    @Test func associationLevelRejections() {
        var rq = Self.request([PresentationContextRQ(id: 1, abstractSyntax: Self.echo, transferSyntaxes: [Self.implicitLE])])
        var policy = Self.policy
        #expect(Self.accepted(Negotiation.answer(rq, policy: policy)) != nil)
        #expect(Self.rejected(Negotiation.answer(rq, policy: policy, atCapacity: true))
                == AssociateRJ(result: .transient, reason: .localLimitExceeded))
        policy.checkCalledAETitle = true
        rq.calledAETitle = "OTHER"
        #expect(Self.rejected(Negotiation.answer(rq, policy: policy))?.reason == .calledAETitleNotRecognized)
        rq.calledAETitle = "ARCHIVE"
        policy.allowedCallingAETitles = ["CT1"]
        #expect(Self.rejected(Negotiation.answer(rq, policy: policy))?.reason == .callingAETitleNotRecognized)
        policy.allowedCallingAETitles = nil
        rq.applicationContextName = "1.2.3"
        #expect(Self.rejected(Negotiation.answer(rq, policy: policy))?.reason == .applicationContextNotSupported)
        rq.applicationContextName = dicomApplicationContextName
        rq.protocolVersion = 2
        #expect(Self.rejected(Negotiation.answer(rq, policy: policy)) == AssociateRJ(result: .permanent, reason: .protocolVersionNotSupported))
    }

    @Test func rolesWindowIdentityAndExtendedNegotiation() throws {
        var info = UserInformation(maxLength: 0)
        info.roleSelections = [RoleSelection(sopClassUID: Self.ct, scuRole: true, scpRole: true),
                               RoleSelection(sopClassUID: Self.mr, scuRole: false, scpRole: true)]
        info.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: 8, maxPerformed: 0)
        info.userIdentityRQ = UserIdentityRQ(type: .username, positiveResponseRequested: true, primaryField: Array("alice".utf8))
        info.extendedNegotiations = [ExtendedNegotiation(sopClassUID: Self.ct, applicationInformation: [1]),
                                     ExtendedNegotiation(sopClassUID: Self.mr, applicationInformation: [1])]
        let rq = Self.request([PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE])], info: info)
        var policy = Self.policy
        policy.scuRoleSOPClasses = [Self.ct]
        policy.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: 2, maxPerformed: 4)
        policy.extendedNegotiationReplies = [Self.ct: [0]]
        policy.userIdentityCheck = { $0.primaryField == Array("alice".utf8) ? [] : nil }
        let ac = try #require(Self.accepted(Negotiation.answer(rq, policy: policy)))
        #expect(ac.userInformation.roleSelections == [RoleSelection(sopClassUID: Self.ct, scuRole: true, scpRole: true),
                                                      RoleSelection(sopClassUID: Self.mr, scuRole: false, scpRole: false)])
        #expect(ac.userInformation.asyncOperationsWindow == AsyncOperationsWindow(maxInvoked: 2, maxPerformed: 4))
        #expect(ac.userInformation.userIdentityAC == UserIdentityAC(serverResponse: []))
        #expect(ac.userInformation.extendedNegotiations == [ExtendedNegotiation(sopClassUID: Self.ct, applicationInformation: [0])])

        let requestor = try Negotiation.negotiated(requested: rq, answered: ac, asRequestor: true)
        #expect(requestor.roles(for: Self.ct) == NegotiatedAssociation.Roles(requestorIsSCU: true, requestorIsSCP: true))
        #expect(requestor.roles(for: Self.mr) == NegotiatedAssociation.Roles(requestorIsSCU: false, requestorIsSCP: false))
        #expect(requestor.roles(for: "1.9") == NegotiatedAssociation.Roles(requestorIsSCU: true, requestorIsSCP: false))
        #expect(requestor.maxOperationsWeInvoke == 4)
        #expect(requestor.maxOperationsWePerform == 2)
        #expect(requestor.maxSendLength == Int(Negotiation.defaultMaxReceiveLength))
        #expect(requestor.maxReceiveLength == 0)
        #expect(requestor.userIdentityResponse == [])
        let acceptor = try Negotiation.negotiated(requested: rq, answered: ac, asRequestor: false)
        #expect(acceptor.maxSendLength == Negotiation.sendLengthWhenUnlimited)  // the requestor announced 0: no limit
        #expect(acceptor.maxOperationsWeInvoke == 2)
        #expect(acceptor.peerImplementationClassUID == nil)

        policy.userIdentityCheck = { _ in nil }
        #expect(Self.rejected(Negotiation.answer(rq, policy: policy))?.reason == .noReasonGiven)
    }

    @Test func windowsTakeTheSmallerWithZeroUnlimited() {
        #expect(Negotiation.smallerWindow(0, 0) == 0)
        #expect(Negotiation.smallerWindow(0, 5) == 5)
        #expect(Negotiation.smallerWindow(3, 0) == 3)
        #expect(Negotiation.smallerWindow(3, 5) == 3)
    }

    @Test func requestorChecksTheAnswerAgainstItsProposal() throws {
        let rq = Self.request([PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE]),
                               PresentationContextRQ(id: 3, abstractSyntax: Self.mr, transferSyntaxes: [Self.implicitLE])])
        func ac(_ contexts: [PresentationContextAC]) -> AssociateAC {
            AssociateAC(calledAETitle: "ARCHIVE", callingAETitle: "MODALITY", presentationContexts: contexts,
                        userInformation: UserInformation(maxLength: 32768))
        }
        let ok = try Negotiation.negotiated(requested: rq, answered: ac([PresentationContextAC(id: 1, result: .acceptance,
                                                                                               transferSyntax: Self.implicitLE)]),
                                            asRequestor: true)
        #expect(ok.accepted.map(\.id) == [1])
        #expect(ok.contexts[1].result == .noReason)  // left unanswered
        #expect(ok.context(abstractSyntax: Self.ct, transferSyntax: Self.implicitLE)?.id == 1)
        #expect(ok.context(abstractSyntax: Self.mr) == nil)
        #expect(ok.maxSendLength == 32768)
        let e1 = #expect(throws: NetError.self) {
            try Negotiation.negotiated(requested: rq, answered: ac([PresentationContextAC(id: 5, result: .acceptance, transferSyntax: Self.implicitLE)]),
                                       asRequestor: true)
        }
        #expect(e1?.abortReason == .unexpectedPDUParameter)
        let e2 = #expect(throws: NetError.self) {
            try Negotiation.negotiated(requested: rq, answered: ac([PresentationContextAC(id: 1, result: .acceptance, transferSyntax: Self.jpegLS)]),
                                       asRequestor: true)
        }
        #expect(e2?.message.contains("not proposed for it") == true)
    }
}
