extension DIMSECommand {
    /// The response to a request no service performs: failure 0211, unrecognized operation
    /// (PS3.7 C.4.2), with the request's command field turned into its response's.
    public static func unrecognizedOperationRSP(to request: DIMSECommand) -> DIMSECommand {
        var r = DIMSECommand(commandField: .cEchoRSP, hasDataSet: false)
        r.commandField = request.commandField | 0x8000
        r.messageIDBeingRespondedTo = request.messageID
        r.affectedSOPClassUID = request.affectedSOPClassUID
        r.affectedSOPInstanceUID = request.affectedSOPInstanceUID
        r.status = 0x0211
        return r
    }
}
