import DicomCore
import DicomIO

/// Which values of the original are identifying (see `IdentityScanner`): those the profile
/// removes, empties, replaces or shifts, less the ones that would match harmless text.
extension IdentityScanner {
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
                        walk(item, path: path + [Pass.Step(tag: e.tag, item: i, creator: ds.privateCreator(of: e.tag))], removed: inside, treated: treatedInside,
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
}
