/// The DICOM upper layer protocol machine (PS3.8 9.2, Table 9-10) as a value: a state and an event
/// give the action and the next state. Sockets and timers live outside it: the network handler
/// turns what happens into events and performs the returned effects.

/// Sta1 ... Sta13 (PS3.8 Table 9-2).
public enum AssociationState: Int, Sendable, CaseIterable, CustomStringConvertible {
    case idle = 1                          // Sta1
    case awaitingAssociateRQ = 2           // Sta2: transport open, awaiting A-ASSOCIATE-RQ PDU
    case awaitingLocalAssociateResponse = 3 // Sta3
    case awaitingTransportOpen = 4         // Sta4
    case awaitingAssociateAC = 5           // Sta5: awaiting A-ASSOCIATE-AC or -RJ PDU
    case established = 6                   // Sta6: ready for data transfer
    case awaitingReleaseRP = 7             // Sta7
    case awaitingLocalReleaseResponse = 8  // Sta8
    case collisionRequestorAwaitingLocalResponse = 9  // Sta9
    case collisionAcceptorAwaitingReleaseRP = 10      // Sta10
    case collisionRequestorAwaitingReleaseRP = 11     // Sta11
    case collisionAcceptorAwaitingLocalResponse = 12  // Sta12
    case awaitingTransportClose = 13       // Sta13

    public var description: String { "Sta\(rawValue)" }
}

/// Evt1 ... Evt19 (PS3.8 Table 9-3).
public enum AssociationEvent: Int, Sendable, CaseIterable, CustomStringConvertible {
    case associateRequest = 1        // Evt1: A-ASSOCIATE request (local user)
    case transportConnected = 2      // Evt2: transport connect confirmation
    case associateACReceived = 3     // Evt3
    case associateRJReceived = 4     // Evt4
    case transportIndication = 5     // Evt5: transport connection indication (a peer connected)
    case associateRQReceived = 6     // Evt6
    case associateAccept = 7         // Evt7: A-ASSOCIATE response primitive (accept)
    case associateReject = 8         // Evt8: A-ASSOCIATE response primitive (reject)
    case dataRequest = 9             // Evt9: P-DATA request primitive
    case dataTFReceived = 10         // Evt10
    case releaseRequest = 11         // Evt11: A-RELEASE request primitive
    case releaseRQReceived = 12      // Evt12
    case releaseRPReceived = 13      // Evt13
    case releaseResponse = 14        // Evt14: A-RELEASE response primitive
    case abortRequest = 15           // Evt15: A-ABORT request primitive
    case abortReceived = 16          // Evt16
    case transportClosed = 17        // Evt17
    case artimExpired = 18           // Evt18
    case invalidPDUReceived = 19     // Evt19: unrecognized or invalid PDU

    public var description: String { "Evt\(rawValue)" }

    /// The event for a PDU that decoded.
    public static func received(_ pdu: PDU) -> AssociationEvent {
        switch pdu {
        case .associateRQ: return .associateRQReceived
        case .associateAC: return .associateACReceived
        case .associateRJ: return .associateRJReceived
        case .dataTF: return .dataTFReceived
        case .releaseRQ: return .releaseRQReceived
        case .releaseRP: return .releaseRPReceived
        case .abort: return .abortReceived
        }
    }
}

/// AE-1 ... AA-8 (PS3.8 Table 9-6 ff.).
public enum AssociationAction: String, Sendable, CaseIterable {
    case ae1 = "AE-1", ae2 = "AE-2", ae3 = "AE-3", ae4 = "AE-4", ae5 = "AE-5", ae6 = "AE-6", ae7 = "AE-7", ae8 = "AE-8"
    case dt1 = "DT-1", dt2 = "DT-2"
    case ar1 = "AR-1", ar2 = "AR-2", ar3 = "AR-3", ar4 = "AR-4", ar5 = "AR-5"
    case ar6 = "AR-6", ar7 = "AR-7", ar8 = "AR-8", ar9 = "AR-9", ar10 = "AR-10"
    case aa1 = "AA-1", aa2 = "AA-2", aa3 = "AA-3", aa4 = "AA-4", aa5 = "AA-5", aa6 = "AA-6", aa7 = "AA-7", aa8 = "AA-8"
}

/// What the handler does for an action, in order.
public enum AssociationEffect: Sendable, Equatable {
    case openTransport
    case closeTransport
    case sendAssociateRQ, sendAssociateAC, sendAssociateRJ
    case sendDataTF
    case sendReleaseRQ, sendReleaseRP
    /// An A-ABORT PDU: as service user (AA-1) or service provider (AA-7, AA-8, with the reason known to the handler).
    case sendAbort(asProvider: Bool)
    case startARTIM, stopARTIM
    /// Primitives to the local user.
    case indicateAssociateRequest
    case confirmAssociateAccepted
    case confirmAssociateRejected
    case indicateData
    case indicateRelease
    case confirmRelease
    /// A-ABORT (peer user) or A-P-ABORT (provider) indication.
    case indicateAbort
    case indicateProviderAbort
    /// The PDU is dropped (AA-6).
    case ignorePDU
}

public struct AssociationTransition: Sendable, Equatable {
    public var action: AssociationAction
    public var next: AssociationState
    public var effects: [AssociationEffect]
}

public struct AssociationStateMachine: Sendable, Equatable {
    public enum Role: Sendable, Equatable { case requestor, acceptor }

    public private(set) var state: AssociationState
    public let role: Role

    public init(role: Role, state: AssociationState = .idle) {
        self.role = role
        self.state = state
    }

    /// Applies `event`. `requestAcceptable` is AE-6's test (is the A-ASSOCIATE-RQ acceptable to the
    /// service provider, e.g. its protocol version); `abortFromUser` is AA-3's (did the peer's
    /// A-ABORT come from its user). An event the table leaves blank for the state is an error.
    public mutating func handle(_ event: AssociationEvent, requestAcceptable: Bool = true,
                                abortFromUser: Bool = true) throws(NetError) -> AssociationTransition {
        guard let action = Self.action(for: event, in: state) else {
            throw NetError(.unexpectedPDU, "\(event) (\(event.name)) cannot happen in \(state) (\(state.name))",
                           abortReason: .unexpectedPDU)
        }
        let transition = Self.perform(action, in: state, role: role, requestAcceptable: requestAcceptable, abortFromUser: abortFromUser)
        state = transition.next
        return transition
    }

    /// Table 9-10: the action for an event in a state, nil where the table is blank.
    public static func action(for event: AssociationEvent, in state: AssociationState) -> AssociationAction? {
        let s = state.rawValue
        let anyPDUState = s == 2 || s == 3 || (5...12).contains(s) || s == 13
        switch event {
        case .associateRequest: return s == 1 ? .ae1 : nil
        case .transportConnected: return s == 4 ? .ae2 : nil
        case .associateACReceived, .associateRJReceived, .associateRQReceived, .dataTFReceived,
             .releaseRQReceived, .releaseRPReceived:
            guard anyPDUState else { return nil }
            if s == 2 { return event == .associateRQReceived ? .ae6 : .aa1 }
            if s == 13 { return event == .associateRQReceived ? .aa7 : .aa6 }
            switch (event, s) {
            case (.associateACReceived, 5): return .ae3
            case (.associateRJReceived, 5): return .ae4
            case (.dataTFReceived, 6): return .dt2
            case (.dataTFReceived, 7): return .ar6
            case (.releaseRQReceived, 6): return .ar2
            case (.releaseRQReceived, 7): return .ar8
            case (.releaseRPReceived, 7): return .ar3
            case (.releaseRPReceived, 10): return .ar10
            case (.releaseRPReceived, 11): return .ar3
            default: return .aa8
            }
        case .transportIndication: return s == 1 ? .ae5 : nil
        case .associateAccept: return s == 3 ? .ae7 : nil
        case .associateReject: return s == 3 ? .ae8 : nil
        case .dataRequest: return s == 6 ? .dt1 : (s == 8 ? .ar7 : nil)
        case .releaseRequest: return s == 6 ? .ar1 : nil
        case .releaseResponse:
            switch s {
            case 8, 12: return .ar4
            case 9: return .ar9
            default: return nil
            }
        case .abortRequest:
            if s == 4 { return .aa2 }
            return s == 3 || (5...12).contains(s) ? .aa1 : nil
        case .abortReceived:
            if s == 2 || s == 13 { return .aa2 }
            return s == 3 || (5...12).contains(s) ? .aa3 : nil
        case .transportClosed:
            if s == 2 { return .aa5 }
            if s == 13 { return .ar5 }
            return (3...12).contains(s) ? .aa4 : nil
        case .artimExpired: return s == 2 || s == 13 ? .aa2 : nil
        case .invalidPDUReceived:
            if s == 2 { return .aa1 }
            if s == 13 { return .aa7 }
            return s == 3 || (5...12).contains(s) ? .aa8 : nil
        }
    }

    /// The effects and next state of an action (PS3.8 Tables 9-6 to 9-9).
    static func perform(_ action: AssociationAction, in state: AssociationState, role: Role,
                        requestAcceptable: Bool, abortFromUser: Bool) -> AssociationTransition {
        func t(_ next: AssociationState, _ effects: [AssociationEffect]) -> AssociationTransition {
            AssociationTransition(action: action, next: next, effects: effects)
        }
        switch action {
        case .ae1: return t(.awaitingTransportOpen, [.openTransport])
        case .ae2: return t(.awaitingAssociateAC, [.sendAssociateRQ])
        case .ae3: return t(.established, [.confirmAssociateAccepted])
        case .ae4: return t(.idle, [.confirmAssociateRejected, .closeTransport])
        case .ae5: return t(.awaitingAssociateRQ, [.startARTIM])
        case .ae6:
            return requestAcceptable ? t(.awaitingLocalAssociateResponse, [.stopARTIM, .indicateAssociateRequest])
                : t(.awaitingTransportClose, [.stopARTIM, .sendAssociateRJ, .startARTIM])
        case .ae7: return t(.established, [.sendAssociateAC])
        case .ae8: return t(.awaitingTransportClose, [.sendAssociateRJ, .startARTIM])
        case .dt1: return t(.established, [.sendDataTF])
        case .dt2: return t(.established, [.indicateData])
        case .ar1: return t(.awaitingReleaseRP, [.sendReleaseRQ])
        case .ar2: return t(.awaitingLocalReleaseResponse, [.indicateRelease])
        case .ar3: return t(.idle, [.confirmRelease, .closeTransport])
        case .ar4: return t(.awaitingTransportClose, [.sendReleaseRP, .startARTIM])
        case .ar5: return t(.idle, [.stopARTIM])
        case .ar6: return t(.awaitingReleaseRP, [.indicateData])
        case .ar7: return t(.awaitingLocalReleaseResponse, [.sendDataTF])
        case .ar8:
            return t(role == .requestor ? .collisionRequestorAwaitingLocalResponse : .collisionAcceptorAwaitingReleaseRP,
                     [.indicateRelease])
        case .ar9: return t(.collisionRequestorAwaitingReleaseRP, [.sendReleaseRP])
        case .ar10: return t(.collisionAcceptorAwaitingLocalResponse, [.confirmRelease])
        case .aa1: return t(.awaitingTransportClose, [.sendAbort(asProvider: false), .startARTIM])
        case .aa2: return t(.idle, [.stopARTIM, .closeTransport])
        case .aa3: return t(.idle, [abortFromUser ? .indicateAbort : .indicateProviderAbort, .closeTransport])
        case .aa4: return t(.idle, [.indicateProviderAbort])
        case .aa5: return t(.idle, [.stopARTIM])
        case .aa6: return t(.awaitingTransportClose, [.ignorePDU])
        case .aa7: return t(.awaitingTransportClose, [.sendAbort(asProvider: true)])
        case .aa8: return t(.awaitingTransportClose, [.sendAbort(asProvider: true), .indicateProviderAbort, .startARTIM])
        }
    }
}

extension AssociationState {
    /// The state's name in PS3.8 Table 9-2.
    public var name: String {
        switch self {
        case .idle: return "idle"
        case .awaitingAssociateRQ: return "transport connection open, awaiting A-ASSOCIATE-RQ"
        case .awaitingLocalAssociateResponse: return "awaiting local A-ASSOCIATE response"
        case .awaitingTransportOpen: return "awaiting transport connection opening"
        case .awaitingAssociateAC: return "awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ"
        case .established: return "association established, ready for data transfer"
        case .awaitingReleaseRP: return "awaiting A-RELEASE-RP"
        case .awaitingLocalReleaseResponse: return "awaiting local A-RELEASE response"
        case .collisionRequestorAwaitingLocalResponse: return "release collision, requestor, awaiting local A-RELEASE response"
        case .collisionAcceptorAwaitingReleaseRP: return "release collision, acceptor, awaiting A-RELEASE-RP"
        case .collisionRequestorAwaitingReleaseRP: return "release collision, requestor, awaiting A-RELEASE-RP"
        case .collisionAcceptorAwaitingLocalResponse: return "release collision, acceptor, awaiting local A-RELEASE response"
        case .awaitingTransportClose: return "awaiting transport connection close"
        }
    }
}

extension AssociationEvent {
    /// The event's name in PS3.8 Table 9-3.
    public var name: String {
        switch self {
        case .associateRequest: return "A-ASSOCIATE request"
        case .transportConnected: return "transport connect confirmation"
        case .associateACReceived: return "A-ASSOCIATE-AC PDU received"
        case .associateRJReceived: return "A-ASSOCIATE-RJ PDU received"
        case .transportIndication: return "transport connection indication"
        case .associateRQReceived: return "A-ASSOCIATE-RQ PDU received"
        case .associateAccept: return "A-ASSOCIATE response (accept)"
        case .associateReject: return "A-ASSOCIATE response (reject)"
        case .dataRequest: return "P-DATA request"
        case .dataTFReceived: return "P-DATA-TF PDU received"
        case .releaseRequest: return "A-RELEASE request"
        case .releaseRQReceived: return "A-RELEASE-RQ PDU received"
        case .releaseRPReceived: return "A-RELEASE-RP PDU received"
        case .releaseResponse: return "A-RELEASE response"
        case .abortRequest: return "A-ABORT request"
        case .abortReceived: return "A-ABORT PDU received"
        case .transportClosed: return "transport connection closed"
        case .artimExpired: return "ARTIM timer expired"
        case .invalidPDUReceived: return "unrecognized or invalid PDU received"
        }
    }
}
