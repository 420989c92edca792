internal import CXML2
import DicomCore

/// The Native DICOM Model (PS3.19 A.1) read into a `ModelDataset` through libxml2's tree API.
/// Hostile input: a document type declaration is refused before libxml2 sees the text (the model
/// has none, and without one no entity can be defined, so neither external entities nor
/// expansion bombs are possible); the parser also runs without network access, without entity
/// substitution, without DTD loading and with its default size limits (no XML_PARSE_HUGE).
/// Errors name the element and its line.
public enum XMLModelReader {
    public static func read(_ bytes: [UInt8]) throws(DicomError) -> ModelDataset {
        if containsDoctype(bytes) {
            throw DicomError(.invalidInput, "XML: a document type declaration (<!DOCTYPE>) is refused: the Native DICOM Model has none")
        }
        guard bytes.count < Int(widening: Int32.max) else { throw DicomError(.invalidInput, "XML: a document of 2 GiB or more is refused") }
        xmlInitParser()
        guard let context = xmlNewParserCtxt() else { throw DicomError(.internalError, "XML: cannot make a parser") }
        defer { xmlFreeParserCtxt(context) }
        // Flag bits, all below 2^31.
        let options = Int32(truncatingIfNeeded: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                                                | XML_PARSE_BIG_LINES.rawValue)
        let document: xmlDocPtr? = bytes.withUnsafeBufferPointer { p in
            p.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                    xmlCtxtReadMemory(context, $0, Int32(truncatingIfNeeded: p.count), "input.xml", nil, options)
                }
            } ?? nil
        }
        guard let document else {
            let error = context.pointee.lastError
            let message = error.message.map { String(cString: $0).trimmingWhitespace() } ?? "not well-formed"
            throw DicomError(.invalidInput, "XML line \(error.line): \(message)")
        }
        defer { xmlFreeDoc(document) }
        if document.pointee.intSubset != nil || document.pointee.extSubset != nil {
            throw DicomError(.invalidInput, "XML: a document type declaration is refused: the Native DICOM Model has none")
        }
        guard let root = xmlDocGetRootElement(document), name(root) == "NativeDicomModel" else {
            throw DicomError(.invalidInput, "XML: the root element must be NativeDicomModel (PS3.19 A.1)")
        }
        return try dataset(root, depth: 0)
    }

    /// `<!DOCTYPE` anywhere before the root element (also in UTF-16 documents, by their ASCII bytes).
    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let marker = Array("DOCTYPE".utf8)
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: "!") {
                // Skip NUL bytes of UTF-16 between characters.
                var letters: [UInt8] = []
                var j = i + 1
                while j < bytes.count, letters.count < marker.count, j < i + 1 + 2 * marker.count {
                    if bytes[j] != 0 { letters.append(bytes[j] & 0xDF) }
                    j += 1
                }
                if letters == marker { return true }
            }
            i += 1
        }
        return false
    }

    static let maxDepth = 200

    static func name(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    static func line(_ node: xmlNodePtr) -> Int { Int(xmlGetLineNo(node)) }   // conversion: a C long is an Int on Linux

    static func elements(_ node: xmlNodePtr) throws(DicomError) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE: out.append(c)
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = c.pointee.content, !String(cString: content).allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
                    throw DicomError(.invalidInput, "XML line \(line(c)): text where \(name(node)) holds only elements")
                }
            case XML_COMMENT_NODE, XML_PI_NODE: break
            default:
                throw DicomError(.invalidInput, "XML line \(line(c)): unexpected content in \(name(node))")
            }
            child = c.pointee.next
        }
        return out
    }

    /// The text of an element (its text and CDATA children); other content is refused.
    static func text(_ node: xmlNodePtr) throws(DicomError) -> String {
        var out = ""
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = c.pointee.content { out += String(cString: content) }
            case XML_COMMENT_NODE, XML_PI_NODE: break
            default:
                throw DicomError(.invalidInput, "XML line \(line(c)): \(name(node)) holds only text")
            }
            child = c.pointee.next
        }
        return out
    }

    static func attributes(_ node: xmlNodePtr) -> [String: String] {
        var out: [String: String] = [:]
        var attr = node.pointee.properties
        while let a = attr {
            let key = a.pointee.name.map { String(cString: $0) } ?? ""
            var value = ""
            var child = a.pointee.children
            while let c = child {
                if let content = c.pointee.content { value += String(cString: content) }
                child = c.pointee.next
            }
            out[key] = value
            attr = a.pointee.next
        }
        return out
    }

    static func dataset(_ node: xmlNodePtr, depth: Int) throws(DicomError) -> ModelDataset {
        if depth > maxDepth { throw DicomError(.invalidInput, "XML line \(line(node)): items nested more than \(maxDepth) deep") }
        var ds = ModelDataset(location: "XML line \(line(node))")
        for child in try elements(node) {
            guard name(child) == "DicomAttribute" else {
                throw DicomError(.invalidInput, "XML line \(line(child)): <\(name(child))> where DicomAttribute is expected")
            }
            ds.attributes.append(try attribute(child, depth: depth))
        }
        return ds
    }

    static func attribute(_ node: xmlNodePtr, depth: Int) throws(DicomError) -> ModelAttribute {
        let attrs = attributes(node)
        let tagText = attrs["tag"] ?? ""
        let location = "XML line \(line(node)): DicomAttribute tag=\"\(tagText)\""
        guard let tag = JSONModelReader.parseTag(tagText) else {
            throw DicomError(.invalidInput, "\(location): the tag attribute is eight hex digits (\"00100010\")")
        }
        guard let vr = attrs["vr"] else { throw DicomError(.invalidInput, "\(location): no vr attribute", tag: tag) }
        var a = ModelAttribute(tag: tag, vr: vr, location: location)
        a.privateCreator = attrs["privateCreator"]
        var numbered: [(Int, ModelValue)] = []
        for child in try elements(node) {
            let childAttrs = attributes(child)
            let n = name(child)
            let at = "XML line \(line(child)): \(n)"
            func number() throws(DicomError) -> Int {
                guard let text = childAttrs["number"] else { return numbered.count + 1 }
                guard let v = Int(text), v >= 1, v <= 1 << 24 else {
                    throw DicomError(.invalidInput, "\(at): number=\"\(text)\" is not a value number from 1", tag: tag)
                }
                return v
            }
            switch n {
            case "Value": numbered.append((try number(), .text(try text(child))))
            case "PersonName": numbered.append((try number(), try personName(child)))
            case "Item":
                var item = try dataset(child, depth: depth + 1)
                item.location = at
                numbered.append((try number(), .item(item)))
            case "InlineBinary":
                a.inlineBinary = try text(child).filter { !$0.isWhitespace }
            case "BulkData":
                guard let uri = childAttrs["uri"] else {
                    throw DicomError(.unsupported, "\(at): only BulkData with a uri attribute is read (a uuid names a part of a multipart "
                                     + "message create does not have)", tag: tag)
                }
                a.bulkDataURI = uri
            default:
                throw DicomError(.invalidInput, "\(at): unknown element in DicomAttribute", tag: tag)
            }
        }
        // Values by their number; numbers left out are empty values.
        numbered.sort { $0.0 < $1.0 }
        for (i, pair) in numbered.enumerated() where i > 0 && numbered[i - 1].0 == pair.0 {
            throw DicomError(.invalidInput, "\(location): two values numbered \(pair.0)", tag: tag)
        }
        if let last = numbered.last?.0 {
            var values = [ModelValue](repeating: .empty, count: last)
            for (n, v) in numbered { values[n - 1] = v }
            a.values = values
        }
        let kinds = [!a.values.isEmpty, a.inlineBinary != nil, a.bulkDataURI != nil].filter { $0 }.count
        if kinds > 1 { throw DicomError(.invalidInput, "\(location): values, InlineBinary and BulkData together (an attribute has one)", tag: tag) }
        return a
    }

    /// PersonName: Alphabetic, Ideographic, Phonetic groups of FamilyName, GivenName, MiddleName,
    /// NamePrefix, NameSuffix (PS3.19 A.1.5), joined with '^' (trailing empty components left out).
    static func personName(_ node: xmlNodePtr) throws(DicomError) -> ModelValue {
        let componentNames = ["FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix"]
        var groups: [String: String] = [:]
        for group in try elements(node) {
            let g = name(group)
            guard ["Alphabetic", "Ideographic", "Phonetic"].contains(g), groups[g] == nil else {
                throw DicomError(.invalidInput, "XML line \(line(group)): <\(g)> in PersonName (Alphabetic, Ideographic, Phonetic, once each)")
            }
            var parts = [String](repeating: "", count: 5)
            for component in try elements(group) {
                guard let k = componentNames.firstIndex(of: name(component)) else {
                    throw DicomError(.invalidInput, "XML line \(line(component)): <\(name(component))> in \(g)")
                }
                parts[k] = try text(component)
                if parts[k].contains("^") || parts[k].contains("=") {
                    throw DicomError(.invalidInput, "XML line \(line(component)): a name component holds '^' or '='")
                }
            }
            while parts.last == "" { parts.removeLast() }
            groups[g] = parts.joined(separator: "^")
        }
        return .personName(alphabetic: groups["Alphabetic"], ideographic: groups["Ideographic"], phonetic: groups["Phonetic"])
    }
}
