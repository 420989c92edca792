import DicomCore
import DicomNet

/// `dicomtool send INPUT... --to AET@host:port`: the peer, the requestor's settings, and what to
/// do about lossy conversions, retries and the done file.
public struct SendArgs: CommandArgs {
    public var peer = PeerArgs()
    public var allowLossy: TransferSyntax?
    public var retries = 0
    /// `--async-window`: requests outstanding at once when the peer accepts the window.
    public var operationsWindow = 16
    public var doneFile: String?
    public var warningsAsErrors = false
    /// Parallel associations: `-j N` when given, else one (not one per core: a peer's capacity,
    /// not ours, is what limits a send).
    public var associations = 1
    public var tls = TLSArgs()

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
        try low.update(&peer)
        tls = try TLSArgs(low)
        guard low.isGiven(.to) else {
            throw DicomError(.usage, "send needs the peer: --to AET@HOST:PORT")
        }
        if low.isGiven(.jobs), let text = low.text(.jobs) {
            associations = try LowArgs.integer(text, spelling: low.spelling(.jobs), in: 1...4096)
        }
    }

    public func run(global: GlobalArgs) -> ExitStatus { SendCommand.run(self, global: global) }
}
