import DicomCore

/// Something the reader accepted but that a strict reader would not, reported to the user.
public struct ReadWarning: Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public var tag: Tag?

    public init(message: String, offset: Int?, tag: Tag?) {
        self.message = message
        self.offset = offset
        self.tag = tag
    }

    public var description: String {
        DicomError(.invalidInput, message, offset: offset, tag: tag).description
    }
}

/// How the elements of a data set are encoded.
public struct DatasetEncoding: Sendable, Equatable {
    public var explicitVR: Bool
    public var bigEndian: Bool

    public init(explicitVR: Bool, bigEndian: Bool) {
        self.explicitVR = explicitVR
        self.bigEndian = bigEndian
    }

    /// Items of a UN element of undefined length are always Implicit VR Little Endian (PS3.5 6.2.2).
    public static let implicitLittle = DatasetEncoding(explicitVR: false, bigEndian: false)
    public static let explicitLittle = DatasetEncoding(explicitVR: true, bigEndian: false)
}

/// Indexes the elements of a data set without materialising values: every element is a tag, a VR
/// and a range of the input. Every declared length is checked against the bytes left before
/// anything is read; nesting depth is bounded so hostile files cannot exhaust the stack.
struct DatasetParser {
    static let maxDepth = 64
    static let undefinedLength: UInt32 = 0xFFFF_FFFF

    let source: ByteSource
    var warnings: [ReadWarning] = []
    /// Stop indexing at this tag (e.g. only the meta group) when set.
    var stopBefore: Tag?

    init(source: ByteSource) { self.source = source }

    private func truncated(_ what: String, at offset: Int, tag: Tag?, need: Int, end: Int) -> DicomError {
        DicomError(.invalidInput, "truncated: \(what) declares \(need) bytes, \(max(0, end - offset)) remain",
                   offset: offset, tag: tag)
    }

    mutating func warn(_ message: String, offset: Int?, tag: Tag? = nil) {
        // A hostile file could produce millions of identical warnings; a few are enough.
        if warnings.count < 100 { warnings.append(ReadWarning(message: message, offset: offset, tag: tag)) }
    }

    private func readTag(_ pos: Int, _ enc: DatasetEncoding) -> Tag {
        Tag(source.uint16(at: pos, bigEndian: enc.bigEndian), source.uint16(at: pos + 2, bigEndian: enc.bigEndian))
    }

    /// Parses elements from `start` up to `end`, or up to an Item Delimitation Item when `inItem`
    /// has undefined length. Returns the data set and the offset just after it.
    mutating func parseDataset(from start: Int, to end: Int, encoding enc: DatasetEncoding, undefinedItem: Bool,
                               characterSet inherited: SpecificCharacterSet, depth: Int) throws(DicomError) -> (Dataset, Int) {
        guard depth <= Self.maxDepth else {
            throw DicomError(.invalidInput, "sequences nested deeper than \(Self.maxDepth) levels", offset: start)
        }
        var elements: [Element] = []
        var charset = inherited
        var pos = start
        var privateCreators: [UInt32: String] = [:]
        while pos < end {
            if end - pos < 8 {
                // Fewer bytes than an element header: trailing garbage or a cut file.
                if (pos..<end).allSatisfy({ source[$0] == 0 }) {
                    warn("\(end - pos) trailing zero bytes ignored", offset: pos)
                    pos = end
                    break
                }
                throw DicomError(.invalidInput, "truncated: \(end - pos) bytes left, too few for an element header", offset: pos)
            }
            let elementStart = pos
            let tag = readTag(pos, enc)
            if let stop = stopBefore, tag >= stop, depth == 0 { return (Dataset(elements: elements, characterSet: charset, offset: start), pos) }
            if tag.group == 0xFFFE {
                let length = source.uint32(at: pos + 4, bigEndian: enc.bigEndian)
                if tag == .itemDelimitationItem {
                    pos += 8
                    if undefinedItem { return (Dataset(elements: elements, characterSet: charset, offset: start), pos) }
                    warn("Item Delimitation Item outside an item of undefined length, ignored", offset: elementStart, tag: tag)
                    continue
                }
                if tag == .sequenceDelimitationItem {
                    if undefinedItem {
                        // An item closed by the sequence's delimiter: dcmtk and pydicom accept it.
                        warn("item of undefined length ended by a Sequence Delimitation Item", offset: elementStart, tag: tag)
                        return (Dataset(elements: elements, characterSet: charset, offset: start), pos)
                    }
                    warn("Sequence Delimitation Item outside a sequence, ignored", offset: elementStart, tag: tag)
                    pos += 8
                    continue
                }
                throw DicomError(.invalidInput, "item tag (length \(length)) outside a sequence", offset: elementStart, tag: tag)
            }

            var vr: VR
            var length: UInt32
            var valueStart: Int
            if enc.explicitVR {
                guard let explicit = VR(bytes: source[pos + 4], source[pos + 5]) else {
                    let b0 = source[pos + 4], b1 = source[pos + 5]
                    throw DicomError(.invalidInput, "unknown VR bytes 0x\(String(b0, radix: 16)) 0x\(String(b1, radix: 16))",
                                     offset: elementStart + 4, tag: tag)
                }
                vr = explicit
                if vr.hasLongLength {
                    guard end - pos >= 12 else {
                        throw DicomError(.invalidInput, "truncated element header", offset: elementStart, tag: tag)
                    }
                    length = source.uint32(at: pos + 8, bigEndian: enc.bigEndian)
                    valueStart = pos + 12
                } else {
                    length = UInt32(widening: source.uint16(at: pos + 6, bigEndian: enc.bigEndian))
                    valueStart = pos + 8
                }
            } else {
                length = source.uint32(at: pos + 4, bigEndian: enc.bigEndian)
                valueStart = pos + 8
                vr = Self.implicitVR(for: tag, creators: privateCreators, elements: elements)
            }

            // UN written for an element whose VR is known (GDCM does this, and anyone relaying
            // implicit data): its value is implicit little endian (PS3.5 6.2.2), so the known VR
            // applies, as pydicom's reader does. Big-endian files keep UN (the bytes' order is unknown).
            if vr == .UN && enc.explicitVR && !enc.bigEndian && length != Self.undefinedLength,
               let known = Self.knownVR(for: tag, creators: privateCreators, elements: elements), known != .UN {
                if known == .SQ {
                    let len = Int(widening: length)
                    guard len <= end - valueStart else {
                        throw truncated("\(DataDictionary.entry(for: tag)?.keyword ?? "element") \(tag)", at: valueStart,
                                        tag: tag, need: len, end: end)
                    }
                    let (items, _) = try parseSequence(from: valueStart, to: valueStart + len, defined: len,
                                                       encoding: .implicitLittle, characterSet: charset, depth: depth + 1, tag: tag)
                    elements.append(Element(tag: tag, vr: .SQ, value: .sequence(items), offset: elementStart,
                                            declaredLength: len))
                    pos = valueStart + len
                    continue
                }
                vr = known
            }

            var element: Element
            if length == Self.undefinedLength {
                if tag == .pixelData {
                    let (fragments, next) = try parseFragments(from: valueStart, to: end, encoding: enc, tag: tag)
                    element = Element(tag: tag, vr: vr == .OW ? .OW : .OB, value: .fragments(fragments),
                                      offset: elementStart, hadUndefinedLength: true)
                    pos = next
                } else if vr == .SQ || vr == .UN || !enc.explicitVR {
                    let itemEncoding = (vr == .UN && enc.explicitVR) ? DatasetEncoding.implicitLittle : enc
                    if vr == .UN && enc.explicitVR && !tag.isPrivate && DataDictionary.entry(for: tag)?.vr != .SQ {
                        warn("UN element of undefined length read as an implicit VR sequence", offset: elementStart, tag: tag)
                    }
                    let (items, next) = try parseSequence(from: valueStart, to: end, defined: nil, encoding: itemEncoding,
                                                          characterSet: charset, depth: depth + 1, tag: tag)
                    element = Element(tag: tag, vr: .SQ, value: .sequence(items), offset: elementStart, hadUndefinedLength: true)
                    pos = next
                } else {
                    throw DicomError(.invalidInput, "undefined length is not allowed for VR \(vr.rawValue)",
                                     offset: elementStart, tag: tag)
                }
            } else {
                var len = Int(widening: length)
                let declared = len
                // An implicit VR element of unknown VR whose value begins with an item tag is read as
                // the sequence it probably is; when it does not parse as one (bytes that merely begin
                // like an item: an AT value (FFFE,E000), random OB data) and its bytes are all there,
                // it stays bytes, as pydicom and dcmtk keep it, instead of failing the whole file.
                if vr == .SQ || (!enc.explicitVR && vr == .UN && looksLikeItem(at: valueStart, length: min(len, end - valueStart), enc)) {
                    var attempt = self
                    if len > end - valueStart {
                        // A sequence longer than its container: read what is there. An element cut
                        // short inside it is still an error (and names that element); complete
                        // elements are kept, as dcmtk and pydicom keep them.
                        attempt.warn("sequence declares \(len) bytes, \(end - valueStart) remain; read to the end of the data",
                                     offset: elementStart, tag: tag)
                        len = end - valueStart
                    }
                    do {
                        let (items, _) = try attempt.parseSequence(from: valueStart, to: valueStart + len, defined: len,
                                                                   encoding: enc, characterSet: charset, depth: depth + 1, tag: tag,
                                                                   itemsMustFit: vr == .UN)
                        self = attempt
                        element = Element(tag: tag, vr: .SQ, value: .sequence(items), offset: elementStart,
                                          declaredLength: declared)
                    } catch {
                        guard vr == .UN && len == declared else { throw error }
                        warn("value begins like an item but is not a sequence (\(error.message)); kept as bytes",
                             offset: elementStart, tag: tag)
                        element = Element(tag: tag, vr: vr,
                                          value: .bytes(ValueBytes(source: source, range: valueStart..<valueStart + len,
                                                                   isBigEndian: enc.bigEndian)),
                                          offset: elementStart)
                    }
                } else {
                    guard len <= end - valueStart else {
                        throw truncated("\(DataDictionary.entry(for: tag)?.keyword ?? "element") \(tag)", at: valueStart,
                                        tag: tag, need: len, end: end)
                    }
                    element = Element(tag: tag, vr: vr,
                                      value: .bytes(ValueBytes(source: source, range: valueStart..<valueStart + len,
                                                               isBigEndian: enc.bigEndian)),
                                      offset: elementStart)
                    if len % 2 == 1 { warn("odd value length \(len)", offset: elementStart, tag: tag) }
                }
                pos = valueStart + len
            }

            if tag == .specificCharacterSet, let b = element.valueBytes {
                let terms = String(decoding: b.bytes, as: UTF8.self).split(separator: "\\", omittingEmptySubsequences: false)
                    .map { $0.trimmingWhitespace() }
                charset = SpecificCharacterSet(terms: terms.allSatisfy(\.isEmpty) ? [] : terms)
            } else if tag.isPrivateCreator, let b = element.valueBytes {
                privateCreators[tag.rawValue] = String(decoding: b.bytes, as: UTF8.self).trimmingTrailingSpaces()
                    .trimmingWhitespace()
            }
            if let last = elements.last, last.tag >= tag {
                warn(last.tag == tag ? "duplicate element" : "elements out of ascending tag order",
                     offset: elementStart, tag: tag)
                if last.tag == tag { continue }  // keep the first, as dcmtk does
            }
            elements.append(element)
        }
        if undefinedItem {
            warn("item of undefined length has no Item Delimitation Item before the end of its container", offset: end)
        }
        return (Dataset(elements: elements, characterSet: charset, offset: start), pos)
    }

    private func looksLikeItem(at pos: Int, length: Int, _ enc: DatasetEncoding) -> Bool {
        guard length >= 8 else { return false }
        let t = readTag(pos, enc)
        return t == .item || t == .sequenceDelimitationItem
    }

    /// Items of a sequence, of defined length (`defined` bytes) or up to a Sequence Delimitation Item.
    /// `itemsMustFit`: an item longer than the rest of the sequence is an error rather than read to
    /// the end (for bytes only guessed to be a sequence, which then stay bytes).
    mutating func parseSequence(from start: Int, to end: Int, defined: Int?, encoding enc: DatasetEncoding,
                                characterSet: SpecificCharacterSet, depth: Int, tag: Tag,
                                itemsMustFit: Bool = false) throws(DicomError) -> ([Dataset], Int) {
        guard depth <= Self.maxDepth else {
            throw DicomError(.invalidInput, "sequences nested deeper than \(Self.maxDepth) levels", offset: start, tag: tag)
        }
        var items: [Dataset] = []
        var pos = start
        while true {
            if defined != nil && pos >= end { return (items, pos) }
            guard end - pos >= 8 else {
                if defined == nil {
                    warn("sequence of undefined length has no Sequence Delimitation Item before the end of data",
                         offset: pos, tag: tag)
                    return (items, end)
                }
                throw DicomError(.invalidInput, "truncated item header in sequence", offset: pos, tag: tag)
            }
            let itemTag = readTag(pos, enc)
            let length = source.uint32(at: pos + 4, bigEndian: enc.bigEndian)
            if itemTag == .sequenceDelimitationItem {
                pos += 8
                if defined == nil { return (items, pos) }
                warn("Sequence Delimitation Item in a sequence of defined length", offset: pos - 8, tag: tag)
                continue
            }
            guard itemTag == .item else {
                throw DicomError(.invalidInput, "expected an item (FFFE,E000) in the sequence, found \(itemTag)",
                                 offset: pos, tag: tag)
            }
            if length == Self.undefinedLength {
                let (item, next) = try parseDataset(from: pos + 8, to: end, encoding: enc, undefinedItem: true,
                                                    characterSet: characterSet, depth: depth + 1)
                items.append(item)
                pos = next
            } else {
                var len = Int(widening: length)
                if len > end - (pos + 8) && itemsMustFit {
                    throw DicomError(.invalidInput, "item declares \(len) bytes, \(end - pos - 8) remain", offset: pos, tag: tag)
                }
                if len > end - (pos + 8) {
                    warn("item declares \(len) bytes, \(end - pos - 8) remain; read to the end of the data", offset: pos, tag: tag)
                    len = end - (pos + 8)
                }
                let (item, _) = try parseDataset(from: pos + 8, to: pos + 8 + len, encoding: enc, undefinedItem: false,
                                                 characterSet: characterSet, depth: depth + 1)
                items.append(item)
                pos += 8 + len
            }
        }
    }

    /// Encapsulated Pixel Data: the Basic Offset Table item, then one item per fragment, then the
    /// Sequence Delimitation Item. Fragment lengths are explicit, so delimiter bytes inside a
    /// fragment are data.
    mutating func parseFragments(from start: Int, to end: Int, encoding enc: DatasetEncoding, tag: Tag) throws(DicomError) -> (Fragments, Int) {
        var pos = start
        var table: ValueBytes?
        // Item header offsets of the fragments, then the end of the last one (FragmentList).
        var starts: [Int] = []
        var lastEnd = start
        // Reading an item header maps the file around it (whole page-cache folios on recent
        // kernels), so walking the fragments of a large file would leave all of it resident:
        // pages behind the walk are handed back every MiB. Each release reaches 64 KiB back: the
        // kernel maps up to 64 KiB around a touched header (fault-around), also before it, after
        // the range holding those pages had been released (2,049 fragments of 2 MiB kept 88 MiB).
        var releasedUpTo = start
        defer { source.release(max(start, releasedUpTo - (1 << 16))..<pos) }
        while true {
            if pos - releasedUpTo >= 1 << 20 {
                source.release(max(start, releasedUpTo - (1 << 16))..<pos)
                releasedUpTo = pos
            }
            guard end - pos >= 8 else {
                warn("encapsulated Pixel Data has no Sequence Delimitation Item before the end of data", offset: pos, tag: tag)
                pos = end
                break
            }
            let itemTag = readTag(pos, enc)
            let length = source.uint32(at: pos + 4, bigEndian: enc.bigEndian)
            if itemTag == .sequenceDelimitationItem { pos += 8; break }
            guard itemTag == .item else {
                throw DicomError(.invalidInput, "expected a fragment item (FFFE,E000) in encapsulated Pixel Data, found \(itemTag)",
                                 offset: pos, tag: tag)
            }
            guard length != Self.undefinedLength else {
                throw DicomError(.invalidInput, "fragment item of undefined length", offset: pos, tag: tag)
            }
            let len = Int(widening: length)
            guard len <= end - (pos + 8) else {
                throw truncated("fragment", at: pos + 8, tag: tag, need: len, end: end)
            }
            if table == nil {
                table = ValueBytes(source: source, range: pos + 8..<pos + 8 + len, isBigEndian: false)
            } else {
                starts.append(pos)
                lastEnd = pos + 8 + len
            }
            pos += 8 + len
        }
        if !starts.isEmpty { starts.append(lastEnd) }
        let fragments = starts.isEmpty ? FragmentList([]) : FragmentList(source: source, itemStartsAndEnd: starts)
        return (Fragments(offsetTable: table ?? ValueBytes([]), fragments: fragments), pos)
    }

    /// The VR the dictionaries give a tag, or nil when they don't know it.
    static func knownVR(for tag: Tag, creators: [UInt32: String], elements: [Element]) -> VR? {
        let vr = implicitVR(for: tag, creators: creators, elements: elements)
        return vr == .UN ? nil : vr
    }

    /// The VR of an implicit-VR element: the dictionary's, the private dictionary's through the
    /// block's creator, UL for group lengths, LO for private creators, else UN. Where PS3.6 allows
    /// `US or SS`, Pixel Representation decides, as it does for the image it describes.
    static func implicitVR(for tag: Tag, creators: [UInt32: String], elements: [Element]) -> VR {
        if tag.element == 0 { return .UL }
        if tag.isPrivate {
            if tag.isPrivateCreator { return .LO }
            if let creatorTag = tag.privateCreatorTag, let creator = creators[creatorTag.rawValue],
               let entry = PrivateDictionary.entry(creator: creator, tag: tag), let vr = entry.vr {
                return vr
            }
            return .UN
        }
        guard let entry = DataDictionary.entry(for: tag), let first = entry.vrs.first else { return .UN }
        if entry.vrs.count > 1 {
            if entry.vrs.contains(.SS) {
                let signed = elements.last(where: { $0.tag == Tag.pixelRepresentation })?.valueBytes.map {
                    binaryNumbers($0, vr: .US).first == 1
                } ?? false
                return signed ? .SS : .US
            }
            if entry.vrs.contains(.OW) {
                // Pixel Data of 8-bit images is OB, as dcmtk writes it; OW otherwise (PS3.5 A.1 c).
                if tag == .pixelData, let ba = elements.last(where: { $0.tag == Tag.bitsAllocated })?.valueBytes,
                   let bits = binaryNumbers(ba, vr: .US).first, bits <= 8 {
                    return .OB
                }
                return .OW
            }
        }
        return first
    }
}
