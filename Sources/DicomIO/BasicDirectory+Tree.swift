import DicomCore

/// The DICOMDIR as a tree of records (PS3.3 F.4): what `dicomdir create`, `update` and `list`
/// read and write. It is the same model as the rewriter's (records plus their links as indices),
/// seen from the root: reading follows the offsets through `links(of:)`, writing flattens the
/// tree into records and links and goes through the rewriter's one encoder.
extension BasicDirectory {
    /// One directory record and the records of its lower-level directory entity, in order.
    public struct Node: Sendable {
        public var record: Dataset
        public var children: [Node]

        public init(record: Dataset, children: [Node] = []) {
            self.record = record
            self.children = children
        }

        public var recordType: String { record.string(Tag.directoryRecordType) ?? "" }
        /// The File ID components of the file the record references; nil when it references none.
        public var fileID: [String]? {
            guard let id = record.strings(referencedFileID), !id.isEmpty else { return nil }
            return id
        }
    }

    /// The record tree of a DICOMDIR: the root entity's chain, each record's lower-level entity
    /// below it. A record reached twice (a loop in hostile offsets) is taken once; `unreachable`
    /// counts the records that no chain reaches (a rewriter's leftovers: they are not part of the
    /// file-set, PS3.10 8.6).
    public static func tree(of file: DicomFile) throws(DicomError) -> (roots: [Node], unreachable: Int) {
        let records = file.dataset.items(recordSequence) ?? []
        let links = try links(of: file)
        var seen = Set<Int>()
        func chain(from start: Int?, depth: Int) -> [Node] {
            var nodes: [Node] = []
            var cursor = start
            while let i = cursor, depth < 64, seen.insert(i).inserted {
                var record = records[i]
                record.remove(nextRecord)
                record.remove(lowerLevel)
                nodes.append(Node(record: record, children: chain(from: links.lower[i], depth: depth + 1)))
                cursor = links.next[i]
            }
            return nodes
        }
        let roots = chain(from: links.rootFirst, depth: 0)
        return (roots, records.count - seen.count)
    }

    /// A DICOMDIR with the records of `roots`: the File-set ID, the consistency flag 0000H, the
    /// meta of a Media Storage Directory with `instanceUID`, Explicit VR Little Endian, offsets
    /// computed. `descriptor`: an existing DICOMDIR's other elements to keep (update).
    public static func encode(_ roots: [Node], fileSetID: String, instanceUID: String,
                              keeping previous: DicomFile? = nil) throws(DicomError) -> [UInt8] {
        var records: [Dataset] = []
        var links = Links(rootFirst: nil, rootLast: nil, next: [], lower: [])
        /// Appends a chain in preorder and returns the index of its first record.
        func append(_ nodes: [Node]) -> Int? {
            var previousIndex: Int?
            var first: Int?
            for node in nodes {
                let index = records.count
                records.append(node.record)
                links.next.append(nil)
                links.lower.append(nil)
                if let p = previousIndex { links.next[p] = index } else { first = index }
                previousIndex = index
                links.lower[index] = append(node.children)
            }
            return first
        }
        links.rootFirst = append(roots)
        var last = links.rootFirst
        while let i = last, let n = links.next[i] { last = n }
        links.rootLast = last

        var dataset = previous?.dataset ?? Dataset()
        dataset.setString(Tag.fileSetID, .CS, fileSetID)
        dataset.setUInt16(Tag.fileSetConsistencyFlag, 0)
        var meta = previous?.meta ?? Dataset()
        meta.setString(Tag.mediaStorageSOPClassUID, .UI, sopClassUID)
        meta.setString(Tag.mediaStorageSOPInstanceUID, .UI, instanceUID)
        return try encode(records: records, links: links, dataset: dataset, meta: meta, preamble: previous?.preamble)
    }

    /// A record of `type` with the elements every record has (PS3.3 Table F.3-3): the offsets (0
    /// until encoded), Record In-use Flag FFFFH and the Directory Record Type.
    public static func emptyRecord(_ type: String) -> Dataset {
        var record = Dataset()
        record.set(ulElement(nextRecord, 0))
        record.set(ulElement(lowerLevel, 0))
        record.setUInt16(Tag.recordInUseFlag, 0xFFFF)
        record.setString(Tag.directoryRecordType, .CS, type)
        return record
    }
}
