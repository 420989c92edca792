import DicomAnonymize
import DicomCore
import DicomIO

/// What `create` asks of the builder.
public struct CreateOptions: Sendable {
    /// Values their VR or VM forbids (an over-long SH, three values where the VM is 1, a VR the
    /// dictionary does not give) are written with a warning each instead of refused. Values that
    /// cannot be encoded at all (a US of 70000, bad base64) are refused either way.
    public var acceptInvalid = false
    /// The directory relative BulkDataURIs are resolved against (the input's), nil for none.
    public var baseDirectory: String?

    public init() {}
}

/// A data set made from a model, with the File Meta elements the input carried (group 0002:
/// dicomtool's dumps have none, other tools' may) and what was worth a warning.
public struct BuiltDataset: Sendable {
    public var dataset: Dataset
    public var meta: Dataset
    public var warnings: [String]
    /// The files BulkDataURIs named (inputs too: never overwritten).
    public var bulkDataFiles: [String]
}

/// Makes a data set from a `ModelDataset`: every VR known, every value checked against its VR and
/// VM by anonymize's --set checks (`SetValues`, the one checker), text encoded into the data
/// set's Specific Character Set (values in the models are Unicode) or, when a value cannot be
/// written in it, the whole data set in ISO_IR 192 with a warning; private data elements only
/// with their creator; BulkDataURIs and InlineBinary resolved (`BulkData`).
public struct DatasetBuilder {
    let options: CreateOptions
    var warnings: [String] = []
    /// The fallback: every set in force is ISO_IR 192 (declared at the top and wherever an item declared one).
    let unicode: Bool
    /// Set when a value could not be encoded in the set in force: the build is done again in ISO_IR 192.
    var needsUnicode = false
    var bulk = BulkData()

    static let unicodeSet = SpecificCharacterSet(terms: ["ISO_IR 192"])

    public static func build(_ model: ModelDataset, options: CreateOptions = CreateOptions()) throws(DicomError) -> BuiltDataset {
        var builder = DatasetBuilder(options: options, unicode: false)
        var built = try builder.top(model)
        if builder.needsUnicode {
            let declared = built.dataset.strings(.specificCharacterSet)?.joined(separator: "\\") ?? ""
            var again = DatasetBuilder(options: options, unicode: true)
            again.bulk = builder.bulk
            built = try again.top(model)
            built.warnings.insert("a text value cannot be written in the Specific Character Set '\(declared)' "
                                  + "(the default repertoire when empty): the data set is written in ISO_IR 192 (UTF-8)", at: 0)
        }
        return built
    }

    init(options: CreateOptions, unicode: Bool) {
        self.options = options
        self.unicode = unicode
        bulk.baseDirectory = options.baseDirectory
    }

    mutating func top(_ model: ModelDataset) throws(DicomError) -> BuiltDataset {
        var metaModel = ModelDataset(location: model.location)
        var body = ModelDataset(location: model.location)
        for a in model.attributes {
            if a.tag.group == 0x0002 { metaModel.attributes.append(a) } else { body.attributes.append(a) }
        }
        var ds = try dataset(body, inherited: .default, topLevel: true)
        if unicode, !ds.contains(.specificCharacterSet) {
            ds.set(Self.characterSetElement())
        }
        let meta = try dataset(metaModel, inherited: .default, topLevel: false)
        return BuiltDataset(dataset: ds, meta: meta, warnings: warnings, bulkDataFiles: bulk.files.keys.sorted())
    }

    static func characterSetElement() -> Element {
        Element(tag: .specificCharacterSet, vr: .CS, value: .bytes(ValueBytes(Array("ISO_IR 192".utf8))))
    }

    /// A problem the checks found: refused, or a warning with --accept-invalid.
    mutating func invalid(_ location: String, _ reason: String, tag: Tag) throws(DicomError) {
        if options.acceptInvalid {
            warnings.append("\(location): \(reason) (written as given: --accept-invalid)")
        } else {
            throw DicomError(.invalidInput, "\(location): \(reason)", tag: tag)
        }
    }

    /// One data set or item. Its character set: its own (0008,0005), else the enclosing one's.
    mutating func dataset(_ given: ModelDataset, inherited: SpecificCharacterSet, topLevel: Bool) throws(DicomError) -> Dataset {
        let model = Self.placingPrivateElements(given)
        var seen = Set<Tag>()
        for a in model.attributes where !seen.insert(a.tag).inserted {
            throw DicomError(.invalidInput, "\(a.location): \(a.tag) appears twice in one data set", tag: a.tag)
        }
        var set = inherited
        if let declared = model.attributes.first(where: { $0.tag == .specificCharacterSet }) {
            if unicode {
                set = Self.unicodeSet
            } else {
                let terms = declared.values.map { v -> String in
                    if case .text(let s) = v { return s }
                    return ""
                }
                set = SpecificCharacterSet(terms: terms)
                if !set.unknownTerms.isEmpty {
                    try invalid(declared.location, "unknown Specific Character Set term\(set.unknownTerms.count == 1 ? "" : "s") "
                                + set.unknownTerms.joined(separator: ", "), tag: declared.tag)
                }
            }
        } else if unicode && topLevel {
            set = Self.unicodeSet
        }
        var elements: [Element] = []
        elements.reserveCapacity(model.attributes.count)
        let creators = try privateCreators(model)
        for a in model.attributes {
            if a.tag.isGroupLength { continue }   // recomputed or retired: the writer decides
            if a.tag.isDelimiter { throw DicomError(.invalidInput, "\(a.location): \(a.tag) is an item delimiter, not an attribute", tag: a.tag) }
            if unicode && a.tag == .specificCharacterSet {
                elements.append(Self.characterSetElement())
                continue
            }
            elements.append(try element(a, characterSet: set, creators: creators, topLevel: topLevel))
        }
        // Creators the XML model names (privateCreator="...") that the data set lacks are inserted.
        for (tag, creator) in creators.missing.sorted(by: { $0.key < $1.key }) {
            var bytes = Array(creator.utf8)
            if bytes.count % 2 == 1 { bytes.append(0x20) }
            elements.append(Element(tag: tag, vr: .LO, value: .bytes(ValueBytes(bytes))))
        }
        return Dataset(elements: elements, characterSet: set)
    }

    /// PS3.19 writes a private data element's tag without its block, (gggg,00ee), naming the creator
    /// in privateCreator (dcm2xml does; a block is an accident of one file): such an element goes
    /// into the block the data set's creator element of that name holds, else into the first free
    /// block (its creator is then inserted by `privateCreators`). Tags with their block are kept.
    static func placingPrivateElements(_ model: ModelDataset) -> ModelDataset {
        guard model.attributes.contains(where: { $0.privateCreator != nil && $0.tag.isPrivate && $0.tag.element <= 0x00FF }) else {
            return model
        }
        var blocks: [UInt16: [String: UInt16]] = [:]
        var used: [UInt16: Set<UInt16>] = [:]
        for a in model.attributes where a.tag.isPrivateCreator && a.privateCreator == nil {
            used[a.tag.group, default: []].insert(a.tag.element)
            if case .text(let name)? = a.values.first, blocks[a.tag.group]?[name.trimmingWhitespace()] == nil {
                blocks[a.tag.group, default: [:]][name.trimmingWhitespace()] = a.tag.element
            }
        }
        var out = model
        for i in out.attributes.indices {
            let a = out.attributes[i]
            guard let creator = a.privateCreator?.trimmingWhitespace(), a.tag.isPrivate, a.tag.element <= 0x00FF else { continue }
            let group = a.tag.group
            var block = blocks[group]?[creator]
            if block == nil, let free = (UInt16(0x10)...UInt16(0xFF)).first(where: { !(used[group]?.contains($0) ?? false) }) {
                block = free
                used[group, default: []].insert(free)
                blocks[group, default: [:]][creator] = free
            }
            guard let block else { continue }   // 240 blocks taken: left as it is, refused by the checks
            out.attributes[i].tag = Tag(group, block << 8 | (a.tag.element & 0x00FF))
        }
        return out
    }

    /// The private creators of a data set, by creator tag: those it holds, and those only the XML
    /// model's privateCreator attributes name (`missing`, inserted). A private data element whose
    /// creator is in neither is refused (PS3.5 7.8.1), or kept with a warning by --accept-invalid
    /// (files in the wild have them).
    struct Creators {
        var byTag: [Tag: String] = [:]
        var missing: [Tag: String] = [:]
    }

    mutating func privateCreators(_ model: ModelDataset) throws(DicomError) -> Creators {
        var c = Creators()
        for a in model.attributes where a.tag.isPrivateCreator {
            if case .text(let s)? = a.values.first { c.byTag[a.tag] = s.trimmingWhitespace() }
        }
        for a in model.attributes where a.tag.isPrivate && !a.tag.isPrivateCreator {
            guard let creatorTag = a.tag.privateCreatorTag else {
                try invalid(a.location, "\(a.tag) is neither a private creator nor a private data element (PS3.5 7.8.1)", tag: a.tag)
                continue
            }
            let named = a.privateCreator?.trimmingWhitespace()
            if let held = c.byTag[creatorTag] ?? c.missing[creatorTag] {
                if let named, named != held {
                    throw DicomError(.invalidInput, "\(a.location): privateCreator \"\(named)\" but \(creatorTag) holds \"\(held)\"", tag: a.tag)
                }
            } else if let named, !named.isEmpty {
                c.missing[creatorTag] = named
            } else {
                try invalid(a.location, "a private data element needs its private creator \(creatorTag) in the same data set (PS3.5 7.8.1)",
                            tag: a.tag)
            }
        }
        return c
    }
}
