/// The DIMSE-N messages storage commitment uses (PS3.7 10.3.1 N-EVENT-REPORT, 10.3.4 N-ACTION).
/// Requests name their object with Requested SOP Class/Instance UID (N-ACTION) or Affected SOP
/// Class/Instance UID (N-EVENT-REPORT); responses echo the Affected ones.
extension DIMSECommand {
    /// N-ACTION-RQ: `actionTypeID` on the object `sopClassUID`/`sopInstanceUID`, its Action
    /// Information in a data set when `hasDataSet`.
    public static func actionRQ(messageID: UInt16, sopClassUID: String, sopInstanceUID: String, actionTypeID: UInt16,
                                hasDataSet: Bool = true) -> DIMSECommand {
        var c = DIMSECommand(commandField: .nActionRQ, hasDataSet: hasDataSet)
        c.requestedSOPClassUID = sopClassUID
        c.requestedSOPInstanceUID = sopInstanceUID
        c.messageID = messageID
        c.actionTypeID = actionTypeID
        return c
    }

    /// N-ACTION-RSP to `rq` (no Action Reply data set).
    public static func actionRSP(to rq: DIMSECommand, status: UInt16, errorComment: String? = nil) -> DIMSECommand {
        var c = DIMSECommand(commandField: .nActionRSP, hasDataSet: false)
        c.affectedSOPClassUID = rq.requestedSOPClassUID
        c.affectedSOPInstanceUID = rq.requestedSOPInstanceUID
        c.messageIDBeingRespondedTo = rq.messageID
        c.actionTypeID = rq.actionTypeID
        c.status = status
        c.errorComment = errorComment
        return c
    }

    /// N-EVENT-REPORT-RQ: event `eventTypeID` of the object `sopClassUID`/`sopInstanceUID`, its
    /// Event Information in a data set when `hasDataSet`.
    public static func eventReportRQ(messageID: UInt16, sopClassUID: String, sopInstanceUID: String, eventTypeID: UInt16,
                                     hasDataSet: Bool = true) -> DIMSECommand {
        var c = DIMSECommand(commandField: .nEventReportRQ, hasDataSet: hasDataSet)
        c.affectedSOPClassUID = sopClassUID
        c.affectedSOPInstanceUID = sopInstanceUID
        c.messageID = messageID
        c.eventTypeID = eventTypeID
        return c
    }

    /// N-EVENT-REPORT-RSP to `rq` (no Event Reply data set).
    public static func eventReportRSP(to rq: DIMSECommand, status: UInt16, errorComment: String? = nil) -> DIMSECommand {
        var c = DIMSECommand(commandField: .nEventReportRSP, hasDataSet: false)
        c.affectedSOPClassUID = rq.affectedSOPClassUID
        c.affectedSOPInstanceUID = rq.affectedSOPInstanceUID
        c.messageIDBeingRespondedTo = rq.messageID
        c.eventTypeID = rq.eventTypeID
        c.status = status
        c.errorComment = errorComment
        return c
    }

    /// Whether this is a response (the high bit of the command field, PS3.7 E.1-1).
    public var isResponse: Bool { commandField & 0x8000 != 0 }
}
