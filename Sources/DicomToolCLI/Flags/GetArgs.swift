import DicomCore
import DicomNet
import DicomServices

/// `dicomtool get --from AET@host:port (-k KEY=VALUE... | --query FILE|-) -o DIR`: the peer, the
/// requestor's settings, what to retrieve, and where and how the instances are filed (receive's
/// writer and layout).
public struct GetArgs: CommandArgs {
    /// The archive (--from) and the requestor settings shared with the other requestor commands.
    public var peer = PeerArgs()
    public var tls = TLSArgs()
    public var level: QueryLevel?
    public var model: QueryModel?
    public var keys: [QueryKey] = []
    /// `--query FILE|-`: find's JSON Lines or a PS3.18 array.
    public var query: String?
    public var output: String?
    public var layout: String?
    public var onDuplicate = StorageSCPConfiguration.DuplicatePolicy.keep
    public var sync = false
    /// `--limit N`: cancel once N sub-operations are done.
    public var limit: Int?
    public private(set) var configuration: StorageSCPConfiguration
    /// The -k query's model and level, checked (as find's and move's); the keys of --query
    /// entries are resolved in this model.
    public private(set) var request: QueryRequest

    public init(_ low: LowArgs) throws(DicomError) {
        configuration = StorageSCPConfiguration(outputDirectory: ".", layout: try StorageLayout())
        request = try QueryRequest(model: .studyRoot, level: .study, keys: [])
        try low.update(&self)
        try low.update(&peer)
        tls = try TLSArgs(low)
        guard low.isGiven(.from) else { throw DicomError(.usage, "get needs the peer: --from AET@HOST:PORT") }
        guard low.positionals.isEmpty else {
            throw DicomError(.usage, "get takes no inputs (\(low.positionals.count) given): what to retrieve is -k keys or --query FILE")
        }
        guard !keys.isEmpty || query != nil else {
            throw DicomError(.usage, "get needs what to retrieve: -k KEY=VALUE (e.g. StudyInstanceUID=1.2.3) or --query FILE|- (find's output)")
        }
        if query != nil, !keys.isEmpty { throw DicomError(.usage, "-k and --query cannot be combined: the query names what to retrieve") }
        if keys.contains(where: { $0.value.isEmpty }) {
            throw DicomError(.usage, "get's keys match (KEY=VALUE); an empty value matches everything")
        }
        request = try QueryRequest.defaulted(level: level, model: model, keys: keys)
        guard let output, !output.isEmpty, output != "-" else {
            throw DicomError(.usage, "get needs -o DIR, the directory to file retrieved instances under")
        }
        var c = StorageSCPConfiguration(outputDirectory: output.count > 1 && output.hasSuffix("/") ? String(output.dropLast()) : output,
                                        layout: try StorageLayout(layout ?? StorageLayout.defaultTemplate))
        c.aeTitle = peer.callingAETitle
        c.onDuplicate = onDuplicate
        c.sync = sync
        c.dimseSeconds = peer.dimseTimeoutSeconds
        configuration = c
    }

    public func run(global: GlobalArgs) -> ExitStatus { GetCommand.run(self, global: global) }
}
