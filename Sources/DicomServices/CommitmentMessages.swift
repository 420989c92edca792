import DicomCore
import DicomIO

/// One instance whose safekeeping is asked for or reported (an item of the Referenced SOP
/// Sequence, PS3.4 J.3.2).
public struct CommitmentReference: Sendable, Hashable {
    public var sopClassUID: String
    public var sopInstanceUID: String

    public init(sopClassUID: String, sopInstanceUID: String) {
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
    }
}

/// What an N-ACTION-RQ of storage commitment asks: one transaction (PS3.4 J.3.2.1.1).
public struct CommitmentRequest: Sendable, Equatable {
    public var transactionUID: String
    public var references: [CommitmentReference]

    public init(transactionUID: String, references: [CommitmentReference]) {
        self.transactionUID = transactionUID
        self.references = references
    }
}

/// What an N-EVENT-REPORT-RQ of storage commitment says of a transaction (PS3.4 J.3.2.1.2).
public struct CommitmentReport: Sendable, Equatable {
    public var transactionUID: String
    public var committed: [CommitmentReference]
    public var failed: [(reference: CommitmentReference, reason: UInt16)]
    /// Where the committed instances can be retrieved from, when the peer says.
    public var retrieveAETitle: String?

    public init(transactionUID: String, committed: [CommitmentReference], failed: [(reference: CommitmentReference, reason: UInt16)],
                retrieveAETitle: String? = nil) {
        self.transactionUID = transactionUID
        self.committed = committed
        self.failed = failed
        self.retrieveAETitle = retrieveAETitle
    }

    /// Event Type ID 1 (all committed) or 2 (failures exist), PS3.4 J.3.2.1.2.
    public var eventTypeID: UInt16 { failed.isEmpty ? StorageCommitment.eventAllCommitted : StorageCommitment.eventSomeFailed }

    public static func == (a: CommitmentReport, b: CommitmentReport) -> Bool {
        a.transactionUID == b.transactionUID && a.committed == b.committed && a.retrieveAETitle == b.retrieveAETitle
            && a.failed.map(\.reference) == b.failed.map(\.reference) && a.failed.map(\.reason) == b.failed.map(\.reason)
    }
}

/// The Storage Commitment Push Model (PS3.4 Annex J): its UIDs from the generated table, and its
/// data sets to and from bytes. Decoding checks what a hostile peer could leave out or bend, and
/// names the element.
public enum StorageCommitment {
    /// The SOP class and its well-known SOP instance, from the UID table (PS3.6 Annex A).
    public static let sopClassUID = UIDDictionary.entry(forKeyword: "StorageCommitmentPushModel")?.uid ?? ""
    public static let wellKnownInstanceUID = UIDDictionary.entry(forKeyword: "StorageCommitmentPushModelInstance")?.uid ?? ""

    /// N-ACTION Action Type ID "Request Storage Commitment" (PS3.4 Table J.3-1).
    public static let requestActionTypeID: UInt16 = 1
    /// N-EVENT-REPORT Event Type IDs (PS3.4 Table J.3-2).
    public static let eventAllCommitted: UInt16 = 1
    public static let eventSomeFailed: UInt16 = 2

    /// Failure Reason (0008,1197) values a storage commitment report carries (PS3.4 J.3.2.1.2).
    public static let noSuchObjectInstance: UInt16 = 0x0112
    public static let processingFailure: UInt16 = 0x0110
    public static let resourceLimitation: UInt16 = 0x0213
    public static let sopClassNotSupported: UInt16 = 0x0122
    public static let classInstanceConflict: UInt16 = 0x0119
    public static let duplicateTransactionUID: UInt16 = 0x0131

    /// A Failure Reason in words.
    public static func failureReasonWords(_ reason: UInt16) -> String {
        switch reason {
        case processingFailure: return "processing failure"
        case noSuchObjectInstance: return "no such object instance"
        case resourceLimitation: return "resource limitation"
        case sopClassNotSupported: return "referenced SOP class not supported"
        case classInstanceConflict: return "class/instance conflict"
        case duplicateTransactionUID: return "duplicate transaction UID"
        default: return "failure reason 0x" + String(reason, radix: 16, uppercase: true)
        }
    }

    // MARK: N-ACTION Action Information

    public static func actionInformation(_ request: CommitmentRequest) -> Dataset {
        var ds = Dataset()
        ds.setString(.transactionUID, .UI, request.transactionUID)
        ds.setSequence(.referencedSOPSequence, request.references.map(item))
        return ds
    }

    public static func request(from dataSet: Dataset) throws(DicomError) -> CommitmentRequest {
        let transaction = try transactionUID(dataSet, "N-ACTION")
        guard let items = dataSet.items(.referencedSOPSequence) else {
            throw DicomError(.invalidInput, "N-ACTION data set has no Referenced SOP Sequence", tag: .referencedSOPSequence)
        }
        return CommitmentRequest(transactionUID: transaction,
                                 references: try items.enumerated().map { k, item throws(DicomError) in
                                     try reference(item, sequence: "Referenced SOP Sequence", index: k)
                                 })
    }

    // MARK: N-EVENT-REPORT Event Information

    public static func eventInformation(_ report: CommitmentReport) -> Dataset {
        var ds = Dataset()
        ds.setString(.transactionUID, .UI, report.transactionUID)
        if let aet = report.retrieveAETitle { ds.setString(.retrieveAETitle, .AE, aet) }
        if !report.committed.isEmpty { ds.setSequence(.referencedSOPSequence, report.committed.map(item)) }
        if !report.failed.isEmpty {
            ds.setSequence(.failedSOPSequence, report.failed.map { f in
                var i = item(f.reference)
                i.setUInt16(.failureReason, f.reason)
                return i
            })
        }
        return ds
    }

    public static func report(from dataSet: Dataset) throws(DicomError) -> CommitmentReport {
        let transaction = try transactionUID(dataSet, "N-EVENT-REPORT")
        let committed = try (dataSet.items(.referencedSOPSequence) ?? []).enumerated().map { k, item throws(DicomError) in
            try reference(item, sequence: "Referenced SOP Sequence", index: k)
        }
        var failed: [(reference: CommitmentReference, reason: UInt16)] = []
        for (k, item) in (dataSet.items(.failedSOPSequence) ?? []).enumerated() {
            let ref = try reference(item, sequence: "Failed SOP Sequence", index: k)
            guard let value = item.int(.failureReason), let reason = UInt16(exactly: value) else {
                throw DicomError(.invalidInput, "N-EVENT-REPORT: Failed SOP Sequence item \(k + 1) has no valid Failure Reason",
                                 tag: .failureReason)
            }
            failed.append((ref, reason))
        }
        let aet = dataSet.string(.retrieveAETitle)?.trimmingWhitespace()
        return CommitmentReport(transactionUID: transaction, committed: committed, failed: failed,
                                retrieveAETitle: aet?.isEmpty == false ? aet : nil)
    }

    // MARK: bytes

    /// A data set in the context's transfer syntax (Explicit or Implicit VR Little Endian: the only
    /// ones proposed and accepted for this SOP class).
    public static func encode(_ dataSet: Dataset, transferSyntax uid: String) throws(DicomError) -> [UInt8] {
        guard let syntax = TransferSyntax(uid: uid), !syntax.isEncapsulated, !syntax.isDeflated else {
            throw DicomError(.unsupported, "storage commitment data set in transfer syntax \(uid)")
        }
        var sink = MemorySink()
        try DatasetWriter(syntax: syntax).writeBare(dataSet, to: &sink)
        return sink.bytes
    }

    public static func decode(_ bytes: [UInt8], transferSyntax uid: String, name: String) throws(DicomError) -> Dataset {
        guard let syntax = TransferSyntax(uid: uid), !syntax.isDeflated else {
            throw DicomError(.unsupported, "\(name) in transfer syntax \(uid)")
        }
        return try BareDatasetReader.read(bytes, encoding: DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian),
                                          name: name)
    }

    /// The transfer syntaxes proposed and accepted for the commitment context.
    public static let transferSyntaxes = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

    // MARK: helpers

    static func item(_ r: CommitmentReference) -> Dataset {
        var i = Dataset()
        i.setString(.referencedSOPClassUID, .UI, r.sopClassUID)
        i.setString(.referencedSOPInstanceUID, .UI, r.sopInstanceUID)
        return i
    }

    static func transactionUID(_ ds: Dataset, _ what: String) throws(DicomError) -> String {
        guard let uid = ds.string(.transactionUID)?.trimmingWhitespace(), !uid.isEmpty else {
            throw DicomError(.invalidInput, "\(what) data set has no Transaction UID", tag: .transactionUID)
        }
        try checkUID(uid, what: "\(what) Transaction UID", tag: .transactionUID)
        return uid
    }

    static func reference(_ item: Dataset, sequence: String, index: Int) throws(DicomError) -> CommitmentReference {
        guard let c = item.string(.referencedSOPClassUID)?.trimmingWhitespace(), !c.isEmpty,
              let i = item.string(.referencedSOPInstanceUID)?.trimmingWhitespace(), !i.isEmpty else {
            throw DicomError(.invalidInput, "\(sequence) item \(index + 1) lacks Referenced SOP Class or Instance UID",
                             tag: .referencedSOPInstanceUID)
        }
        try checkUID(c, what: "\(sequence) item \(index + 1) Referenced SOP Class UID", tag: .referencedSOPClassUID)
        try checkUID(i, what: "\(sequence) item \(index + 1) Referenced SOP Instance UID", tag: .referencedSOPInstanceUID)
        return CommitmentReference(sopClassUID: c, sopInstanceUID: i)
    }

    /// A UID as PS3.5 9.1 writes it: at most 64 characters of digits and dots. A peer's value is
    /// printed in reports, so anything else is refused rather than echoed.
    static func checkUID(_ uid: String, what: String, tag: Tag) throws(DicomError) {
        guard uid.utf8.count <= 64, uid.utf8.allSatisfy({ $0 == 0x2E || (0x30...0x39).contains($0) }) else {
            throw DicomError(.invalidInput, "\(what) is not a UID (\(uid.utf8.count) bytes, digits and dots expected)", tag: tag)
        }
    }
}
