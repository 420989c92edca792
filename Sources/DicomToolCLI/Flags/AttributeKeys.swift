import DicomCore

/// The one reading of an attribute key typed on the command line (dump --tag, anonymize --keep,
/// --remove and --set, modify's paths, --where, find's -k and -r): DicomCore's `EditPath`, so every
/// command takes the same spellings (keyword, (gggg,eeee), gggg,eeee, ggggeeee, paths with `[n]`
/// and `[*]`, private elements by creator) and refuses the same ones with the same message:
/// `FLAG TYPED: REASON`, with the closest keywords when a name is misspelt.
enum AttributeKeys {
    /// `key` as a path. `typed` is what the flag's value was, when the key is only part of it
    /// (`KEY=VALUE`), so the message shows the whole value.
    static func path(_ key: String, flag: String, typed: String? = nil) throws(DicomError) -> EditPath {
        do {
            return try EditPath(parsing: key)
        } catch {
            throw refusal(error, key: key, flag: flag, typed: typed ?? key)
        }
    }

    /// EditPath's refusal of `key` worded for `flag`, with a keyword suggestion.
    static func refusal(_ error: DicomError, key: String, flag: String, typed: String) -> DicomError {
        var message = "\(flag) \(typed): \(error.message)"
        if let hint = suggestion(for: key) { message += "; " + hint }
        return DicomError(.usage, message, tag: error.tag)
    }

    /// "did you mean ...?" for the first step of `key` that is neither a tag nor a keyword.
    static func suggestion(for key: String) -> String? {
        for segment in EditPath.segments(of: key) {
            var name = segment
            if name.hasSuffix("]"), let open = name.lastIndex(of: "[") { name = name[..<open] }
            guard !name.isEmpty, !name.contains("{"), (try? AttributeName(parsing: name, in: key)) == nil else { continue }
            return Suggestions.didYouMean(String(name), among: DataDictionary.keywords)
        }
        return nil
    }
}
