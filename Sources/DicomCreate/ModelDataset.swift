import DicomCore

/// A data set as the DICOM JSON (PS3.18 F) and XML (PS3.19 A) models describe it, before any
/// value is checked or encoded: both readers produce it, and `DatasetBuilder` makes the data set
/// from it, so the two formats share every rule but their syntax.
public struct ModelDataset: Sendable {
    public var attributes: [ModelAttribute] = []
    /// Where the data set (or item) is in the input, for messages: `$` or `$["00081140"].Value[0]`
    /// in JSON, `line 12` in XML.
    public var location: String

    public init(attributes: [ModelAttribute] = [], location: String) {
        self.attributes = attributes
        self.location = location
    }
}

public struct ModelAttribute: Sendable {
    public var tag: Tag
    /// The VR as written (checked by the builder).
    public var vr: String
    public var values: [ModelValue] = []
    public var inlineBinary: String?
    public var bulkDataURI: String?
    /// The private creator the XML model names on a private element (PS3.19 A.1); nil in JSON.
    public var privateCreator: String?
    /// Where the attribute is: `$["00100010"]` in JSON, `line 7: DicomAttribute tag="00100010"` in XML.
    public var location: String

    public init(tag: Tag, vr: String, location: String) {
        self.tag = tag
        self.vr = vr
        self.location = location
    }
}

public enum ModelValue: Sendable {
    /// A text value (also numbers given as strings, and every XML value).
    case text(String)
    /// A JSON number, as written.
    case number(String)
    /// An empty value among several (JSON null, an XML Value left out).
    case empty
    /// A person name's three component groups (PS3.18 F.2.2, PS3.19 A.1.5), each nil when absent.
    case personName(alphabetic: String?, ideographic: String?, phonetic: String?)
    case item(ModelDataset)

    /// Where a value is, for messages.
    static func location(_ attribute: String, index: Int, xml: Bool) -> String {
        xml ? "\(attribute), value \(index + 1)" : "\(attribute).Value[\(index)]"
    }
}
