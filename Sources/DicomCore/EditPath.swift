// The one syntax of attribute paths on the command line: modify's edits, anonymize's --keep,
// --remove and --set, dump's --tag (text and tables), --where, and find's keys all parse their
// keys here, so every command takes the same spellings and refuses the same ones with the same
// words. Vocabulary only (no data set): resolving a path in a data set is DicomIO's
// (EditPath+Dataset.swift).

/// An attribute as the command line names it: a tag or keyword, or a private element by its creator.
public enum AttributeName: Sendable, Equatable, CustomStringConvertible {
    case tag(Tag)
    /// `(gggg,{CREATOR},ee)`: element `ee` of the block that CREATOR reserves in the private group
    /// `gggg` (PS3.5 7.8.1), wherever that block is in a given data set.
    case privateElement(group: UInt16, creator: String, element: UInt8)

    /// `(0010,0010)`, `0010,0010`, `00100010`, `PatientName`, or `(0029,{SIEMENS CSA HEADER},10)`.
    /// `whole` is the path `text` is a step of: named in the messages when it is more than the step.
    public init(parsing text: Substring, in whole: String) throws(DicomError) {
        let at = text == whole ? "'\(text)'" : "'\(text)' in '\(whole)'"
        if text.contains("{") {
            var body = text
            if body.hasPrefix("("), body.hasSuffix(")") { body = body.dropFirst().dropLast() }
            guard let open = body.firstIndex(of: "{"), let close = body.lastIndex(of: "}"), open < close else {
                throw DicomError(.usage, "\(at): a private element is (gggg,{CREATOR},ee)")
            }
            let groupText = body[..<open], elementText = body[body.index(after: close)...]
            let creator = String(body[body.index(after: open)..<close])
            guard groupText.hasSuffix(","), elementText.hasPrefix(","),
                  let group = UInt16(groupText.dropLast(), radix: 16), groupText.count == 5,
                  let element = UInt8(elementText.dropFirst(), radix: 16), elementText.count == 3 else {
                throw DicomError(.usage, "\(at): a private element is (gggg,{CREATOR},ee): four hex digits of an odd group, two of the element")
            }
            guard Tag(group, 0x0010).isPrivate else {
                throw DicomError(.usage, "\(at): group \(hex4(group)) is not a private group (odd, above 0008)")
            }
            if let problem = ValueCheck.problem(creator, vr: .LO, vm: "1") {
                throw DicomError(.usage, "\(at): the private creator \(problem)")
            }
            guard !creator.trimmingWhitespace().isEmpty else {
                throw DicomError(.usage, "\(at): the private creator is empty")
            }
            self = .privateElement(group: group, creator: creator.trimmingWhitespace(), element: element)
            return
        }
        if let tag = Tag(parsing: text) ?? DataDictionary.tag(forKeyword: String(text)) {
            self = .tag(tag)
            return
        }
        throw DicomError(.usage, "\(at) is neither a tag such as (0010,0010), a keyword, nor (gggg,{CREATOR},ee)")
    }

    /// Whether this name names `tag`, whose private creator (for a private data element) is
    /// `creator` in the data set that holds it.
    public func names(_ tag: Tag, creator: @autoclosure () -> String?) -> Bool {
        switch self {
        case .tag(let named): return named == tag
        case .privateElement(let group, let wanted, let element):
            return tag.group == group && tag.element >= 0x1000 && UInt8(truncatingIfNeeded: tag.element) == element
                && creator() == wanted
        }
    }

    /// The keyword for a standard attribute the dictionary knows, else the tag or private form.
    public var keywordDescription: String {
        if case .tag(let tag) = self, let keyword = DataDictionary.entry(for: tag)?.keyword { return keyword }
        return description
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
                    throw DicomError(.usage, "'\(text)': item index '[\(inside)]' must be a number from 0, or *")
                }
                name = name[..<open]
            }
            guard !name.isEmpty else { throw DicomError(.usage, "'\(text)': empty element name in the path") }
            steps.append(Step(name: try AttributeName(parsing: name, in: text), items: items))
        }
        self.steps = steps
    }

    /// The attribute a one-step path without an item index names: a name that dump's --tag and
    /// anonymize's --keep and --remove match at any depth (as dcmdump's +P does).
    public var loneName: AttributeName? {
        steps.count == 1 && steps[0].items == nil ? steps[0].name : nil
    }

    /// The path split at dots outside parentheses and braces (a creator may hold a dot).
    public static func segments(of text: String) -> [Substring] {
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

    /// `PATH=VALUE` or `PATH@FILE` split at the first `=` or `@` outside parentheses and braces;
    /// when they do not balance (a typo such as `(0010,0010=x`), at the first `=` or `@`, so the
    /// path's own error says what is wrong.
    public static func splitAssignment(_ text: String) -> (path: String, fromFile: Bool, value: String)? {
        var depth = 0
        var first: String.Index?
        for i in text.indices {
            switch text[i] {
            case "(", "{": depth += 1
            case ")", "}": depth = max(0, depth - 1)
            case "=", "@":
                if first == nil { first = i }
                if depth == 0 { return split(text, at: i) }
            default: break
            }
        }
        return depth > 0 ? first.flatMap { split(text, at: $0) } : nil
    }

    private static func split(_ text: String, at i: String.Index) -> (path: String, fromFile: Bool, value: String)? {
        guard i != text.startIndex else { return nil }
        return (String(text[..<i]), text[i] == "@", String(text[text.index(after: i)...]))
    }

    public var description: String { rendered(keywords: false) }

    /// The path with keywords where the dictionary has them (column headers of tables).
    public var keywordDescription: String { rendered(keywords: true) }

    func rendered(keywords: Bool) -> String {
        steps.map { step in
            var s = keywords ? step.name.keywordDescription : step.name.description
            switch step.items {
            case .index(let i)?: s += "[\(i)]"
            case .all?: s += "[*]"
            case nil: break
            }
            return s
        }.joined(separator: ".")
    }
}
