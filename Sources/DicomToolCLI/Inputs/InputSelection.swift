import DicomCore
import DicomQuery

/// `--where KEY=VALUE`: which inputs a run takes by their attributes (the C-FIND matching rules of
/// DicomQuery). Evaluated by the input runner on each input before the command's work, reading
/// only the header, so the work never starts on a file that does not match.
public struct InputSelection: Sendable {
    public let query: AttributeQuery

    public init(_ query: AttributeQuery) {
        self.query = query
    }

    /// One `--where` value, refused with the reason (and a keyword suggestion) when it cannot match.
    static func criterion(_ text: String, spelling _: String) throws(DicomError) -> AttributeCriterion {
        do {
            return try AttributeCriterion(parsing: text)
        } catch {
            var message = error.message
            // A misspelt keyword: the closest ones, as for a misspelt flag.
            if message.contains("is neither a tag"), let key = text.split(separator: "=").first,
               let name = key.split(separator: ".").last.map({ String($0.prefix { $0 != "[" }) }),
               let hint = Suggestions.didYouMean(name, among: DataDictionary.keywords) {
                message += "; " + hint
            }
            throw DicomError(.usage, message)
        }
    }

    /// Whether the input matches; its header's read errors are the input's failure.
    func selects(_ item: InputItem) throws(DicomError) -> Bool {
        guard let path = item.path else {
            throw DicomError(.usage, "--where cannot select standard input")
        }
        return try query.matches(path: path)
    }
}
