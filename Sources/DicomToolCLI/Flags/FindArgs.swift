import DicomCore
import DicomNet
import DicomServices

/// `dicomtool find --to AET@host:port [-k KEY=VALUE | -r KEY]...`: the peer, the requestor's
/// settings, the query (model, level, keys) and how the matches are written.
public struct FindArgs: CommandArgs {
    public var peer = PeerArgs()
    public var tls = TLSArgs()
    public var level: QueryLevel?
    public var model: QueryModel?
    public var worklist = false
    public var keys: [QueryKey] = []
    public var limit: Int?
    /// --relational, --combined-datetime, --fuzzy, --timezone-adjustment: asked in extended negotiation.
    public var negotiation: QueryNegotiationOptions = []
    /// `--json`: one PS3.18 array of the matches.
    public var json = false
    /// The query, checked: model and level agree, keys parsed.
    public private(set) var request: QueryRequest

    public init(_ low: LowArgs) throws(DicomError) {
        request = try QueryRequest(model: .studyRoot, level: .study, keys: [])
        try low.update(&self)
        try low.update(&peer)
        tls = try TLSArgs(low)
        guard low.isGiven(.to) else {
            throw DicomError(.usage, "find needs the peer: --to AET@HOST:PORT")
        }
        guard low.positionals.isEmpty else {
            throw DicomError(.usage, "find takes no inputs (\(low.positionals.count) given): the query is -k and -r keys")
        }
        if worklist {
            if low.isGiven(.level) || low.isGiven(.model) {
                throw DicomError(.usage, "--worklist queries the Modality Worklist model, which has no --level or --model")
            }
            request = try QueryRequest(model: .modalityWorklist, level: nil, keys: keys)
        } else {
            request = try QueryRequest.defaulted(level: level, model: model, keys: keys)
        }
        if worklist, !negotiation.isEmpty {
            // PS3.4 K.5.1: the worklist's extended negotiation has fuzzy matching only, in other bytes.
            throw DicomError(.usage, "--\(negotiation.names.first ?? "relational") applies to the Query/Retrieve models, not --worklist")
        }
        if json, low.isGiven(.format) {
            throw DicomError(.usage, "--json writes one PS3.18 array; --format json writes JSON Lines and --format csv a table: choose one")
        }
    }

    /// The -k and -r keys in the order typed, together: the columns' order.
    static func keys(_ low: LowArgs) throws(DicomError) -> [QueryKey] {
        var keys: [QueryKey] = []
        for occurrence in low.occurrences where occurrence.flag == .key || occurrence.flag == .returnKey {
            guard case .text(let text) = occurrence.value else { continue }
            if occurrence.flag == .returnKey {
                guard EditPath.splitAssignment(text) == nil else {
                    throw DicomError(.usage, "\(occurrence.spelling) \(text): a return key has no value (use -k KEY=VALUE for a matching key)")
                }
                keys.append(QueryKey(path: try AttributeKeys.path(text, flag: occurrence.spelling)))
            } else if let (key, fromFile, value) = EditPath.splitAssignment(text) {
                guard !fromFile else {
                    throw DicomError(.usage, "\(occurrence.spelling) \(text): a query key is KEY=VALUE (or KEY alone to have it returned), not KEY@FILE")
                }
                keys.append(QueryKey(path: try AttributeKeys.path(key, flag: occurrence.spelling, typed: text), value: value))
            } else {
                keys.append(QueryKey(path: try AttributeKeys.path(text, flag: occurrence.spelling)))
            }
        }
        return keys
    }

    public func run(global: GlobalArgs) -> ExitStatus { FindCommand.run(self, global: global) }
}
