/// The protocol data units of the DICOM upper layer (PS3.8 9.3) as plain values. `PDUCodec` turns
/// them into bytes and back; nothing here touches a socket.

/// The PDU type byte (PS3.8 Table 9-1 ff.).
public enum PDUType: UInt8, Sendable, CaseIterable {
    case associateRQ = 0x01
    case associateAC = 0x02
    case associateRJ = 0x03
    case dataTF = 0x04
    case releaseRQ = 0x05
    case releaseRP = 0x06
    case abort = 0x07
}

public enum PDU: Sendable, Equatable {
    case associateRQ(AssociateRQ)
    case associateAC(AssociateAC)
    case associateRJ(AssociateRJ)
    case dataTF(DataTF)
    case releaseRQ
    case releaseRP
    case abort(AbortReason)

    public var type: PDUType {
        switch self {
        case .associateRQ: return .associateRQ
        case .associateAC: return .associateAC
        case .associateRJ: return .associateRJ
        case .dataTF: return .dataTF
        case .releaseRQ: return .releaseRQ
        case .releaseRP: return .releaseRP
        case .abort: return .abort
        }
    }
}

/// The DICOM Application Context Name (PS3.7 Annex A.2.1), the only one defined.
public let dicomApplicationContextName = "1.2.840.10008.3.1.1.1"

/// An item the decoder did not recognise: skipped, as PS3.8 9.3.1 asks, but kept for diagnostics.
/// The encoder does not write these back.
public struct IgnoredItem: Sendable, Equatable {
    public var type: UInt8
    /// Offset of the item's first byte within its PDU.
    public var offset: Int
    public var length: Int

    public init(type: UInt8, offset: Int, length: Int) {
        self.type = type
        self.offset = offset
        self.length = length
    }
}

/// A-ASSOCIATE-RQ (PS3.8 9.3.2).
public struct AssociateRQ: Sendable, Equatable {
    public var protocolVersion: UInt16 = 1
    /// AE titles without their space padding (up to 16 characters each).
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: String = dicomApplicationContextName
    public var presentationContexts: [PresentationContextRQ]
    public var userInformation: UserInformation
    public var ignoredItems: [IgnoredItem] = []

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextRQ],
                userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-AC (PS3.8 9.3.3). The AE title fields are reserved there but sent as in the request.
public struct AssociateAC: Sendable, Equatable {
    public var protocolVersion: UInt16 = 1
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: String = dicomApplicationContextName
    public var presentationContexts: [PresentationContextAC]
    public var userInformation: UserInformation
    public var ignoredItems: [IgnoredItem] = []

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextAC],
                userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-RJ (PS3.8 9.3.4).
public struct AssociateRJ: Sendable, Equatable, CustomStringConvertible {
    /// 1 permanent, 2 transient; other values are kept as sent.
    public var result: UInt8
    public var reason: RejectReason

    public init(result: RejectResult, reason: RejectReason) {
        self.result = result.rawValue
        self.reason = reason
    }

    public init(rawResult: UInt8, reason: RejectReason) {
        self.result = rawResult
        self.reason = reason
    }

    public var description: String {
        let words = RejectResult(rawValue: result)?.words ?? "rejected (reserved result \(result))"
        return "association \(words): \(reason)"
    }
}

/// A presentation context as the requestor proposes it (item type 0x20).
public struct PresentationContextRQ: Sendable, Equatable {
    /// Odd, 1...255 (PS3.8 9.3.2.2).
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntaxes: [String]

    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

/// A presentation context as the acceptor answers it (item type 0x21).
public struct PresentationContextAC: Sendable, Equatable {
    public var id: UInt8
    public var result: ContextResult
    /// The accepted transfer syntax; not significant (and nil here) unless the result is acceptance.
    public var transferSyntax: String?

    public init(id: UInt8, result: ContextResult, transferSyntax: String?) {
        self.id = id
        self.result = result
        self.transferSyntax = transferSyntax
    }
}

/// P-DATA-TF (PS3.8 9.3.5): one or more presentation data values.
public struct DataTF: Sendable, Equatable {
    public var values: [PDV]
    public init(values: [PDV]) { self.values = values }
}

/// A presentation data value with its message control header (PS3.8 Annex E.2).
public struct PDV: Sendable, Equatable {
    public var contextID: UInt8
    /// Bit 0 of the message control header: a command fragment, else a data set fragment.
    public var isCommand: Bool
    /// Bit 1: the last fragment of the command or data set.
    public var isLast: Bool
    /// Not copied on its way from the socket, or to it (see `PDVData`).
    public var data: PDVData

    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: PDVData) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }

    /// A PDV holding a copy of `data`.
    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: [UInt8]) {
        self.init(contextID: contextID, isCommand: isCommand, isLast: isLast, data: PDVData(data))
    }

    var messageControlHeader: UInt8 { (isCommand ? 1 : 0) | (isLast ? 2 : 0) }
}
