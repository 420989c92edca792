/// What an association's two sides hold once the A-ASSOCIATE-AC is sent or received.
public struct NegotiatedAssociation: Sendable, Equatable {
    public struct Context: Sendable, Equatable {
        public var id: UInt8
        public var abstractSyntax: String
        /// The accepted transfer syntax; nil when the context was refused.
        public var transferSyntax: String?
        public var result: ContextResult
    }

    /// Roles for one SOP class after role selection (PS3.7 D.3.3.4).
    public struct Roles: Sendable, Equatable {
        public var requestorIsSCU: Bool
        public var requestorIsSCP: Bool
    }

    /// Every proposed context, in proposal order, with its result.
    public var contexts: [Context]
    /// Largest P-DATA-TF variable field we may send (the peer's Maximum Length; its 0 means no limit,
    /// and we then send `Negotiation.sendLengthWhenUnlimited`).
    public var maxSendLength: Int
    /// Largest P-DATA-TF variable field we receive.
    public var maxReceiveLength: Int
    /// Operations we may have outstanding at once, and operations the peer may ask of us at once (0: no limit).
    public var maxOperationsWeInvoke: UInt16
    public var maxOperationsWePerform: UInt16
    public var roles: [String: Roles]
    public var peerImplementationClassUID: String?
    public var peerImplementationVersionName: String?
    /// The acceptor's user identity server response, when it sent one.
    public var userIdentityResponse: [UInt8]?
    /// The peer's SOP Class Extended Negotiation items (PS3.7 D.3.3.5), by SOP class: for a
    /// requestor the acceptor's answers to the classes it proposed them for, for an acceptor the
    /// requestor's proposals. A class without an item: the peer said nothing (nothing accepted).
    public var extendedNegotiations: [String: [UInt8]] = [:]

    public var accepted: [Context] { contexts.filter { $0.result.isAccepted } }

    public func context(id: UInt8) -> Context? { contexts.first { $0.id == id && $0.result.isAccepted } }

    /// An accepted context for this abstract syntax, in this transfer syntax when given.
    public func context(abstractSyntax: String, transferSyntax: String? = nil) -> Context? {
        contexts.first {
            $0.result.isAccepted && $0.abstractSyntax == abstractSyntax && (transferSyntax == nil || $0.transferSyntax == transferSyntax)
        }
    }

    /// Roles for `sopClass`: as negotiated, else the default (requestor SCU, acceptor SCP).
    public func roles(for sopClass: String) -> Roles {
        roles[sopClass] ?? Roles(requestorIsSCU: true, requestorIsSCP: false)
    }
}

extension Negotiation {
    /// What both sides hold after `ac` answered `rq`, seen from the requestor (`asRequestor`) or the
    /// acceptor. Checks the answer against the request: a context ID never proposed, or a transfer
    /// syntax not proposed for its context, is an error in the acceptor's PDU.
    public static func negotiated(requested rq: AssociateRQ, answered ac: AssociateAC,
                                  asRequestor: Bool) throws(NetError) -> NegotiatedAssociation {
        var answers: [UInt8: PresentationContextAC] = [:]
        for answer in ac.presentationContexts {
            guard let proposal = rq.presentationContexts.first(where: { $0.id == answer.id }) else {
                throw NetError(.malformedPDU, "A-ASSOCIATE-AC answers presentation context \(answer.id), which was not proposed",
                               abortReason: .unexpectedPDUParameter)
            }
            if answer.result.isAccepted, let ts = answer.transferSyntax, !proposal.transferSyntaxes.contains(ts) {
                throw NetError(.malformedPDU, "A-ASSOCIATE-AC accepts presentation context \(answer.id) with \(ts), which was not proposed for it",
                               abortReason: .invalidPDUParameterValue)
            }
            answers[answer.id] = answer
        }
        // A proposed context left unanswered is not accepted.
        let contexts = rq.presentationContexts.map { pc in
            let answer = answers[pc.id]
            let result = answer?.result ?? .noReason
            return NegotiatedAssociation.Context(id: pc.id, abstractSyntax: pc.abstractSyntax,
                                                 transferSyntax: result.isAccepted ? answer?.transferSyntax : nil, result: result)
        }
        let requestorMax = rq.userInformation.maxLength ?? 0
        let acceptorMax = ac.userInformation.maxLength ?? 0
        let sendMax = asRequestor ? acceptorMax : requestorMax
        let receiveMax = asRequestor ? requestorMax : acceptorMax
        // Without an answered window both sides work synchronously (PS3.7 D.3.3.3).
        let window = ac.userInformation.asyncOperationsWindow ?? .synchronous
        var roles: [String: NegotiatedAssociation.Roles] = [:]
        for answer in ac.userInformation.roleSelections {
            guard let proposed = rq.userInformation.roleSelections.first(where: { $0.sopClassUID == answer.sopClassUID }) else { continue }
            roles[answer.sopClassUID] = NegotiatedAssociation.Roles(requestorIsSCU: proposed.scuRole && answer.scuRole,
                                                                    requestorIsSCP: proposed.scpRole && answer.scpRole)
        }
        let peer = asRequestor ? ac.userInformation : rq.userInformation
        var extended: [String: [UInt8]] = [:]
        let proposedExtended = Set(rq.userInformation.extendedNegotiations.map(\.sopClassUID))
        for item in peer.extendedNegotiations where !asRequestor || proposedExtended.contains(item.sopClassUID) {
            extended[item.sopClassUID] = item.applicationInformation
        }
        return NegotiatedAssociation(
            contexts: contexts,
            maxSendLength: sendMax == 0 ? sendLengthWhenUnlimited : Int(widening: sendMax),
            maxReceiveLength: Int(widening: receiveMax),
            maxOperationsWeInvoke: asRequestor ? window.maxPerformed : window.maxInvoked,
            maxOperationsWePerform: asRequestor ? window.maxInvoked : window.maxPerformed,
            roles: roles,
            peerImplementationClassUID: peer.implementationClassUID,
            peerImplementationVersionName: peer.implementationVersionName,
            userIdentityResponse: ac.userInformation.userIdentityAC?.serverResponse,
            extendedNegotiations: extended)
    }
}
