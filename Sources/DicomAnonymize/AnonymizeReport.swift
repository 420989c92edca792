import DicomCore
import DicomIO

/// What an anonymization did, for `--plan`, the JSON record and `--map-out`.
public struct AnonymizeReport: Sendable {
    /// One change to one attribute. `path` is like "(0008,1140)[0].(0008,1155)".
    public struct Change: Sendable {
        public let path: String
        public let keyword: String
        /// D, Z, X, U, C (clean), S (date shifted), P (the patient's keyed pseudonym), keep (--keep),
        /// remove (--remove), set (--set), private (private attribute removed), overlay (overlay
        /// group removed), added.
        public let action: String
        public let oldValue: String?
        public let newValue: String?
    }

    public internal(set) var changes: [Change] = []
    /// How many attributes each action touched.
    public internal(set) var counts: [String: Int] = [:]
    /// Original -> new UID, for every UID mapped (the audit that `--map-out` writes).
    public internal(set) var uidMap: [String: String] = [:]
    /// Original -> pseudonym of Patient ID and of Patient's Name (`Anonymizer.patientPseudonym`).
    public internal(set) var patientIDMap: [String: String] = [:]
    public internal(set) var patientNameMap: [String: String] = [:]
    /// Attributes `--keep` kept that the profile would have removed or replaced (keywords, or
    /// tags when not in the dictionary): Patient Identity Removed is then NO.
    public internal(set) var identityKept: [String] = []
    /// The date shift applied (Retain Longitudinal Temporal Information with Modified Dates).
    public internal(set) var dateOffsetDays: Int?
    public internal(set) var warnings: [String] = []
    /// Why the file was suspected of burned-in annotation (policy warn or allow), nil if not.
    public internal(set) var burnedInReason: String?
    /// The transfer syntax the result must be written in (the meta's (0002,0010)).
    public internal(set) var outputSyntax: TransferSyntax?
    /// The CID 7050 codes written into De-identification Method Code Sequence.
    public internal(set) var methodCodes: [DeidentificationProfile.MethodCode] = []

    mutating func record(_ path: String, _ tag: Tag, _ action: String, old: String? = nil, new: String? = nil) {
        let facts = TagFacts.of(tag)
        let keyword = facts.isInDictionary ? facts.keyword : (tag.isPrivate ? "private" : "")
        changes.append(Change(path: path, keyword: keyword, action: action,
                              oldValue: old.map { Self.short($0) }, newValue: new.map { Self.short($0) }))
        counts[action, default: 0] += 1
    }

    /// The audit of old -> new identifiers for `--map-out`: one TSV line per UID ("uid", old,
    /// new) and per patient pseudonym ("PatientID" or "PatientName", old, new), sorted, so that
    /// runs over the same files give the same text. Backslash, tab, CR and LF in a value are
    /// written as \\, \t, \r and \n.
    public var auditLines: [String] {
        func tsv(_ s: String) -> String {
            guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return s }
            return s.replacing("\\", with: "\\\\").replacing("\t", with: "\\t").replacing("\r", with: "\\r").replacing("\n", with: "\\n")
        }
        return (uidMap.map { "uid\t\($0.key)\t\($0.value)" }
            + patientIDMap.map { "PatientID\t\(tsv($0.key))\t\($0.value)" }
            + patientNameMap.map { "PatientName\t\(tsv($0.key))\t\($0.value)" }).sorted()
    }

    static func short(_ s: String) -> String {
        // At most 80 UTF-8 bytes is at most 80 characters: no counting for most values.
        if s.utf8.count <= 80 { return s }
        return s.count > 80 ? String(s.prefix(77)) + "..." : s
    }
}
