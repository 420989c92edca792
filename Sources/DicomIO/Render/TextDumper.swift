import DicomCore
import FoundationEssentials

/// Text in the spirit of dcmdump: one line per element (tag, VR, value, then length, VM and
/// keyword after `#`), nesting indented, long values shortened unless `full`, pixel data summarised.
public struct TextDumper {
    public var full = false
    /// Longest value text shown before it is shortened.
    public var maxValueWidth = 64
    public var maxNumbers = 16

    public init(full: Bool = false) { self.full = full }

    private static let spaces: [String] = (0...60).map { String(repeating: " ", count: $0) }

    public func render(_ file: DicomFile, includeMeta: Bool = true, includeDataset: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(4096)
        if includeMeta {
            if file.meta.isEmpty {
                out += "# No File Meta Information (bare data set)\n"
            } else {
                out += "# File Meta Information\n"
                render(file.meta, depth: 0, into: &out)
            }
        }
        if includeDataset {
            out += "# Data Set: \(file.transferSyntax.name) (\(file.transferSyntax.uid))\n"
            render(file.dataset, depth: 0, into: &out)
        }
        return out
    }

    public func render(_ ds: Dataset, depth: Int, into out: inout String) {
        let indent = String(repeating: "  ", count: depth)
        for e in ds.elements {
            let name = Self.keyword(e.tag, in: ds)
            switch e.value {
            case .sequence(let items):
                let n = items.count
                line(&out, indent, e, "(Sequence, \(n) item\(n == 1 ? "" : "s"))",
                     length: e.hadUndefinedLength ? "u/l" : e.declaredLength.map(String.init) ?? "", vm: "1", name: name)
                for (i, item) in items.enumerated() {
                    out += indent + "  > Item \(i + 1) (\(item.count) element\(item.count == 1 ? "" : "s"))\n"
                    render(item, depth: depth + 2, into: &out)
                }
            case .fragments(let f):
                let count = f.fragments.count
                let sizes = (full ? f.fragments[...] : f.fragments.prefix(8)).map { String($0.count) }
                let shown = full || count <= 8 ? sizes.joined(separator: ", ")
                    : sizes.joined(separator: ", ") + ", ... (\(count - 8) more)"
                let table = f.offsetTable.count / 4
                let summary = "(encapsulated: \(f.fragments.count) fragment\(f.fragments.count == 1 ? "" : "s")"
                    + (frameSummary(ds).map { ", \($0)" } ?? "")
                    + ", offset table \(table) entr\(table == 1 ? "y" : "ies"); fragment bytes: \(shown))"
                line(&out, indent, e, summary, length: "u/l", vm: "1", name: name)
            case .bytes(let b):
                let (text, vm) = valueText(e, b, ds)
                line(&out, indent, e, text, length: String(b.count), vm: String(vm), name: name)
            }
        }
    }

    private func frameSummary(_ ds: Dataset) -> String? {
        guard let rows = ds.int(Tag.rows), let cols = ds.int(Tag.columns) else { return nil }
        let frames = ds.int(Tag.numberOfFrames) ?? 1
        let bits = ds.int(Tag.bitsAllocated).map { " \($0)-bit" } ?? ""
        let spp = ds.int(Tag.samplesPerPixel) ?? 1
        return "\(frames) frame\(frames == 1 ? "" : "s") of \(cols)x\(rows)\(bits)\(spp > 1 ? " x\(spp)" : "")"
    }

    private func valueText(_ e: Element, _ b: ValueBytes, _ ds: Dataset) -> (String, Int) {
        if b.count == 0 { return ("(no value)", 0) }
        if e.tag == .pixelData || e.tag == .floatPixelData || e.tag == .doubleFloatPixelData {
            return ("(pixel data: \(b.count) bytes" + (frameSummary(ds).map { ", \($0)" } ?? "") + ")", 1)
        }
        if let values = ValueText.values(e, in: ds) {
            var text: String
            switch e.vr {
            case .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD, .AT:
                let shown = full ? values : Array(values.prefix(maxNumbers))
                text = (e.vr == .AT ? shown.map { "(\($0.prefix(4)),\($0.suffix(4)))" } : shown).joined(separator: "\\")
                if shown.count < values.count { text += "\\... (\(values.count) values)" }
            default:
                text = "[" + ValueText.escaped(values.joined(separator: "\\")) + "]"
                // utf8.count is O(1); Character counting is only needed when the text may be too long.
                if !full && text.utf8.count > maxValueWidth + 2 && text.count > maxValueWidth + 2 {
                    text = String(text.prefix(maxValueWidth)) + "...] (\(b.count) bytes)"
                }
                if e.vr == .UI, values.count == 1, let name = UIDDictionary.entry(for: values[0])?.name {
                    text += " = " + name
                }
            }
            return (text, values.count)
        }
        // Bulk binary: a few bytes or words, then the size.
        let limit = full ? nil : 16
        switch e.vr {
        case .OW: return (ValueText.hexWords(b, max: limit), 1)
        case .OF, .OD, .OL, .OV:
            // OF/OD as floats, OL/OV as unsigned integers (dcmdump shows them the same way).
            let vals = binaryValues(b, vr: e.vr)
            let shown = full ? vals : Array(vals.prefix(maxNumbers))
            var t = shown.map(\.text).joined(separator: "\\")
            if shown.count < vals.count { t += "\\... (\(vals.count) values)" }
            return (t, 1)
        default: return (ValueText.hexBytes(b, max: limit), 1)
        }
    }

    private func line(_ out: inout String, _ indent: String, _ e: Element, _ value: String, length: String, vm: String, name: String) {
        // Appended piece by piece into `out` (no intermediate strings); the column is counted in
        // UTF-8 bytes, which equals characters for the ASCII that almost every value is.
        let start = out.utf8.count
        out += indent
        out += e.tag.description
        out += " "
        out += e.vr.rawValue
        out += " "
        out += value
        let pad = 60 - (out.utf8.count - start)
        if pad > 0 { out += Self.spaces[pad] }
        out += " # "
        if !length.isEmpty { out += length; out += ", " }
        out += vm
        out += " "
        out += name
        out += "\n"
    }

    /// The keyword of a tag, private names through the block's creator, or a description.
    static func keyword(_ tag: Tag, in ds: Dataset) -> String {
        if tag.isGroupLength { return tag.group == 0x0002 ? "FileMetaInformationGroupLength" : "GroupLength" }
        if tag.isPrivate {
            if tag.isPrivateCreator { return "PrivateCreator" }
            if let c = tag.privateCreatorTag, let creator = ds.string(c) {
                if let entry = PrivateDictionary.entry(creator: creator, tag: tag) {
                    return "[\(creator)] \(entry.name)"
                }
                return "[\(creator)] unknown"
            }
            return "PrivateElementWithoutCreator"
        }
        return DataDictionary.entry(for: tag)?.keyword ?? "Unknown"
    }
}
