/// The one place that escapes text for JSON and XML output (dump's models, the reporter's JSON
/// Lines, validate's reports), so every output is valid whatever bytes a file held.
public enum TextEscaping {
    /// The inside of a JSON string (RFC 8259): quotes, backslashes and control characters escaped,
    /// U+2028/U+2029 too so that a record stays one line for JavaScript readers.
    public static func json(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// XML 1.0 text or attribute value: markup characters as entities, CR as a character
    /// reference; other control characters, which XML 1.0 cannot carry at all, become U+FFFD.
    public static func xml(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// A file path as a URI path: every UTF-8 byte outside Foundation's `CharacterSet.urlPathAllowed`
    /// percent-encoded in upper-case hex, as `addingPercentEncoding(withAllowedCharacters:)` writes
    /// it (which needs full Foundation). Colons are encoded everywhere unless `keepingColon`, and
    /// even then in the first segment of a relative path (Foundation does that for
    /// `.urlPathAllowed`, so that "C:/x" cannot read as a scheme).
    public static func uriPath(_ path: String, keepingColon: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(path.utf8.count)
        var inRelativeFirstSegment = !path.hasPrefix("/")
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") { inRelativeFirstSegment = false }
            let colonKept = keepingColon && !inRelativeFirstSegment
            if byte < 0x80, urlPathAllowed[Int(widening: byte)], colonKept || byte != UInt8(ascii: ":") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + NumberText.hex(byte, width: 2, uppercase: true)
            }
        }
        return out
    }

    /// Foundation's `CharacterSet.urlPathAllowed` (all ASCII), indexed by byte.
    private static let urlPathAllowed: [Bool] = {
        var allowed = [Bool](repeating: false, count: 128)
        for byte in "!$&'()*+,-./0123456789:=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~".utf8 {
            allowed[Int(widening: byte)] = true
        }
        return allowed
    }()
}
