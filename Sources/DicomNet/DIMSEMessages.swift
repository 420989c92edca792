/// DIMSE messages over P-DATA-TF: a command set and its data set cut into PDVs that fit the peer's
/// Maximum Length, and PDVs put back together (PS3.8 Annex E, PS3.7 8.1).
public enum PDVFragmenter {
    /// A PDU holds the PDV's 4-byte length, its context ID and control header, then the data.
    public static let pdvOverhead = 6

    /// The most data bytes one PDV may carry when PDUs are at most `maxPDULength` long.
    public static func fragmentCapacity(maxPDULength: Int) throws(NetError) -> Int {
        guard maxPDULength > pdvOverhead else {
            throw NetError(.invalidArgument, "maximum PDU length \(maxPDULength) leaves no room for data (PDV header \(pdvOverhead) bytes)")
        }
        return maxPDULength - pdvOverhead
    }

    /// P-DATA-TF PDUs, one PDV each, carrying `bytes` as a command or a data set on `contextID`.
    /// An empty value is still one PDV, marked last.
    public static func dataTFs(_ bytes: [UInt8], contextID: UInt8, isCommand: Bool, maxPDULength: Int) throws(NetError) -> [DataTF] {
        let capacity = try fragmentCapacity(maxPDULength: maxPDULength)
        var out: [DataTF] = []
        var start = 0
        repeat {
            let end = min(bytes.count, start + capacity)
            out.append(DataTF(values: [PDV(contextID: contextID, isCommand: isCommand, isLast: end == bytes.count,
                                           data: PDVData(bytes[start..<end]))]))
            start = end
        } while start < bytes.count
        return out
    }

    /// A whole message: the command set's PDUs, then the data set's when there is one.
    public static func dataTFs(command: DIMSECommand, dataSet: [UInt8]?, contextID: UInt8, maxPDULength: Int) throws(NetError) -> [DataTF] {
        guard command.hasDataSet == (dataSet != nil) else {
            throw NetError(.invalidArgument, "command says \(command.hasDataSet ? "a" : "no") data set follows, and \(dataSet == nil ? "none" : "one") was given")
        }
        var out = try dataTFs(command.encoded(), contextID: contextID, isCommand: true, maxPDULength: maxPDULength)
        if let dataSet { out += try dataTFs(dataSet, contextID: contextID, isCommand: false, maxPDULength: maxPDULength) }
        return out
    }
}

/// Reassembles DIMSE messages from PDVs as they arrive. Command sets are collected whole (they are
/// small, bounded by `maxCommandLength`); data set fragments are handed on as they come, so a
/// receiver can stream them to disk and hold no more than a PDU.
public struct DIMSEAssembler: Sendable {
    public enum Output: Sendable, Equatable {
        /// A complete command set. When `command.hasDataSet`, data set fragments follow.
        case command(contextID: UInt8, DIMSECommand)
        case dataSetFragment(contextID: UInt8, PDVData, isLast: Bool)
    }

    private enum Phase: Sendable {
        case awaitingCommand
        case command(contextID: UInt8, bytes: [UInt8])
        case dataSet(contextID: UInt8)
    }

    public let maxCommandLength: Int
    /// Contexts the association accepted; a PDV on any other is refused.
    public let acceptedContextIDs: Set<UInt8>
    private var phase = Phase.awaitingCommand

    public init(acceptedContextIDs: Set<UInt8>, maxCommandLength: Int = 1 << 16) {
        self.acceptedContextIDs = acceptedContextIDs
        self.maxCommandLength = maxCommandLength
    }

    /// True between messages: nothing half-received.
    public var isIdle: Bool {
        if case .awaitingCommand = phase { return true }
        return false
    }

    public mutating func append(_ pdv: PDV) throws(NetError) -> Output? {
        guard acceptedContextIDs.contains(pdv.contextID) else {
            throw Self.error("PDV on presentation context \(pdv.contextID), which was not accepted")
        }
        switch phase {
        case .awaitingCommand:
            guard pdv.isCommand else { throw Self.error("data set fragment where a command set was expected") }
            phase = .command(contextID: pdv.contextID, bytes: [])
            return try append(pdv)
        case .command(let id, var bytes):
            guard pdv.isCommand else { throw Self.error("data set fragment before the command set's last fragment") }
            guard pdv.contextID == id else { throw Self.error("command set continues on context \(pdv.contextID), began on \(id)") }
            guard pdv.data.count <= maxCommandLength - bytes.count else {
                throw Self.error("command set longer than \(maxCommandLength) bytes")
            }
            bytes += pdv.data
            guard pdv.isLast else {
                phase = .command(contextID: id, bytes: bytes)
                return nil
            }
            let command = try DIMSECommand.decode(bytes)
            phase = command.hasDataSet ? .dataSet(contextID: id) : .awaitingCommand
            return .command(contextID: id, command)
        case .dataSet(let id):
            guard !pdv.isCommand else { throw Self.error("command fragment before the data set's last fragment") }
            guard pdv.contextID == id else { throw Self.error("data set continues on context \(pdv.contextID), its command was on \(id)") }
            if pdv.isLast { phase = .awaitingCommand }
            return .dataSetFragment(contextID: id, pdv.data, isLast: pdv.isLast)
        }
    }

    private static func error(_ message: String) -> NetError {
        NetError(.unexpectedPDU, message, abortReason: .unexpectedPDUParameter)
    }
}

/// A DIMSE message held whole: for small ones (C-ECHO, responses, C-FIND identifiers) and tests.
public struct DIMSEMessage: Sendable, Equatable {
    public var contextID: UInt8
    public var command: DIMSECommand
    public var dataSet: [UInt8]?

    public init(contextID: UInt8, command: DIMSECommand, dataSet: [UInt8]?) {
        self.contextID = contextID
        self.command = command
        self.dataSet = dataSet
    }
}

/// Collects whole messages over a `DIMSEAssembler`, refusing a data set past `maxDataSetLength`.
public struct DIMSEMessageCollector: Sendable {
    public var assembler: DIMSEAssembler
    public let maxDataSetLength: Int
    /// The message whose data set is arriving; its bytes are held apart in `pendingData` so that
    /// each fragment is appended in place (a copy of the tuple would copy every byte so far).
    private var pending: (contextID: UInt8, command: DIMSECommand)?
    private var pendingData: [UInt8] = []

    public init(acceptedContextIDs: Set<UInt8>, maxDataSetLength: Int) {
        assembler = DIMSEAssembler(acceptedContextIDs: acceptedContextIDs)
        self.maxDataSetLength = maxDataSetLength
    }

    public mutating func append(_ pdv: PDV) throws(NetError) -> DIMSEMessage? {
        switch try assembler.append(pdv) {
        case nil:
            return nil
        case .command(let id, let command)?:
            guard command.hasDataSet else { return DIMSEMessage(contextID: id, command: command, dataSet: nil) }
            pending = (id, command)
            pendingData = []
            return nil
        case .dataSetFragment(_, let data, let isLast)?:
            guard let p = pending else { return nil }
            guard data.count <= maxDataSetLength - pendingData.count else {
                throw NetError(.pduTooLarge, "data set longer than \(maxDataSetLength) bytes", abortReason: .notSpecified)
            }
            pendingData += data
            guard isLast else { return nil }
            pending = nil
            defer { pendingData = [] }
            return DIMSEMessage(contextID: p.contextID, command: p.command, dataSet: pendingData)
        }
    }
}
