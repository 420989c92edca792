/// Rejection, abort and presentation-context results as PS3.8 numbers them, each with its words.
/// Unknown numbers are kept (a peer may send a reserved value) and described as such.

/// A-ASSOCIATE-RJ result (PS3.8 Table 9-21).
public enum RejectResult: UInt8, Sendable, Equatable {
    case permanent = 1
    case transient = 2

    public var words: String { self == .permanent ? "rejected permanently" : "rejected transiently" }
}

/// A-ASSOCIATE-RJ source and reason together, since a reason's meaning depends on its source
/// (PS3.8 Table 9-21).
public struct RejectReason: Sendable, Equatable, CustomStringConvertible {
    public var source: UInt8
    public var reason: UInt8

    public init(source: UInt8, reason: UInt8) {
        self.source = source
        self.reason = reason
    }

    public static let noReasonGiven = RejectReason(source: 1, reason: 1)
    public static let applicationContextNotSupported = RejectReason(source: 1, reason: 2)
    public static let callingAETitleNotRecognized = RejectReason(source: 1, reason: 3)
    public static let calledAETitleNotRecognized = RejectReason(source: 1, reason: 7)
    public static let protocolVersionNotSupported = RejectReason(source: 2, reason: 2)
    public static let temporaryCongestion = RejectReason(source: 3, reason: 1)
    public static let localLimitExceeded = RejectReason(source: 3, reason: 2)

    public var sourceWords: String {
        switch source {
        case 1: return "DICOM UL service-user"
        case 2: return "DICOM UL service-provider (ACSE related function)"
        case 3: return "DICOM UL service-provider (presentation related function)"
        default: return "unknown source \(source)"
        }
    }

    public var reasonWords: String {
        switch (source, reason) {
        case (1, 1): return "no reason given"
        case (1, 2): return "application context name not supported"
        case (1, 3): return "calling AE title not recognized"
        case (1, 7): return "called AE title not recognized"
        case (2, 1): return "no reason given"
        case (2, 2): return "protocol version not supported"
        case (3, 1): return "temporary congestion"
        case (3, 2): return "local limit exceeded"
        default: return "reserved reason \(reason)"
        }
    }

    public var description: String { "\(reasonWords) (source: \(sourceWords))" }
}

/// A-ABORT source and reason (PS3.8 Table 9-26). The reason is significant only when the service
/// provider aborted; a service user's abort carries no reason.
public struct AbortReason: Sendable, Equatable, CustomStringConvertible {
    public var source: UInt8
    public var reason: UInt8

    public init(source: UInt8, reason: UInt8) {
        self.source = source
        self.reason = reason
    }

    /// Our own abort, as a service user (AA-1).
    public static let serviceUser = AbortReason(source: 0, reason: 0)
    public static let notSpecified = AbortReason(source: 2, reason: 0)
    public static let unrecognizedPDU = AbortReason(source: 2, reason: 1)
    public static let unexpectedPDU = AbortReason(source: 2, reason: 2)
    public static let unrecognizedPDUParameter = AbortReason(source: 2, reason: 4)
    public static let unexpectedPDUParameter = AbortReason(source: 2, reason: 5)
    public static let invalidPDUParameterValue = AbortReason(source: 2, reason: 6)

    public var sourceWords: String {
        switch source {
        case 0: return "DICOM UL service-user"
        case 2: return "DICOM UL service-provider"
        default: return "reserved source \(source)"
        }
    }

    public var reasonWords: String {
        guard source == 2 else { return "no reason (user-initiated abort)" }
        switch reason {
        case 0: return "reason not specified"
        case 1: return "unrecognized PDU"
        case 2: return "unexpected PDU"
        case 4: return "unrecognized PDU parameter"
        case 5: return "unexpected PDU parameter"
        case 6: return "invalid PDU parameter value"
        default: return "reserved reason \(reason)"
        }
    }

    public var description: String { "\(reasonWords) (source: \(sourceWords))" }
}

/// Result/Reason of a presentation context in an A-ASSOCIATE-AC (PS3.8 Table 9-18).
public struct ContextResult: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let acceptance = ContextResult(rawValue: 0)
    public static let userRejection = ContextResult(rawValue: 1)
    public static let noReason = ContextResult(rawValue: 2)
    public static let abstractSyntaxNotSupported = ContextResult(rawValue: 3)
    public static let transferSyntaxesNotSupported = ContextResult(rawValue: 4)

    public var isAccepted: Bool { rawValue == 0 }

    public var description: String {
        switch rawValue {
        case 0: return "acceptance"
        case 1: return "user-rejection"
        case 2: return "no-reason (provider rejection)"
        case 3: return "abstract-syntax-not-supported (provider rejection)"
        case 4: return "transfer-syntaxes-not-supported (provider rejection)"
        default: return "reserved result \(rawValue)"
        }
    }
}
