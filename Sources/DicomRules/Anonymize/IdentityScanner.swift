import DicomCore
import DicomIO
import Foundation

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
        let values = identifyingValues(in: original, options: options)
        guard !values.isEmpty else { return [] }
        let needles = values.map { (finding: $0, bytes: Array($0.value.utf8)) }
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
                        let text = ds.decodeText(b, vr: e.vr)
                        for n in needles where text.contains(n.finding.value) {
                            hits.append("\(here): contains '\(n.finding.value)' from the original's \(n.finding.source)")
                        }
                    } else {
                        let bytes = b.bytes
                        for n in needles where contains(bytes, n.bytes) {
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
        let pass = Pass(anonymizer: Anonymizer(options: options), original: original, report: AnonymizeReport())
        var candidates: [Finding] = []
        var kept = Set<String>()
        func strings(_ e: Element, _ ds: Dataset) -> [String] {
            guard let b = e.valueBytes else { return [] }
            var text: String
            if e.vr.isString {
                text = ds.decodeText(b, vr: e.vr)
            } else if e.tag.isPrivate || e.vr == .UN {
                // Private binary values often hold text: take it when it is printable.
                let bytes = b.bytes
                guard !bytes.isEmpty, bytes.count <= 4096,
                      bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0 || $0 == 0x0A || $0 == 0x0D }) else { return [] }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                return []
            }
            text = text.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
            var out: [String]
            switch e.vr {
            case .LT, .ST, .UT: out = [text]
            default: out = text.split(separator: "\\").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")) }
            }
            if e.vr == .PN {
                for v in out {
                    out += v.split(whereSeparator: { $0 == "^" || $0 == "=" })
                        .map { $0.trimmingCharacters(in: .whitespaces) }
                }
            }
            return out
        }
        func walk(_ ds: Dataset, path: [Pass.Step], removed: Bool, treated: Bool) {
            for e in ds.elements {
                if path.isEmpty && e.tag.group == 0x0002 { continue }
                let decision: Decision = removed ? .remove : pass.decide(e, in: ds, path: path)
                let source = Pass.describe(path, e.tag)
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
                    kept.formUnion(strings(e, ds))
                case .clean:
                    // Cleaned text keeps its wording; only person names are replaced whole.
                    if e.vr == .PN { candidates += strings(e, ds).map { Finding(value: $0, source: source) } }
                case .shiftDate where e.vr != .DA && e.vr != .DT:
                    kept.formUnion(strings(e, ds))   // times are kept when dates are shifted
                case .remove, .removePrivate, .zero, .dummy, .uid, .shiftDate:
                    if e.vr == .CS || e.vr == .AS { continue }
                    candidates += strings(e, ds).map { Finding(value: $0, source: source) }
                }
            }
        }
        func collectKept(_ ds: Dataset) {
            for e in ds.elements {
                if let items = e.items { items.forEach(collectKept) } else { kept.formUnion(strings(e, ds)) }
            }
        }
        walk(original, path: [], removed: false, treated: false)
        var seen = Set<String>()
        let keptValues = Array(kept)
        return candidates.filter { f in
            let v = f.value
            if v.count < 4 || dummies.contains(v) || kept.contains(v) || seen.contains(v) { return false }
            // Undecodable text (replacement characters) and punctuation would match anything.
            if v.contains("\u{FFFD}") || v.filter({ $0.isLetter || $0.isNumber }).count < 4 { return false }
            // Part of a value the profile keeps (a model name in a removed private tag).
            if keptValues.contains(where: { $0.count > v.count && $0.contains(v) }) { return false }
            if v.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }) && v.count < 6 { return false }
            if UIDDictionary.entry(for: v) != nil { return false }
            seen.insert(v)
            return true
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return false }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
