import DicomAnonymize
import DicomCore
import DicomIO

/// An attribute as `modify` names it: a tag or keyword, or a private element by its creator.
public enum AttributeName: Sendable, Equatable, CustomStringConvertible {
    case tag(Tag)
    /// `(gggg,{CREATOR},ee)`: element `ee` of the block that CREATOR reserves in the private group
    /// `gggg` (PS3.5 7.8.1), wherever that block is in a given data set.
    case privateElement(group: UInt16, creator: String, element: UInt8)

    /// `(0010,0010)`, `0010,0010`, `00100010`, `PatientName`, or `(0029,{SIEMENS CSA HEADER},10)`.
    public init(parsing text: Substring, in whole: String) throws(DicomError) {
        if text.contains("{") {
            var body = text
            if body.hasPrefix("("), body.hasSuffix(")") { body = body.dropFirst().dropLast() }
            guard let open = body.firstIndex(of: "{"), let close = body.lastIndex(of: "}"), open < close else {
                throw DicomError(.usage, "'\(text)' in '\(whole)': a private element is (gggg,{CREATOR},ee)")
            }
            let groupText = body[..<open], elementText = body[body.index(after: close)...]
            let creator = String(body[body.index(after: open)..<close])
            guard groupText.hasSuffix(","), elementText.hasPrefix(","),
                  let group = UInt16(groupText.dropLast(), radix: 16), groupText.count == 5,
                  let element = UInt8(elementText.dropFirst(), radix: 16), elementText.count == 3 else {
                throw DicomError(.usage, "'\(text)' in '\(whole)': a private element is (gggg,{CREATOR},ee): four hex digits of an odd group, two of the element")
            }
            guard Tag(group, 0x0010).isPrivate else {
                throw DicomError(.usage, "'\(text)' in '\(whole)': group \(hex4(group)) is not a private group (odd, above 0008)")
            }
            if let problem = SetValues.problem(creator, vr: .LO, vm: "1") {
                throw DicomError(.usage, "'\(text)' in '\(whole)': the private creator \(problem)")
            }
            guard !creator.trimmingWhitespace().isEmpty else {
                throw DicomError(.usage, "'\(text)' in '\(whole)': the private creator is empty")
            }
            self = .privateElement(group: group, creator: creator.trimmingWhitespace(), element: element)
            return
        }
        if let tag = Tag(parsing: text) ?? DataDictionary.tag(forKeyword: String(text)) {
            self = .tag(tag)
            return
        }
        throw DicomError(.usage, "'\(text)' in '\(whole)' is neither a tag such as (0010,0010), a keyword, nor (gggg,{CREATOR},ee)")
    }

    /// The tag this name has in `ds`; nil for a private element whose creator has no block there.
    public func resolve(in ds: Dataset) -> Tag? {
        switch self {
        case .tag(let tag): return tag
        case .privateElement(let group, let creator, let element):
            guard let block = Self.block(of: creator, group: group, in: ds) else { return nil }
            return Tag(group, block << 8 | UInt16(widening: element))
        }
    }

    /// The block number (0x10...0xFF) that `creator` reserves in `group` of `ds`.
    static func block(of creator: String, group: UInt16, in ds: Dataset) -> UInt16? {
        for e in ds.elements where e.tag.group == group && e.tag.isPrivateCreator {
            if ds.string(e.tag)?.trimmingWhitespace() == creator { return e.tag.element }
        }
        return nil
    }

    /// The first free block of `group` in `ds`, for a creator that needs one.
    static func freeBlock(group: UInt16, in ds: Dataset) -> UInt16? {
        (UInt16(0x10)...UInt16(0xFF)).first { !ds.contains(Tag(group, $0)) }
    }

    public var description: String {
        switch self {
        case .tag(let tag): return tag.description
        case .privateElement(let group, let creator, let element):
            return "(\(hex4(group)),{\(creator)},\(String(hex4(UInt16(widening: element)).suffix(2))))"
        }
    }
}

/// A path to an attribute: steps through sequence items from the top level, e.g.
/// `ReferencedSeriesSequence[0].SeriesInstanceUID` or `(0040,0275)[*].(0040,0009)`. A step without
/// an index means every item (as `[*]`); an index counts from 0.
public struct EditPath: Sendable, Equatable, CustomStringConvertible {
    public enum Items: Sendable, Equatable {
        case index(Int)
        case all
    }

    public struct Step: Sendable, Equatable {
        public var name: AttributeName
        /// Nil on the last step (an attribute); on a last step, the items themselves (`--erase Seq[1]`).
        public var items: Items?

        public init(name: AttributeName, items: Items? = nil) {
            self.name = name
            self.items = items
        }
    }

    public var steps: [Step]

    /// A path built by code (e.g. a query's required keys); `init(parsing:)` for typed ones.
    public init(steps: [Step]) {
        self.steps = steps
    }

    public init(parsing text: String) throws(DicomError) {
        guard !text.isEmpty else { throw DicomError(.usage, "empty attribute path") }
        var steps: [Step] = []
        for segment in Self.segments(of: text) {
            var name = segment
            var items: Items?
            if name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                let inside = name[name.index(after: open)..<name.index(before: name.endIndex)]
                if inside == "*" {
                    items = .all
                } else if !inside.isEmpty, inside.allSatisfy({ $0.isASCII && $0.isNumber }), let i = Int(inside) {
                    items = .index(i)
                } else {
                    throw DicomError(.usage, "'\(text)': item index '[\(inside)]' must be a number from 0 or *")
                }
                name = name[..<open]
            }
            guard !name.isEmpty else { throw DicomError(.usage, "'\(text)': empty element name in the path") }
            steps.append(Step(name: try AttributeName(parsing: name, in: text), items: items))
        }
        self.steps = steps
    }

    /// The path split at dots outside parentheses and braces (a creator may hold a dot).
    static func segments(of text: String) -> [Substring] {
        var out: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for i in text.indices {
            switch text[i] {
            case "(", "{": depth += 1
            case ")", "}": depth = max(0, depth - 1)
            case "." where depth == 0:
                out.append(text[start..<i])
                start = text.index(after: i)
            default: break
            }
        }
        out.append(text[start...])
        return out
    }

    /// `PATH=VALUE` or `PATH@FILE` split at the first `=` or `@` outside parentheses and braces.
    public static func splitAssignment(_ text: String) -> (path: String, fromFile: Bool, value: String)? {
        var depth = 0
        for i in text.indices {
            switch text[i] {
            case "(", "{": depth += 1
            case ")", "}": depth = max(0, depth - 1)
            case "=" where depth == 0, "@" where depth == 0:
                guard i != text.startIndex else { return nil }
                return (String(text[..<i]), text[i] == "@", String(text[text.index(after: i)...]))
            default: break
            }
        }
        return nil
    }

    public var description: String {
        steps.map { step in
            var s = step.name.description
            switch step.items {
            case .index(let i)?: s += "[\(i)]"
            case .all?: s += "[*]"
            case nil: break
            }
            return s
        }.joined(separator: ".")
    }
}
