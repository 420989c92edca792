import DicomCore
import DicomNet
import DicomServices

/// `dicomtool commit --to AET@host:port INPUT...`: the peer, where and how long to wait for the
/// reports, and the instances (inputs, or `send`'s JSON Lines).
public struct CommitArgs: CommandArgs {
    public var address = AssociationAddress(aeTitle: "", host: "", port: 0)
    public var callingAETitle = "DICOMTOOL"
    public var timeoutSeconds: Int64 = 30
    public var dimseTimeoutSeconds: Int64 = 60
    public var reportTimeoutSeconds = 60
    public var receivePort: Int?
    public var receiveHost = "0.0.0.0"
    public var fromSend: String?
    public var perRequest = CommitmentSCU.defaultInstancesPerRequest

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
        guard low.isGiven(.to) else {
            throw DicomError(.usage, "commit needs the peer: --to AET@HOST:PORT")
        }
        if low.isGiven(.bind), receivePort == nil {
            throw DicomError(.usage, "\(low.spelling(.bind)) applies to the listener of --receive-port, which was not given")
        }
    }

    public func run(global: GlobalArgs) -> ExitStatus { CommitCommand.run(self, global: global) }
}
