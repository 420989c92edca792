import DicomCore
import DicomIO

/// DIMSE command fields (PS3.7 Table E.1-1 ff.).
public enum CommandField: UInt16, Sendable, CaseIterable {
    case cStoreRQ = 0x0001, cStoreRSP = 0x8001
    case cGetRQ = 0x0010, cGetRSP = 0x8010
    case cFindRQ = 0x0020, cFindRSP = 0x8020
    case cMoveRQ = 0x0021, cMoveRSP = 0x8021
    case cEchoRQ = 0x0030, cEchoRSP = 0x8030
    case nEventReportRQ = 0x0100, nEventReportRSP = 0x8100
    case nGetRQ = 0x0110, nGetRSP = 0x8110
    case nSetRQ = 0x0120, nSetRSP = 0x8120
    case nActionRQ = 0x0130, nActionRSP = 0x8130
    case nCreateRQ = 0x0140, nCreateRSP = 0x8140
    case nDeleteRQ = 0x0150, nDeleteRSP = 0x8150
    case cCancelRQ = 0x0FFF
}

/// The Verification SOP Class (PS3.4 A.4), C-ECHO's abstract syntax.
public let verificationSOPClassUID = "1.2.840.10008.1.1"

/// A DIMSE command set (PS3.7 9.3, 10.3) with the fields the C- and N- services here use; encoded in Implicit
/// VR Little Endian with its Command Group Length, as PS3.7 6.3.1 requires whatever the context's
/// transfer syntax.
public struct DIMSECommand: Sendable, Equatable {
    /// Command Data Set Type value meaning "no data set follows" (PS3.7 E.1-1).
    public static let noDataSet: UInt16 = 0x0101
    /// C-STORE priorities (PS3.7 9.1.1.1).
    public static let priorityMedium: UInt16 = 0

    /// The raw command field: unknown ones are kept (and answered by the service layer).
    public var commandField: UInt16
    public var affectedSOPClassUID: String?
    public var affectedSOPInstanceUID: String?
    public var messageID: UInt16?
    public var messageIDBeingRespondedTo: UInt16?
    public var priority: UInt16?
    public var hasDataSet: Bool
    public var status: UInt16?
    public var moveOriginatorAETitle: String?
    public var moveOriginatorMessageID: UInt16?
    public var errorComment: String?
    /// C-GET and C-MOVE responses: Number of Remaining, Completed, Failed and Warning Sub-operations.
    public var remainingSubOperations: UInt16?
    public var completedSubOperations: UInt16?
    public var failedSubOperations: UInt16?
    public var warningSubOperations: UInt16?
    /// N-ACTION and the other N- requests name their object here (PS3.7 10.3).
    public var requestedSOPClassUID: String?
    public var requestedSOPInstanceUID: String?
    /// N-EVENT-REPORT's Event Type ID (PS3.7 10.3.1), and N-ACTION's Action Type ID (10.3.4).
    public var eventTypeID: UInt16?
    public var actionTypeID: UInt16?
    /// C-MOVE's Move Destination (0000,0600), and the sub-operation counts of C-GET/C-MOVE
    /// responses (0000,1020-1023, PS3.7 9.3.3.2).
    public var moveDestination: String?
    public var remainingSuboperations: UInt16?
    public var completedSuboperations: UInt16?
    public var failedSuboperations: UInt16?
    public var warningSuboperations: UInt16?

    public init(commandField: CommandField, hasDataSet: Bool) {
        self.commandField = commandField.rawValue
        self.hasDataSet = hasDataSet
    }

    public var field: CommandField? { CommandField(rawValue: commandField) }

    public static func echoRQ(messageID: UInt16) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cEchoRQ, hasDataSet: false)
        c.affectedSOPClassUID = verificationSOPClassUID
        c.messageID = messageID
        return c
    }

    public static func echoRSP(to rq: DIMSECommand, status: UInt16 = DIMSEStatus.success) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cEchoRSP, hasDataSet: false)
        c.affectedSOPClassUID = rq.affectedSOPClassUID ?? verificationSOPClassUID
        c.messageIDBeingRespondedTo = rq.messageID
        c.status = status
        return c
    }

    public static func storeRQ(messageID: UInt16, sopClassUID: String, sopInstanceUID: String,
                               priority: UInt16 = priorityMedium) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cStoreRQ, hasDataSet: true)
        c.affectedSOPClassUID = sopClassUID
        c.affectedSOPInstanceUID = sopInstanceUID
        c.messageID = messageID
        c.priority = priority
        return c
    }

    public static func storeRSP(to rq: DIMSECommand, status: UInt16, errorComment: String? = nil) -> DIMSECommand {
        var c = DIMSECommand(commandField: .cStoreRSP, hasDataSet: false)
        c.affectedSOPClassUID = rq.affectedSOPClassUID
        c.affectedSOPInstanceUID = rq.affectedSOPInstanceUID
        c.messageIDBeingRespondedTo = rq.messageID
        c.status = status
        c.errorComment = errorComment
        return c
    }

    /// The command set's bytes: Command Group Length, then the elements in tag order.
    public func encoded() throws(NetError) -> [UInt8] {
        var ds = Dataset()
        if let v = affectedSOPClassUID { ds.setString(.affectedSOPClassUID, .UI, v) }
        if let v = requestedSOPClassUID { ds.setString(.requestedSOPClassUID, .UI, v) }
        ds.setUInt16(.commandField, commandField)
        if let v = messageID { ds.setUInt16(.messageID, v) }
        if let v = messageIDBeingRespondedTo { ds.setUInt16(.messageIDBeingRespondedTo, v) }
        if let v = moveOriginatorAETitle { ds.setString(.moveOriginatorApplicationEntityTitle, .AE, v) }
        if let v = moveOriginatorMessageID { ds.setUInt16(.moveOriginatorMessageID, v) }
        if let v = priority { ds.setUInt16(.priority, v) }
        // Any value other than 0x0101 means a data set follows; 0x0000 is what most peers send.
        ds.setUInt16(.commandDataSetType, hasDataSet ? 0x0000 : Self.noDataSet)
        if let v = status { ds.setUInt16(.status, v) }
        if let v = affectedSOPInstanceUID { ds.setString(.affectedSOPInstanceUID, .UI, v) }
        if let v = remainingSubOperations { ds.setUInt16(.numberOfRemainingSuboperations, v) }
        if let v = completedSubOperations { ds.setUInt16(.numberOfCompletedSuboperations, v) }
        if let v = failedSubOperations { ds.setUInt16(.numberOfFailedSuboperations, v) }
        if let v = warningSubOperations { ds.setUInt16(.numberOfWarningSuboperations, v) }
        if let v = requestedSOPInstanceUID { ds.setString(.requestedSOPInstanceUID, .UI, v) }
        if let v = eventTypeID { ds.setUInt16(.eventTypeID, v) }
        if let v = actionTypeID { ds.setUInt16(.actionTypeID, v) }
        if let v = moveDestination { ds.setString(.moveDestination, .AE, v) }
        if let v = remainingSuboperations { ds.setUInt16(.numberOfRemainingSuboperations, v) }
        if let v = completedSuboperations { ds.setUInt16(.numberOfCompletedSuboperations, v) }
        if let v = failedSuboperations { ds.setUInt16(.numberOfFailedSuboperations, v) }
        if let v = warningSuboperations { ds.setUInt16(.numberOfWarningSuboperations, v) }
        if let v = errorComment { ds.setString(.errorComment, .LO, v) }
        var body = MemorySink()
        do {
            try DatasetWriter(syntax: .implicitVRLittleEndian).writeBare(ds, to: &body)
        } catch {
            throw NetError(.invalidArgument, "command set: \(error.message)")
        }
        // The writer leaves group lengths out (retired outside group 0002); this one is required.
        guard let length = UInt32(exactly: body.bytes.count) else {
            throw NetError(.invalidArgument, "command set of \(body.bytes.count) bytes")
        }
        let header = DatasetWriter(syntax: .implicitVRLittleEndian).elementHeader(.commandGroupLength, .UL, length: 4, .implicitLittle)
        return header + withUnsafeBytes(of: length.littleEndian, Array.init) + body.bytes
    }

    /// A command set from its bytes. Errors name the byte within the command set.
    public static func decode(_ bytes: [UInt8]) throws(NetError) -> DIMSECommand {
        let ds: Dataset
        do {
            ds = try BareDatasetReader.read(bytes, encoding: .implicitLittle, name: "command set")
        } catch {
            throw NetError(.malformedPDU, "command set: \(error.message)", offset: error.offset, abortReason: .invalidPDUParameterValue)
        }
        func bad(_ message: String, _ tag: Tag) -> NetError {
            NetError(.malformedPDU, "command set: \(message)", offset: ds[tag]?.offset, abortReason: .invalidPDUParameterValue)
        }
        func us(_ tag: Tag) throws(NetError) -> UInt16? {
            guard let e = ds[tag] else { return nil }
            guard e.vr == .US || e.vr == .UN, let b = e.valueBytes, b.count == 2 else {
                throw bad("\(tag) is not a 2-byte unsigned short", tag)
            }
            return UInt16(widening: b.withUnsafeBytes { $0[0] }) | UInt16(widening: b.withUnsafeBytes { $0[1] }) << 8
        }
        // A command set holds group 0000 only (PS3.7 6.3.1), but DCMTK copies a response's status
        // detail into it: Orthanc 1.10's C-GET-RSP for a failed sub-operation carries its Failed
        // SOP Instance UID List there, (0008,0000) and (0008,0058) after the command elements.
        // dcmtk and pynetdicom read such a command; so do we, leaving those elements aside. An
        // element of a lower group than the command's cannot come from such a peer and is refused.
        let stray = ds.elements.filter { $0.tag.group != 0x0000 }
        let groupEnd = stray.compactMap(\.offset).min() ?? bytes.count
        let lastCommand = ds.elements.filter { $0.tag.group == 0x0000 }.compactMap(\.offset).max() ?? 0
        if let first = stray.first(where: { ($0.offset ?? 0) < lastCommand }) {
            throw bad("element \(first.tag) outside group 0000", first.tag)
        }
        if let e = ds[.commandGroupLength], let b = e.valueBytes, b.count == 4 {
            let declared = b.withUnsafeBytes { raw in
                UInt32(widening: raw[0]) | UInt32(widening: raw[1]) << 8 | UInt32(widening: raw[2]) << 16 | UInt32(widening: raw[3]) << 24
            }
            guard Int(widening: declared) == groupEnd - 12 else {
                throw bad("Command Group Length \(declared) but \(groupEnd - 12) bytes of group 0000 follow it", .commandGroupLength)
            }
        }
        guard let field = try us(.commandField) else { throw bad("no Command Field", .commandField) }
        guard let dataSetType = try us(.commandDataSetType) else { throw bad("no Command Data Set Type", .commandDataSetType) }
        var c = DIMSECommand(commandField: .cEchoRQ, hasDataSet: dataSetType != noDataSet)
        c.commandField = field
        c.affectedSOPClassUID = ds.string(.affectedSOPClassUID)
        c.affectedSOPInstanceUID = ds.string(.affectedSOPInstanceUID)
        c.messageID = try us(.messageID)
        c.messageIDBeingRespondedTo = try us(.messageIDBeingRespondedTo)
        c.priority = try us(.priority)
        c.status = try us(.status)
        c.moveOriginatorAETitle = ds.string(.moveOriginatorApplicationEntityTitle)?.trimmingWhitespace()
        c.moveOriginatorMessageID = try us(.moveOriginatorMessageID)
        c.errorComment = ds.string(.errorComment)
        c.remainingSubOperations = try us(.numberOfRemainingSuboperations)
        c.completedSubOperations = try us(.numberOfCompletedSuboperations)
        c.failedSubOperations = try us(.numberOfFailedSuboperations)
        c.warningSubOperations = try us(.numberOfWarningSuboperations)
        c.requestedSOPClassUID = ds.string(.requestedSOPClassUID)
        c.requestedSOPInstanceUID = ds.string(.requestedSOPInstanceUID)
        c.eventTypeID = try us(.eventTypeID)
        c.actionTypeID = try us(.actionTypeID)
        c.moveDestination = ds.string(.moveDestination)?.trimmingWhitespace()
        c.remainingSuboperations = try us(.numberOfRemainingSuboperations)
        c.completedSuboperations = try us(.numberOfCompletedSuboperations)
        c.failedSuboperations = try us(.numberOfFailedSuboperations)
        c.warningSuboperations = try us(.numberOfWarningSuboperations)
        return c
    }
}

/// DIMSE status values and their classes (PS3.7 Annex C).
public enum DIMSEStatus {
    public static let success: UInt16 = 0x0000
    public static let cancel: UInt16 = 0xFE00
    public static let pending: UInt16 = 0xFF00
    public static let outOfResources: UInt16 = 0xA700
    public static let sopClassNotSupported: UInt16 = 0x0122
    public static let cannotUnderstand: UInt16 = 0xC000
    /// Coercion of data elements (B000), elements discarded (B007), data set does not match SOP class (B006).
    public static let coercionOfDataElements: UInt16 = 0xB000

    public enum Kind: Sendable, Equatable { case success, warning, failure, cancel, pending }

    public static func kind(_ status: UInt16) -> Kind {
        switch status {
        case 0x0000: return .success
        case 0x0001, 0x0107, 0x0116, 0xB000...0xBFFF: return .warning
        case 0xFE00: return .cancel
        case 0xFF00, 0xFF01: return .pending
        default: return .failure
        }
    }
}
