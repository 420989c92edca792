import DicomCore
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The self-check of anonymize (before every write, and `--check ORIGINAL ANONYMIZED`, through
/// the one function `residuals(original:anonymizedMeta:anonymized:anonymizer:identifying:)`) and
/// the matching rule of Clean Descriptors: the identifying values of the original, searched for
/// in the anonymized meta and data set, or replaced by "X" in text that is cleaned.
///
/// Identifying values are the string values of every attribute the profile removes, empties,
/// replaces or shifts (at any depth, private ones included; person names also by component),
/// and private binary values that read as text.
///
/// The matching rule (one implementation, `firstMatch`, for cleaning and for the self-check):
/// - Letters compare without regard to ASCII case: "Smith" matches "SMITH".
/// - A long value (6 characters or more, at least 4 of them letters or digits) matches anywhere,
///   inside longer words too, in every string value and as bytes in every binary value except
///   pixel data ("PID-5550123" in a private "id=PID-5550123").
/// - A short value (3 to 5 characters, at least 3 letters or digits: a Patient ID "12345", a name
///   component "Ann") matches only as a whole token, bounded on both sides by a character that is
///   not an ASCII letter or digit (or by the start or end of the value): "Study of 12345 today"
///   and "DICOM\12345\IM1" match 12345; "123456789", "A12345" and "Annex" do not. Short values are
///   taken only from text VRs (LO, SH, PN and its components, LT, ST, UT, UC) of standard
///   attributes (private attributes hold many short codes) and are searched only in string values
///   other than UI (a UID component such as "840" is no identifier), never in binary values.
/// - Left out, because they would match harmless text: values shorter than 3 characters or with
///   fewer than 3 letters and digits (a two-letter name component is not searched), short values
///   of other VRs (numbers, dates, times of under 6 characters), undecodable text, CS and AS
///   values, well-known UIDs, our own dummy values and the words the anonymizer itself writes
///   (YES, ANONYMOUS, the method names), and values that match, by the same rule, a value the
///   profile keeps in the same file (e.g. "LightSpeed Ultr" in a removed private tag,
///   "LightSpeed Ultra" in the kept model name). Referenced File ID and File-set ID do not count
///   as kept values for this: file names often embed the Patient ID (a DICOMDIR's
///   "DICOM\12345\IM1"), and such a name is a residual, not an excuse,
///   unless `--keep` names the attribute (the user accepts the names as they are).
public enum IdentityScanner {
    /// How a value is matched (see the type's description).
    public enum Match: Sendable, Equatable {
        /// Anywhere, inside longer words too (long values).
        case substring
        /// As a whole token between non-alphanumerics (short values), in text other than UIDs.
        case token
    }

    /// One identifying value of the original: what to search for, where it came from, and how
    /// it is matched.
    public struct IdentifyingValue: Sendable, Equatable {
        public let value: String
        /// Where the value was in the original, e.g. "(0010,0010)".
        public let source: String
        public let match: Match

        public init(value: String, source: String, match: Match) {
            self.value = value
            self.source = source
            self.match = match
        }
    }

    static let dummies: Set<String> = ["ANONYMOUS", "19000101", "000000", "19000101000000", "urn:x:anonymous"]
    static let foldedDummies: Set<[UInt8]> = Set(dummies.map { folded($0.utf8) })

    /// Words the anonymizer writes itself (bookkeeping, dummies, the method names): a short value
    /// equal to one of them is not searched, since every output holds it.
    static let ownWords: Set<[UInt8]> = {
        var words: Set<[UInt8]> = []
        let texts = ["YES NO MODIFIED UNMODIFIED ANONYMOUS ANON DCM kept as is urn anonymous"]
            + DeidentificationProfile.methods.flatMap { [$0.meaning, $0.value, $0.scheme] }
        for t in texts {
            for w in folded(t.utf8).split(whereSeparator: { !isWordByte($0) }) { words.insert(Array(w)) }
        }
        return words
    }()

    /// Residual identifiers: one message per hit, empty when clean (the data set alone; the
    /// same search as the self-check).
    public static func residuals(original: DicomFile, anonymized: Dataset,
                                 options: AnonymizeOptions = AnonymizeOptions(secret: [])) -> [String] {
        residuals(original: original.dataset, anonymizedMeta: Dataset(), anonymized: anonymized,
                  anonymizer: Anonymizer(options: options))
    }

    /// The self-check, the one function that both `anonymize --check ORIGINAL ANONYMIZED` and the
    /// check before each write call: the identifying values of `original` under the anonymizer's
    /// options, searched for in the anonymized meta and data set. One message per hit, empty when
    /// clean. `identifying`, when given, must be `identifyingValues(in: original, anonymizer:)`
    /// (the write path computes them once, for the text cleaning and for this check).
    public static func residuals(original: Dataset, anonymizedMeta: Dataset, anonymized: Dataset,
                                 anonymizer: Anonymizer, identifying: [IdentifyingValue]? = nil) -> [String] {
        let values = identifying ?? identifyingValues(in: original, anonymizer: anonymizer)
        return search(values, in: [("meta ", anonymizedMeta), ("", anonymized)])
    }

    /// The data set alone, without the meta: kept only for callers written before the one check
    /// (the fuzz target); the anonymize command calls `residuals(original:anonymizedMeta:...)`.
    @available(*, deprecated, message: "use residuals(original:anonymizedMeta:anonymized:anonymizer:identifying:)")
    public static func residuals(values: [IdentifyingValue], anonymized: Dataset) -> [String] {
        search(values, in: [("", anonymized)])
    }

    /// Every hit of `values` in the data sets.
    ///
    /// Every searched value is first gathered into one buffer (folded to lower case), values
    /// separated by 0xFF, a byte UTF-8 text never holds and no letter or digit: a needle cannot
    /// span two values, and a token's boundary holds at the separator. Short needles are searched
    /// in a second buffer that holds only the text values other than UI. Only when something is
    /// found does the element-by-element walk run, to say where.
    static func search(_ values: [IdentifyingValue], in datasets: [(label: String, dataset: Dataset)]) -> [String] {
        guard !values.isEmpty else { return [] }
        let needles = values.map { (identifying: $0, bytes: folded($0.value.utf8)) }
        var all: [UInt8] = [], text: [UInt8] = []
        all.reserveCapacity(8192)
        text.reserveCapacity(4096)
        func gather(_ ds: Dataset, _ inMethodCodes: Bool) {
            for e in ds.elements {
                switch e.value {
                case .sequence(let items): items.forEach { gather($0, inMethodCodes || e.tag == methodCodeSequence) }
                case .fragments: continue
                case .bytes(let b):
                    if e.tag.group == 0x7FE0 { continue }
                    if e.vr.isString {
                        let value = searchedText(ds.decodeText(b, vr: e.vr), e.tag, inMethodCodes).utf8
                        all.append(contentsOf: value)
                        if e.vr != .UI { text.append(contentsOf: value); text.append(0xFF) }
                    } else {
                        b.withUnsafeBytes { all.append(contentsOf: $0) }
                    }
                    all.append(0xFF)
                }
            }
        }
        for (_, ds) in datasets { gather(ds, false) }
        foldInPlace(&all)
        foldInPlace(&text)
        let anyHit = needles.contains { n in
            n.identifying.match == .substring ? matches(all, n.bytes, .substring) : matches(text, n.bytes, .token)
        }
        guard anyHit else { return [] }

        var hits: [String] = []
        func walk(_ ds: Dataset, _ path: String, _ inMethodCodes: Bool) {
            for e in ds.elements {
                let here = path + e.tag.description
                switch e.value {
                case .sequence(let items):
                    for (i, item) in items.enumerated() { walk(item, here + "[\(i)].", inMethodCodes || e.tag == methodCodeSequence) }
                case .fragments:
                    continue
                case .bytes(let b):
                    if e.tag.group == 0x7FE0 { continue }
                    if e.vr.isString {
                        let value = folded(searchedText(ds.decodeText(b, vr: e.vr), e.tag, inMethodCodes).utf8)
                        for n in needles where (n.identifying.match == .substring || e.vr != .UI) && matches(value, n.bytes, n.identifying.match) {
                            hits.append("\(here): contains '\(n.identifying.value)' from the original's \(n.identifying.source)")
                        }
                    } else {
                        let value = b.withUnsafeBytes { folded($0) }
                        for n in needles where n.identifying.match == .substring && matches(value, n.bytes, .substring) {
                            hits.append("\(here): bytes contain '\(n.identifying.value)' from the original's \(n.identifying.source)")
                        }
                    }
                }
            }
        }
        for (label, ds) in datasets { walk(ds, label, false) }
        return hits
    }

    static let methodCodeSequence = Tag.deidentificationMethodCodeSequence

    /// The de-identification bookkeeping the anonymizer writes (PS3.15 E.1.1): Patient Identity
    /// Removed, De-identification Method and its Code Sequence, Longitudinal Temporal Information
    /// Modified. Their standard values are no residuals ("patient" in a removed ROI name is not
    /// found in "Retain Patient Characteristics Option"); any other value in them is searched.
    static let ownTexts: Set<String> = {
        var texts: Set<String> = ["YES", "NO", "MODIFIED", "UNMODIFIED", "REMOVED"]
        for m in DeidentificationProfile.methods {
            texts.insert(m.value)
            texts.insert(m.scheme)
            texts.insert(m.meaning)
            texts.insert(String(m.meaning.prefix(64)))
        }
        return texts
    }()

    /// `text` of `tag` without the bookkeeping values the anonymizer writes (see `ownTexts`);
    /// other attributes' text as it is.
    static func searchedText(_ text: String, _ tag: Tag, _ inMethodCodes: Bool) -> String {
        let bookkeeping = tag == Tag.patientIdentityRemoved || tag == Tag.deidentificationMethod || tag == Tag.longitudinalTemporalInformationModified
            || (inMethodCodes && (tag == Tag.codeValue || tag == Tag.codingSchemeDesignator || tag == Tag.codeMeaning))
        guard bookkeeping else { return text }
        return text.split(separator: "\\", omittingEmptySubsequences: false).filter { part in
            let v = part.trimmingWhitespace()
            if ownTexts.contains(v) { return false }
            // "kept as is: Keyword" (the attributes --keep kept, Anonymizer).
            if v.hasPrefix("kept as is: ") {
                return !v.dropFirst(12).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "(),".contains($0)) }
            }
            return true
        }.joined(separator: "\\")
    }

    /// `text` with every match of `values` replaced by "X", in the order given (longest first,
    /// so that a value is replaced before a shorter value inside it). Clean Descriptors' rule.
    public static func clean(_ text: String, of values: [IdentifyingValue]) -> String {
        var bytes = Array(text.utf8)
        var hay = folded(bytes)   // folded again only after a replacement
        var changed = false
        for f in values {
            let needle = folded(f.value.utf8)
            guard !needle.isEmpty, needle.count <= bytes.count else { continue }
            var out: [UInt8] = []
            var kept = 0
            hay.withUnsafeBytes { h in
                needle.withUnsafeBytes { n in
                    var from = 0
                    while let i = firstMatch(h, n, from: from, match: f.match) {
                        out.append(contentsOf: bytes[kept..<i])
                        out.append(0x58)   // "X"
                        kept = i + n.count
                        from = kept
                    }
                }
            }
            if kept > 0 {
                out.append(contentsOf: bytes[kept...])
                bytes = out
                hay = folded(bytes)
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// ASCII upper-case letters to lower case; every other byte as it is (UTF-8 stays valid).
    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    static func folded<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var out = Array(bytes)
        foldInPlace(&out)
        return out
    }

    static func foldInPlace(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { b in
            for i in b.indices where b[i] &- 0x41 < 26 { b[i] |= 0x20 }
        }
    }

    /// An ASCII letter or digit: what a token is made of (every other byte bounds a token).
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool { b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26 }

    /// Whether `needle` matches in `haystack` under `match` (both folded).
    static func matches(_ haystack: [UInt8], _ needle: [UInt8], _ match: Match) -> Bool {
        haystack.withUnsafeBytes { h in needle.withUnsafeBytes { firstMatch(h, $0, from: 0, match: match) != nil } }
    }

    /// The offset of the first match of `needle` in `haystack` at or after `from`: anywhere
    /// (`.substring`), or only where the bytes before and after are no ASCII letter or digit
    /// (`.token`). Both are folded by the caller.
    static func firstMatch(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer, from: Int, match: Match) -> Int? {
        let n = needle.count
        var start = from
        while n > 0, start + n <= haystack.count {
            guard let i = find(haystack, needle, from: start) else { return nil }
            if match == .substring { return i }
            if (i == 0 || !isWordByte(haystack[i - 1])) && (i + n == haystack.count || !isWordByte(haystack[i + n])) { return i }
            start = i + 1
        }
        return nil
    }

    /// The identifying values of `original` under `options` (see the type's description).
    public static func identifyingValues(in original: Dataset, options: AnonymizeOptions) -> [IdentifyingValue] {
        identifyingValues(in: original, anonymizer: Anonymizer(options: options))
    }

    /// The identifying values of `original` under `anonymizer.options`, with an anonymizer made
    /// once for a whole run (its keyed mapping is set up once).
    public static func identifyingValues(in original: Dataset, anonymizer: Anonymizer) -> [IdentifyingValue] {
        let pass = Pass(anonymizer: anonymizer, original: original, report: AnonymizeReport())
        // Each candidate with its VR and whether it comes from a private attribute (or from inside one).
        var candidates: [(value: String, source: String, vr: VR, isPrivate: Bool)] = []
        // Every kept value in one buffer, 0xFF between values (never in UTF-8), so that "matches
        // a kept value" is one search per candidate.
        var keptJoined: [UInt8] = []
        keptJoined.reserveCapacity(4096)
        func valueText(_ e: Element, _ ds: Dataset) -> String? {
            guard let b = e.valueBytes else { return nil }
            if e.vr.isString { return ds.decodeText(b, vr: e.vr) }
            guard e.tag.isPrivate || e.vr == .UN else { return nil }
            // Private binary values often hold text: take it when it is printable.
            guard b.count > 0, b.count <= 4096 else { return nil }
            return b.withUnsafeBytes { raw -> String? in
                raw.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0 || $0 == 0x0A || $0 == 0x0D })
                    ? String(decoding: raw, as: UTF8.self) : nil
            }
        }
        func strings(_ e: Element, _ ds: Dataset) -> [String] {
            guard let text = valueText(e, ds) else { return [] }
            // ASCII text splits and trims byte by byte (the same result as by Character and
            // Unicode scalar, much faster).
            let ascii = text.utf8.allSatisfy { $0 < 0x80 }
            let trimmed = ascii ? asciiTrimming(Substring(text), padding: true) : trimmingPadding(Substring(text))
            func split(_ s: String, _ isSeparator: @escaping (UInt8) -> Bool) -> [Substring] {
                if ascii { return s.utf8.split(whereSeparator: isSeparator).map { Substring($0) } }
                return s.split(whereSeparator: { c in c.utf8.count == 1 && isSeparator(c.utf8.first ?? 0) })
            }
            var out: [String]
            switch e.vr {
            case .LT, .ST, .UT: out = [trimmed]
            default: out = split(trimmed, { $0 == 0x5C }).map { ascii ? asciiTrimming($0, padding: true) : trimmingPadding($0) }
            }
            if e.vr == .PN {
                for v in out {
                    out += split(v, { $0 == 0x5E || $0 == 0x3D }).map { ascii ? asciiTrimming($0, padding: false) : trimmingWhitespace($0) }
                }
            }
            return out
        }
        // A kept value goes into `keptJoined` as `strings` would give it, without making a
        // String of each part: ASCII text split on backslashes, each part without its padding
        // (the other text through `strings`). Person name components are left out: each is part
        // of its whole name, which is in the buffer, so no candidate is kept or dropped differently.
        func keep(_ e: Element, _ ds: Dataset) {
            guard var text = valueText(e, ds) else { return }
            let whole = e.vr == .LT || e.vr == .ST || e.vr == .UT
            let done: Bool = text.withUTF8 { bytes in
                guard whole || !bytes.contains(where: { $0 >= 0x80 }) else { return false }
                func append(_ part: Slice<UnsafeBufferPointer<UInt8>>) {
                    var part = part[...]
                    while let b = part.first, b == 0x20 || b == 0 { part = part.dropFirst() }
                    while let b = part.last, b == 0x20 || b == 0 { part = part.dropLast() }
                    keptJoined.append(contentsOf: part)
                    keptJoined.append(0xFF)
                }
                if whole {
                    append(bytes[...])
                } else {
                    for part in bytes.split(separator: 0x5C) { append(part) }
                }
                return true
            }
            if done { return }
            for k in strings(e, ds) { keptJoined.append(contentsOf: k.utf8); keptJoined.append(0xFF) }
        }
        func walk(_ ds: Dataset, path: [Pass.Step], removed: Bool, treated: Bool, inPrivate: Bool) {
            for e in ds.elements {
                let isPrivate = inPrivate || e.tag.isPrivate
                func add(_ values: [String]) {
                    guard !values.isEmpty else { return }
                    let here = Pass.describe(path, e.tag)
                    candidates += values.map { ($0, here, e.vr, isPrivate) }
                }
                if path.isEmpty && e.tag.group == 0x0002 { continue }
                let decision: Decision = removed ? .remove : pass.decide(e, in: ds, path: path)
                if case .sequence(let items) = e.value {
                    let inside: Bool
                    // Text kept inside D and C sequences is dummied or cleaned, so it does not count as kept.
                    let treatedInside = treated || decision == .dummy || decision == .clean
                    switch decision {
                    case .remove, .removePrivate, .zero: inside = true
                    case .keepVerbatim:
                        for item in items { collectKept(item) }
                        continue
                    default: inside = false
                    }
                    for (i, item) in items.enumerated() {
                        walk(item, path: path + [Pass.Step(tag: e.tag, item: i)], removed: inside, treated: treatedInside,
                             inPrivate: isPrivate)
                    }
                    continue
                }
                if e.tag.isPrivateCreator { continue }
                switch decision {
                case .keep where treated && e.vr.usesSpecificCharacterSet:
                    continue
                case .keep where e.tag == Tag.referencedFileID || e.tag == Tag.fileSetID:
                    // File names the profile keeps excuse nothing (see the type's description);
                    // kept by --keep, they are the user's to accept.
                    continue
                case .keep, .keepVerbatim:
                    keep(e, ds)
                case .clean:
                    // Cleaned text keeps its wording; only person names are replaced whole.
                    if e.vr == .PN { add(strings(e, ds)) }
                case .shiftDate where e.vr != .DA && e.vr != .DT:
                    keep(e, ds)   // times are kept when dates are shifted
                case .remove, .removePrivate, .zero, .dummy, .uid, .shiftDate:
                    if e.vr == .CS || e.vr == .AS { continue }
                    add(strings(e, ds))
                }
            }
        }
        func collectKept(_ ds: Dataset) {
            for e in ds.elements {
                if let items = e.items { items.forEach(collectKept) } else { keep(e, ds) }
            }
        }
        walk(original, path: [], removed: false, treated: false, inPrivate: false)
        foldInPlace(&keptJoined)
        let kept = keptJoined
        var seen = Set<String>()
        var out: [IdentifyingValue] = []
        for c in candidates where !seen.contains(c.value) {
            let v = c.value
            // Our own dummies, in any case (an original already named "Anonymous").
            if dummies.contains(v) || foldedDummies.contains(folded(v.utf8)) { continue }
            // Undecodable text (replacement characters) would match anything.
            if v.unicodeScalars.contains("\u{FFFD}") { continue }
            let length = v.utf8.allSatisfy({ $0 < 0x80 }) ? v.utf8.count : v.count
            let wordCharacters = lettersOrDigits(v, upTo: 4)
            let match: Match
            if length >= 6 && wordCharacters >= 4 {
                match = .substring
            } else if length >= 3 && wordCharacters >= 3 && !c.isPrivate && shortValueVRs.contains(c.vr)
                        && !ownWords.contains(folded(v.utf8)) {
                match = .token
            } else {
                continue
            }
            // Matches a value the profile keeps (a model name in a removed private tag).
            if matches(kept, folded(v.utf8), match) { continue }
            if WellKnownUIDs.contains(v) { continue }
            seen.insert(v)
            out.append(IdentifyingValue(value: v, source: c.source, match: match))
        }
        return out
    }

    /// The VRs whose short values (3 to 5 characters) are identifiers worth a token search.
    static let shortValueVRs: Set<VR> = [.LO, .SH, .PN, .LT, .ST, .UT, .UC]

    /// How many letters or digits `v` has, counting up to `limit` (ASCII text byte by byte, the
    /// rest by Character).
    static func lettersOrDigits(_ v: String, upTo limit: Int) -> Int {
        var n = 0
        for byte in v.utf8 {
            if byte >= 0x80 { return v.lazy.filter({ $0.isLetter || $0.isNumber }).prefix(limit).count }
            if isWordByte(byte) {
                n += 1
                if n >= limit { return n }
            }
        }
        return n
    }

    /// ASCII `s` without leading and trailing padding (space, NUL: `trimmingPadding`) or white
    /// space (space, tab: `trimmingWhitespace`, whose Unicode Zs is only the space in ASCII).
    static func asciiTrimming(_ s: Substring, padding: Bool) -> String {
        var bytes = s.utf8[...]
        let isTrimmed: (UInt8) -> Bool = padding ? { $0 == 0x20 || $0 == 0 } : { $0 == 0x20 || $0 == 0x09 }
        while let b = bytes.first, isTrimmed(b) { bytes = bytes.dropFirst() }
        while let b = bytes.last, isTrimmed(b) { bytes = bytes.dropLast() }
        return String(Substring(bytes))
    }

    /// `s` without leading and trailing spaces and NULs (value padding).
    static func trimmingPadding(_ s: Substring) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\0" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\0" }) else { return "" }
        return String(scalars[first...last])
    }

    /// `s` without leading and trailing white space (tab and Unicode Zs, as Foundation's
    /// CharacterSet.whitespaces).
    static func trimmingWhitespace(_ s: Substring) -> String { s.trimmingWhitespace() }

    /// Whether `needle` occurs in `haystack`, byte for byte.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        needle.isEmpty || find(haystack, needle, from: 0) != nil
    }

    /// The offset of the first occurrence of `needle` in `haystack` at or after `from`, byte for
    /// byte (memchr finds each candidate start; the last byte is compared before memcmp, since
    /// first bytes such as digits are common).
    static func find(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer, from: Int) -> Int? {
        let n = needle.count
        guard n > 0, from >= 0, from + n <= haystack.count, let h = haystack.baseAddress, let first = needle.baseAddress else { return nil }
        let firstByte = Int32(widening: needle[0])
        let lastByte = needle[n - 1]
        let end = h + (haystack.count - n + 1)
        var p = h + from
        while p < end {
            guard let found = memchr(p, firstByte, end - p) else { return nil }
            let candidate = UnsafeRawPointer(found)
            if candidate.load(fromByteOffset: n - 1, as: UInt8.self) == lastByte && memcmp(candidate, first, n) == 0 {
                return candidate - UnsafeRawPointer(h)
            }
            p = candidate + 1
        }
        return nil
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { h in needle.withUnsafeBytes { contains(h, $0) } }
    }
}
