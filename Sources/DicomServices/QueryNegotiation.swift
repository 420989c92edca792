import DicomCore
import DicomNet

/// The options of SOP Class Extended Negotiation for the C-FIND SOP classes (PS3.4 C.5.1.1.1,
/// PS3.7 D.3.3.5): one byte each in the service-class application information, in this order,
/// 1 asked (A-ASSOCIATE-RQ, Table C.5-1) or accepted (A-ASSOCIATE-AC, Table C.5-2), 0 not.
public struct QueryNegotiationOptions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Byte 1: relational queries (PS3.4 C.4.1.2.2.2): keys of any level, no unique key above needed.
    public static let relational = QueryNegotiationOptions(rawValue: 1 << 0)
    /// Byte 2: combined date and time matching (C.2.2.2.5.1): a Date and a Time key as one range.
    public static let combinedDateTime = QueryNegotiationOptions(rawValue: 1 << 1)
    /// Byte 3: fuzzy semantic matching of person names (C.2.2.2.1.2): the peer's own idea of alike.
    public static let fuzzyNames = QueryNegotiationOptions(rawValue: 1 << 2)
    /// Byte 4: timezone query adjustment (C.4.1.1.3.3): dates and times read in the query's
    /// Timezone Offset From UTC.
    public static let timezoneAdjustment = QueryNegotiationOptions(rawValue: 1 << 3)

    /// Every option by byte position, with the name reports use.
    public static let named: [(option: QueryNegotiationOptions, name: String)] = [
        (.relational, "relational"), (.combinedDateTime, "combined-datetime"), (.fuzzyNames, "fuzzy"), (.timezoneAdjustment, "timezone-adjustment"),
    ]

    /// The A-ASSOCIATE-RQ's application information: a byte per option up to the last one asked
    /// (PS3.4 lets the request stop after any byte; an absent byte means not asked).
    public var applicationInformation: [UInt8] {
        guard let last = Self.named.lastIndex(where: { contains($0.option) }) else { return [] }
        return Self.named[...last].map { contains($0.option) ? 1 : 0 }
    }

    /// What an A-ASSOCIATE-AC's application information accepts: byte n equal to 1. A byte left
    /// out, or any other value, is not accepted.
    public init(accepted bytes: [UInt8]) {
        var options: QueryNegotiationOptions = []
        for (index, entry) in Self.named.enumerated() where index < bytes.count && bytes[index] == 1 { options.insert(entry.option) }
        self = options
    }

    public var names: [String] { Self.named.filter { contains($0.option) }.map(\.name) }
}

/// What was asked in extended negotiation for a query's SOP class and what the peer accepted.
public struct QueryNegotiation: Sendable, Equatable {
    public var requested: QueryNegotiationOptions
    public var accepted: QueryNegotiationOptions

    public init(requested: QueryNegotiationOptions, accepted: QueryNegotiationOptions) {
        self.requested = requested
        self.accepted = accepted
    }

    /// `relational accepted, fuzzy not accepted`.
    public var description: String {
        QueryNegotiationOptions.named.filter { requested.contains($0.option) }
            .map { "\($0.name) \(accepted.contains($0.option) ? "accepted" : "not accepted")" }.joined(separator: ", ")
    }

    /// What the peer answered for `sopClassUID` on `session`, given what was asked; only what was
    /// asked can be accepted (a peer answering more is taken at its word for what we asked only).
    static func answer(_ requested: QueryNegotiationOptions, sopClassUID: String, in session: AssociationSession) -> QueryNegotiation {
        let bytes = session.negotiated?.extendedNegotiations[sopClassUID] ?? []
        return QueryNegotiation(requested: requested, accepted: QueryNegotiationOptions(accepted: bytes).intersection(requested))
    }
}

extension QueryRequest {
    /// Why this query is relational, or nil when it is hierarchical (PS3.4 C.4.1.2.2.1: each level
    /// above the query level is named by its unique key, one value without wild cards). Keys of
    /// other attributes are not sorted into levels here: the unique keys decide.
    public var relationalReason: String? {
        guard let level, let end = model.levels.firstIndex(of: level) else { return nil }
        for above in model.levels[..<end] {
            let unique = above.uniqueKey
            let values = keys.filter { $0.topLevelTag == unique }.map(\.value)
            let keyword = DataDictionary.entry(for: unique)?.keyword ?? unique.description
            guard let value = values.first, values.count == 1, !value.isEmpty else {
                return "no single \(keyword) names the \(above.value) above the \(level.value) level"
            }
            if value.contains(where: { $0 == "*" || $0 == "?" || $0 == "\\" }) {
                return "\(keyword)=\(value) is not one \(above.value) (a hierarchical query needs a single value above the \(level.value) level)"
            }
        }
        return nil
    }
}
