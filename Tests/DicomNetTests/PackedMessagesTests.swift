@testable import DicomNet
import DicomTestSupport
import Foundation
import Testing

/// PS3.8 9.3.5: one P-DATA-TF may carry several PDVs, so several messages, or the end of one and
/// the start of the next. A peer (`ScriptedPeer`) that packs them so: every message is read, in
/// order, by whichever wait comes next, and nothing after a message in the same PDU is lost.
@Suite(.serialized, .dedicatedThreads) struct PackedMessagesTests {
    static let find = "1.2.840.10008.5.1.4.1.2.2.1"
    static let move = "1.2.840.10008.5.1.4.1.2.2.2"
    static let get = "1.2.840.10008.5.1.4.1.2.2.3"
    static let commitment = "1.2.840.10008.1.20.1"
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static let explicitLE = "1.2.840.10008.1.2.1"

    static func response(_ field: CommandField, to id: UInt16, status: UInt16, dataSet: Bool = false) -> DIMSECommand {
        var c = DIMSECommand(commandField: field, hasDataSet: dataSet)
        c.messageIDBeingRespondedTo = id
        c.status = status
        return c
    }

    static func request(_ message: DIMSEMessage, is field: CommandField) throws -> UInt16 {
        guard message.command.field == field, let id = message.command.messageID else {
            throw ScriptedPeer.Failure("0x\(String(message.command.commandField, radix: 16)) where a \(field.name) was expected")
        }
        return id
    }

    struct Found: Sendable, Equatable {
        var matches: [[UInt8]] = []
        var statuses: [UInt16] = []
    }

    @Test func findResponsesPackedAndSplitAcrossPDUs() async throws {
        let peer = try ScriptedPeer()
        peer.start { c in
            let first = try c.readMessage()
            let id1 = try Self.request(first, is: .cFindRQ)
            let ctx = first.contextID
            // Two matches and the final response in one P-DATA-TF.
            c.write(try ScriptedPeer.pdvs(Self.response(.cFindRSP, to: id1, status: 0xFF00, dataSet: true), dataSet: [1, 2, 3, 4], contextID: ctx)
                    + ScriptedPeer.pdvs(Self.response(.cFindRSP, to: id1, status: 0xFF01, dataSet: true), dataSet: [5, 6], contextID: ctx)
                    + ScriptedPeer.pdvs(Self.response(.cFindRSP, to: id1, status: 0), contextID: ctx))
            // A match whose identifier ends in the P-DATA-TF that also carries the final response.
            let id2 = try Self.request(try c.readMessage(), is: .cFindRQ)
            c.write([PDV(contextID: ctx, isCommand: true, isLast: true, data: try Self.response(.cFindRSP, to: id2, status: 0xFF00, dataSet: true).encoded())])
            c.write([PDV(contextID: ctx, isCommand: false, isLast: false, data: [7, 8])])
            c.write(try [PDV(contextID: ctx, isCommand: false, isLast: true, data: [9, 10])]
                    + ScriptedPeer.pdvs(Self.response(.cFindRSP, to: id2, status: 0), contextID: ctx))
            try c.release()
        }
        let (first, second) = try await Association.withAssociation(to: peer.address, contexts: [(Self.find, [Self.explicitLE])]) { session in
            var runs: [Found] = []
            for _ in 0..<2 {
                var found = Found()
                let end = try await session.find(sopClassUID: Self.find, identifier: [0, 0], maxIdentifierLength: 1 << 16) { command, data in
                    found.matches.append(data ?? [])
                    found.statuses.append(command.status ?? 0)
                    return true
                }
                found.statuses.append(end.response.status ?? 1)
                runs.append(found)
            }
            return (runs[0], runs[1])
        }
        peer.finish()
        #expect(first == Found(matches: [[1, 2, 3, 4], [5, 6]], statuses: [0xFF00, 0xFF01, 0]))
        #expect(second == Found(matches: [[7, 8, 9, 10]], statuses: [0xFF00, 0]))
    }

    @Test func moveResponsesPackedInOnePDU() async throws {
        let peer = try ScriptedPeer()
        peer.start { c in
            let rq = try c.readMessage()
            let id = try Self.request(rq, is: .cMoveRQ)
            var pdvs: [PDV] = []
            for done in 1...3 {
                var rsp = Self.response(.cMoveRSP, to: id, status: done < 3 ? 0xFF00 : 0)
                rsp.remainingSubOperations = done < 3 ? UInt16(3 - done) : nil
                rsp.completedSubOperations = UInt16(done)
                rsp.failedSubOperations = 0
                rsp.warningSubOperations = 0
                pdvs += try ScriptedPeer.pdvs(rsp, contextID: rq.contextID)
            }
            c.write(pdvs)
            try c.release()
        }
        let (pending, final) = try await Association.withAssociation(to: peer.address, contexts: [(Self.move, [Self.explicitLE])]) { session in
            var pending: [Int] = []
            let end = try await session.move(sopClassUID: Self.move, destination: "ELSEWHERE", identifier: [0, 0]) { response in
                pending.append(response.subOperationCounts.completed ?? -1)
                return true
            }
            return (pending, end.response.subOperationCounts.completed)
        }
        peer.finish()
        #expect(pending == [1, 2])
        #expect(final == 3)
    }

    /// An N-ACTION answered by the scripted peer, whose N-EVENT-REPORT-RQ (message `reportID`,
    /// carrying `dataSet`) `write` sends beside its N-ACTION-RSP as the test orders them; the report
    /// is taken with incomingRequest and answered. The action's status and the report.
    func actionThenReport(reportID: UInt16, dataSet: [UInt8],
                          write: @escaping @Sendable (_ c: ScriptedPeer.Connection, _ response: [PDV], _ report: [PDV]) -> Void)
        async throws -> (status: UInt16?, report: DIMSEMessage) {
        let peer = try ScriptedPeer()
        peer.start { c in
            let action = try c.readMessage()
            _ = try Self.request(action, is: .nActionRQ)
            let report = DIMSECommand.eventReportRQ(messageID: reportID, sopClassUID: Self.commitment, sopInstanceUID: "1.2.840.10008.1.20.1.1",
                                                    eventTypeID: 1)
            write(c, try ScriptedPeer.pdvs(.actionRSP(to: action.command, status: 0), contextID: action.contextID),
                  try ScriptedPeer.pdvs(report, dataSet: dataSet, contextID: action.contextID))
            let answer = try c.readMessage()
            guard answer.command.field == .nEventReportRSP, answer.command.messageIDBeingRespondedTo == reportID, answer.command.status == 0 else {
                throw ScriptedPeer.Failure("the report was answered with \(answer.command)")
            }
            try c.release()
        }
        var options = RequestorOptions()
        options.dimseTimeoutSeconds = 10
        let result = try await Association.withAssociation(to: peer.address, contexts: [(Self.commitment, [Self.explicitLE])],
                                                           options: options) { session in
            let status = try await session.action(sopClassUID: Self.commitment, sopInstanceUID: "1.2.840.10008.1.20.1.1",
                                                  actionTypeID: 1, dataSet: [0, 0]).status
            let report = try #require(try await session.incomingRequest(waitingSeconds: 10))
            try await session.respond(.eventReportRSP(to: report.command, status: 0), contextID: report.contextID)
            return (status, report)
        }
        peer.finish()
        return result
    }

    @Test func eventReportPackedBehindTheActionResponse() async throws {
        // A storage commitment SCP may report on the association of the N-ACTION (PS3.4 J.3.3):
        // its N-EVENT-REPORT-RQ may share the P-DATA-TF of the N-ACTION-RSP.
        let (status, report) = try await actionThenReport(reportID: 77, dataSet: [0xAB, 0xCD]) { c, response, report in
            c.write(response + report)
        }
        #expect(status == 0)
        #expect(report.command.field == .nEventReportRQ && report.command.messageID == 77)
        #expect(report.dataSet == [0xAB, 0xCD])
    }

    @Test func eventReportBeforeTheActionResponseIsHeld() async throws {
        // pynetdicom's SCP, reporting from another thread, may send the N-EVENT-REPORT-RQ before
        // its N-ACTION-RSP: the report is held for incomingRequest, not taken for a stray response.
        let (status, report) = try await actionThenReport(reportID: 78, dataSet: [0x01, 0x02]) { c, response, report in
            c.write(report)
            c.write(response)
        }
        #expect(status == 0)
        #expect(report.command.field == .nEventReportRQ && report.command.messageID == 78)
        #expect(report.dataSet == [0x01, 0x02])
    }

    @Test func aWakeEndsTheWaitForARequestAndTheAssociationIsReleased() async throws {
        // commit waits for a report on the association of its request and on its listener: a
        // report that came to the listener ends the first wait, which is then released, not timed out.
        let peer = try ScriptedPeer()
        peer.start { c in
            let action = try c.readMessage()
            _ = try Self.request(action, is: .nActionRQ)
            c.write(try ScriptedPeer.pdvs(.actionRSP(to: action.command, status: 0), contextID: action.contextID))
            try c.release()
        }
        let clock = ContinuousClock(), start = clock.now
        let woken = try await Association.withAssociation(to: peer.address, contexts: [(Self.commitment, [Self.explicitLE])]) { session in
            _ = try await session.action(sopClassUID: Self.commitment, sopInstanceUID: "1.2.840.10008.1.20.1.1", actionTypeID: 1, dataSet: [0, 0])
            let waker = session.waker
            let wake = Task {
                try await Task.sleep(for: .milliseconds(300))
                waker.wake()
            }
            defer { wake.cancel() }
            return try await session.incomingRequest(waitingSeconds: 60) == nil
        }
        peer.finish()
        #expect(woken)
        #expect(start.duration(to: clock.now) < .seconds(30))
    }

    @Test func aWakeWhileNotWaitingIsIgnored() async throws {
        // A stale wake (the report came on the association after all) must not end the next wait.
        let peer = try ScriptedPeer()
        peer.start { c in
            let echo = try c.readMessage()
            _ = try Self.request(echo, is: .cEchoRQ)
            Thread.sleep(forTimeInterval: 0.3)
            c.write(try ScriptedPeer.pdvs(.echoRSP(to: echo.command), contextID: echo.contextID))
            try c.release()
        }
        let status = try await Association.withAssociation(to: peer.address, contexts: [(verificationSOPClassUID, [Self.explicitLE])]) { session in
            session.waker.wake()
            return try await session.echo()
        }
        peer.finish()
        #expect(status == 0)
    }

    @Test func storeResponsesPackedInOnePDU() async throws {
        // The windowed C-STORE path: two requests outstanding, both answered in one P-DATA-TF.
        let peer = try ScriptedPeer()
        peer.start(adjust: { $0.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: 1, maxPerformed: 2) }) { c in
            let a = try c.readMessage(), b = try c.readMessage()
            _ = try Self.request(a, is: .cStoreRQ)
            _ = try Self.request(b, is: .cStoreRQ)
            c.write(try ScriptedPeer.pdvs(.storeRSP(to: b.command, status: 0xB000), contextID: b.contextID)
                    + ScriptedPeer.pdvs(.storeRSP(to: a.command, status: 0), contextID: a.contextID))
            try c.release()
        }
        var options = RequestorOptions()
        options.operationsWindow = 2
        let answers = try await Association.withAssociation(to: peer.address, contexts: [(Self.ct, [Self.explicitLE])], options: options) { session in
            #expect(session.operationsWindow == 2)
            let context = try #require(session.acceptedContexts.first).id
            var ids: [UInt16] = []
            for uid in ["1.2.3.1", "1.2.3.2"] {
                var bytes = DataSetBytes([0x08, 0x00, 0x18, 0x00, 0x55, 0x49, 0x00, 0x00])
                ids.append(try await session.sendStore(sopClassUID: Self.ct, sopInstanceUID: uid, contextID: context, dataSet: &bytes))
            }
            var answers: [UInt16: UInt16] = [:]
            for _ in ids {
                let response = try await session.nextStoreResponse()
                answers[response.messageIDBeingRespondedTo ?? 0] = response.status
            }
            return answers
        }
        peer.finish()
        #expect(answers == [1: 0, 2: 0xB000])
    }

    @Test func getSubOperationAndResponsesPackedInOnePDU() async throws {
        // A C-STORE-RQ with its data set, a pending C-GET-RSP and the final one, all in one P-DATA-TF.
        let peer = try ScriptedPeer()
        peer.start { c in
            let rq = try c.readMessage()
            let id = try Self.request(rq, is: .cGetRQ)
            let ctCtx = try c.contextID(Self.ct)
            var pending = Self.response(.cGetRSP, to: id, status: 0xFF00)
            pending.remainingSubOperations = 0
            pending.completedSubOperations = 1
            var final = Self.response(.cGetRSP, to: id, status: 0)
            final.completedSubOperations = 1
            c.write(try ScriptedPeer.pdvs(.storeRQ(messageID: 9, sopClassUID: Self.ct, sopInstanceUID: "1.2.3.9"), dataSet: [1, 2, 3, 4], contextID: ctCtx)
                    + ScriptedPeer.pdvs(pending, contextID: rq.contextID) + ScriptedPeer.pdvs(final, contextID: rq.contextID))
            let stored = try c.readMessage()
            guard stored.command.field == .cStoreRSP, stored.command.messageIDBeingRespondedTo == 9, stored.command.status == 0 else {
                throw ScriptedPeer.Failure("the C-STORE-RQ was answered with \(stored.command)")
            }
            try c.release()
        }
        var options = RequestorOptions()
        options.roleSelections = [RoleSelection(sopClassUID: Self.ct, scuRole: false, scpRole: true)]
        let storage = CollectingStorage()
        let (progress, final) = try await Association.withAssociation(to: peer.address, contexts: [(Self.get, [Self.explicitLE]), (Self.ct, [Self.explicitLE])],
                                                                      options: options) { session in
            var progress: [Int] = []
            let end = try await session.get(sopClassUID: Self.get, identifier: [0, 0], maxIdentifierLength: 1 << 16, storage: storage) {
                progress.append($0.completed ?? -1)
                return true
            }
            return (progress, end.response.status)
        }
        peer.finish()
        #expect(progress == [1])
        #expect(final == 0)
        #expect(storage.received == [1, 2, 3, 4])
    }
}

/// A storage service that keeps the bytes of the one instance it receives.
final class CollectingStorage: AssociationService, @unchecked Sendable {
    var received: [UInt8] = []
    private var request: DIMSECommand?

    func begin(_ request: DIMSERequest) async -> DIMSECommand? {
        self.request = request.command
        return nil
    }

    func dataSetFragment(_ bytes: PDVData) async { received += bytes }

    func endDataSet() async -> DIMSECommand {
        guard let request else { return DIMSECommand(commandField: .cStoreRSP, hasDataSet: false) }
        return .storeRSP(to: request, status: 0)
    }

    func end(_ how: AssociationEnd) async {}
}
