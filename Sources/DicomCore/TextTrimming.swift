/// White-space trimming with Foundation's character classes but without Foundation, whose
/// `trimmingCharacters(in:)` needs the ICU-backed full module (see NumberText for why the
/// executable does without it). Works on Unicode scalars, as `trimmingCharacters` does.
extension StringProtocol {
    /// Without leading and trailing tab and Unicode Zs (Foundation's `CharacterSet.whitespaces`).
    package func trimmingWhitespace() -> String {
        trimmingScalars { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// Without leading and trailing Unicode Z*, U+0009...U+000D and U+0085 (Foundation's
    /// `CharacterSet.whitespacesAndNewlines`).
    package func trimmingWhitespaceAndNewlines() -> String {
        trimmingScalars { scalar in
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return (0x09...0x0D).contains(scalar.value) || scalar.value == 0x85
            }
        }
    }

    private func trimmingScalars(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        // Most values (UIDs, codes, names) begin and end with a printable ASCII character, which
        // neither trimming removes: no scalar-by-scalar copy then (a receiver trims every value
        // its layout reads, for each instance).
        let whole = String(self)
        if let head = whole.utf8.first, let tail = whole.utf8.last, (0x21...0x7E).contains(head), (0x21...0x7E).contains(tail) {
            return whole
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
