/// What the acceptor knows of an association once it has accepted it, handed to the service that
/// serves it.
public struct AcceptedAssociation: Sendable {
    public var callingAETitle: String
    public var calledAETitle: String
    /// The peer's address as text (`127.0.0.1:40312`), for reports.
    public var peer: String
    public var negotiated: NegotiatedAssociation
    public var peerImplementationClassUID: String? { negotiated.peerImplementationClassUID }

    /// Also made by a requestor whose peer sends it requests (C-GET's storage sub-operations).
    public init(callingAETitle: String, calledAETitle: String, peer: String, negotiated: NegotiatedAssociation) {
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.peer = peer
        self.negotiated = negotiated
    }
}

/// One DIMSE request's command set and the presentation context it came on.
public struct DIMSERequest: Sendable {
    public var command: DIMSECommand
    public var contextID: UInt8
    public var abstractSyntax: String
    /// The context's negotiated transfer syntax: the encoding of the data set that follows.
    public var transferSyntax: String
}

/// How an association ended, as the service is told.
public enum AssociationEnd: Sendable, Equatable, CustomStringConvertible {
    /// The requestor released it (A-RELEASE).
    case released
    /// Either side aborted it, the connection dropped, or a timer expired; the words say which.
    case aborted(String)

    public var description: String {
        switch self {
        case .released: return "released"
        case .aborted(let why): return why
        }
    }
}

/// Serves the DIMSE requests of one association, one at a time, in arrival order. The acceptor
/// answers C-ECHO itself and calls this for every other request: `begin` with the command set,
/// then, when a data set follows, `dataSetFragment` for each PDV as it arrives (never the whole
/// data set), and `endDataSet` for the response. `end` comes last, once; a request begun and not
/// finished by then must be discarded (the peer aborted or dropped mid-instance).
public protocol AssociationService: AnyObject {
    /// The command set. Returns the response for a request without a data set; for one with a data
    /// set, nil to receive it, or a response now to refuse it (its fragments are then drained unread
    /// and the response sent after the last one, as PS3.7 requires).
    func begin(_ request: DIMSERequest) async -> DIMSECommand?
    /// The next fragment of the data set, in order, as read from the socket (not copied: write
    /// it, or copy what is kept). Errors (a full disk) are the service's to keep and to answer in
    /// `endDataSet`: the fragments keep coming until the last.
    func dataSetFragment(_ bytes: PDVData) async
    /// The last fragment arrived: the response to send.
    func endDataSet() async -> DIMSECommand
    /// The association is over.
    func end(_ how: AssociationEnd) async
}

/// A request the acceptor sends on a service's behalf, on the association the service serves (the
/// acceptor invoking an operation: storage commitment's N-EVENT-REPORT after its N-ACTION-RSP).
/// The acceptor gives it its Message ID.
public struct OutgoingRequest: Sendable {
    public var command: DIMSECommand
    public var contextID: UInt8
    /// Already encoded in the context's transfer syntax.
    public var dataSet: [UInt8]?

    public init(command: DIMSECommand, contextID: UInt8, dataSet: [UInt8]?) {
        self.command = command
        self.contextID = contextID
        self.dataSet = dataSet
    }
}

/// What a service that also invokes operations on its association adds (defaults: none).
public protocol InvokingAssociationService: AssociationService {
    /// Requests to send once the response to the request just served is sent.
    func requestsAfterResponse() async -> [OutgoingRequest]
    /// The peer's response to one of them (its data set, if any, is not kept).
    func peerResponse(_ response: DIMSECommand) async
}

/// Makes the service for each association the acceptor accepts.
public typealias AssociationServiceFactory = @Sendable (AcceptedAssociation) -> any AssociationService

/// What the acceptor reports besides what the services see: associations refused or lost before
/// any service was made.
public enum AcceptorEvent: Sendable {
    /// An A-ASSOCIATE-RQ rejected: the calling and called AE titles and the reason in words.
    case rejected(calling: String, called: String, peer: String, reason: String)
    /// A connection that ended before an association was accepted (no A-ASSOCIATE-RQ within the
    /// ARTIM time-out, a malformed PDU, a drop).
    case failed(peer: String, reason: String)
    /// A connection refused at the TLS layer: the handshake failed (a certificate refused, nothing
    /// in common), or the client spoke TLS to a plain port or plain DICOM to a TLS one.
    case tlsRefused(peer: String, reason: String)
}
