import DicomCore

/// What `dump --tag` shows: the part of a data set that attribute paths (`EditPath`, the one path
/// syntax) select. A lone name (a tag, keyword or private element by creator, without an item
/// index) matches at any depth, as dcmdump's +P does, keeping the enclosing sequences for context;
/// a longer path is anchored at the top level, a step without an index or with `[*]` going through
/// every item; a path that ends in an item index (`Seq[0]`) keeps that whole item.
extension EditPath {
    /// The part of `ds` that any of `paths` selects; sequences on the way are kept with the
    /// selected items only.
    public static func select(_ paths: [EditPath], in ds: Dataset) -> Dataset {
        prune(ds, paths: paths.map { ($0.steps[...], $0.loneName != nil) })
    }

    private static func prune(_ ds: Dataset, paths: [(steps: ArraySlice<Step>, anyDepth: Bool)]) -> Dataset {
        var kept: [Element] = []
        // A private element named by its creator keeps its creator, which says what it is.
        var creators = Set<Tag>()
        for e in ds.elements {
            var keepWhole = false
            // The paths to follow into e's items: the steps left, at any depth or not, and the items.
            var deeper: [(steps: ArraySlice<Step>, anyDepth: Bool, items: Items?)] = []
            for (steps, anyDepth) in paths {
                guard let step = steps.first else { continue }
                if step.name.names(e, in: ds) {
                    if steps.count == 1 && step.items == nil { keepWhole = true; break }
                    deeper.append((steps.dropFirst(), false, step.items))
                } else if anyDepth {
                    deeper.append((steps, true, nil))
                }
            }
            if keepWhole {
                kept.append(e)
                if let creator = e.tag.privateCreatorTag, paths.contains(where: { path in
                    if case .privateElement? = path.steps.first?.name { return true }
                    return false
                }) { creators.insert(creator) }
                continue
            }
            guard case .sequence(let items) = e.value, !deeper.isEmpty else { continue }
            var newItems: [Dataset] = []
            for (i, item) in items.enumerated() {
                let applicable = deeper.filter { path in
                    if case .index(let wanted)? = path.items { return wanted == i }
                    return true
                }
                guard !applicable.isEmpty else { continue }
                // A path that ends in an item ("Seq[0]", "Seq[*]") keeps the whole item.
                if applicable.contains(where: { $0.steps.isEmpty }) { newItems.append(item); continue }
                let sub = prune(item, paths: applicable.map { ($0.steps, $0.anyDepth) })
                if !sub.isEmpty { newItems.append(sub) }
            }
            if !newItems.isEmpty {
                var copy = e
                copy.value = .sequence(newItems)
                kept.append(copy)
            }
        }
        let keptTags = Set(kept.map(\.tag))
        for tag in creators where !keptTags.contains(tag) {
            if let creator = ds[tag] { kept.append(creator) }
        }
        kept.sort { $0.tag < $1.tag }
        var out = Dataset(elements: kept, characterSet: ds.characterSet, offset: ds.offset)
        out.characterSet = ds.characterSet
        return out
    }
}
