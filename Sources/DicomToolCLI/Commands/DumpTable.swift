import DicomCore
import DicomIO
import DicomQuery

/// `dump --format csv|tsv --tag KEY...`: one row per file, the path first, then one column per
/// `--tag` (a keyword, tag or attribute path as `--where` and modify take them), under a header
/// row of the keys as typed. A multi-valued attribute's values are joined with `\` (DICOM's own
/// separator); so are the values of every item a path with `[*]` reaches. Binary values and
/// sequences have no text: their cells are empty, as are those of absent attributes.
///
/// CSV is RFC 4180: CRLF line ends, a field holding a comma, a quote, CR or LF is quoted, and its
/// quotes doubled. TSV has no quoting: tab, LF and CR inside a value are written `\t`, `\n`, `\r`
/// (a backslash stays as it is, being the value separator), so every row is one line for `cut`,
/// `sort | uniq -c` and spreadsheets.
struct DumpTable: Sendable {
    enum Style: Sendable { case csv, tsv }

    let style: Style
    let keys: [String]
    let paths: [EditPath]

    /// `keys` as typed (the header row) and as read by `AttributeKeys` (`paths`).
    init(style: Style, keys: [String], paths: [EditPath]) throws(DicomError) {
        guard !keys.isEmpty else {
            throw DicomError(.usage, "--format \(style == .csv ? "csv" : "tsv") needs the columns: give --tag KEY once per column (e.g. --tag PatientID --tag StudyDate)")
        }
        self.style = style
        self.keys = keys
        self.paths = paths
    }

    var header: String { row(["path"] + keys) }

    /// The row of one file (header only: stops after the last top-level attribute named).
    func row(for item: InputItem) throws(DicomError) -> String {
        var options = Part10Reader.Options()
        options.stopBefore = AttributeQuery.stopBefore(for: paths)
        let file = try Part10Reader.read(path: item.path ?? "-", options: options)
        var cells = [item.displayName]
        for path in paths {
            var root = file.dataset
            if case .tag(let tag)? = path.steps.first?.name, tag.group == 0x0002 { root = file.meta }
            let values = path.elements(in: root).flatMap { element, owner in
                ValueText.values(element, in: owner) ?? []
            }
            cells.append(values.joined(separator: "\\"))
        }
        return row(cells)
    }

    func row(_ cells: [String]) -> String {
        switch style {
        case .csv: return Self.csvRow(cells)
        case .tsv: return cells.map(Self.tsvField).joined(separator: "\t") + "\n"
        }
    }

    /// One RFC 4180 record (dump's table and find's matches).
    static func csvRow(_ cells: [String]) -> String { cells.map(csvField).joined(separator: ",") + "\r\n" }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }

    static func tsvField(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
