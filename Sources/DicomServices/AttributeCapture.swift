import DicomCore
import DicomIO
import DicomNet

/// The attributes a receiver files an instance by (layout, hooks, commitment), taken from its
/// bytes as they arrive rather than by reading the stored file back: the Part 10 file's first
/// `limit` bytes (the meta header we wrote, then the data set). An instance within them is read
/// whole, as the stored file would be (every element checked); of a larger one, the top-level
/// elements before the last attribute wanted, which come before its bulk data.
struct AttributeCapture {
    /// Most single-frame images fit; memory per association stays a few PDUs.
    static let limit = 1 << 20

    private var bytes: [UInt8] = []
    /// Where the data set begins (after the meta header).
    private var dataSetStart = 0
    /// The whole file is held.
    private(set) var isWhole = true

    /// A new instance, whose meta header (as written to its file) is `meta`.
    mutating func start(meta: [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes += meta
        dataSetStart = meta.count
        isWhole = true
    }

    mutating func append(_ fragment: PDVData) {
        guard isWhole else { return }
        guard fragment.count <= Self.limit - bytes.count else {
            let room = Self.limit - bytes.count
            fragment.withUnsafeBytes { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0.prefix(room))) }
            isWhole = false
            return
        }
        bytes += fragment
    }

    /// Gives the memory back between instances when a large one grew it.
    mutating func reset() {
        if bytes.capacity > 256 << 10 { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
        isWhole = true
    }

    /// The values of `tags` (trimmed), read from what was captured; nil when they cannot be known
    /// from it (the caller reads the stored file). Throws when the whole instance is held and its
    /// data set cannot be read.
    func values(of tags: Set<Tag>, syntax: TransferSyntax, name: String) throws(DicomError) -> [Tag: String]? {
        let dataset: Dataset
        if isWhole {
            dataset = try Part10Reader.read(source: ByteSource(ownedBytes: bytes, name: name)).dataset
        } else {
            // A deflated data set is one stream: its first bytes say nothing alone.
            guard !syntax.isDeflated, let last = tags.max(), last.rawValue < UInt32.max,
                  let prefix = BareDatasetReader.readPrefix(Array(bytes[dataSetStart...]),
                                                           encoding: DatasetEncoding(explicitVR: syntax.isExplicitVR,
                                                                                     bigEndian: syntax.isBigEndian),
                                                           stopBefore: Tag(rawValue: last.rawValue + 1), name: name)
            else { return nil }
            dataset = prefix
        }
        var values: [Tag: String] = [:]
        for tag in tags {
            if let s = dataset.string(tag) { values[tag] = s.trimmingWhitespace() }
        }
        return values
    }
}
