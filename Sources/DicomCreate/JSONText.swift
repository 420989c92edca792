import DicomCore

/// A JSON value (RFC 8259) as the DICOM JSON model needs it: objects keep their member order and
/// numbers keep their text, so a DS written as `1.50` or an IS beyond 2^53 reaches the data set
/// exactly as it was written (FoundationEssentials' JSONDecoder would make both a Double).
public indirect enum JSONText: Sendable, Equatable {
    case object([Member])
    case array([JSONText])
    case string(String)
    /// The number's text, checked against the JSON number grammar.
    case number(String)
    case bool(Bool)
    case null

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONText
    }

    /// A short name of the value's kind, for messages.
    public var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A strict JSON parser: RFC 8259 and nothing more (no comments, trailing commas, NaN, single
/// quotes or lone surrogates), duplicate keys in an object refused (the model would be
/// ambiguous), nesting limited so hostile input cannot exhaust the stack. Errors name the line,
/// column and byte offset.
public struct JSONTextParser {
    /// Deeper nesting is refused: a data set with sequences 100 deep is already absurd.
    public static let maxDepth = 400

    private let bytes: [UInt8]
    private var at = 0
    private var depth = 0

    public static func parse(_ bytes: [UInt8]) throws(DicomError) -> JSONText {
        var parser = JSONTextParser(bytes: bytes)
        // A UTF-8 byte order mark is tolerated (RFC 8259 8.1 lets parsers ignore it).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.at = 3 }
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        if parser.at < bytes.count { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ reason: String) -> DicomError {
        var line = 1, column = 1
        for b in bytes[..<min(at, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return DicomError(.invalidInput, "JSON line \(line), column \(column): \(reason)", offset: at)
    }

    private mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    private mutating func value() throws(DicomError) -> JSONText {
        guard at < bytes.count else { throw failure("the JSON text ends where a value was expected") }
        switch bytes[at] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character where a value was expected")
        }
    }

    private mutating func literal(_ word: String) throws(DicomError) {
        let w = Array(word.utf8)
        guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw failure("not a JSON value") }
        at += w.count
    }

    private mutating func enter() throws(DicomError) {
        depth += 1
        if depth > Self.maxDepth { throw failure("nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func object() throws(DicomError) -> JSONText {
        try enter()
        at += 1
        var members: [JSONText.Member] = []
        var keys = Set<String>()
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; depth -= 1; return .object([]) }
        while true {
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw failure("an object member must start with a string key") }
            let keyStart = at
            let key = try string()
            if !keys.insert(key).inserted {
                at = keyStart
                throw failure("the key \"\(TextEscaping.json(key))\" appears twice in one object")
            }
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw failure("expected ':' after an object key") }
            at += 1
            skipSpace()
            members.append(.init(key: key, value: try value()))
            skipSpace()
            guard at < bytes.count else { throw failure("the JSON text ends inside an object") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            if bytes[at] == UInt8(ascii: "}") { at += 1; break }
            throw failure("expected ',' or '}' in an object")
        }
        depth -= 1
        return .object(members)
    }

    private mutating func array() throws(DicomError) -> JSONText {
        try enter()
        at += 1
        var values: [JSONText] = []
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; depth -= 1; return .array([]) }
        while true {
            skipSpace()
            values.append(try value())
            skipSpace()
            guard at < bytes.count else { throw failure("the JSON text ends inside an array") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            if bytes[at] == UInt8(ascii: "]") { at += 1; break }
            throw failure("expected ',' or ']' in an array")
        }
        depth -= 1
        return .array(values)
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, returned as written.
    private mutating func number() throws(DicomError) -> String {
        let start = at
        func digits() -> Int {
            var n = 0
            while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 { at += 1; n += 1 }
            return n
        }
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard at < bytes.count else { throw failure("a number needs digits") }
        if bytes[at] == UInt8(ascii: "0") {
            at += 1
        } else if digits() == 0 {
            throw failure("a number needs digits")
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            if digits() == 0 { throw failure("a number needs digits after '.'") }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            if digits() == 0 { throw failure("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    private mutating func hex4() throws(DicomError) -> UInt32 {
        guard at + 4 <= bytes.count else { throw failure("\\u needs four hex digits") }
        var v: UInt32 = 0
        for b in bytes[at..<at + 4] {
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw failure("\\u needs four hex digits")
            }
            v = v << 4 | UInt32(widening: d)
        }
        at += 4
        return v
    }

    /// A string: escapes decoded, UTF-8 checked, control characters refused (RFC 8259 7).
    private mutating func string() throws(DicomError) -> String {
        at += 1
        var out: [UInt8] = []
        while true {
            guard at < bytes.count else { throw failure("the JSON text ends inside a string") }
            let b = bytes[at]
            if b == UInt8(ascii: "\"") { at += 1; break }
            if b < 0x20 { throw failure("a control character (0x\(NumberText.hex(b, width: 2))) inside a string must be escaped") }
            if b != UInt8(ascii: "\\") {
                // Runs of plain bytes are copied as they are; UTF-8 validity is checked once at the end.
                var end = at + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
                out.append(contentsOf: bytes[at..<end])
                at = end
                continue
            }
            at += 1
            guard at < bytes.count else { throw failure("the JSON text ends inside an escape") }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard at + 2 <= bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw failure("a high surrogate \\u escape without its low surrogate")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("a high surrogate \\u escape without its low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw failure("a lone low surrogate \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw failure("\\u escape is not a character") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw failure("unknown escape '\\\(String(decoding: [e], as: UTF8.self))'")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
        return s
    }
}
