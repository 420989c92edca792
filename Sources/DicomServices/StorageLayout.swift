import DicomCore

/// A text with `{placeholders}`: the receiver's `--layout` and the words of its `--exec-*` commands.
/// A placeholder is an attribute keyword of the data dictionary (`{PatientID}`) or one of the names
/// the use allows (`{file}`, `{dir}`, `{calling-aet}`); anything else is refused when the template
/// is read, not when the first instance arrives.
public struct PlaceholderTemplate: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case literal(String)
        case attribute(keyword: String, Tag)
        case named(String)
    }

    public let pieces: [Piece]
    public let text: String

    /// `names`: the non-attribute placeholders allowed here.
    public init(_ text: String, names: Set<String>) throws(DicomError) {
        self.text = text
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw DicomError(.usage, "'\(text)': '{' without its '}'")
            }
            let name = String(rest[rest.index(after: open)..<close])
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
            if names.contains(name) {
                pieces.append(.named(name))
            } else if let tag = DataDictionary.tag(forKeyword: name) {
                pieces.append(.attribute(keyword: name, tag))
            } else {
                let known = names.sorted().map { "{\($0)}" }.joined(separator: ", ")
                throw DicomError(.usage, "'\(text)': {\(name)} is neither an attribute keyword (PS3.6) nor one of \(known)")
            }
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if rest.contains("}") { throw DicomError(.usage, "'\(text)': '}' without its '{'") }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// Attribute tags the template reads.
    public var tags: [Tag] {
        pieces.compactMap { if case .attribute(_, let tag) = $0 { return tag } else { return nil } }
    }

    /// The text with each placeholder replaced by `value(piece)`.
    public func render(_ value: (Piece) -> String) -> String {
        pieces.map { piece in
            if case .literal(let text) = piece { return text }
            return value(piece)
        }.joined()
    }
}

/// Where a received instance is filed under the output directory: `--layout` over its attributes.
/// Values from the peer become single, harmless path components: never `/`, never `.` or `..`,
/// never hidden, no control characters, at most 200 bytes.
public struct StorageLayout: Sendable, Equatable {
    public static let defaultTemplate = "{SOPInstanceUID}.dcm"
    public static let names: Set<String> = ["calling-aet"]

    public let template: PlaceholderTemplate

    public init(_ text: String = StorageLayout.defaultTemplate) throws(DicomError) {
        template = try PlaceholderTemplate(text, names: Self.names)
        guard !text.hasPrefix("/") else {
            throw DicomError(.usage, "layout '\(text)' is absolute; it is a path under the output directory")
        }
        // The literal parts are the user's: a component that is empty, "." or ".." (before any
        // placeholder fills it) would climb out of the output directory or fold into another.
        let skeleton = template.render { _ in "x" }
        for component in skeleton.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty || component == "." || component == ".." {
                throw DicomError(.usage, "layout '\(text)' has an empty, '.' or '..' path component")
            }
        }
        guard !skeleton.hasSuffix("/") else { throw DicomError(.usage, "layout '\(text)' names a directory, not a file") }
    }

    /// The relative path for an instance whose attribute values `value` gives (nil: absent).
    public func relativePath(callingAETitle: String, _ value: (Tag) -> String?) -> String {
        template.render { piece in
            switch piece {
            case .attribute(_, let tag): return Self.pathComponent(value(tag))
            case .named: return Self.pathComponent(callingAETitle)
            case .literal(let text): return text
            }
        }
    }

    /// A value as one safe path component.
    public static func pathComponent(_ value: String?) -> String {
        var out = ""
        for scalar in (value ?? "").unicodeScalars {
            switch scalar {
            case "/", "\\", ":", "*", "?", "\"", "<", ">", "|": out.unicodeScalars.append("_")
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out.unicodeScalars.append("_")
            default: out.unicodeScalars.append(scalar)
            }
        }
        out = out.trimmingWhitespace()
        if out.isEmpty { return "unknown" }
        // A leading dot would make "." and "..", hidden files, or our own temporary names.
        if out.hasPrefix(".") { out = "_" + out.dropFirst() }
        if out.utf8.count > 200 {
            var cut = ""
            for ch in out {
                if cut.utf8.count + ch.utf8.count > 200 { break }
                cut.append(ch)
            }
            out = cut
        }
        return out
    }

    /// `name_1.dcm`, `name_2.dcm`, ...: the names a duplicate is kept under.
    public static func suffixed(_ path: String, _ n: Int) -> String {
        let slash = path.lastIndex(of: "/")
        let nameStart = slash.map { path.index(after: $0) } ?? path.startIndex
        if let dot = path[nameStart...].lastIndex(of: "."), dot > nameStart {
            return String(path[..<dot]) + "_\(n)" + String(path[dot...])
        }
        return path + "_\(n)"
    }
}
