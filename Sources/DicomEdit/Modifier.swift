import DicomAnonymize
import DicomCore
import DicomIO

/// One modified instance, as a value the writer applies: the meta (in step with the data set's
/// SOP Class and Instance UIDs), the data set, what changed, and warnings.
public struct ModifiedInstance: Sendable {
    public var meta: Dataset
    public var dataset: Dataset
    public var changes: [ModifyChange]
    public var warnings: [String]
    /// The input's transfer syntax and preamble, both kept.
    public var syntax: TransferSyntax
    public var preamble: [UInt8]?

    /// Writes the instance in its syntax: preamble, meta and data set, or a bare data set for an
    /// input that had no meta. Values not edited are copied from the input as they are.
    public func write(to sink: inout some OutputSink) throws(DicomError) {
        let writer = DatasetWriter(syntax: syntax)
        if meta.isEmpty {
            try writer.writeBare(dataset, to: &sink)
        } else {
            try writer.writeFile(meta: meta, dataset: dataset, preamble: preamble, to: &sink)
        }
    }
}

/// `dicomtool modify`'s edits applied to one file at a time. Shared by the workers of a run: the
/// new UIDs (`UIDRenewal`) are the same for every file that shares an old one.
public struct Modifier: Sendable {
    public let options: ModifyOptions
    let renewal: UIDRenewal

    public init(options: ModifyOptions) {
        self.options = options
        renewal = UIDRenewal(secret: options.secret)
    }

    /// The file with the edits applied in order, then the UIDs renewed. Throws, and nothing is to
    /// be written, when an edit is refused (a value its VR or VM does not allow, a path into items
    /// that are not there, a private element without its creator).
    public func modify(_ file: DicomFile) throws(DicomError) -> ModifiedInstance {
        let (edited, editSession, warnings) = try DatasetEditing.run(options.operations, on: file.dataset, rules: .attributeValues)
        var ds = edited, session = editSession
        renewUIDs(in: &ds, session: &session)
        let meta = file.meta.isEmpty ? file.meta
            : DatasetWriter.makeMeta(for: ds, syntax: file.transferSyntax, previous: file.meta)
        return ModifiedInstance(meta: meta, dataset: ds, changes: session.changes, warnings: warnings,
                                syntax: file.transferSyntax, preamble: file.preamble)
    }

    /// New Study, Series and SOP Instance UIDs as asked (where the file has them), and every UI
    /// value in the file (at any depth) that held one of the old ones: a reference to this
    /// instance, its series or study.
    func renewUIDs(in ds: inout Dataset, session: inout EditSession) {
        var map: [String: String] = [:]
        for level in RenewedUID.allCases where options.renew.contains(level) {
            // Only a UID the file has is renewed: a DICOMDIR, or a data set without a series, gets none.
            let old = ds.string(level.tag)?.trimmingWhitespace() ?? ""
            guard !old.isEmpty else { continue }
            // A SOP Instance UID is one file's: random ones need no table (kept bounded over any run).
            let new = renewal.newUID(for: old, shared: level != .instance)
            map[old] = new
            var bytes = Array(new.utf8)
            if bytes.count % 2 == 1 { bytes.append(0) }
            ds.set(Element(tag: level.tag, vr: .UI, value: .bytes(ValueBytes(bytes))))
            session.changes.append(ModifyChange(action: "new-uid", path: level.tag.description,
                                                keyword: DataDictionary.entry(for: level.tag)?.keyword ?? "",
                                                oldValue: old, newValue: new))
        }
        guard !map.isEmpty else { return }
        let renewedTags = Set(options.renew.map(\.tag))
        Self.replaceReferences(in: &ds, map: map, at: "", skipping: renewedTags, session: &session)
    }

    static func replaceReferences(in ds: inout Dataset, map: [String: String], at prefix: String, skipping: Set<Tag>,
                                  session: inout EditSession) {
        for e in ds.elements {
            switch e.value {
            case .bytes(let b) where e.vr == .UI && !skipping.contains(e.tag):
                let values = ds.decodeText(b, vr: .UI).split(separator: "\\", omittingEmptySubsequences: false)
                    .map { $0.trimmingWhitespace() }
                let replaced = values.map { map[$0] ?? $0 }
                guard replaced != values else { continue }
                var bytes = Array(replaced.joined(separator: "\\").utf8)
                if bytes.count % 2 == 1 { bytes.append(0) }
                var copy = e
                copy.value = .bytes(ValueBytes(bytes))
                ds.set(copy)
                session.changes.append(ModifyChange(action: "reference", path: prefix + e.tag.description,
                                                    keyword: DataDictionary.entry(for: e.tag)?.keyword ?? "",
                                                    oldValue: values.joined(separator: "\\"), newValue: replaced.joined(separator: "\\")))
            case .sequence(var items):
                let before = session.changes.count
                for i in items.indices {
                    replaceReferences(in: &items[i], map: map, at: prefix + "\(e.tag)[\(i)].", skipping: [], session: &session)
                }
                guard session.changes.count > before else { continue }
                var copy = e
                copy.value = .sequence(items)
                ds.set(copy)
            default: continue
            }
        }
    }
}

/// The new UIDs of a run: keyed by anonymize's mapping (HMAC-SHA256 of the old UID with the
/// secret: the same in every shard and rerun), or random and remembered for the run, so every
/// file of a series or study gets the same new one.
final class UIDRenewal: Sendable {
    private let keyed: KeyedMapping?
    private let lock = Lock()
    nonisolated(unsafe) private var random: [String: String] = [:]

    init(secret: [UInt8]?) {
        keyed = secret.map { KeyedMapping(secret: $0) }
    }

    func newUID(for old: String, shared: Bool) -> String {
        if let keyed { return keyed.uid(for: old) }
        guard shared else { return Implementation.newUID() }
        return lock.withLock {
            if let known = random[old] { return known }
            let new = Implementation.newUID()
            random[old] = new
            return new
        }
    }
}
