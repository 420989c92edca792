/// Exit statuses, in dcmtk's ranges. The man pages document them from this enum.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    case usage = 1
    case cannotReadInput = 20
    case noInput = 21
    case invalidInput = 22
    case cannotWriteOutput = 40
    // The network side (issue 16), in dcmtk's 6x range.
    case cannotConnect = 60
    case associationRejected = 61
    case associationAborted = 62
    case peerFailure = 63
    case notCommitted = 64
    case unsupported = 80
    case decodeFailed = 81
    case encodeFailed = 82
    case nonconformant = 83
    case internalError = 99
    case interrupted = 130

    public var summary: String {
        switch self {
        case .ok: return "success"
        case .usage: return "usage error: unknown command or flag, bad flag value"
        case .cannotReadInput: return "an input could not be opened or read"
        case .noInput: return "no input files were given or found"
        case .invalidInput: return "an input is not valid DICOM (truncated, malformed, hostile lengths)"
        case .cannotWriteOutput: return "an output could not be written"
        case .cannotConnect: return "cannot connect to the peer, or cannot listen on the port"
        case .associationRejected: return "the peer rejected the association, or every presentation context needed"
        case .associationAborted: return "the association was aborted, timed out, or broke the protocol"
        case .peerFailure: return "the peer answered a failure status for at least one request"
        case .notCommitted: return "storage commitment: an instance the peer did not commit, or no report in time"
        case .unsupported: return "unsupported transfer syntax, codec or operation"
        case .decodeFailed: return "pixel data could not be decoded"
        case .encodeFailed: return "pixel data could not be encoded"
        case .nonconformant: return "findings at the failing level (validate), residual identifiers (anonymize --check)"
        case .internalError: return "internal error (a bug: please report it)"
        case .interrupted: return "interrupted by SIGINT"
        }
    }
}

/// The one error type of the core. Matched by `code`, never by message.
public struct DicomError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case usage, cannotRead, noInput, invalidInput, cannotWrite, unsupported
        case decodeFailed, encodeFailed, nonconformant, internalError, interrupted
        /// The network statuses (issue 16), for per-input results of network commands (send).
        case cannotConnect, associationRejected, associationAborted, peerFailure
        /// Storage commitment (commit): an instance reported failed, or left without a report.
        case notCommitted

        public var exitStatus: ExitStatus {
            switch self {
            case .usage: return .usage
            case .cannotRead: return .cannotReadInput
            case .noInput: return .noInput
            case .invalidInput: return .invalidInput
            case .cannotWrite: return .cannotWriteOutput
            case .unsupported: return .unsupported
            case .decodeFailed: return .decodeFailed
            case .encodeFailed: return .encodeFailed
            case .nonconformant: return .nonconformant
            case .internalError: return .internalError
            case .interrupted: return .interrupted
            case .cannotConnect: return .cannotConnect
            case .associationRejected: return .associationRejected
            case .associationAborted: return .associationAborted
            case .peerFailure: return .peerFailure
            case .notCommitted: return .notCommitted
            }
        }
    }

    public var code: Code
    public var message: String
    /// Byte offset in the input where the problem was found.
    public var offset: Int?
    /// The element being read, when known.
    public var tag: Tag?
    /// The file (or `-`), filled in by whoever knows it.
    public var file: String?
    /// What the layer below said, e.g. a C library's error string or errno text.
    public var cause: String?

    public init(_ code: Code, _ message: String, offset: Int? = nil, tag: Tag? = nil,
                file: String? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.tag = tag
        self.file = file
        self.cause = cause
    }

    public func inFile(_ name: String) -> DicomError {
        var e = self
        if e.file == nil { e.file = name }
        return e
    }

    /// `file: byte 1234: (7FE0,0010) PixelData: message: cause` with the parts that are known.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let offset { parts.append("byte \(offset)") }
        if let tag {
            let keyword = DataDictionary.entry(for: tag)?.keyword ?? ""
            parts.append(keyword.isEmpty ? tag.description : "\(tag) \(keyword)")
        }
        var text = message
        if let cause, !cause.isEmpty { text += ": " + cause }
        parts.append(text)
        return parts.joined(separator: ": ")
    }
}
