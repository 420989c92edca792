import DicomCore

// Attribute paths (DicomCore's EditPath) resolved in data sets: a private element by creator is
// found in the block its creator holds there.

extension AttributeName {
    /// The tag this name has in `ds`; nil for a private element whose creator has no block there.
    public func resolve(in ds: Dataset) -> Tag? {
        switch self {
        case .tag(let tag): return tag
        case .privateElement(let group, let creator, let element):
            guard let block = Self.block(of: creator, group: group, in: ds) else { return nil }
            return Tag(group, block << 8 | UInt16(widening: element))
        }
    }

    /// Whether this name names `e`, an element of `ds`.
    public func names(_ e: Element, in ds: Dataset) -> Bool {
        names(e.tag, creator: ds.privateCreator(of: e.tag))
    }

    /// The block number (0x10...0xFF) that `creator` reserves in `group` of `ds`.
    public static func block(of creator: String, group: UInt16, in ds: Dataset) -> UInt16? {
        for e in ds.elements where e.tag.group == group && e.tag.isPrivateCreator {
            if ds.string(e.tag)?.trimmingWhitespace() == creator { return e.tag.element }
        }
        return nil
    }

    /// The first free block of `group` in `ds`, for a creator that needs one.
    public static func freeBlock(group: UInt16, in ds: Dataset) -> UInt16? {
        (UInt16(0x10)...UInt16(0xFF)).first { !ds.contains(Tag(group, $0)) }
    }
}

extension Dataset {
    /// The private creator of `tag`'s block in this data set (trimmed), for a private data element.
    public func privateCreator(of tag: Tag) -> String? {
        tag.privateCreatorTag.flatMap { string($0)?.trimmingWhitespace() }
    }
}

extension EditPath {
    /// The elements this path names in `ds`, each with the data set that holds it (whose character
    /// set decodes it): several when a step goes through every item of a sequence (`[*]` or no
    /// index). A last step with an item index names the items themselves (as sequences of one item).
    public func elements(in ds: Dataset) -> [(Element, Dataset)] {
        var out: [(Element, Dataset)] = []
        Self.collect(steps[...], in: ds, into: &out)
        return out
    }

    private static func collect(_ steps: ArraySlice<Step>, in ds: Dataset, into out: inout [(Element, Dataset)]) {
        guard let step = steps.first, let tag = step.name.resolve(in: ds), let element = ds[tag] else { return }
        let rest = steps.dropFirst()
        if rest.isEmpty && step.items == nil {
            out.append((element, ds))
            return
        }
        guard let items = element.items else { return }
        let chosen: [Dataset]
        switch step.items {
        case .index(let i)?: chosen = i < items.count ? [items[i]] : []
        case .all?, nil: chosen = items
        }
        if rest.isEmpty {
            for item in chosen {
                out.append((Element(tag: element.tag, vr: .SQ, value: .sequence([item])), ds))
            }
            return
        }
        for item in chosen { collect(rest, in: item, into: &out) }
    }
}
