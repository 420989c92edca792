import DicomCore

/// Builds DICOMDIR record trees (PS3.3 F.4, F.5) from instances: PATIENT -> STUDY -> SERIES ->
/// the instance's record (IMAGE, RT DOSE, SR DOCUMENT ... by `DirectoryRecordTypes`), or a
/// top-level record for the classes that have one (HANGING PROTOCOL, PALETTE). Records are grouped
/// by Patient ID, Study Instance UID and Series Instance UID; series are ordered by Series Number
/// and instances by Instance Number, as dcmmkdir orders them, others in input order.
public struct DirectoryBuilder: Sendable {
    /// The records made for one instance, before it is placed in the tree: made in parallel,
    /// placed in input order.
    public struct Instance: Sendable {
        public var patient: Dataset
        public var study: Dataset
        public var series: Dataset
        public var leaf: Dataset
        public var topLevel: Bool
        public var sopInstanceUID: String
        /// The Type 1 keys that were invented (--invent), by keyword.
        public var invented: [String]
    }

    public private(set) var roots: [BasicDirectory.Node]
    private var referencedInstances: [String: [String]] = [:]

    /// A builder that starts from an existing tree (update) or from nothing (create).
    public init(_ roots: [BasicDirectory.Node] = []) {
        self.roots = roots
        func visit(_ nodes: [BasicDirectory.Node]) {
            for node in nodes {
                if let uid = node.record.string(BasicDirectory.referencedSOPInstance), let id = node.fileID {
                    referencedInstances[uid] = id
                }
                visit(node.children)
            }
        }
        visit(roots)
    }

    /// The records for `file`, whose File ID is `fileID`. A missing Type 1 key is an error naming
    /// it and its record, unless `invent`: then a value is made up and its keyword listed.
    public static func instance(_ file: DicomFile, fileID: [String], invent: Bool) throws(DicomError) -> Instance {
        let ds = file.dataset
        var invented: [String] = []
        let sopClass = ds.string(Tag.sopClassUID) ?? file.meta.string(Tag.mediaStorageSOPClassUID) ?? ""
        let sopInstance = ds.string(Tag.sopInstanceUID) ?? file.meta.string(Tag.mediaStorageSOPInstanceUID) ?? ""
        guard !sopClass.isEmpty, !sopInstance.isEmpty else {
            throw DicomError(.invalidInput, "no SOP Class UID or SOP Instance UID: a DICOMDIR record cannot reference it",
                             tag: sopClass.isEmpty ? Tag.sopClassUID : Tag.sopInstanceUID)
        }
        let type = DirectoryRecordTypes.recordType(forSOPClass: sopClass)
        let seed = fileID.joined(separator: "/")
        var patient = try keys(DirectoryRecordTypes.recordType(named: "PATIENT"), ds, invent: invent, seed: seed, &invented)
        var study = try keys(DirectoryRecordTypes.recordType(named: "STUDY"), ds, invent: invent, seed: seed, &invented)
        // Study Instance UID is 1C only because a STUDY record may reference an instance itself;
        // these never do, and it is what groups them.
        if (study.string(Tag.studyInstanceUID) ?? "").isEmpty {
            try fill(&study, Tag.studyInstanceUID, "StudyInstanceUID", "STUDY", ds, invent: invent, seed: seed, &invented)
        }
        var series = try keys(DirectoryRecordTypes.recordType(named: "SERIES"), ds, invent: invent, seed: seed, &invented)
        var leaf = try keys(type, ds, invent: invent, seed: seed, &invented)
        leaf.setStrings(BasicDirectory.referencedFileID, .CS, fileID)
        leaf.setString(BasicDirectory.referencedSOPClass, .UI, sopClass)
        leaf.setString(BasicDirectory.referencedSOPInstance, .UI, sopInstance)
        leaf.setString(BasicDirectory.referencedTransferSyntax, .UI, file.meta.string(Tag.transferSyntaxUID) ?? file.transferSyntax.uid)
        if let related = ds.string(Tag.relatedGeneralSOPClassUID), !related.isEmpty {
            leaf.setString(Tag.referencedRelatedGeneralSOPClassUIDInFile, .UI, related)
        }
        if let charset = ds[Tag.specificCharacterSet], let bytes = charset.valueBytes {
            let owned = Element(tag: charset.tag, vr: charset.vr, value: .bytes(ValueBytes(bytes.bytes)))
            for i in 0..<4 {
                switch i {
                case 0: patient.set(owned)
                case 1: study.set(owned)
                case 2: series.set(owned)
                default: leaf.set(owned)
                }
            }
        }
        return Instance(patient: patient, study: study, series: series, leaf: leaf, topLevel: type.topLevel,
                        sopInstanceUID: sopInstance, invented: invented)
    }

    /// Places `instance` in the tree. Returns the File ID that already references the same SOP
    /// Instance (then nothing is added: PS3.10 8.6 allows one reference per instance), else nil.
    public mutating func add(_ instance: Instance) -> [String]? {
        if let existing = referencedInstances[instance.sopInstanceUID] { return existing }
        referencedInstances[instance.sopInstanceUID] = instance.leaf.strings(BasicDirectory.referencedFileID) ?? []
        let leaf = BasicDirectory.Node(record: instance.leaf)
        if instance.topLevel {
            roots.append(leaf)
            return nil
        }
        let p = Self.index(of: instance.patient, Tag.patientID, in: roots) ?? append(&roots, instance.patient)
        let s = Self.index(of: instance.study, Tag.studyInstanceUID, in: roots[p].children) ?? append(&roots[p].children, instance.study)
        var series = instance.series
        if instance.invented.contains("SeriesNumber") {
            // Invented numbers count within their parent, as dcmmkdir's do: the order stays the input's.
            series.setString(Tag.seriesNumber, .IS, String(roots[p].children[s].children.count + 1))
        }
        let r = Self.index(of: series, Tag.seriesInstanceUID, in: roots[p].children[s].children)
            ?? append(&roots[p].children[s].children, series)
        var leafNode = leaf
        if instance.invented.contains("InstanceNumber") {
            leafNode.record.setString(Tag.instanceNumber, .IS, String(roots[p].children[s].children[r].children.count + 1))
        }
        roots[p].children[s].children[r].children.append(leafNode)
        return nil
    }

    /// Removes the records whose file `exists` says is gone, and the patients, studies and series
    /// left without any; returns the File IDs removed.
    public mutating func removeRecords(whereFileIsMissing exists: ([String]) -> Bool) -> [[String]] {
        var removed: [[String]] = []
        func prune(_ nodes: [BasicDirectory.Node]) -> [BasicDirectory.Node] {
            var kept: [BasicDirectory.Node] = []
            for var node in nodes {
                if let id = node.fileID, !exists(id) {
                    removed.append(id)
                    continue
                }
                let hadChildren = !node.children.isEmpty
                node.children = prune(node.children)
                if hadChildren && node.children.isEmpty && node.fileID == nil { continue }
                kept.append(node)
            }
            return kept
        }
        roots = prune(roots)
        for id in removed {
            if let uid = referencedInstances.first(where: { $0.value == id })?.key { referencedInstances[uid] = nil }
        }
        return removed
    }

    /// Lets `body` edit the records in place (update's refresh of references); the tree's shape is
    /// the caller's to keep.
    public mutating func updateRoots(_ body: (inout [BasicDirectory.Node]) -> Void) { body(&roots) }

    /// The tree with series ordered by Series Number and the records under a series by Instance
    /// Number (stable: equal or missing numbers keep input order).
    public func ordered() -> [BasicDirectory.Node] {
        func number(_ node: BasicDirectory.Node, _ tag: Tag) -> Int { node.record.int(tag) ?? Int.max }
        var tree = roots
        for p in tree.indices {
            for s in tree[p].children.indices {
                var series = tree[p].children[s].children
                series = stableSorted(series) { number($0, Tag.seriesNumber) < number($1, Tag.seriesNumber) }
                for r in series.indices {
                    series[r].children = stableSorted(series[r].children) { number($0, Tag.instanceNumber) < number($1, Tag.instanceNumber) }
                }
                tree[p].children[s].children = series
            }
        }
        return tree
    }

    private func stableSorted(_ nodes: [BasicDirectory.Node], by less: (BasicDirectory.Node, BasicDirectory.Node) -> Bool) -> [BasicDirectory.Node] {
        nodes.enumerated().sorted { a, b in less(a.element, b.element) || (!less(b.element, a.element) && a.offset < b.offset) }.map(\.element)
    }

    private static func index(of record: Dataset, _ key: Tag, in nodes: [BasicDirectory.Node]) -> Int? {
        let value = record.string(key) ?? ""
        return nodes.lastIndex { $0.record.string(key) ?? "" == value }
    }

    private func append(_ nodes: inout [BasicDirectory.Node], _ record: Dataset) -> Int {
        nodes.append(BasicDirectory.Node(record: record))
        return nodes.count - 1
    }

    // MARK: Keys

    /// A record of `type` with its keys from `ds` (PS3.3 F.5): Type 1 copied (or invented), Type 2
    /// copied or empty, Type 1C copied when present.
    static func keys(_ type: DirectoryRecordTypes.RecordType, _ ds: Dataset, invent: Bool, seed: String,
                     _ invented: inout [String]) throws(DicomError) -> Dataset {
        var record = BasicDirectory.emptyRecord(type.name)
        for (keyword, keyType) in type.keys {
            guard let tag = DataDictionary.tag(forKeyword: keyword) else { continue }
            let element = ds[tag]
            let present = element.map(hasValue) ?? false
            // Verification DateTime is required when the document is verified (PS3.3 F.5 SR Document Keys).
            let effective = keyType == .conditional && tag == Tag.verificationDateTime
                && ds.string(Tag.verificationFlag) == "VERIFIED" ? .required : keyType
            switch effective {
            case .required:
                if present, let element { record.set(owned(element)) } else {
                    try fill(&record, tag, keyword, type.name, ds, invent: invent, seed: seed, &invented)
                }
            case .present:
                if let element, present { record.set(owned(element)) } else {
                    let vr = DataDictionary.entry(for: tag)?.vr ?? .UN
                    record.set(Element(tag: tag, vr: vr, value: vr == .SQ ? .sequence([]) : .bytes(ValueBytes([]))))
                }
            case .conditional:
                guard present, let element else { continue }
                if tag == Tag.contentSequence {
                    // Only the items that modify the document title (HAS CONCEPT MOD) belong in the record.
                    let items = (element.items ?? []).filter { $0.string(Tag.relationshipType) == "HAS CONCEPT MOD" }
                    if !items.isEmpty { record.setSequence(tag, items) }
                } else {
                    record.set(owned(element))
                }
            }
        }
        return record
    }

    /// A value for a missing Type 1 key, or the error that it is missing.
    static func fill(_ record: inout Dataset, _ tag: Tag, _ keyword: String, _ recordType: String, _ ds: Dataset,
                     invent: Bool, seed: String, _ invented: inout [String]) throws(DicomError) {
        guard invent, let value = inventedValue(tag, ds, seed: seed) else {
            throw DicomError(.invalidInput, "\(keyword) is missing or empty, and it is a Type 1 key of the \(recordType) "
                             + "directory record (PS3.3 F.5)" + (invent ? ": no value can be made up for it" : "; --invent makes one up"),
                             tag: tag)
        }
        record.setString(tag, DataDictionary.entry(for: tag)?.vr ?? .LO, value)
        invented.append(keyword)
    }

    /// What --invent puts in a missing Type 1 key: a date or time of the series or acquisition
    /// when the study has none (as dcmmkdir does), a UID derived from the File ID (the same file
    /// gets the same UID in every run), else a neutral value of the key's VR.
    static func inventedValue(_ tag: Tag, _ ds: Dataset, seed: String) -> String? {
        let vr = DataDictionary.entry(for: tag)?.vr ?? .UN
        if tag == Tag.studyDate {
            return [Tag.seriesDate, Tag.acquisitionDate, Tag.contentDate].lazy.compactMap { ds.string($0) }.first { !$0.isEmpty } ?? "19000101"
        }
        if tag == Tag.studyTime {
            return [Tag.seriesTime, Tag.acquisitionTime, Tag.contentTime].lazy.compactMap { ds.string($0) }.first { !$0.isEmpty } ?? "000000"
        }
        if tag == Tag.modality { return "OT" }
        if tag == Tag.patientID { return "NOID" + String(hash(seed.split(separator: "/").dropLast().joined(separator: "/")) % 100_000_000) }
        switch vr {
        case .UI: return "2.25." + String(hash(seed + "#" + String(tag.rawValue)))
        case .DA: return "19000101"
        case .TM: return "000000"
        case .DT: return "19000101000000"
        case .IS, .DS: return "0"
        case .CS, .SH, .LO, .PN, .LT, .ST, .UT: return "UNKNOWN"
        default: return nil
        }
    }

    /// FNV-1a: a stable hash (Swift's Hasher is seeded per process).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(widening: byte)) &* 0x100_0000_01b3 }
        return h
    }

    /// Whether a key has a value: an item, or a byte that is not padding (a Patient ID of spaces is
    /// as missing as an absent one).
    static func hasValue(_ element: Element) -> Bool {
        if let items = element.items { return !items.isEmpty }
        guard let bytes = element.valueBytes else { return false }
        if !element.vr.isString { return bytes.count > 0 }
        return bytes.withUnsafeBytes { raw in raw.contains { $0 != 0x20 && $0 != 0 } }
    }

    /// `element` with its value in bytes of its own, little endian: a record must not keep the
    /// instance's file mapped, and the DICOMDIR is little endian whatever the file was. Text loses
    /// the trailing spaces and NULs of the file (a UID padded with spaces, a number with NULs) and
    /// gets the padding of its VR.
    static func owned(_ element: Element) -> Element {
        guard let bytes = element.valueBytes else { return element }
        // A standard key stored as UN (explicit VR files written without the dictionary) gets its VR back.
        if element.vr == .UN, let vr = DataDictionary.entry(for: element.tag)?.vr, vr != .SQ, vr != .UN, !bytes.isBigEndian {
            return owned(Element(tag: element.tag, vr: vr, value: .bytes(bytes)))
        }
        if element.vr.isString {
            var text = bytes.bytes
            while let last = text.last, last == 0x20 || last == 0 { text.removeLast() }
            if text.count % 2 == 1 { text.append(element.vr.paddingByte) }
            return Element(tag: element.tag, vr: element.vr, value: .bytes(ValueBytes(text)))
        }
        let unit: Int
        switch element.vr {
        case .US, .SS, .OW: unit = 2
        case .UL, .SL, .FL, .OL, .OF: unit = 4
        case .FD, .OD, .SV, .UV, .OV: unit = 8
        default: unit = 1
        }
        return Element(tag: element.tag, vr: element.vr, value: .bytes(ValueBytes(bytes.littleEndianBytes(swapUnit: unit))))
    }
}
