import DicomCore
import FoundationEssentials

/// The one DICOMDIR rewriter (PS3.10 8.6, PS3.3 F.3): a Basic Directory written anew, always in
/// Explicit VR Little Endian, with every record offset recomputed for the bytes actually written
/// and the records' references following what became of the files they name.
///
/// A DICOMDIR links its records by byte offsets counted from the first byte of the file (the
/// preamble): Offset of the First/Last Directory Record of the Root Directory Entity
/// (0004,1200/1202), and in each record Offset of the Next Directory Record (0004,1400) and
/// Offset of Referenced Lower-Level Directory Entity (0004,1420). Any rewrite that changes a
/// byte before a record (another syntax, a changed UID, an anonymized name) moves the records,
/// so the offsets are resolved to records on reading and written back from the new positions.
public enum BasicDirectory {
    public static let sopClassUID = "1.2.840.10008.1.3.10"

    static let rootFirst = Tag.offsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity, rootLast = Tag.offsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity
    static let recordSequence = Tag.directoryRecordSequence
    static let nextRecord = Tag.offsetOfTheNextDirectoryRecord, lowerLevel = Tag.offsetOfReferencedLowerLevelDirectoryEntity
    public static let referencedFileID = Tag.referencedFileID
    public static let referencedSOPClass = Tag.referencedSOPClassUIDInFile
    public static let referencedSOPInstance = Tag.referencedSOPInstanceUIDInFile
    public static let referencedTransferSyntax = Tag.referencedTransferSyntaxUIDInFile

    /// Whether `file` is a DICOMDIR: its Media Storage SOP Class is the Basic Directory.
    public static func isBasicDirectory(_ file: DicomFile) -> Bool {
        file.meta.string(Tag.mediaStorageSOPClassUID) == sopClassUID
    }

    /// What became of one referenced file; nil fields are left as they are.
    public struct ReferencedFile: Sendable {
        public var sopClassUID: String?
        public var sopInstanceUID: String?
        public var transferSyntaxUID: String?

        public init(sopClassUID: String? = nil, sopInstanceUID: String? = nil, transferSyntaxUID: String? = nil) {
            self.sopClassUID = sopClassUID
            self.sopInstanceUID = sopInstanceUID
            self.transferSyntaxUID = transferSyntaxUID
        }
    }

    /// The links between records, as record indices instead of byte offsets.
    struct Links {
        var rootFirst: Int?
        var rootLast: Int?
        var next: [Int?]
        var lower: [Int?]
    }

    /// Resolves the record offsets of a DICOMDIR read from `file` to record indices. An offset that
    /// points at no record is an error naming the record and the offset: the rewrite would otherwise
    /// silently drop or misdirect a branch of the directory.
    static func links(of file: DicomFile) throws(DicomError) -> Links {
        let records = file.dataset.items(recordSequence) ?? []
        // An item's data set starts 8 bytes after its item tag, where the offsets point.
        var indexByOffset: [Int: Int] = [:]
        if file.datasetSource === file.source {
            for (i, record) in records.enumerated() {
                if let start = record.offset { indexByOffset[start - 8] = i }
            }
        }
        func resolve(_ value: Int?, _ tag: Tag, record: Int?) throws(DicomError) -> Int? {
            guard let value, value != 0 else { return nil }
            if let i = indexByOffset[value] { return i }
            let whose = record.map { "directory record \($0 + 1)" } ?? "the root directory entity"
            throw DicomError(.invalidInput, "\(whose): offset \(value) points at no directory record"
                             + (file.datasetSource === file.source ? "" : " (offsets of a deflated DICOMDIR cannot be resolved)"),
                             offset: record.flatMap { records[$0].offset }, tag: tag)
        }
        var links = Links(rootFirst: nil, rootLast: nil, next: [], lower: [])
        links.rootFirst = try resolve(file.dataset.int(rootFirst), rootFirst, record: nil)
        links.rootLast = try resolve(file.dataset.int(rootLast), rootLast, record: nil)
        for (i, record) in records.enumerated() {
            links.next.append(try resolve(record.int(nextRecord), nextRecord, record: i))
            links.lower.append(try resolve(record.int(lowerLevel), lowerLevel, record: i))
        }
        if links.rootFirst == nil, !records.isEmpty { links.rootFirst = 0 }
        if links.rootLast == nil, var i = links.rootFirst {
            // Absent in some writers' files: the end of the root chain.
            var seen = Set<Int>()
            while let n = links.next[i], seen.insert(i).inserted { i = n }
            links.rootLast = i
        }
        return links
    }

    /// The DICOMDIR of `file` rewritten: `dataset` (the caller's edit of it, e.g. anonymized, with
    /// the same records in the same order) gets each record's references from `update` (given the
    /// record's File ID components) and is encoded in Explicit VR Little Endian with every offset
    /// recomputed. A File ID's values are the components of a path below the DICOMDIR's directory
    /// (PS3.10 8.5). Returns the bytes of the whole file, the number of records and of those that
    /// reference a file, and the File IDs `update` knew nothing of.
    public static func rewrite(_ file: DicomFile, meta: Dataset? = nil, dataset: Dataset? = nil,
                               update: ([String]) -> ReferencedFile?) throws(DicomError)
        -> (bytes: [UInt8], records: Int, referencing: Int, unmatched: [[String]]) {
        let links = try links(of: file)
        let ds = dataset ?? file.dataset
        var records = ds.items(recordSequence) ?? []
        guard records.count == links.next.count else {
            throw DicomError(.internalError, "the DICOMDIR's records changed in number while it was rewritten", tag: recordSequence)
        }
        var unmatched: [[String]] = []
        var referencing = 0
        for i in records.indices {
            // Every offset element present (as 0 for now), so the sizes of the two passes agree.
            records[i].set(ulElement(nextRecord, 0))
            records[i].set(ulElement(lowerLevel, 0))
            guard let fileID = records[i].strings(referencedFileID), !fileID.isEmpty else { continue }
            referencing += 1
            guard let change = update(fileID) else { unmatched.append(fileID); continue }
            if let v = change.sopClassUID { records[i].setString(referencedSOPClass, .UI, v) }
            if let v = change.sopInstanceUID { records[i].setString(referencedSOPInstance, .UI, v) }
            if let v = change.transferSyntaxUID { records[i].setString(referencedTransferSyntax, .UI, v) }
        }
        let bytes = try encode(records: records, links: links, dataset: ds, meta: meta ?? file.meta, preamble: file.preamble)
        return (bytes, records.count, referencing, unmatched)
    }

    /// A DICOMDIR written in Explicit VR Little Endian (PS3.10 8.6): `dataset` with `records` as its
    /// Directory Record Sequence and every offset computed for the bytes actually written, the links
    /// given as record indices. The SOP Class of the meta comes from `meta` (a Basic Directory's data
    /// set has none). Pass 1 finds where each record lands; pass 2 writes the same bytes with the
    /// offsets, whose elements are present (as 0) in both passes so that the sizes agree.
    static func encode(records: [Dataset], links: Links, dataset: Dataset, meta: Dataset,
                       preamble: [UInt8]?) throws(DicomError) -> [UInt8] {
        var ds = dataset
        var records = records
        for i in records.indices {
            records[i].set(ulElement(nextRecord, 0))
            records[i].set(ulElement(lowerLevel, 0))
        }
        ds.set(ulElement(rootFirst, 0))
        ds.set(ulElement(rootLast, 0))
        ds.setSequence(recordSequence, records)
        let syntax = TransferSyntax.explicitVRLittleEndian
        let newMeta = DatasetWriter.makeMeta(for: ds, syntax: syntax, previous: meta)
        let writer = DatasetWriter(syntax: syntax)

        var first = MemorySink()
        try writer.writeFile(meta: newMeta, dataset: ds, preamble: preamble, to: &first)
        let written = try Part10Reader.read(source: ByteSource(ownedBytes: first.bytes, name: "DICOMDIR"))
        let positions = (written.dataset.items(recordSequence) ?? []).map { ($0.offset ?? 8) - 8 }
        guard positions.count == records.count else {
            throw DicomError(.internalError, "the rewritten DICOMDIR reads back with \(positions.count) records, not \(records.count)")
        }
        func position(_ index: Int?) -> UInt32 { index.map { UInt32(truncatingIfNeeded: positions[$0]) } ?? 0 }
        for i in records.indices {
            records[i].set(ulElement(nextRecord, position(links.next[i])))
            records[i].set(ulElement(lowerLevel, position(links.lower[i])))
        }
        ds.set(ulElement(rootFirst, position(links.rootFirst)))
        ds.set(ulElement(rootLast, position(links.rootLast)))
        ds.setSequence(recordSequence, records)
        var second = MemorySink()
        try writer.writeFile(meta: newMeta, dataset: ds, preamble: preamble, to: &second)
        guard second.bytes.count == first.bytes.count, positions.allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) }) else {
            throw DicomError(.internalError, "the DICOMDIR's records moved between the two passes of its rewrite")
        }
        return second.bytes
    }

    static func ulElement(_ tag: Tag, _ value: UInt32) -> Element {
        Element(tag: tag, vr: .UL, value: .bytes(ValueBytes(withUnsafeBytes(of: value.littleEndian, Array.init))))
    }
}
