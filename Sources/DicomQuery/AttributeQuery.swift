import DicomCore
import DicomIO

/// One `KEY=VALUE` selection: an attribute path (`EditPath`, the one path syntax: keywords or tags, items
/// `[n]` or `[*]` (a step without an index is every item), private elements by creator) and the
/// C-FIND rule its value means for that attribute's VR.
public struct AttributeCriterion: Sendable {
    public let text: String
    public let path: EditPath
    public let rule: MatchRule
    /// The attribute's VR in the data dictionary; nil for private or unknown elements, whose
    /// values are compared as text (each element's VR in the file says how to read them).
    public let vr: VR?

    /// `KEY=VALUE`; throws `.usage` with the reason before anything is read.
    public init(parsing text: String) throws(DicomError) {
        guard let equals = Self.splitPoint(text) else {
            throw DicomError(.usage, "--where expects KEY=VALUE (an empty VALUE matches any file that has the attribute), not '\(text)'")
        }
        let key = String(text[..<equals]), value = String(text[text.index(after: equals)...])
        let path: EditPath
        do {
            path = try EditPath(parsing: key)
        } catch {
            throw DicomError(.usage, "--where \(text): " + error.message)
        }
        guard let last = path.steps.last else { throw DicomError(.usage, "--where \(text): empty attribute path") }
        var vr: VR?
        if case .tag(let tag) = last.name { vr = DataDictionary.entry(for: tag)?.vr }
        if last.items != nil {
            // `Seq[0]=`: the item exists; an item has no value to compare.
            guard value.isEmpty else {
                throw DicomError(.usage, "--where \(text): an item has no value; give an attribute inside it (\(key).Keyword=VALUE) or \(key)= for its presence")
            }
            vr = .SQ
        }
        for step in path.steps.dropLast() {
            if case .tag(let tag) = step.name, let known = DataDictionary.entry(for: tag)?.vr, known != .SQ {
                throw DicomError(.usage, "--where \(text): \(DataDictionary.entry(for: tag)?.keyword ?? tag.description) is \(known.rawValue), not a sequence")
            }
        }
        self.text = text
        self.path = path
        self.vr = vr
        self.rule = try MatchRule(parsing: value, vr: vr, key: key)
    }

    /// The first `=` outside parentheses and braces (a private creator may hold one); when they do
    /// not balance, the first `=`, so the key's own error says what is wrong.
    public static func splitPoint(_ text: String) -> String.Index? {
        var depth = 0
        var first: String.Index?
        for i in text.indices {
            switch text[i] {
            case "(", "{": depth += 1
            case ")", "}": depth = max(0, depth - 1)
            case "=":
                if first == nil { first = i }
                if depth == 0 { return i == text.startIndex ? nil : i }
            default: break
            }
        }
        guard depth > 0, let first, first != text.startIndex else { return nil }
        return first
    }

    /// The element's values as text; an element of unknown VR (UN: a private element read from an
    /// implicit VR file whose creator no dictionary knows) is read as text when the key's VR is not
    /// known either, since a private key is compared as text.
    static func values(of element: Element, in owner: Dataset, known: Bool) -> [String]? {
        if element.vr == .UN, !known, let bytes = element.valueBytes {
            let text = owner.decodeText(bytes, vr: .LO)
            return text.isEmpty ? [] : text.split(separator: "\\", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        }
        return ValueText.values(element, in: owner)
    }

    /// Whether `ds` (group 0002 paths: `meta`) has the attribute with a matching value.
    public func matches(meta: Dataset, dataset: Dataset) -> Bool {
        let root = path.steps.first.flatMap { step -> Dataset? in
            if case .tag(let tag) = step.name, tag.group == 0x0002 { return meta }
            return nil
        } ?? dataset
        let found = path.elements(in: root)
        if rule == .universal { return !found.isEmpty }
        for (element, owner) in found {
            guard let values = Self.values(of: element, in: owner, known: vr != nil) else { continue }
            let vr = self.vr ?? element.vr
            if values.contains(where: { rule.matches($0, vr: vr) }) { return true }
        }
        return false
    }

}

/// Every `--where` of a run: a file is selected when all of them match. Evaluated on the header:
/// the data set is read only up to the last top-level attribute named, never past Pixel Data
/// unless a key names an element from (7FE0,0010) on.
public struct AttributeQuery: Sendable {
    public let criteria: [AttributeCriterion]

    public init(_ criteria: [AttributeCriterion]) {
        self.criteria = criteria
    }

    public init(parsing texts: [String]) throws(DicomError) {
        var criteria: [AttributeCriterion] = []
        for text in texts { criteria.append(try AttributeCriterion(parsing: text)) }
        self.criteria = criteria
    }

    public func matches(meta: Dataset, dataset: Dataset) -> Bool {
        criteria.allSatisfy { $0.matches(meta: meta, dataset: dataset) }
    }

    /// Where a header read may stop: the tag just after the last top-level attribute named (nil:
    /// read everything).
    public var stopBefore: Tag? { Self.stopBefore(for: criteria.map(\.path)) }

    /// The tag just after the last top-level attribute that `paths` start from (for a private
    /// element by creator, the end of its group, wherever its block is); nil when that is the last
    /// tag there is.
    public static func stopBefore(for paths: [EditPath]) -> Tag? {
        let last = paths.compactMap { path -> Tag? in
            switch path.steps.first?.name {
            case .tag(let tag)?: return tag
            case .privateElement(let group, _, _)?: return Tag(group, 0xFFFF)
            case nil: return nil
            }
        }.max() ?? Tag(rawValue: 0)
        guard last.rawValue < UInt32.max else { return nil }
        return Tag(rawValue: last.rawValue + 1)
    }

    /// Reads the file at `path` as far as the criteria need and says whether it matches.
    public func matches(path: String) throws(DicomError) -> Bool {
        var options = Part10Reader.Options()
        options.stopBefore = stopBefore
        let file = try Part10Reader.read(path: path, options: options)
        return matches(meta: file.meta, dataset: file.dataset)
    }
}
