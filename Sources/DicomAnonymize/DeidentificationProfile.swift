import DicomCore

/// PS3.15 Table E.1-1, generated into `Generated/Deidentification+Table.swift` by
/// scripts/gen_deid.py: the Basic Application Level Confidentiality Profile action for each
/// attribute and the actions of its options.
public enum DeidentificationProfile {
    /// The action codes of PS3.15 E.1.1 (Table E.1-1 legend).
    public enum Action: String, Sendable, CaseIterable {
        /// Replace with a non-zero length dummy value consistent with the VR.
        case dummy = "D"
        /// Replace with a zero length value (or a dummy value).
        case zero = "Z"
        /// Remove.
        case remove = "X"
        /// Keep (unchanged for non-sequence attributes, cleaned for sequences).
        case keep = "K"
        /// Clean: replace with values of similar meaning known not to contain identifying information.
        case clean = "C"
        /// Replace with a non-zero length UID that is internally consistent within a set of instances.
        case uid = "U"
        case removeOrZero = "X/Z"
        case removeOrDummy = "X/D"
        case removeOrZeroOrDummy = "X/Z/D"
        case zeroOrDummy = "Z/D"
        /// Remove, or empty, or keep the sequence with every UID inside replaced.
        case removeOrZeroOrUIDs = "X/Z/U*"
    }

    /// One of the option columns of Table E.1-1, in table order.
    public enum Option: String, Sendable, CaseIterable {
        case retainSafePrivate = "retain_safe_private"
        case retainUIDs = "retain_uids"
        case retainDeviceIdentity = "retain_device_identity"
        case retainInstitutionIdentity = "retain_institution_identity"
        case retainPatientCharacteristics = "retain_patient_characteristics"
        case retainLongFullDates = "retain_long_full_dates"
        case retainLongModifiedDates = "retain_long_modified_dates"
        case cleanDescriptors = "clean_descriptors"
        case cleanStructuredContent = "clean_structured_content"
        case cleanGraphics = "clean_graphics"
    }

    /// A row of Table E.1-1.
    public struct Rule: Sendable {
        public let mask: UInt32
        public let value: UInt32
        public let keyword: String
        public let basic: Action
        /// The action an option column gives, for the options that name this attribute.
        public let options: [Option: Action]
    }

    /// A CID 7050 code.
    public struct MethodCode: Sendable, Equatable {
        public let value: String
        public let scheme: String
        public let meaning: String
        public let keyword: String
        /// The profile column the code stands for (nil: an option this tool does not perform).
        public let option: Option?
        public let isBasicProfile: Bool
    }

    struct Index: Sendable {
        var exact: [UInt32: Rule] = [:]
        var masked: [Rule] = []
        /// (mask, value) of `masked`, in the same order: the search for a tag that no exact row
        /// names (most tags of a file) then copies no rule.
        var maskedPatterns: [(mask: UInt32, value: UInt32)] = []
        var methods: [MethodCode] = []
    }

    static let index: Index = {
        var index = Index()
        let columns = optionColumns.map { Option(rawValue: $0) }
        // Split as bytes (the table is ASCII): by Character it cost more than a file's anonymization.
        for line in tsv.utf8.split(separator: 0x0A) {
            let c = line.split(separator: 0x09, omittingEmptySubsequences: false).map { Substring($0) }
            guard c.count >= 4 + columns.count, let mask = UInt32(c[0], radix: 16), let value = UInt32(c[1], radix: 16),
                  let basic = Action(rawValue: String(c[3])) else { continue }
            var options: [Option: Action] = [:]
            for (i, option) in columns.enumerated() {
                if let option, let action = Action(rawValue: String(c[4 + i])) { options[option] = action }
            }
            let rule = Rule(mask: mask, value: value, keyword: String(c[2]), basic: basic, options: options)
            if mask == 0xFFFF_FFFF { index.exact[value] = rule } else {
                index.masked.append(rule)
                index.maskedPatterns.append((mask, value))
            }
        }
        for line in methodsTSV.split(separator: "\n", omittingEmptySubsequences: true) {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard c.count >= 5 else { continue }
            index.methods.append(MethodCode(value: c[0], scheme: c[1], meaning: c[2], keyword: c[3],
                                            option: Option(rawValue: c[4]), isBasicProfile: c[4] == "basic_profile"))
        }
        return index
    }()

    /// The rule for a concrete tag: exact rows first, then the masked ones ((50xx,xxxx),
    /// (60xx,3000), (60xx,4000), and (gggg,eeee) for every private attribute).
    public static func rule(for tag: Tag) -> Rule? {
        if let r = index.exact[tag.rawValue] { return r }
        for (i, p) in index.maskedPatterns.enumerated() where tag.rawValue & p.mask == p.value {
            // Repeating groups 50xx and 60xx are even groups only (PS3.5 7.6).
            if p.mask == 0xFF00_0000 || p.mask == 0xFF00_FFFF, tag.group & 1 == 1 { continue }
            return index.masked[i]
        }
        return nil
    }

    /// Every row, for counting and documentation.
    public static var rules: [Rule] { Array(index.exact.values) + index.masked }

    /// CID 7050 in table order.
    public static var methods: [MethodCode] { index.methods }

    public static var count: Int { rowCount }
}

/// The strongest Type (1, 2, 3) each composite IOD gives the attributes whose profile action
/// depends on it, generated from the PS3.3 module tables by scripts/gen_deid.py.
public enum DeidentificationIODTypes {
    public enum AttributeType: Sendable { case type1, type2, type3, absent }

    struct Index: Sendable {
        var ciodBySOPClass: [String: String] = [:]
        /// CIOD id -> its cells ("GGGGEEEE" + top-level Type + nested Type, space-separated),
        /// parsed into `IODTypes` when a file of that IOD is first seen: a run meets a few IODs
        /// of the hundred or so, and parsing them all up front cost more than a file.
        var cellsByCIOD: [String: Substring] = [:]
    }

    static let index: Index = {
        var index = Index()
        for line in sopClassTSV.utf8.split(separator: 0x0A) {
            let c = line.split(separator: 0x09, omittingEmptySubsequences: false)
            if c.count == 2 { index.ciodBySOPClass[String(Substring(c[0]))] = String(Substring(c[1])) }
        }
        // Byte by byte (the table is ASCII): splitting this long text by Character cost more
        // than anonymizing a file.
        for line in typesTSV.utf8.split(separator: 0x0A) {
            let c = line.split(separator: 0x09, maxSplits: 2, omittingEmptySubsequences: false)
            guard c.count == 2 else { continue }
            index.cellsByCIOD[String(Substring(c[0]))] = Substring(c[1])
        }
        return index
    }()

    private static let parsedLock = Lock()
    /// CIOD id -> its parsed Types (nil: no such CIOD), filled as IODs are met.
    nonisolated(unsafe) private static var parsed: [String: IODTypes?] = [:]

    /// The parsed Types of the CIOD `ciod` ("*": the strongest over all IODs).
    static func types(ofCIOD ciod: String) -> IODTypes? {
        if let known = parsedLock.withLock({ parsed[ciod] }) { return known }
        let row = index.cellsByCIOD[ciod].map(parseCells)
        parsedLock.withLock { parsed[ciod] = .some(row) }
        return row
    }

    static func parseCells(_ cells: Substring) -> IODTypes {
        func type(_ byte: UInt8) -> AttributeType {
            switch byte { case 0x31: .type1; case 0x32: .type2; case 0x33: .type3; default: .absent }
        }
        var row: IODTypes = [:]
        for cell in cells.utf8.split(separator: 0x20) where cell.count == 10 {
            var tag: UInt32 = 0
            var valid = true
            for byte in cell.prefix(8) {
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: valid = false; digit = 0
                }
                tag = tag << 4 | UInt32(widening: digit)
            }
            guard valid else { continue }
            let i = cell.index(cell.startIndex, offsetBy: 8)
            row[tag] = (type(cell[i]), type(cell[cell.index(after: i)]))
        }
        return row
    }

    /// The CIOD id of a storage SOP class (e.g. "ct-image"), nil when not mapped.
    public static func ciod(forSOPClass uid: String) -> String? { index.ciodBySOPClass[uid] }

    /// The Types of one IOD (the strongest over all IODs when the SOP class is unknown): looked
    /// up once per file, then `type(of:in:nested:)` for each attribute.
    typealias IODTypes = [UInt32: (AttributeType, AttributeType)]

    static func types(forSOPClass sopClass: String?) -> IODTypes? {
        sopClass.flatMap { index.ciodBySOPClass[$0] }.flatMap { types(ofCIOD: $0) } ?? types(ofCIOD: "*")
    }

    static func type(of tag: Tag, in types: IODTypes?, nested: Bool) -> AttributeType {
        guard let pair = types?[tag.rawValue] else { return .absent }
        return nested ? pair.1 : pair.0
    }
}
