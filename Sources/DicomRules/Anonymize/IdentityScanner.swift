import DicomCore
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The self-check of anonymize (after writing, and `--check ORIGINAL ANONYMIZED`): the
/// identifying values of the original, searched for in the anonymized data set.
///
/// Identifying values are the string values of every attribute the profile removes, empties,
/// replaces or shifts (at any depth, private ones included; person names also by component),
/// and private binary values that read as text. Left out, because they would match harmless
/// text: values shorter than 4 characters (or with fewer than 4 letters and digits, or with
/// undecodable bytes), numbers shorter than 6 digits, CS and AS values, well-known UIDs, our own
/// dummy values, and values equal to or part of a value that the profile keeps in the same file
/// (e.g. "LightSpeed Ultr" in a removed private tag, "LightSpeed Ultra" in the kept model name).
/// The search covers every string value at any depth, and every other value except pixel data
/// as bytes.
public enum IdentityScanner {
    public struct Finding: Sendable, Equatable {
        public let value: String
        /// Where the value was in the original, e.g. "(0010,0010)".
        public let source: String
    }

    static let dummies: Set<String> = ["ANONYMOUS", "19000101", "000000", "19000101000000", "urn:x:anonymous"]

    /// Residual identifiers: one message per hit, empty when clean.
    public static func residuals(original: DicomFile, anonymized: Dataset,
                                 options: AnonymizeOptions = AnonymizeOptions(secret: [])) -> [String] {
        residuals(original: original.dataset, anonymized: anonymized, options: options)
    }

    public static func residuals(original: Dataset, anonymized: Dataset, options: AnonymizeOptions) -> [String] {
        residuals(values: identifyingValues(in: original, options: options), anonymized: anonymized)
    }

    /// Residual identifiers among `values` (from `identifyingValues`, computed once per file and
    /// shared with the anonymizer's text cleaning): one message per hit, empty when clean.
    ///
    /// Every searched value of `anonymized` is first gathered into one buffer, values separated
    /// by 0xFF, a byte UTF-8 text never holds: a needle (UTF-8 text) cannot span two values, so a
    /// needle is in the buffer exactly when it is in one value. Only when something is found does
    /// the element-by-element walk run, to say where.
    public static func residuals(values: [Finding], anonymized: Dataset) -> [String] {
        guard !values.isEmpty else { return [] }
        let needles = values.map { (finding: $0, bytes: Array($0.value.utf8)) }
        var gathered: [UInt8] = []
        gathered.reserveCapacity(8192)
        func gather(_ ds: Dataset) {
            for e in ds.elements {
                switch e.value {
                case .sequence(let items): items.forEach(gather)
                case .fragments: continue
                case .bytes(let b):
                    if e.tag.group == 0x7FE0 { continue }
                    if e.vr.isString {
                        gathered.append(contentsOf: ds.decodeText(b, vr: e.vr).utf8)
                    } else {
                        b.withUnsafeBytes { gathered.append(contentsOf: $0) }
                    }
                    gathered.append(0xFF)
                }
            }
        }
        gather(anonymized)
        let anyHit = gathered.withUnsafeBytes { hay in
            needles.contains { n in n.bytes.withUnsafeBytes { contains(hay, $0) } }
        }
        guard anyHit else { return [] }

        var hits: [String] = []
        func walk(_ ds: Dataset, _ path: String) {
            for e in ds.elements {
                let here = path + e.tag.description
                switch e.value {
                case .sequence(let items):
                    for (i, item) in items.enumerated() { walk(item, here + "[\(i)].") }
                case .fragments:
                    continue
                case .bytes(let b):
                    if e.tag.group == 0x7FE0 { continue }
                    if e.vr.isString {
                        let text = Array(ds.decodeText(b, vr: e.vr).utf8)
                        for n in needles where contains(text, n.bytes) {
                            hits.append("\(here): contains '\(n.finding.value)' from the original's \(n.finding.source)")
                        }
                    } else {
                        for n in needles where b.withUnsafeBytes({ hay in n.bytes.withUnsafeBytes { contains(hay, $0) } }) {
                            hits.append("\(here): bytes contain '\(n.finding.value)' from the original's \(n.finding.source)")
                        }
                    }
                }
            }
        }
        walk(anonymized, "")
        return hits
    }

    /// The identifying values of `original` under `options` (see the type's description).
    public static func identifyingValues(in original: Dataset, options: AnonymizeOptions) -> [Finding] {
        identifyingValues(in: original, anonymizer: Anonymizer(options: options))
    }

    /// The identifying values of `original` under `anonymizer.options`, with an anonymizer made
    /// once for a whole run (its keyed mapping is set up once).
    public static func identifyingValues(in original: Dataset, anonymizer: Anonymizer) -> [Finding] {
        let pass = Pass(anonymizer: anonymizer, original: original, report: AnonymizeReport())
        var candidates: [Finding] = []
        // Every kept value in one buffer, 0xFF between values (never in UTF-8), so that "equal to
        // or part of a kept value" is one byte search per candidate.
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
        func walk(_ ds: Dataset, path: [Pass.Step], removed: Bool, treated: Bool) {
            for e in ds.elements {
                if path.isEmpty && e.tag.group == 0x0002 { continue }
                let decision: Decision = removed ? .remove : pass.decide(e, in: ds, path: path)
                // Only the few removed or replaced values need their path (most elements are kept).
                func source() -> String { Pass.describe(path, e.tag) }
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
                        walk(item, path: path + [Pass.Step(tag: e.tag, item: i)], removed: inside, treated: treatedInside)
                    }
                    continue
                }
                if e.tag.isPrivateCreator { continue }
                switch decision {
                case .keep where treated && e.vr.usesSpecificCharacterSet:
                    continue
                case .keep, .keepVerbatim:
                    keep(e, ds)
                case .clean:
                    // Cleaned text keeps its wording; only person names are replaced whole.
                    if e.vr == .PN {
                        let values = strings(e, ds)
                        if !values.isEmpty { let here = source(); candidates += values.map { Finding(value: $0, source: here) } }
                    }
                case .shiftDate where e.vr != .DA && e.vr != .DT:
                    keep(e, ds)   // times are kept when dates are shifted
                case .remove, .removePrivate, .zero, .dummy, .uid, .shiftDate:
                    if e.vr == .CS || e.vr == .AS { continue }
                    let values = strings(e, ds)
                    if !values.isEmpty { let here = source(); candidates += values.map { Finding(value: $0, source: here) } }
                }
            }
        }
        func collectKept(_ ds: Dataset) {
            for e in ds.elements {
                if let items = e.items { items.forEach(collectKept) } else { keep(e, ds) }
            }
        }
        walk(original, path: [], removed: false, treated: false)
        var seen = Set<String>()
        return candidates.filter { f in
            let v = f.value
            let length = v.utf8.allSatisfy({ $0 < 0x80 }) ? v.utf8.count : v.count
            if length < 4 || dummies.contains(v) || seen.contains(v) { return false }
            // Undecodable text (replacement characters) and punctuation would match anything.
            if v.unicodeScalars.contains("\u{FFFD}") || !hasFourLettersOrDigits(v) { return false }
            // Equal to or part of a value the profile keeps (a model name in a removed private tag).
            if keptJoined.withUnsafeBytes({ hay in Array(v.utf8).withUnsafeBytes { contains(hay, $0) } }) { return false }
            if length < 6 && v.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }) { return false }
            if WellKnownUIDs.contains(v) { return false }
            seen.insert(v)
            return true
        }
    }

    /// At least four letters or digits (ASCII text is counted byte by byte, the rest by Character).
    static func hasFourLettersOrDigits(_ v: String) -> Bool {
        var n = 0
        var ascii = true
        for byte in v.utf8 {
            if byte >= 0x80 { ascii = false; break }
            if (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) {
                n += 1
                if n >= 4 { return true }
            }
        }
        if ascii { return false }
        return v.lazy.filter({ $0.isLetter || $0.isNumber }).prefix(4).count >= 4
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

    /// Whether `needle` occurs in `haystack`, byte for byte (memchr finds each candidate start;
    /// the last byte is compared before memcmp, since first bytes such as digits are common).
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        let n = needle.count
        guard n > 0 else { return true }
        guard n <= haystack.count, let h = haystack.baseAddress, let first = needle.baseAddress else { return false }
        let firstByte = Int32(widening: needle[0])
        let lastByte = needle[n - 1]
        let end = h + (haystack.count - n + 1)
        var p = h
        while p < end {
            guard let found = memchr(p, firstByte, end - p) else { return false }
            let candidate = UnsafeRawPointer(found)
            if candidate.load(fromByteOffset: n - 1, as: UInt8.self) == lastByte && memcmp(candidate, first, n) == 0 { return true }
            p = candidate + 1
        }
        return false
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { h in needle.withUnsafeBytes { contains(h, $0) } }
    }
}
