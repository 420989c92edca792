import DicomCore
import DicomNet
import DicomServices

/// `dicomtool move --from AET@host:port (--dest AET | --receive-port PORT -o DIR) (-k KEY=VALUE... | --query FILE|-)`.
public struct MoveArgs: CommandArgs {
    /// The peer (--from) and the requestor settings shared with the other requestor commands.
    public var peer = PeerArgs()
    public var tls = TLSArgs()
    public var level: QueryLevel?
    public var model: QueryModel?
    public var keys: [QueryKey] = []
    /// `--query FILE|-`: find's JSON Lines or a PS3.18 array.
    public var query: String?
    public var destination: String?
    public var receivePort: Int?
    public var output: String?
    public var sync = false
    /// `--limit N`: cancel once N sub-operations are done.
    public var limit: Int?
    /// The -k query, checked: model and level agree, keys parsed (a placeholder with --query).
    public private(set) var request: QueryRequest

    public init(_ low: LowArgs) throws(DicomError) {
        request = try QueryRequest(model: .studyRoot, level: .study, keys: [])
        try low.update(&self)
        try low.update(&peer)
        tls = try TLSArgs(low)
        if tls.enabled, low.isGiven(.receivePort), tls.settings.certificateFile == nil {
            // The listener is an acceptor: a TLS server needs its certificate.
            throw DicomError(.usage, "--tls with --receive-port needs the listener's certificate and key: --tls-cert FILE --tls-key FILE (PEM)")
        }
        guard low.isGiven(.from) else { throw DicomError(.usage, "move needs the peer: --from AET@HOST:PORT") }
        guard low.positionals.isEmpty else {
            throw DicomError(.usage, "move takes no inputs (\(low.positionals.count) given): the instances are named by -k keys")
        }
        guard destination != nil || receivePort != nil else {
            throw DicomError(.usage, "move needs where to: --dest AET (a third AE), or --receive-port PORT -o DIR (here)")
        }
        if receivePort != nil, output == nil || output == "-" || output?.isEmpty == true {
            throw DicomError(.usage, "--receive-port needs -o DIR, the directory the moved instances are filed under")
        }
        if receivePort == nil, output != nil {
            throw DicomError(.usage, "-o applies to --receive-port (the instances come here); with --dest they go to that AE")
        }
        if query != nil, !keys.isEmpty { throw DicomError(.usage, "-k and --query cannot be combined: the query names what to move") }
        guard query != nil || keys.contains(where: { !$0.value.isEmpty }) else {
            throw DicomError(.usage, "move needs what to move: -k KEY=VALUE (e.g. StudyInstanceUID=1.2.3) or --query FILE|- (find's output)")
        }
        request = try QueryRequest.defaulted(level: level, model: model, keys: keys)
    }

    public func run(global: GlobalArgs) -> ExitStatus { MoveCommand.run(self, global: global) }
}
