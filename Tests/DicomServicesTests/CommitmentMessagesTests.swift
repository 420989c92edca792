import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomServices

/// Storage commitment's data sets and bookkeeping, without a peer: the UIDs from the table, the
/// N-ACTION and N-EVENT-REPORT data sets both ways and what a hostile peer could send, the split
/// into transactions, and the inbox's verdicts.
@Suite struct CommitmentMessagesTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static func ref(_ n: Int) -> CommitmentReference { CommitmentReference(sopClassUID: ct, sopInstanceUID: "1.2.3.\(n)") }

    @Test func uidsComeFromTheTable() {
        #expect(StorageCommitment.sopClassUID == "1.2.840.10008.1.20.1")
        #expect(StorageCommitment.wellKnownInstanceUID == "1.2.840.10008.1.20.1.1")
    }

    @Test(arguments: StorageCommitment.transferSyntaxes)
    func requestAndReportRoundTrip(_ syntax: String) throws {
        let request = CommitmentRequest(transactionUID: "2.25.1", references: (1...3).map(Self.ref))
        let bytes = try StorageCommitment.encode(StorageCommitment.actionInformation(request), transferSyntax: syntax)
        #expect(try StorageCommitment.request(from: StorageCommitment.decode(bytes, transferSyntax: syntax, name: "t")) == request)

        let report = CommitmentReport(transactionUID: "2.25.1", committed: [Self.ref(1)], failed: [(Self.ref(2), 0x0112), (Self.ref(3), 0x0110)],
                                      retrieveAETitle: "ARCHIVE")
        #expect(report.eventTypeID == 2)
        let back = try StorageCommitment.report(from: StorageCommitment.decode(
            StorageCommitment.encode(StorageCommitment.eventInformation(report), transferSyntax: syntax), transferSyntax: syntax, name: "t"))
        #expect(back == report)
        #expect(CommitmentReport(transactionUID: "2.25.1", committed: [Self.ref(1)], failed: []).eventTypeID == 1)
    }

    @Test func hostileReportsAreRefusedNamingTheElement() throws {
        func report(_ edit: (inout Dataset) -> Void) throws(DicomError) -> CommitmentReport {
            var ds = StorageCommitment.eventInformation(CommitmentReport(transactionUID: "2.25.7", committed: [Self.ref(1)],
                                                                         failed: [(Self.ref(2), 0x0112)]))
            edit(&ds)
            let bytes = try StorageCommitment.encode(ds, transferSyntax: TransferSyntax.explicitVRLittleEndian.uid)
            return try StorageCommitment.report(from: StorageCommitment.decode(bytes, transferSyntax: TransferSyntax.explicitVRLittleEndian.uid,
                                                                               name: "report"))
        }
        #expect(throws: DicomError.self) { try report { _ = $0.remove(.transactionUID) } }
        #expect(throws: DicomError.self) { try report { $0.setString(.transactionUID, .UI, "1.2.3; rm -rf /") } }
        #expect(throws: DicomError.self) { try report { $0.setString(.transactionUID, .UI, String(repeating: "1", count: 65)) } }
        #expect(throws: DicomError.self) { try report { ds in
            var item = Dataset()
            item.setString(.referencedSOPClassUID, .UI, Self.ct)
            ds.setSequence(.referencedSOPSequence, [item])
        } }
        #expect(throws: DicomError.self) { try report { ds in
            var item = StorageCommitment.item(Self.ref(2))
            item.setString(.failureReason, .US, "")
            ds.setSequence(.failedSOPSequence, [item])
        } }
        do {
            _ = try report { _ = $0.remove(.transactionUID) }
        } catch {
            #expect(error.tag == .transactionUID && error.message.contains("no Transaction UID"))
        }
        // Truncated bytes: the reader's error, with the offset.
        let bytes = try StorageCommitment.encode(StorageCommitment.eventInformation(CommitmentReport(transactionUID: "2.25.7", committed: [Self.ref(1)], failed: [])),
                                                 transferSyntax: TransferSyntax.implicitVRLittleEndian.uid)
        #expect(throws: DicomError.self) {
            try StorageCommitment.decode(Array(bytes.dropLast(20)), transferSyntax: TransferSyntax.implicitVRLittleEndian.uid, name: "report")
        }
    }

    @Test func requestsAreSplitIntoTransactionsInOrder() {
        var n = 0
        let requests = CommitmentSCU.transactions((1...2500).map(Self.ref), perRequest: 1000) { n += 1; return "2.25.\(n)" }
        #expect(requests.map(\.references.count) == [1000, 1000, 500])
        #expect(requests.map(\.transactionUID) == ["2.25.1", "2.25.2", "2.25.3"])
        #expect(requests.flatMap(\.references) == (1...2500).map(Self.ref))
        #expect(CommitmentSCU.transactions([], perRequest: 10).isEmpty)
    }

    @Test func theInboxJudgesEachInstanceByItsTransactionsFirstReport() {
        let notices = Notices()
        let inbox = CommitmentInbox(notice: { notices.add($0) })
        let a = CommitmentRequest(transactionUID: "2.25.1", references: (1...4).map(Self.ref))
        let b = CommitmentRequest(transactionUID: "2.25.2", references: [Self.ref(9)])
        inbox.expect(a)
        inbox.expect(b)
        #expect(inbox.hasPending && !inbox.isComplete)
        inbox.deliver(CommitmentReport(transactionUID: "2.25.99", committed: [Self.ref(1)], failed: []), from: "PEER")
        // 1 committed, 2 failed, 3 in both lists (not committed for sure), 4 not named, 77 a stranger.
        inbox.deliver(CommitmentReport(transactionUID: "2.25.1", committed: [Self.ref(1), Self.ref(3), Self.ref(77)],
                                       failed: [(Self.ref(2), 0x0112), (Self.ref(3), 0x0110)], retrieveAETitle: "AR"), from: "PEER")
        inbox.deliver(CommitmentReport(transactionUID: "2.25.1", committed: (1...4).map(Self.ref), failed: []), from: "PEER")
        #expect(!inbox.isComplete)
        let results = inbox.results(for: a)
        #expect(results.map(\.outcome) == [.committed, .failed(reason: 0x0112), .failed(reason: 0x0110), .missingFromReport])
        #expect(results.map(\.retrieveAETitle) == ["AR", nil, nil, nil])
        #expect(inbox.results(for: b).map(\.outcome) == [.noReport])
        inbox.forget("2.25.2")
        #expect(inbox.isComplete)
        let said = notices.all
        #expect(said.count == 3)
        #expect(said[0].contains("2.25.99, which this run did not ask for"))
        #expect(said[1].contains("1 instance(s) not asked for") && said[1].contains("1.2.3.77"))
        #expect(said[2].contains("second storage commitment report"))
    }

    final class Notices: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }
}
