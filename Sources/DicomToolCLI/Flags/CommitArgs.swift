import DicomCore
import DicomNet
import DicomServices

/// `dicomtool commit --to AET@host:port INPUT...`: the peer, where and how long to wait for the
/// reports, and the instances (inputs, or `send`'s JSON Lines).
public struct CommitArgs: CommandArgs {
    public var peer = PeerArgs()
    public var tls = TLSArgs()
    public var reportTimeoutSeconds = 60
    public var receivePort: Int?
    public var receiveHost = "0.0.0.0"
    public var fromSend: String?
    public var perRequest = CommitmentSCU.defaultInstancesPerRequest

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
        try low.update(&peer)
        tls = try TLSArgs(low)
        if tls.enabled, low.isGiven(.receivePort), tls.settings.certificateFile == nil {
            // The listener is an acceptor: a TLS server needs its certificate.
            throw DicomError(.usage, "--tls with --receive-port needs the listener's certificate and key: --tls-cert FILE --tls-key FILE (PEM)")
        }
        guard low.isGiven(.to) else {
            throw DicomError(.usage, "commit needs the peer: --to AET@HOST:PORT")
        }
        if low.isGiven(.bind), receivePort == nil {
            throw DicomError(.usage, "\(low.spelling(.bind)) applies to the listener of --receive-port, which was not given")
        }
    }

    public func run(global: GlobalArgs) -> ExitStatus { CommitCommand.run(self, global: global) }
}
