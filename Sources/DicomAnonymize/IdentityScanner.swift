import DicomCore
import DicomIO

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
}
