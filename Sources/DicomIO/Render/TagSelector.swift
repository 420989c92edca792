import DicomCore

/// `--tag` filters: a tag `(0010,0010)` / `0010,0010` / `00100010`, a keyword `PatientName`, or a
/// path `SourceImageSequence[0].ReferencedSOPInstanceUID` (item index from 0; without an index
/// or with `[*]`, every item). A single tag or keyword matches at any depth, as dcmdump's +P does, keeping the
/// enclosing sequences for context; a path is anchored at the top level.
public struct TagSelector: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var tag: Tag
        public var item: Int?
    }

    public var steps: [Step]
    public var anyDepth: Bool

    public init(parsing text: String) throws(DicomError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var steps: [Step] = []
        for part in parts {
            var name = Substring(part)
            var item: Int?
            if name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                let inside = name[name.index(after: open)..<name.index(before: name.endIndex)]
                if inside != "*" {  // `[*]`: every item, as no index
                    guard let i = Int(inside), i >= 0 else {  // conversion: parses text: nil when not a number
                        throw DicomError(.usage, "bad item index in '\(text)'")
                    }
                    item = i
                }
                name = name[..<open]
            }
            guard let tag = Tag(parsing: name) ?? DataDictionary.tag(forKeyword: String(name)) else {
                throw DicomError(.usage, "'\(name)' is not a tag or a keyword (in '\(text)')")
            }
            steps.append(Step(tag: tag, item: item))
        }
        guard !steps.isEmpty else { throw DicomError(.usage, "empty tag selector") }
        self.steps = steps
        anyDepth = steps.count == 1 && steps[0].item == nil
    }

    /// The part of `ds` that any of `selectors` selects; sequences on the way are kept with the
    /// selected items only.
    public static func select(_ selectors: [TagSelector], in ds: Dataset) -> Dataset {
        prune(ds, paths: selectors.map { ($0.steps[...], $0.anyDepth) })
    }

    private static func prune(_ ds: Dataset, paths: [(ArraySlice<Step>, Bool)]) -> Dataset {
        var kept: [Element] = []
        for e in ds.elements {
            var keepWhole = false
            var deeper: [(ArraySlice<Step>, Bool, Int?)] = []
            for (steps, anyDepth) in paths {
                guard let step = steps.first else { continue }
                if step.tag == e.tag {
                    if steps.count == 1 && step.item == nil { keepWhole = true; break }
                    deeper.append((steps.dropFirst(), false, step.item))
                } else if anyDepth {
                    deeper.append((steps, true, nil))
                }
            }
            if keepWhole { kept.append(e); continue }
            guard case .sequence(let items) = e.value, !deeper.isEmpty else { continue }
            var newItems: [Dataset] = []
            for (i, item) in items.enumerated() {
                let applicable = deeper.filter { $0.2 == nil || $0.2 == i }
                guard !applicable.isEmpty else { continue }
                // A path that ends in an item index ("Seq[0]") keeps that whole item.
                if applicable.contains(where: { $0.0.isEmpty }) { newItems.append(item); continue }
                let sub = prune(item, paths: applicable.map { ($0.0, $0.1) })
                if !sub.isEmpty { newItems.append(sub) }
            }
            if !newItems.isEmpty {
                var copy = e
                copy.value = .sequence(newItems)
                kept.append(copy)
            }
        }
        var out = Dataset(elements: kept, characterSet: ds.characterSet, offset: ds.offset)
        out.characterSet = ds.characterSet
        return out
    }
}
