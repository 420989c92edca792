import DicomCore

/// The fragments of encapsulated Pixel Data as a collection of `ValueBytes`, stored compactly:
/// fragments read from an input are kept as one packed array of item-header offsets (8 bytes a
/// fragment, never more than the 8-byte item headers they describe, so the index is bounded by
/// the input size), and each `ValueBytes` view is made when it is asked for.
public struct FragmentList: RandomAccessCollection, Sendable {
    private enum Storage: Sendable {
        /// Item header offsets of fragments 0..<n, then the offset just past the last value:
        /// the fragments are contiguous items, so fragment i is `starts[i] + 8 ..< starts[i + 1]`.
        case input(ByteSource, starts: [Int])
        /// Fragments made in memory (an encoder's output, tests).
        case owned([ValueBytes], itemOffsets: [Int])
    }

    private let storage: Storage

    /// Fragments of an input: `starts` as `Storage.input` describes (n + 1 offsets for n fragments).
    public init(source: ByteSource, itemStartsAndEnd starts: [Int]) {
        storage = .input(source, starts: starts)
    }

    public init(_ fragments: [ValueBytes], itemOffsets: [Int] = []) {
        storage = .owned(fragments, itemOffsets: itemOffsets)
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .input(_, let starts): Swift.max(0, starts.count - 1)
        case .owned(let values, _): values.count
        }
    }

    public subscript(position: Int) -> ValueBytes {
        switch storage {
        case .input(let source, let starts):
            ValueBytes(source: source, range: starts[position] + 8..<starts[position + 1], isBigEndian: false)
        case .owned(let values, _): values[position]
        }
    }

    /// Where fragment `position`'s item header starts in the input, when known.
    public func itemOffset(_ position: Int) -> Int? {
        switch storage {
        case .input(_, let starts): return starts[position]
        case .owned(_, let offsets): return position < offsets.count ? offsets[position] : nil
        }
    }

    /// Item header offsets as a collection (empty when the fragments were not read from an input
    /// and none were given).
    public var itemOffsets: ItemOffsets { ItemOffsets(list: self) }

    public struct ItemOffsets: RandomAccessCollection, Sendable {
        let list: FragmentList
        public var startIndex: Int { 0 }
        public var endIndex: Int {
            switch list.storage {
            case .input: list.endIndex
            case .owned(_, let offsets): offsets.count
            }
        }
        public subscript(position: Int) -> Int { list.itemOffset(position) ?? 0 }
    }
}
