import DicomCore

/// What the anonymizer asks the data dictionary about a tag, looked up once per tag per process.
///
/// `DataDictionary.entry(for:)` parses its table row (strings, a VR list) on every call, and the
/// anonymizer asks about most elements of every file several times (the report's keyword, the
/// dictionary VR of UN values, whether an unlisted UI attribute is mapped): over a tree of
/// thousands of files the same few hundred tags recur, so the answers are kept.
struct TagFacts: Sendable {
    /// The dictionary keyword, "" when the tag is not in the dictionary.
    let keyword: String
    /// The dictionary's (first) VR.
    let dictionaryVR: VR?
    let isInDictionary: Bool
    /// An unlisted UI attribute whose values are instance or frame of reference UIDs (mapped),
    /// not class, syntax or coding UIDs (kept). See `Pass.isMappableUnlistedUID`.
    let isMappableUnlistedUID: Bool

    private static let lock = Lock()
    nonisolated(unsafe) private static var known: [UInt32: TagFacts] = [:]

    static func of(_ tag: Tag) -> TagFacts {
        if let facts = lock.withLock({ known[tag.rawValue] }) { return facts }
        let entry = DataDictionary.entry(for: tag)
        let keyword = entry?.keyword ?? ""
        let facts = TagFacts(keyword: keyword, dictionaryVR: entry?.vr, isInDictionary: entry != nil,
                             isMappableUnlistedUID: tag.group != 0x0002 && entry != nil && !Self.namesKeptUID(keyword))
        lock.withLock { known[tag.rawValue] = facts }
        return facts
    }

    /// Keyword parts of UI attributes that hold class, syntax or coding UIDs.
    private static let keptUIDWords = ["Class", "TransferSyntax", "CodingScheme", "Context", "MappingResource",
                                       "CreatorUID", "CreatorVersionUID", "RepositoryUniqueID", "HomeCommunityID",
                                       "SelectorUIValue"].map { Array($0.utf8) }

    /// (Byte search: the keywords are ASCII, and String.contains(String) is slow.)
    private static func namesKeptUID(_ keyword: String) -> Bool {
        let bytes = Array(keyword.utf8)
        return keptUIDWords.contains { IdentityScanner.contains(bytes, $0) }
    }
}

/// The registered UIDs (transfer syntaxes, SOP classes, coding schemes...), which are never
/// mapped nor searched for: a set, because `UIDDictionary.entry(for:)` scans its whole table.
enum WellKnownUIDs {
    static let all: Set<String> = Set(UIDDictionary.all.map(\.uid))

    static func contains(_ uid: String) -> Bool { all.contains(uid) }
}
