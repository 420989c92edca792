import DicomCore
import FoundationEssentials

/// The Native DICOM Model (PS3.19 Annex A), with the same bulk data rules as the JSON model.
public struct XMLDumper {
    public var json: JSONDumper

    public init(inlineMax: Int = 4096, bulkDataPath: String? = nil, fileSource: ByteSource? = nil) {
        json = JSONDumper(inlineMax: inlineMax, bulkDataPath: bulkDataPath, fileSource: fileSource)
    }

    public func render(_ ds: Dataset) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModel xml:space=\"preserve\">\n"
        body(ds, depth: 1, into: &out)
        out += "</NativeDicomModel>\n"
        return out
    }

    private func body(_ ds: Dataset, depth: Int, into out: inout String) {
        let ind = String(repeating: " ", count: depth)
        for e in ds.elements where !e.tag.isGroupLength {
            var attrs = "tag=\"\(e.tag.compactHex)\" vr=\"\(e.vr.rawValue)\""
            if e.tag.isPrivate {
                // A private data element is named by its creator and its element number within
                // the block, the block number written as 00 (gggg00ee), as PS3.19's Native DICOM
                // Model implementations (dcmtk's dcm2xml --native-format, dcm4che) write it and as
                // PS3.3 10.17.1.2 references private elements: the block a creator holds differs
                // from file to file. A private element without a creator keeps its tag.
                if let c = e.tag.privateCreatorTag, let creator = ds.string(c) {
                    let blockless = Tag(e.tag.group, e.tag.element & 0x00FF)
                    attrs = "tag=\"\(blockless.compactHex)\" vr=\"\(e.vr.rawValue)\" privateCreator=\"\(Self.escape(creator))\""
                }
            } else if let kw = DataDictionary.entry(for: e.tag)?.keyword, !kw.isEmpty {
                attrs += " keyword=\"\(kw)\""
            }
            out += ind + "<DicomAttribute \(attrs)>"
            switch e.value {
            case .sequence(let items):
                out += "\n"
                for (i, item) in items.enumerated() {
                    out += ind + " <Item number=\"\(i + 1)\">\n"
                    body(item, depth: depth + 2, into: &out)
                    out += ind + " </Item>\n"
                }
                out += ind
            case .fragments:
                out += bulkData(e, ds)
            case .bytes where e.vr.isBulkBinary:
                out += bulkData(e, ds)
            case .bytes:
                for (i, v) in (ValueText.values(e, in: ds) ?? []).enumerated() {
                    if e.vr == .PN {
                        out += "<PersonName number=\"\(i + 1)\">" + personName(v) + "</PersonName>"
                    } else {
                        out += "<Value number=\"\(i + 1)\">\(Self.escape(v))</Value>"
                    }
                }
            }
            out += "</DicomAttribute>\n"
        }
    }

    /// Bulk data as the JSON renderer decides it (inline or by URI), re-expressed as XML.
    private func bulkData(_ e: Element, _ ds: Dataset) -> String {
        let one = json.render(Dataset(elements: [e], characterSet: ds.characterSet))
        if let r = one.firstRange(of: "\"BulkDataURI\":\""), let end = one[r.upperBound...].firstIndex(of: "\"") {
            return "<BulkData uri=\"\(Self.escape(String(one[r.upperBound..<end])))\"/>"
        }
        if let r = one.firstRange(of: "\"InlineBinary\":\""), let end = one[r.upperBound...].firstIndex(of: "\"") {
            return "<InlineBinary>\(one[r.upperBound..<end])</InlineBinary>"
        }
        return ""
    }

    private func personName(_ v: String) -> String {
        let groups = v.split(separator: "=", omittingEmptySubsequences: false)
        let names = ["FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix"]
        var out = ""
        for (i, key) in ["Alphabetic", "Ideographic", "Phonetic"].enumerated() where i < groups.count && !groups[i].isEmpty {
            out += "<\(key)>"
            for (k, part) in groups[i].split(separator: "^", omittingEmptySubsequences: false).enumerated() where k < 5 && !part.isEmpty {
                out += "<\(names[k])>\(Self.escape(String(part)))</\(names[k])>"
            }
            out += "</\(key)>"
        }
        return out
    }

    static func escape(_ s: String) -> String { TextEscaping.xml(s) }
}
