import DicomCore

/// The one error type of the network layer. Matched by `code`, never by message. A protocol error
/// found in what a peer sent also carries the A-ABORT reason the standard names for it, so the
/// code that answers the peer does not have to guess.
public struct NetError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// A PDU or item whose lengths or fields break PS3.8 9.3 (truncated, past its container,
        /// a reserved value where a known one is required).
        case malformedPDU
        /// A PDU longer than the caller's maximum (for P-DATA-TF: the maximum length we announced).
        case pduTooLarge
        /// A PDU type that PS3.8 does not define.
        case unrecognizedPDU
        /// A PDU or event that the association's state does not allow (PS3.8 9.2 table).
        case unexpectedPDU
        /// Something we were asked to encode or propose that cannot be (a 17-byte AE title, a 129th
        /// presentation context): a caller's mistake, not a peer's.
        case invalidArgument
        case cannotConnect
        case rejected
        case aborted
        case timedOut
        /// The peer answered a DIMSE request with a failure status.
        case failureStatus
        /// TLS (PS3.15 B.9): the handshake failed, a certificate was refused (the peer's by us, or
        /// ours by the peer), or only one side speaks TLS. Never retried: it fails the same way again.
        case tlsFailed

        /// The network exit statuses, in dcmtk's 6x range (issue 16, item 5).
        public var exitStatus: ExitStatus {
            switch self {
            case .cannotConnect: return .cannotConnect
            case .rejected: return .associationRejected
            case .malformedPDU, .pduTooLarge, .unrecognizedPDU, .unexpectedPDU, .aborted, .timedOut: return .associationAborted
            case .failureStatus: return .peerFailure
            case .tlsFailed: return .tlsFailed
            case .invalidArgument: return .usage
            }
        }
    }

    public var code: Code
    public var message: String
    /// Byte offset within the PDU (its first header byte is 0) where the problem was found.
    public var offset: Int?
    /// The A-ABORT reason to send the peer (source 2, service provider), for errors in its PDUs.
    public var abortReason: AbortReason?
    /// For `.rejected`: the peer's A-ASSOCIATE-RJ said rejected-transient (result 2, PS3.8 9.3.4),
    /// e.g. its association limit: worth another attempt later, where a permanent one is not.
    public var isTransientRejection = false

    public init(_ code: Code, _ message: String, offset: Int? = nil, abortReason: AbortReason? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.abortReason = abortReason
    }

    /// `byte 12: message`, as the core's errors print offsets.
    public var description: String {
        guard let offset else { return message }
        return "byte \(offset): \(message)"
    }
}
