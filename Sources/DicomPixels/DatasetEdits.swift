import DicomCore
import DicomIO

/// Top-level changes to a data set as a value (ARCHITECTURE.md: "Edits are a value applied by the
/// writer"): for every tag touched, the element it ends with, or its removal. The change list of
/// `--plan` and of the reports is this value described against the source, so it names exactly
/// what was edited.
public struct DatasetEdits: Sendable {
    /// Tag -> final element; nil: removed.
    public private(set) var changes: [Tag: Element?] = [:]

    public init() {}

    public var isEmpty: Bool { changes.isEmpty }
    public var tags: [Tag] { changes.keys.sorted() }

    public mutating func set(_ element: Element) { changes[element.tag] = .some(element) }
    public mutating func remove(_ tag: Tag) { changes[tag] = .some(nil) }

    /// `later` applied after these edits: where both touch a tag, `later` wins.
    public mutating func merge(_ later: DatasetEdits) {
        for (tag, element) in later.changes { changes[tag] = .some(element) }
    }

    public func merging(_ later: DatasetEdits) -> DatasetEdits {
        var out = self
        out.merge(later)
        return out
    }

    /// The element a tag ends with: `.some(nil)` when removed, nil when these edits leave it alone.
    public subscript(tag: Tag) -> Element?? { changes[tag] }

    public func applied(to dataset: Dataset) -> Dataset {
        var ds = dataset
        for tag in tags {
            if let element = changes[tag] ?? nil { ds.set(element) } else { ds.remove(tag) }
        }
        return ds
    }

    /// "(gggg,eeee) Keyword: old -> new" for every edited top-level element whose value reads
    /// differently afterwards, in tag order; Pixel Data is left out (the report counts frames).
    public func describe(against source: Dataset) -> [String] {
        var out: [String] = []
        for tag in tags where tag != .pixelData {
            let old = source[tag].map { Self.render($0, source) }
            let new = (changes[tag] ?? nil).map { Self.render($0, source) }
            if old != new {
                let keyword = DataDictionary.entry(for: tag)?.keyword ?? ""
                out.append("\(tag) \(keyword): \(old ?? "(absent)") -> \(new ?? "(removed)")")
            }
        }
        return out
    }

    /// A value as the change list shows it: numbers, text, or a count of items, fragments or bytes.
    static func render(_ e: Element, _ ds: Dataset) -> String {
        switch e.value {
        case .sequence(let items): return "(\(items.count) item\(items.count == 1 ? "" : "s"))"
        case .fragments(let f): return "(\(f.fragments.count) fragments)"
        case .bytes(let b):
            if e.vr.isBinaryNumber { return binaryNumbers(b, vr: e.vr).map { Int(exactly: $0).map(String.init) ?? String($0) }.joined(separator: "\\") }
            if e.vr.isBulkBinary { return "(\(b.count) bytes)" }
            return ds.decodeText(b, vr: e.vr)
        }
    }
}

/// A data set being edited: reads see every edit so far, and each edit is also kept in `edits`,
/// the value handed to the writer. The editing code reads and writes as it would a `Dataset`.
public struct EditingDataset: Sendable {
    public private(set) var current: Dataset
    public private(set) var edits = DatasetEdits()

    public init(_ base: Dataset) { current = base }

    public subscript(tag: Tag) -> Element? { current[tag] }
    public var characterSet: SpecificCharacterSet { current.characterSet }
    public var elements: [Element] { current.elements }
    public func string(_ tag: Tag) -> String? { current.string(tag) }
    public func strings(_ tag: Tag) -> [String]? { current.strings(tag) }
    public func numbers(_ tag: Tag) -> [Double]? { current.numbers(tag) }
    public func int(_ tag: Tag) -> Int? { current.int(tag) }
    public func items(_ tag: Tag) -> [Dataset]? { current.items(tag) }

    public mutating func set(_ element: Element) {
        current.set(element)
        edits.set(element)
    }

    public mutating func remove(_ tag: Tag) {
        guard current.remove(tag) != nil else { return }
        edits.remove(tag)
    }

    public mutating func removeAll(where predicate: (Element) -> Bool) {
        for e in current.elements where predicate(e) { remove(e.tag) }
    }

    public mutating func setString(_ tag: Tag, _ vr: VR, _ value: String) {
        current.setString(tag, vr, value)
        record(tag)
    }

    public mutating func setStrings(_ tag: Tag, _ vr: VR, _ values: [String]) {
        current.setStrings(tag, vr, values)
        record(tag)
    }

    public mutating func setUInt16(_ tag: Tag, _ value: UInt16, vr: VR = .US) {
        current.setUInt16(tag, value, vr: vr)
        record(tag)
    }

    public mutating func setSequence(_ tag: Tag, _ items: [Dataset]) {
        current.setSequence(tag, items)
        record(tag)
    }

    /// Edits made elsewhere (LossyBookkeeping, PixelModule) applied here and kept.
    public mutating func apply(_ more: DatasetEdits) {
        current = more.applied(to: current)
        edits.merge(more)
    }

    private mutating func record(_ tag: Tag) {
        if let e = current[tag] { edits.set(e) }
    }
}

/// What editing code that works on the top level and on sequence items alike needs: an
/// `EditingDataset` (the top level, its edits kept) and a plain `Dataset` (an item) both do it.
protocol DatasetEditing {
    subscript(tag: Tag) -> Element? { get }
    func numbers(_ tag: Tag) -> [Double]?
    mutating func setString(_ tag: Tag, _ vr: VR, _ value: String)
    mutating func setStrings(_ tag: Tag, _ vr: VR, _ values: [String])
    mutating func removeElement(_ tag: Tag)
}

extension Dataset: DatasetEditing {
    mutating func removeElement(_ tag: Tag) { remove(tag) }
}

extension EditingDataset: DatasetEditing {
    mutating func removeElement(_ tag: Tag) { remove(tag) }
}
