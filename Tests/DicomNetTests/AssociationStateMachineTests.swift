@testable import DicomNet
import Testing

/// PS3.8 Table 9-10 row by row, written out here from the standard independently of the
/// implementation's switch; then the walks a requestor and an acceptor take.
@Suite struct AssociationStateMachineTests {
    /// Event number -> state numbers -> action, as the table prints it. Blank cells are absent.
    static let table: [Int: [Int: String]] = {
        func row(_ cells: [(ClosedRange<Int>, String)]) -> [Int: String] {
            var r: [Int: String] = [:]
            for (states, action) in cells { for s in states { r[s] = action } }
            return r
        }
        return [
            1: row([(1...1, "AE-1")]),
            2: row([(4...4, "AE-2")]),
            3: row([(2...2, "AA-1"), (3...3, "AA-8"), (5...5, "AE-3"), (6...12, "AA-8"), (13...13, "AA-6")]),
            4: row([(2...2, "AA-1"), (3...3, "AA-8"), (5...5, "AE-4"), (6...12, "AA-8"), (13...13, "AA-6")]),
            5: row([(1...1, "AE-5")]),
            6: row([(2...2, "AE-6"), (3...3, "AA-8"), (5...12, "AA-8"), (13...13, "AA-7")]),
            7: row([(3...3, "AE-7")]),
            8: row([(3...3, "AE-8")]),
            9: row([(6...6, "DT-1"), (8...8, "AR-7")]),
            10: row([(2...2, "AA-1"), (3...3, "AA-8"), (5...5, "AA-8"), (6...6, "DT-2"), (7...7, "AR-6"), (8...12, "AA-8"),
                     (13...13, "AA-6")]),
            11: row([(6...6, "AR-1")]),
            12: row([(2...2, "AA-1"), (3...3, "AA-8"), (5...5, "AA-8"), (6...6, "AR-2"), (7...7, "AR-8"), (8...12, "AA-8"),
                     (13...13, "AA-6")]),
            13: row([(2...2, "AA-1"), (3...3, "AA-8"), (5...6, "AA-8"), (7...7, "AR-3"), (8...9, "AA-8"), (10...10, "AR-10"),
                     (11...11, "AR-3"), (12...12, "AA-8"), (13...13, "AA-6")]),
            14: row([(8...8, "AR-4"), (9...9, "AR-9"), (12...12, "AR-4")]),
            15: row([(3...3, "AA-1"), (4...4, "AA-2"), (5...12, "AA-1")]),
            16: row([(2...2, "AA-2"), (3...3, "AA-3"), (5...12, "AA-3"), (13...13, "AA-2")]),
            17: row([(2...2, "AA-5"), (3...12, "AA-4"), (13...13, "AR-5")]),
            18: row([(2...2, "AA-2"), (13...13, "AA-2")]),
            19: row([(2...2, "AA-1"), (3...3, "AA-8"), (5...12, "AA-8"), (13...13, "AA-7")]),
        ]
    }()

    /// Next state per action (PS3.8 Tables 9-6 to 9-9); AE-6 and AR-8 depend on a condition.
    static let nextState: [String: Int] = [
        "AE-1": 4, "AE-2": 5, "AE-3": 6, "AE-4": 1, "AE-5": 2, "AE-7": 6, "AE-8": 13,
        "DT-1": 6, "DT-2": 6, "AR-1": 7, "AR-2": 8, "AR-3": 1, "AR-4": 13, "AR-5": 1, "AR-6": 7, "AR-7": 8,
        "AR-9": 11, "AR-10": 12, "AA-1": 13, "AA-2": 1, "AA-3": 1, "AA-4": 1, "AA-5": 1, "AA-6": 13, "AA-7": 13, "AA-8": 13,
    ]

    @Test func everyCellOfTable9_10() {
        var checked = 0
        for event in AssociationEvent.allCases {
            for state in AssociationState.allCases {
                let expected = Self.table[event.rawValue]?[state.rawValue]
                #expect(AssociationStateMachine.action(for: event, in: state)?.rawValue == expected, "\(event) in \(state)")
                checked += 1
            }
        }
        #expect(checked == 19 * 13)
    }

    @Test func everyDefinedCellMovesToTheActionsNextState() throws {
        for (eventNumber, row) in Self.table {
            for (stateNumber, actionName) in row {
                let event = try #require(AssociationEvent(rawValue: eventNumber))
                let state = try #require(AssociationState(rawValue: stateNumber))
                for role in [AssociationStateMachine.Role.requestor, .acceptor] {
                    var m = AssociationStateMachine(role: role, state: state)
                    let t = try m.handle(event)
                    #expect(t.action.rawValue == actionName)
                    let expected: Int
                    switch actionName {
                    case "AE-6": expected = 3
                    case "AR-8": expected = role == .requestor ? 9 : 10
                    default: expected = try #require(Self.nextState[actionName])
                    }
                    #expect(m.state.rawValue == expected, "\(event) in \(state) as \(role)")
                }
            }
        }
    }

    @Test func blankCellsAreUnexpected() {
        var m = AssociationStateMachine(role: .requestor)
        let e = #expect(throws: NetError.self) { try m.handle(.dataRequest) }
        #expect(e?.code == .unexpectedPDU)
        #expect(e?.message.contains("Evt9") == true)
        #expect(m.state == .idle)
    }

    static func walk(_ role: AssociationStateMachine.Role, _ steps: [(AssociationEvent, AssociationState, [AssociationEffect])]) throws {
        var m = AssociationStateMachine(role: role)
        for (event, next, effects) in steps {
            let t = try m.handle(event)
            #expect(m.state == next, "\(event)")
            #expect(t.effects == effects, "\(event)")
        }
    }

    @Test func requestorAssociatesTransfersAndReleases() throws {
        try Self.walk(.requestor, [
            (.associateRequest, .awaitingTransportOpen, [.openTransport]),
            (.transportConnected, .awaitingAssociateAC, [.sendAssociateRQ]),
            (.associateACReceived, .established, [.confirmAssociateAccepted]),
            (.dataRequest, .established, [.sendDataTF]),
            (.dataTFReceived, .established, [.indicateData]),
            (.releaseRequest, .awaitingReleaseRP, [.sendReleaseRQ]),
            (.dataTFReceived, .awaitingReleaseRP, [.indicateData]),
            (.releaseRPReceived, .idle, [.confirmRelease, .closeTransport]),
        ])
    }

    @Test func requestorRejectedAndAborted() throws {
        try Self.walk(.requestor, [
            (.associateRequest, .awaitingTransportOpen, [.openTransport]),
            (.transportConnected, .awaitingAssociateAC, [.sendAssociateRQ]),
            (.associateRJReceived, .idle, [.confirmAssociateRejected, .closeTransport]),
        ])
        try Self.walk(.requestor, [
            (.associateRequest, .awaitingTransportOpen, [.openTransport]),
            (.abortRequest, .idle, [.stopARTIM, .closeTransport]),
        ])
        try Self.walk(.requestor, [
            (.associateRequest, .awaitingTransportOpen, [.openTransport]),
            (.transportClosed, .idle, [.indicateProviderAbort]),  // connection refused
        ])
        try Self.walk(.requestor, [
            (.associateRequest, .awaitingTransportOpen, [.openTransport]),
            (.transportConnected, .awaitingAssociateAC, [.sendAssociateRQ]),
            (.associateACReceived, .established, [.confirmAssociateAccepted]),
            (.abortRequest, .awaitingTransportClose, [.sendAbort(asProvider: false), .startARTIM]),
            (.dataTFReceived, .awaitingTransportClose, [.ignorePDU]),
            (.artimExpired, .idle, [.stopARTIM, .closeTransport]),
        ])
    }

    @Test func acceptorAcceptsServesAndReleases() throws {
        try Self.walk(.acceptor, [
            (.transportIndication, .awaitingAssociateRQ, [.startARTIM]),
            (.associateRQReceived, .awaitingLocalAssociateResponse, [.stopARTIM, .indicateAssociateRequest]),
            (.associateAccept, .established, [.sendAssociateAC]),
            (.dataTFReceived, .established, [.indicateData]),
            (.dataRequest, .established, [.sendDataTF]),
            (.releaseRQReceived, .awaitingLocalReleaseResponse, [.indicateRelease]),
            (.dataRequest, .awaitingLocalReleaseResponse, [.sendDataTF]),
            (.releaseResponse, .awaitingTransportClose, [.sendReleaseRP, .startARTIM]),
            (.transportClosed, .idle, [.stopARTIM]),
        ])
    }

    @Test func acceptorRejects() throws {
        try Self.walk(.acceptor, [
            (.transportIndication, .awaitingAssociateRQ, [.startARTIM]),
            (.associateRQReceived, .awaitingLocalAssociateResponse, [.stopARTIM, .indicateAssociateRequest]),
            (.associateReject, .awaitingTransportClose, [.sendAssociateRJ, .startARTIM]),
            (.artimExpired, .idle, [.stopARTIM, .closeTransport]),
        ])
        var m = AssociationStateMachine(role: .acceptor)
        _ = try m.handle(.transportIndication)
        let t = try m.handle(.associateRQReceived, requestAcceptable: false)
        #expect(t.effects == [.stopARTIM, .sendAssociateRJ, .startARTIM])
        #expect(m.state == .awaitingTransportClose)
        // A peer that connects and says nothing: ARTIM closes it.
        try Self.walk(.acceptor, [
            (.transportIndication, .awaitingAssociateRQ, [.startARTIM]),
            (.artimExpired, .idle, [.stopARTIM, .closeTransport]),
        ])
    }

    @Test func releaseCollisionsOnBothSides() throws {
        // Both sides send A-RELEASE-RQ at once: the requestor answers first (AR-9), then takes the RP.
        var requestor = AssociationStateMachine(role: .requestor, state: .established)
        #expect(try requestor.handle(.releaseRequest).effects == [.sendReleaseRQ])
        #expect(try requestor.handle(.releaseRQReceived).effects == [.indicateRelease])
        #expect(requestor.state == .collisionRequestorAwaitingLocalResponse)
        #expect(try requestor.handle(.releaseResponse).effects == [.sendReleaseRP])
        #expect(requestor.state == .collisionRequestorAwaitingReleaseRP)
        #expect(try requestor.handle(.releaseRPReceived).effects == [.confirmRelease, .closeTransport])
        #expect(requestor.state == .idle)

        var acceptor = AssociationStateMachine(role: .acceptor, state: .established)
        _ = try acceptor.handle(.releaseRequest)
        _ = try acceptor.handle(.releaseRQReceived)
        #expect(acceptor.state == .collisionAcceptorAwaitingReleaseRP)
        #expect(try acceptor.handle(.releaseRPReceived).effects == [.confirmRelease])
        #expect(acceptor.state == .collisionAcceptorAwaitingLocalResponse)
        #expect(try acceptor.handle(.releaseResponse).effects == [.sendReleaseRP, .startARTIM])
        #expect(acceptor.state == .awaitingTransportClose)
    }

    @Test func unexpectedAndInvalidPDUsAbort() throws {
        // AA-8 wherever an association is being negotiated or used; AA-1 before any RQ; AA-7 while closing.
        for state in [AssociationState.awaitingLocalAssociateResponse, .awaitingAssociateAC, .established, .awaitingReleaseRP,
                      .awaitingLocalReleaseResponse, .collisionRequestorAwaitingLocalResponse, .collisionAcceptorAwaitingReleaseRP,
                      .collisionRequestorAwaitingReleaseRP, .collisionAcceptorAwaitingLocalResponse] {
            var m = AssociationStateMachine(role: .acceptor, state: state)
            let t = try m.handle(.invalidPDUReceived)
            #expect(t.action == .aa8)
            #expect(t.effects == [.sendAbort(asProvider: true), .indicateProviderAbort, .startARTIM])
            var m2 = AssociationStateMachine(role: .requestor, state: state)
            #expect(try m2.handle(.associateRQReceived).action == .aa8)
        }
        var fresh = AssociationStateMachine(role: .acceptor, state: .awaitingAssociateRQ)
        #expect(try fresh.handle(.dataTFReceived).effects == [.sendAbort(asProvider: false), .startARTIM])
        var closing = AssociationStateMachine(role: .acceptor, state: .awaitingTransportClose)
        #expect(try closing.handle(.invalidPDUReceived).effects == [.sendAbort(asProvider: true)])
        // A peer's A-ABORT: from its user, or from its provider.
        var a = AssociationStateMachine(role: .requestor, state: .established)
        #expect(try a.handle(.abortReceived, abortFromUser: true).effects == [.indicateAbort, .closeTransport])
        var b = AssociationStateMachine(role: .requestor, state: .established)
        #expect(try b.handle(.abortReceived, abortFromUser: false).effects == [.indicateProviderAbort, .closeTransport])
        #expect(AssociationEvent.received(.abort(.serviceUser)) == .abortReceived)
        #expect(AssociationEvent.received(.releaseRP) == .releaseRPReceived)
    }
}
