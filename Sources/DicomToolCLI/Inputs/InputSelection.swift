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

    /// One `--where` value, refused with the reason (the key read by `AttributeKeys`, as every
    /// command reads keys) when it cannot match.
    static func criterion(_ text: String, spelling: String) throws(DicomError) -> AttributeCriterion {
        if let equals = AttributeCriterion.splitPoint(text) {
            _ = try AttributeKeys.path(String(text[..<equals]), flag: spelling, typed: text)
        }
        return try AttributeCriterion(parsing: text)
    }

    /// Whether the input matches; its header's read errors are the input's failure.
    func selects(_ item: InputItem) throws(DicomError) -> Bool {
        guard let path = item.path else {
            throw DicomError(.usage, "--where cannot select standard input")
        }
        return try query.matches(path: path)
    }
}
