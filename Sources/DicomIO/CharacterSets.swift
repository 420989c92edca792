import DicomCore

/// The character set of a dataset's text values, from Specific Character Set (0008,0005):
/// PS3.3 C.12.1.1.2 and PS3.5 6.1.
///
/// Decoding never fails: bytes that the set in effect cannot interpret become U+FFFD.
/// Callers pass the whole raw value, padding included; trimming the trailing space/NUL padding
/// and splitting multiple values on "\" are the caller's job (done on the decoded string, which
/// is safe because a backslash byte inside a multi-byte character never decodes to "\").
///
/// ISO 2022 (PS3.5 6.1.2.5): value 1 gives the initial G0 and G1 designations; escape
/// sequences re-designate G0 or G1; the initial designations return after every control
/// character other than ESC (CR, LF, FF, TAB...), after "\" in multi-valued VRs (SH, LO, PN,
/// UC), and after "^" and "=" in PN. While a 94x94 set (JIS X 0208/0212) is in G0, bytes
/// 0x21...0x7E pair into characters, so "^", "=" and "\" there are character bytes (as in
/// "ぼ" = 0x24 0x5C), not delimiters: a conforming writer switches G0 back before a delimiter.
/// Any recognised escape sequence is honoured even when its term is missing from (0008,0005)
/// (dcmtk refuses the value, pydicom ignores the sequence); unknown sequences become U+FFFD.
///
/// Lenient choices, matching pydicom: with no G1 designated (the default repertoire), bytes
/// 0x80...0xFF decode as ISO 8859-1; unknown terms act as the default repertoire (value 1) or
/// are ignored (later values) and are listed in `unknownTerms`; common misspellings
/// ("ISO IR 100", "ISO_2022_IR_87") are accepted and listed in `nonstandardTerms`, as are
/// stand-alone sets (ISO_IR 192, GB18030, GBK) used with code extensions (extensions ignored).
public struct SpecificCharacterSet: Sendable, Equatable {
    /// The terms as given (each trimmed of spaces), value 1 first.
    public var terms: [String]
    /// Terms this implementation does not know; they were treated as the default repertoire.
    public var unknownTerms: [String]
    /// Terms accepted although not as the standard spells or places them.
    public var nonstandardTerms: [String]

    let scheme: Scheme

    /// The default repertoire (ISO-IR 6), used when (0008,0005) is absent or empty.
    public static let `default` = SpecificCharacterSet(terms: [])

    /// From the value of (0008,0005) as read: terms separated by "\", padding allowed.
    public init(value: String) {
        self.init(terms: value.split(separator: "\\", omittingEmptySubsequences: false).map(String.init))
    }

    public init(terms rawTerms: [String]) {
        let trimmed = rawTerms.map { $0.trimmingSpaces }
        terms = trimmed
        var unknown: [String] = []
        var nonstandard: [String] = []
        var resolved: [(term: String, element: TermDefinition)] = []
        for (index, term) in trimmed.enumerated() {
            if term.isEmpty && index == 0 { continue }
            if let definition = TermDefinition.known[term] {
                resolved.append((term, definition))
            } else if let corrected = TermDefinition.correctedSpelling(of: term),
                      let definition = TermDefinition.known[corrected] {
                nonstandard.append(term)
                resolved.append((term, definition))
            } else if !term.isEmpty {
                unknown.append(term)
            }
        }
        let firstTerm = trimmed.first ?? ""
        let first = resolved.first(where: { $0.term == firstTerm })?.element
        unknownTerms = unknown
        switch first {
        case .utf8?, .gb18030?, .gbk?:
            // Stand-alone sets allow no code extensions (PS3.5 6.1.2.5.4 d): ignore the rest.
            nonstandard.append(contentsOf: trimmed.dropFirst().filter { !$0.isEmpty && !unknown.contains($0) })
            switch first {
            case .gbk?: scheme = .gbk
            case .gb18030?: scheme = .gb18030
            default: scheme = .utf8
            }
        default:
            var initial = DesignationState.initialDefault
            if case .designation(let g0, let g1, _)? = first {
                if let g0 { initial.g0 = g0 }
                if let g1 { initial.g1 = g1 }
            }
            var extensions: [DesignationState.G0Set] = []
            var extensionsG1: [DesignationState.G1Set] = []
            for (term, definition) in resolved {
                switch definition {
                case .designation(let g0, let g1, _):
                    if let g0 { extensions.append(g0) }
                    if let g1, g1 != .none { extensionsG1.append(g1) }
                case .utf8, .gb18030, .gbk:
                    if term != firstTerm { nonstandard.append(term) }
                }
            }
            // Code extensions: any "ISO 2022 ..." term, or several terms (PS3.3 C.12.1.1.2).
            let declaresExtensions = resolved.contains {
                if case .designation(_, _, extensions: true) = $0.element { return true }
                return false
            }
            scheme = .iso2022(initial: initial,
                              available: Available(g0: extensions, g1: extensionsG1,
                                                   allowsExtensions: declaresExtensions || trimmed.count > 1))
        }
        nonstandardTerms = nonstandard
    }

    // MARK: decoding

    /// Decodes one raw value (all its values, delimiters and padding included) to a String.
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String {
        if let decoded = bytes.withContiguousStorageIfAvailable({ decodeBuffer($0, vr: vr) }) {
            return decoded
        }
        return Array(bytes).withUnsafeBufferPointer { decodeBuffer($0, vr: vr) }
    }

    private func decodeBuffer(_ bytes: UnsafeBufferPointer<UInt8>, vr: VR) -> String {
        guard vr.usesSpecificCharacterSet else { return Self.decodeASCII(bytes) }
        switch scheme {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .gb18030:
            return Self.isPlainASCII(bytes) ? String(decoding: bytes, as: UTF8.self)
                : GBDecoder(variant: .gb18030).decode(bytes)
        case .gbk:
            return Self.isPlainASCII(bytes) ? String(decoding: bytes, as: UTF8.self)
                : GBDecoder(variant: .gbk).decode(bytes)
        case .iso2022(let initial, _):
            if initial.g0.isSingleByte && Self.isPlainASCII(bytes) {
                return String(decoding: bytes, as: UTF8.self)
            }
            var decoder = ISO2022Decoder(initial: initial, delimiters: Delimiters(vr: vr))
            return decoder.decode(bytes)
        }
    }

    /// True when every byte is 7-bit and none is ESC: every ISO 2022 start state with a
    /// single-byte G0 reads such bytes as ASCII.
    static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var combined: UInt8 = 0
        var sawEscape = false
        for byte in bytes {
            combined |= byte
            sawEscape = sawEscape || byte == 0x1B
        }
        return combined < 0x80 && !sawEscape
    }

    /// Values of VRs outside the character set (CS, DA, UI...) are ASCII (PS3.5 6.1.2.3).
    static func decodeASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var combined: UInt8 = 0
        for byte in bytes { combined |= byte }
        if combined < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            scalars.append(byte < 0x80 ? Unicode.Scalar(byte) : "\u{FFFD}")
        }
        return String(scalars)
    }

    // MARK: encoding

    /// Encodes a string for a value of `vr`; nil when a character cannot be represented.
    /// ISO 2022 values get the escape sequences they need, and return to the initial
    /// designations before every delimiter and at the end of the value (PS3.5 6.1.2.5.3).
    public func encode(_ string: String, vr: VR) -> [UInt8]? {
        guard vr.usesSpecificCharacterSet else {
            return string.utf8.allSatisfy({ $0 < 0x80 }) ? Array(string.utf8) : nil
        }
        switch scheme {
        case .utf8:
            return Array(string.utf8)
        case .gb18030, .gbk:
            if string.utf8.allSatisfy({ $0 < 0x80 }) { return Array(string.utf8) }
            let charset = scheme == .gbk ? "GBK" : "GB18030"
            guard let converter = IconvConverter(from: "UTF-8", to: charset) else { return nil }
            return converter.convertWhole(Array(string.utf8))
        case .iso2022(let initial, let available):
            var encoder = ISO2022Encoder(initial: initial, available: available, delimiters: Delimiters(vr: vr))
            return encoder.encode(string)
        }
    }
}

// MARK: - terms

enum Scheme: Sendable, Equatable {
    case iso2022(initial: DesignationState, available: Available)
    case utf8
    case gb18030
    case gbk
}

/// Code elements the (0008,0005) terms make available for code extension, in term order.
struct Available: Sendable, Equatable {
    var g0: [DesignationState.G0Set]
    var g1: [DesignationState.G1Set]
    var allowsExtensions: Bool
}

/// What one defined term of (0008,0005) designates (PS3.3 Tables C.12-2...C.12-5).
enum TermDefinition: Sendable, Equatable {
    case designation(g0: DesignationState.G0Set?, g1: DesignationState.G1Set?, extensions: Bool)
    case utf8
    case gb18030
    case gbk

    static let known: [String: TermDefinition] = {
        var table: [String: TermDefinition] = [
            "ISO_IR 6": .designation(g0: .ascii, g1: DesignationState.G1Set.none, extensions: false),
            "ISO 2022 IR 6": .designation(g0: .ascii, g1: nil, extensions: true),
            "ISO_IR 13": .designation(g0: .jisRoman, g1: .jisKatakana, extensions: false),
            "ISO 2022 IR 13": .designation(g0: .jisRoman, g1: .jisKatakana, extensions: true),
            "ISO 2022 IR 87": .designation(g0: .doubleByte(.jisX0208), g1: nil, extensions: true),
            "ISO 2022 IR 159": .designation(g0: .doubleByte(.jisX0212), g1: nil, extensions: true),
            "ISO 2022 IR 149": .designation(g0: nil, g1: .doubleByte(.ksX1001), extensions: true),
            "ISO 2022 IR 58": .designation(g0: nil, g1: .doubleByte(.gb2312), extensions: true),
            // Spellings pydicom accepts from DICOM CP 1234 drafts.
            "ISO 2022 58": .designation(g0: nil, g1: .doubleByte(.gb2312), extensions: true),
            "ISO 2022 GBK": .gbk,
            "ISO_IR 192": .utf8,
            "GB18030": .gb18030,
            "GBK": .gbk,
        ]
        let singleByte: [(Int, SingleByteSet)] = [
            (100, .latin1), (101, .latin2), (109, .latin3), (110, .latin4), (144, .cyrillic),
            (127, .arabic), (126, .greek), (138, .hebrew), (148, .latin5), (166, .thai),
        ]
        for (number, set) in singleByte {
            table["ISO_IR \(number)"] = .designation(g0: .ascii, g1: .singleByte(set), extensions: false)
            table["ISO 2022 IR \(number)"] = .designation(g0: .ascii, g1: .singleByte(set), extensions: true)
        }
        return table
    }()

    /// The standard spelling of a common misspelling, as pydicom corrects it:
    /// "ISO?IR nnn" -> "ISO_IR nnn", "ISO?2022?IR?nnn" -> "ISO 2022 IR nnn".
    static func correctedSpelling(of term: String) -> String? {
        let bytes = Array(term.utf8)
        func isSeparator(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x5F || byte == 0x2D }
        if bytes.count > 6, bytes.starts(with: Array("ISO".utf8)), bytes[3] != 0x5F, isSeparator(bytes[3]),
           bytes[4...5].elementsEqual("IR".utf8) {
            return "ISO_IR" + String(decoding: bytes[6...], as: UTF8.self)
        }
        if bytes.count > 12, bytes.starts(with: Array("ISO".utf8)), isSeparator(bytes[3]),
           bytes[4...7].elementsEqual("2022".utf8), isSeparator(bytes[8]), bytes[9...10].elementsEqual("IR".utf8),
           isSeparator(bytes[11]) {
            return "ISO 2022 IR " + String(decoding: bytes[12...], as: UTF8.self)
        }
        return nil
    }
}

/// The G0 and G1 code elements in force at one point of a value.
struct DesignationState: Sendable, Equatable {
    enum G0Set: Sendable, Equatable {
        case ascii          // ISO-IR 6, ESC ( B
        case jisRoman       // ISO-IR 14, ESC ( J; read as ASCII (0x5C stays "\", as pydicom)
        case doubleByte(DoubleByteSet)  // ISO-IR 87 ESC $ B, ISO-IR 159 ESC $ ( D

        var isSingleByte: Bool {
            if case .doubleByte = self { return false }
            return true
        }

        var escape: [UInt8] {
            switch self {
            case .ascii: return [0x1B, 0x28, 0x42]
            case .jisRoman: return [0x1B, 0x28, 0x4A]
            case .doubleByte(.jisX0212): return [0x1B, 0x24, 0x28, 0x44]
            case .doubleByte: return [0x1B, 0x24, 0x42]
            }
        }
    }

    enum G1Set: Sendable, Equatable {
        case none           // default repertoire: read leniently as ISO 8859-1
        case singleByte(SingleByteSet)  // ESC - F
        case jisKatakana    // ISO-IR 13, ESC ) I
        case doubleByte(DoubleByteSet)  // ISO-IR 149 ESC $ ) C, ISO-IR 58 ESC $ ) A

        var escape: [UInt8]? {
            switch self {
            case .none: return nil
            case .singleByte(let set): return [0x1B, 0x2D, set.escapeFinal]
            case .jisKatakana: return [0x1B, 0x29, 0x49]
            case .doubleByte(.gb2312): return [0x1B, 0x24, 0x29, 0x41]
            case .doubleByte: return [0x1B, 0x24, 0x29, 0x43]
            }
        }
    }

    var g0: G0Set
    var g1: G1Set

    static let initialDefault = DesignationState(g0: .ascii, g1: .none)

    /// The designation an escape sequence makes, from the bytes after ESC packed big-endian
    /// into one integer (ESC $ ) C is 0x242943); nil if not a sequence DICOM uses.
    static func designation(packed: UInt32) -> (g0: G0Set?, g1: G1Set?)? {
        switch packed {
        case 0x2842: return (.ascii, nil)
        case 0x284A: return (.jisRoman, nil)
        case 0x2949: return (nil, .jisKatakana)
        case 0x2442, 0x242842: return (.doubleByte(.jisX0208), nil)
        case 0x2440: return (.doubleByte(.jisX0208), nil)  // JIS C 6226-1978, read as JIS X 0208
        case 0x242844: return (.doubleByte(.jisX0212), nil)
        case 0x242943: return (nil, .doubleByte(.ksX1001))
        case 0x242941: return (nil, .doubleByte(.gb2312))
        case 0x2D00...0x2DFF:
            let final = UInt8(truncatingIfNeeded: packed)
            guard let set = SingleByteSet.allCases.first(where: { $0.escapeFinal == final }) else { return nil }
            return (nil, .singleByte(set))
        default: return nil
        }
    }
}

/// Which bytes return a value to its initial designations, by VR (PS3.5 6.1.2.5.3).
struct Delimiters: Sendable {
    let backslash: Bool   // multi-valued VRs
    let personName: Bool  // "^" and "="

    init(vr: VR) {
        switch vr {
        case .PN: backslash = true; personName = true
        case .SH, .LO, .UC: backslash = true; personName = false
        default: backslash = false; personName = false
        }
    }

    /// Whether `byte` (read while G0 is single-byte) ends a run, control characters included.
    @inline(__always)
    func resets(_ byte: UInt8) -> Bool {
        if byte < 0x20 { return byte != 0x1B }
        if byte == 0x5C { return backslash }
        if byte == 0x5E || byte == 0x3D { return personName }
        return false
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\0" { scalars.removeLast() }
        return String(scalars)
    }
}
