import DicomCore

/// The DICOM JSON model (PS3.18 F.2) read into a `ModelDataset`: an object whose keys are tags
/// (eight hex digits), each an object with "vr" and at most one of "Value", "InlineBinary" and
/// "BulkDataURI". A top-level array holding one data set (a DICOMweb response of one instance) is
/// taken too. Errors name the JSON path: `$["00081140"].Value[0]["00081155"]`.
public enum JSONModelReader {
    public static func read(_ bytes: [UInt8]) throws(DicomError) -> ModelDataset {
        var root = try JSONTextParser.parse(bytes)
        var location = "$"
        if case .array(let list) = root {
            guard list.count == 1 else {
                throw DicomError(.invalidInput, "$: an array of \(list.count) data sets; create writes one instance, so give one")
            }
            root = list[0]
            location = "$[0]"
        }
        return try dataset(root, at: location)
    }

    static func dataset(_ json: JSONText, at location: String) throws(DicomError) -> ModelDataset {
        guard case .object(let members) = json else {
            throw DicomError(.invalidInput, "\(location): a data set must be a JSON object, not \(json.kind)")
        }
        var ds = ModelDataset(location: location)
        ds.attributes.reserveCapacity(members.count)
        for m in members {
            let at = "\(location)[\"\(TextEscaping.json(m.key))\"]"
            guard let tag = parseTag(m.key) else {
                throw DicomError(.invalidInput, "\(at): a key of a data set is a tag of eight hex digits (\"00100010\")")
            }
            ds.attributes.append(try attribute(m.value, tag: tag, at: at))
        }
        return ds
    }

    static func attribute(_ json: JSONText, tag: Tag, at location: String) throws(DicomError) -> ModelAttribute {
        guard case .object(let members) = json else {
            throw DicomError(.invalidInput, "\(location): an attribute must be a JSON object with \"vr\", not \(json.kind)", tag: tag)
        }
        var vr: String?
        var attribute = ModelAttribute(tag: tag, vr: "", location: location)
        var valueKinds: [String] = []
        for m in members {
            switch m.key {
            case "vr":
                guard case .string(let s) = m.value else {
                    throw DicomError(.invalidInput, "\(location).vr: must be a string, not \(m.value.kind)", tag: tag)
                }
                vr = s
            case "Value":
                valueKinds.append(m.key)
                guard case .array(let list) = m.value else {
                    throw DicomError(.invalidInput, "\(location).Value: must be an array, not \(m.value.kind)", tag: tag)
                }
                for (i, v) in list.enumerated() {
                    attribute.values.append(try value(v, at: "\(location).Value[\(i)]", tag: tag))
                }
            case "InlineBinary":
                valueKinds.append(m.key)
                guard case .string(let s) = m.value else {
                    throw DicomError(.invalidInput, "\(location).InlineBinary: must be a base64 string, not \(m.value.kind)", tag: tag)
                }
                attribute.inlineBinary = s
            case "BulkDataURI":
                valueKinds.append(m.key)
                guard case .string(let s) = m.value else {
                    throw DicomError(.invalidInput, "\(location).BulkDataURI: must be a string, not \(m.value.kind)", tag: tag)
                }
                attribute.bulkDataURI = s
            default:
                throw DicomError(.invalidInput, "\(location): unknown member \"\(TextEscaping.json(m.key))\" (an attribute has "
                                 + "\"vr\" and one of \"Value\", \"InlineBinary\", \"BulkDataURI\")", tag: tag)
            }
        }
        guard let vr else { throw DicomError(.invalidInput, "\(location): the attribute has no \"vr\"", tag: tag) }
        if valueKinds.count > 1 {
            throw DicomError(.invalidInput, "\(location): \(valueKinds.joined(separator: " and ")) together (an attribute has one)", tag: tag)
        }
        attribute.vr = vr
        return attribute
    }

    static func value(_ json: JSONText, at location: String, tag: Tag) throws(DicomError) -> ModelValue {
        switch json {
        case .string(let s): return .text(s)
        case .number(let n): return .number(n)
        case .null: return .empty
        case .object(let members):
            // A person name (only "Alphabetic", "Ideographic", "Phonetic") or a sequence item.
            let nameKeys: Set<String> = ["Alphabetic", "Ideographic", "Phonetic"]
            if !members.isEmpty, members.allSatisfy({ nameKeys.contains($0.key) }) {
                var groups: [String: String] = [:]
                for m in members {
                    switch m.value {
                    case .string(let s): groups[m.key] = s
                    case .null: break
                    default:
                        throw DicomError(.invalidInput, "\(location).\(m.key): a name component group is a string, not \(m.value.kind)", tag: tag)
                    }
                }
                return .personName(alphabetic: groups["Alphabetic"], ideographic: groups["Ideographic"], phonetic: groups["Phonetic"])
            }
            return .item(try dataset(json, at: location))
        case .bool, .array:
            throw DicomError(.invalidInput, "\(location): a value is a string, number, person name, item or null, not \(json.kind)", tag: tag)
        }
    }

    /// Eight hex digits (either case), as PS3.18 F.2.1.1 writes a tag.
    static func parseTag(_ key: String) -> Tag? {
        let u = Array(key.utf8)
        guard u.count == 8, u.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }),
              let v = UInt32(key, radix: 16) else { return nil }
        return Tag(UInt16(truncatingIfNeeded: v >> 16), UInt16(truncatingIfNeeded: v))
    }
}
