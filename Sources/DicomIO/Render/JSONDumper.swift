import DicomCore
import FoundationEssentials

/// The DICOM JSON Model (PS3.18 Annex F). Binary values up to `inlineMax` bytes are InlineBinary
/// (base64, little endian); larger ones are BulkDataURI `file://PATH?offset=N&length=M` pointing
/// at the value in the input file (inlined anyway when the value has no place in a file, e.g. a
/// deflated data set, or the input is standard input, or a big-endian value of OW, OF, OL, OD, OV).
public struct JSONDumper {
    public var inlineMax: Int
    /// Absolute path of the input, for BulkDataURIs; nil inlines everything.
    public var bulkDataPath: String?
    /// The input's bytes, to tell whether a value lives in the file (not in an inflated copy).
    public var fileSource: ByteSource?

    public init(inlineMax: Int = 4096, bulkDataPath: String? = nil, fileSource: ByteSource? = nil) {
        self.inlineMax = inlineMax
        self.bulkDataPath = bulkDataPath
        self.fileSource = fileSource
    }

    public func render(_ ds: Dataset) -> String {
        var ignored: [ReadWarning] = []
        return render(ds, warnings: &ignored)
    }

    /// The JSON model of `ds`; `warnings` receives one entry per element whose values the model
    /// cannot hold as they are (FL/FD NaN and infinities, written as strings).
    public func render(_ ds: Dataset, warnings: inout [ReadWarning]) -> String {
        var out = ""
        out.reserveCapacity(4096)
        object(ds, into: &out, warnings: &warnings)
        return out
    }

    func object(_ ds: Dataset, into out: inout String, warnings: inout [ReadWarning]) {
        out += "{"
        var first = true
        for e in ds.elements where !e.tag.isGroupLength {
            if !first { out += "," }
            first = false
            out += "\"" + e.tag.compactHex + "\":{\"vr\":\"" + e.vr.rawValue + "\""
            attribute(e, ds, into: &out, warnings: &warnings)
            out += "}"
        }
        out += "}"
    }

    private func attribute(_ e: Element, _ ds: Dataset, into out: inout String, warnings: inout [ReadWarning]) {
        switch e.value {
        case .sequence(let items):
            guard !items.isEmpty else { return }
            out += ",\"Value\":["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                object(item, into: &out, warnings: &warnings)
            }
            out += "]"
        case .fragments(let f):
            // The encapsulated value as stored: items with their headers (what pydicom's to_json encodes).
            if let path = bulkDataPath, let first = f.offsetTable.sourceOffset, f.offsetTable.source === fileSource,
               let last = f.fragments.last, let end = last.sourceOffset {
                let start = first - 8, length = end + last.count + 8 - start
                if length > inlineMax { out += ",\"BulkDataURI\":\"" + Self.escape(uri(path, start, length)) + "\""; return }
            }
            var bytes: [UInt8] = []
            func appendItem(_ v: ValueBytes) {
                let n = UInt32(v.count)
                bytes += [0xFE, 0xFF, 0x00, 0xE0, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
                bytes += v.bytes
            }
            appendItem(f.offsetTable)
            for v in f.fragments { appendItem(v) }
            bytes += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
            out += ",\"InlineBinary\":\"" + Data(bytes).base64EncodedString() + "\""
        case .bytes(let b):
            if b.count == 0 { return }
            if e.vr.isBulkBinary {
                // A big-endian OW/OF/... value is inlined too: the bytes a URI would point at are not
                // the little-endian value the model promises (PS3.18 F.2.7), and `create` would read them as such.
                if b.count > inlineMax, let path = bulkDataPath, let off = b.sourceOffset, b.source === fileSource,
                   !(b.isBigEndian && e.vr.byteSwapUnit > 1) {
                    out += ",\"BulkDataURI\":\"" + Self.escape(uri(path, off, b.count)) + "\""
                } else {
                    out += ",\"InlineBinary\":\"" + Data(b.littleEndianBytes(swapUnit: e.vr.byteSwapUnit)).base64EncodedString() + "\""
                }
                return
            }
            if e.vr == .FL || e.vr == .FD {
                floats(e, b, into: &out, warnings: &warnings)
                return
            }
            guard let values = ValueText.values(e, in: ds) else { return }
            if values.isEmpty { return }
            out += ",\"Value\":["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                out += jsonValue(v, e.vr)
            }
            out += "]"
        }
    }

    private func jsonValue(_ v: String, _ vr: VR) -> String {
        switch vr {
        case .PN:
            if v.isEmpty { return "null" }
            let groups = v.split(separator: "=", omittingEmptySubsequences: false)
            var parts: [String] = []
            for (i, key) in ["Alphabetic", "Ideographic", "Phonetic"].enumerated() where i < groups.count && !groups[i].isEmpty {
                parts.append("\"\(key)\":\"" + Self.escape(String(groups[i])) + "\"")
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .US, .SS, .UL, .SL, .SV, .UV:
            return v
        case .IS:
            if v.isEmpty { return "null" }
            return Int(v).map(String.init) ?? "\"" + Self.escape(v) + "\""
        case .DS:
            if v.isEmpty { return "null" }
            guard let d = Double(v), d.isFinite else { return "\"" + Self.escape(v) + "\"" }
            return Self.isJSONNumber(v) ? v : "\(d)"
        default:
            return v.isEmpty ? "null" : "\"" + Self.escape(v) + "\""
        }
    }

    /// FL/FD values as JSON numbers in their shortest exact form. PS3.18 F.2.3 maps FL and FD to
    /// JSON Number, which has no NaN or infinity (RFC 8259 section 6), although PS3.5 allows them
    /// (CP-2352); `null` would read back as an empty value, so they are written as the strings
    /// "NaN", "Infinity" and "-Infinity" (what JavaScript's and Python's number parsers accept)
    /// with a warning naming the element.
    private func floats(_ e: Element, _ b: ValueBytes, into out: inout String, warnings: inout [ReadWarning]) {
        let values = binaryValues(b, vr: e.vr)
        if values.isEmpty { return }
        out += ",\"Value\":["
        var nonFinite = 0
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            if v.isFinite { out += v.text } else { out += "\"" + v.text + "\""; nonFinite += 1 }
        }
        out += "]"
        if nonFinite > 0 {
            warnings.append(ReadWarning(message: "\(e.vr.rawValue) value\(nonFinite == 1 ? "" : "s") "
                + values.filter { !$0.isFinite }.prefix(3).map(\.text).joined(separator: ", ")
                + " written as JSON string\(nonFinite == 1 ? "" : "s"): the DICOM JSON model has no number for \(nonFinite == 1 ? "it" : "them")",
                offset: e.offset, tag: e.tag))
        }
    }

    private func uri(_ path: String, _ offset: Int, _ length: Int) -> String {
        let encoded = TextEscaping.uriPath(path)
        return "file://\(encoded)?offset=\(offset)&length=\(length)"
    }

    /// JSON number grammar (RFC 8259): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    static func isJSONNumber(_ s: String) -> Bool {
        var it = Array(s.utf8)[...]
        func digits() -> Int { var n = 0; while let c = it.first, c >= 48, c <= 57 { it.removeFirst(); n += 1 }; return n }
        if it.first == UInt8(ascii: "-") { it.removeFirst() }
        guard let c = it.first else { return false }
        if c == UInt8(ascii: "0") { it.removeFirst() } else if digits() == 0 { return false }
        if it.first == UInt8(ascii: ".") { it.removeFirst(); if digits() == 0 { return false } }
        if it.first == UInt8(ascii: "e") || it.first == UInt8(ascii: "E") {
            it.removeFirst()
            if it.first == UInt8(ascii: "+") || it.first == UInt8(ascii: "-") { it.removeFirst() }
            if digits() == 0 { return false }
        }
        return it.isEmpty
    }

    /// JSON string escaping (one implementation for every output: `TextEscaping.json`).
    public static func escape(_ s: String) -> String { TextEscaping.json(s) }
}
