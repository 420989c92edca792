/// A-ASSOCIATE negotiation as pure functions (PS3.8 9.3.2-9.3.4, PS3.7 Annex D.3.3): what a
/// requestor proposes, what an acceptor answers given what it supports, and what both then hold.
public enum Negotiation {
    /// Presentation context IDs are odd numbers 1...255 (PS3.8 9.3.2.2): at most 128 per association.
    public static let maxPresentationContexts = 128

    /// The P-DATA-TF variable field we announce we receive (Maximum Length, PS3.8 D.1). dcmtk and
    /// pynetdicom announce about 16 KiB: each PDU then costs a header, a read and, with Nagle on, a
    /// delayed-ACK stall. 256 KiB keeps the per-PDU cost small for large images (4,000 PDUs per GB)
    /// while an association still buffers only a few PDUs.
    public static let defaultMaxReceiveLength: UInt32 = 256 << 10

    /// What we send in when the peer announced no limit (0): the same size we receive.
    public static let sendLengthWhenUnlimited = Int(widening: defaultMaxReceiveLength)

    /// One context per entry, in order, with IDs 1, 3, 5, ...
    public static func propose(_ wanted: [(abstractSyntax: String, transferSyntaxes: [String])]) throws(NetError) -> [PresentationContextRQ] {
        guard wanted.count <= maxPresentationContexts else {
            throw NetError(.invalidArgument, "\(wanted.count) presentation contexts proposed; an association holds at most \(maxPresentationContexts)"
                           + " (open another association for the rest)")
        }
        var out: [PresentationContextRQ] = []
        for (k, w) in wanted.enumerated() {
            guard !w.transferSyntaxes.isEmpty else {
                throw NetError(.invalidArgument, "presentation context for \(w.abstractSyntax) proposes no transfer syntax")
            }
            out.append(PresentationContextRQ(id: UInt8(truncatingIfNeeded: 2 * k + 1), abstractSyntax: w.abstractSyntax,
                                             transferSyntaxes: w.transferSyntaxes))
        }
        return out
    }

    // MARK: Acceptor

    /// What an acceptor supports and prefers.
    public struct AcceptorPolicy: Sendable {
        public var aeTitle: String
        /// When set, a request whose called AE title differs is rejected (reason 7).
        public var checkCalledAETitle = false
        /// When set, only these calling AE titles are accepted (reason 3 otherwise).
        public var allowedCallingAETitles: Set<String>?
        /// Abstract syntaxes served; nil accepts any (`--accept-unknown`).
        public var abstractSyntaxes: Set<String>?
        /// Abstract syntaxes the user chose to refuse: answered user-rejection (1).
        public var userRejectedAbstractSyntaxes: Set<String> = []
        /// Transfer syntaxes accepted, most preferred first.
        public var transferSyntaxPreference: [String]
        /// Take the requestor's first acceptable syntax instead of ours.
        public var preferRequestorOrder = false
        public var maxReceiveLength: UInt32 = Negotiation.defaultMaxReceiveLength
        public var implementationClassUID: String
        public var implementationVersionName: String?
        /// Operations we invoke and perform at once; nil answers nothing, which means 1/1.
        public var asyncOperationsWindow: AsyncOperationsWindow?
        /// SOP classes for which we take the SCU role (as for C-GET's sub-operations, SCP role for the requestor).
        public var scuRoleSOPClasses: Set<String> = []
        /// SOP classes for which we accept being the SCP when the requestor proposes the roles.
        public var scpRoleSOPClasses: Set<String>?
        /// Our service-class application information per SOP class, answered when the requestor
        /// sends extended negotiation for it.
        public var extendedNegotiationReplies: [String: [UInt8]] = [:]
        /// Checks a user identity: the server response to send (empty for user names), or nil to
        /// reject the association. Without it, identities are ignored, as PS3.7 D.3.3.7 allows.
        public var userIdentityCheck: (@Sendable (UserIdentityRQ) -> [UInt8]?)?

        public init(aeTitle: String, transferSyntaxPreference: [String], implementationClassUID: String) {
            self.aeTitle = aeTitle
            self.transferSyntaxPreference = transferSyntaxPreference
            self.implementationClassUID = implementationClassUID
        }
    }

    public enum AcceptorAnswer: Sendable, Equatable {
        case accept(AssociateAC)
        case reject(AssociateRJ)
    }

    /// The acceptor's answer to `rq`. `atCapacity` (too many associations) rejects transiently.
    public static func answer(_ rq: AssociateRQ, policy: AcceptorPolicy, atCapacity: Bool = false) -> AcceptorAnswer {
        if rq.protocolVersion & 1 == 0 {
            return .reject(AssociateRJ(result: .permanent, reason: .protocolVersionNotSupported))
        }
        if rq.applicationContextName != dicomApplicationContextName {
            return .reject(AssociateRJ(result: .permanent, reason: .applicationContextNotSupported))
        }
        if policy.checkCalledAETitle, rq.calledAETitle != policy.aeTitle {
            return .reject(AssociateRJ(result: .permanent, reason: .calledAETitleNotRecognized))
        }
        if let allowed = policy.allowedCallingAETitles, !allowed.contains(rq.callingAETitle) {
            return .reject(AssociateRJ(result: .permanent, reason: .callingAETitleNotRecognized))
        }
        if atCapacity {
            return .reject(AssociateRJ(result: .transient, reason: .localLimitExceeded))
        }
        var info = UserInformation(maxLength: policy.maxReceiveLength, implementationClassUID: policy.implementationClassUID,
                                   implementationVersionName: policy.implementationVersionName)
        if let identity = rq.userInformation.userIdentityRQ, let check = policy.userIdentityCheck {
            guard let response = check(identity) else {
                return .reject(AssociateRJ(result: .permanent, reason: .noReasonGiven))
            }
            if identity.positiveResponseRequested { info.userIdentityAC = UserIdentityAC(serverResponse: response) }
        }
        if let proposed = rq.userInformation.asyncOperationsWindow, let ours = policy.asyncOperationsWindow {
            // We invoke no more than they perform and perform no more than they invoke (0: unlimited).
            info.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: smallerWindow(ours.maxInvoked, proposed.maxPerformed),
                                                               maxPerformed: smallerWindow(ours.maxPerformed, proposed.maxInvoked))
        }
        for role in rq.userInformation.roleSelections {
            let scu = role.scuRole
            let scp = role.scpRole && policy.scuRoleSOPClasses.contains(role.sopClassUID)
            // The requestor as SCU needs us as SCP of that class.
            let scuAccepted = scu && (policy.scpRoleSOPClasses?.contains(role.sopClassUID) ?? true)
            info.roleSelections.append(RoleSelection(sopClassUID: role.sopClassUID, scuRole: scuAccepted, scpRole: scp))
        }
        for ext in rq.userInformation.extendedNegotiations {
            if let reply = policy.extendedNegotiationReplies[ext.sopClassUID] {
                info.extendedNegotiations.append(ExtendedNegotiation(sopClassUID: ext.sopClassUID, applicationInformation: reply))
            }
        }
        var seen = Set<UInt8>()
        let contexts = rq.presentationContexts.map { pc -> PresentationContextAC in
            let fresh = seen.insert(pc.id).inserted
            return PresentationContextAC(id: pc.id, result: fresh && pc.id & 1 == 1 ? contextResult(pc, policy) : .noReason,
                                         transferSyntax: nil)
        }.enumerated().map { k, ac -> PresentationContextAC in
            guard ac.result.isAccepted else { return ac }
            return PresentationContextAC(id: ac.id, result: .acceptance,
                                         transferSyntax: chosenSyntax(rq.presentationContexts[k], policy))
        }
        var ac = AssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle, presentationContexts: contexts,
                             userInformation: info)
        ac.protocolVersion = 1
        return .accept(ac)
    }

    /// Acceptance, or why not (PS3.8 Table 9-18), for one proposed context.
    static func contextResult(_ pc: PresentationContextRQ, _ policy: AcceptorPolicy) -> ContextResult {
        if policy.userRejectedAbstractSyntaxes.contains(pc.abstractSyntax) { return .userRejection }
        if let served = policy.abstractSyntaxes, !served.contains(pc.abstractSyntax) { return .abstractSyntaxNotSupported }
        return chosenSyntax(pc, policy) == nil ? .transferSyntaxesNotSupported : .acceptance
    }

    static func chosenSyntax(_ pc: PresentationContextRQ, _ policy: AcceptorPolicy) -> String? {
        if policy.preferRequestorOrder {
            return pc.transferSyntaxes.first { policy.transferSyntaxPreference.contains($0) }
        }
        return policy.transferSyntaxPreference.first { pc.transferSyntaxes.contains($0) }
    }

    /// The smaller of two window sizes where 0 means unlimited.
    static func smallerWindow(_ a: UInt16, _ b: UInt16) -> UInt16 {
        if a == 0 { return b }
        if b == 0 { return a }
        return min(a, b)
    }
}
