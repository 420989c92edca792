import DicomCore
import DicomIO

/// Checks one file against the encoding rules of PS3.5/PS3.10, the IOD rules of PS3.3 (generated
/// tables) and the lossy-compression bookkeeping of PS3.3 C.7.6.1.1.5. Stateless and Sendable:
/// one instance serves every worker thread.
public struct Validator: Sendable {
    public struct Options: Sendable {
        public var checkEncoding = true
        public var checkIOD = true
        /// Report attributes that no module of the IOD defines (warnings).
        public var reportForeignAttributes = true
        /// Report retired attributes (warnings).
        public var reportRetired = true
        /// Rule ids (exact, or a prefix ending in "."; e.g. "vr." ) not reported.
        public var ignoredRules: Set<String> = []

        public init() {}
    }

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    public func validate(_ file: DicomFile) -> [Finding] {
        var out = Findings()
        if options.checkEncoding {
            MetaChecks.run(file, into: &out)
            // What the reader had to repair (implicit VR inside an explicit file, bad item lengths...).
            for w in file.warnings {
                out.add(.error, "encoding.malformed", w.tag.map(keyword) ?? "", w.tag, w.message, "PS3.5 7.1", offset: w.offset)
            }
            // The meta group is always explicit VR little endian (PS3.10 7.1), default repertoire.
            EncodingChecks(explicitVR: true, reportRetired: false, defaultRepertoire: true).walk(file.meta, path: "", into: &out)
            EncodingChecks(explicitVR: file.transferSyntax.isExplicitVR, reportRetired: options.reportRetired,
                           defaultRepertoire: !file.dataset.contains(Tag.specificCharacterSet))
                .walk(file.dataset, path: "", into: &out)
            UIDChecks.run(file.dataset, into: &out)
            PixelChecks.run(file, into: &out)
        }
        if options.checkIOD {
            IODChecks(reportForeign: options.reportForeignAttributes)
                .run(file.dataset, mediaStorageSOPClass: file.meta.string(Tag.mediaStorageSOPClassUID), into: &out)
            PixelConstraintChecks.run(file, into: &out)
            LossyChecks.run(file, into: &out)
            CodestreamChecks.run(file, into: &out)
        }
        guard !options.ignoredRules.isEmpty else { return out.list }
        return out.list.filter { f in
            !options.ignoredRules.contains { $0 == f.rule || ($0.hasSuffix(".") && f.rule.hasPrefix($0)) }
        }
    }
}

/// Accumulates findings (a small wrapper so that checks read as sentences).
struct Findings {
    var list: [Finding] = []

    mutating func add(_ severity: Finding.Severity, _ rule: String, _ path: String, _ tag: Tag?, _ message: String,
                      _ reference: String, offset: Int? = nil) {
        list.append(Finding(severity, rule, path: path, tag: tag?.description ?? "", message: message,
                            reference: reference, offset: offset))
    }
}

func keyword(_ tag: Tag) -> String {
    if tag.isPrivate { return tag.description }
    if let k = DataDictionary.entry(for: tag)?.keyword, !k.isEmpty { return k }
    return tag.description
}

func join(_ path: String, _ tag: Tag) -> String { path.isEmpty ? keyword(tag) : path + ">" + keyword(tag) }

// MARK: - File meta information (PS3.10 7.1)

enum MetaChecks {
    static func run(_ file: DicomFile, into out: inout Findings) {
        let meta = file.meta
        let ref = "PS3.10 7.1"
        if file.preamble == nil {
            out.add(.warning, "meta.preamble.missing", "", nil,
                    "no 128-byte preamble and DICM prefix: not a PS3.10 file (read as a bare data set)", ref)
            return
        }
        for (tag, name) in [(Tag.fileMetaInformationVersion, "FileMetaInformationVersion"), (Tag.mediaStorageSOPClassUID, "MediaStorageSOPClassUID"),
                            (Tag.mediaStorageSOPInstanceUID, "MediaStorageSOPInstanceUID"), (Tag.transferSyntaxUID, "TransferSyntaxUID"),
                            (Tag.implementationClassUID, "ImplementationClassUID")]
        where (meta[tag]?.length ?? 0) == 0 {
            out.add(.error, "meta.type1.missing", name, tag, "\(name) is missing or empty in the file meta information", ref)
        }
        // Group length: the bytes of every meta element after (0002,0000), always explicit VR little endian.
        if let gl = meta[Tag.fileMetaInformationGroupLength] {
            var expected = 0
            for e in meta.elements where e.tag != Tag.fileMetaInformationGroupLength {
                expected += (e.vr.hasLongLength ? 12 : 8) + (e.length ?? 0)
            }
            if let stated = meta.int(gl.tag), stated != expected {
                out.add(.error, "meta.group-length.wrong", "FileMetaInformationGroupLength", gl.tag,
                        "FileMetaInformationGroupLength is \(stated), the meta elements take \(expected) bytes", ref, offset: gl.offset)
            }
        } else {
            out.add(.error, "meta.group-length.missing", "FileMetaInformationGroupLength", Tag.fileMetaInformationGroupLength,
                    "FileMetaInformationGroupLength (0002,0000) is missing", ref)
        }
        for (metaTag, dsTag, name) in [(Tag.mediaStorageSOPClassUID, Tag.sopClassUID, "SOP Class"),
                                       (Tag.mediaStorageSOPInstanceUID, Tag.sopInstanceUID, "SOP Instance")] {
            if let m = meta.string(metaTag), let d = file.dataset.string(dsTag), m != d {
                out.add(.error, name == "SOP Class" ? "meta.sop-class.mismatch" : "meta.sop-instance.mismatch",
                        keyword(metaTag), metaTag, "Media Storage \(name) UID \(m) differs from the data set's \(d)", ref)
            }
        }
        if let ts = meta.string(Tag.transferSyntaxUID) {
            if TransferSyntax(uid: ts) == nil || UIDDictionary.entry(for: ts)?.type != "Transfer Syntax" {
                out.add(.error, "meta.transfer-syntax.unknown", "TransferSyntaxUID", Tag.transferSyntaxUID,
                        "transfer syntax \(ts) is not defined by PS3.6 Annex A", "PS3.5 10")
            } else if UIDDictionary.entry(for: ts)?.isRetired == true {
                out.add(.warning, "meta.transfer-syntax.retired", "TransferSyntaxUID", Tag.transferSyntaxUID,
                        "transfer syntax \(ts) is retired", "PS3.5 10")
            }
        }
    }
}

// MARK: - UIDs that must differ (PS3.5 9.1: a UID identifies one thing)

enum UIDChecks {
    static func run(_ ds: Dataset, into out: inout Findings) {
        let named: [(Tag, String)] = [(Tag.studyInstanceUID, "StudyInstanceUID"), (Tag.seriesInstanceUID, "SeriesInstanceUID"),
                                      (Tag.sopInstanceUID, "SOPInstanceUID"), (Tag.frameOfReferenceUID, "FrameOfReferenceUID")]
        var seen: [String: String] = [:]
        for (tag, name) in named {
            guard let uid = ds.string(tag), !uid.isEmpty else { continue }
            if let other = seen[uid] {
                out.add(.error, "uid.reused", name, tag, "\(name) has the same value as \(other) (\(uid))", "PS3.5 9.1")
            } else { seen[uid] = name }
        }
    }
}

// MARK: - Encoding: VR, VM, value formats, lengths (PS3.5 6.2, 6.4, 7.1)

struct EncodingChecks {
    let explicitVR: Bool
    let reportRetired: Bool
    /// No Specific Character Set (0008,0005): text is limited to ISO 646 (PS3.5 6.1.2.2).
    let defaultRepertoire: Bool

    static let binaryUnit: [VR: Int] = [.US: 2, .SS: 2, .UL: 4, .SL: 4, .FL: 4, .FD: 8, .AT: 4, .OW: 2, .OF: 4,
                                        .OD: 8, .OL: 4, .SV: 8, .UV: 8, .OV: 8]
    static let multiValuedBinary: Set<VR> = [.US, .SS, .UL, .SL, .FL, .FD, .SV, .UV, .AT]
    /// VRs whose value is a single value even when it contains a backslash.
    static let singleValued: Set<VR> = [.LT, .ST, .UT, .UR, .OB, .OW, .OF, .OD, .OL, .OV, .UN]

    func walk(_ dataset: Dataset, path: String, into out: inout Findings) {
        for element in dataset.elements {
            check(element, in: dataset, path: path, into: &out)
        }
    }

    func check(_ e: Element, in dataset: Dataset, path: String, into out: inout Findings) {
        let tag = e.tag
        let here = join(path, tag)
        if tag.group & 1 == 1 && tag.group <= 7 || tag.group == 0xFFFF {
            out.add(.error, "private.group.illegal", here, tag, "group \(String(tag.group, radix: 16, uppercase: true)) cannot hold private data elements",
                    "PS3.5 7.8.1", offset: e.offset)
            return
        }
        if tag.isPrivate && (0x0001...0x000F).contains(tag.element) {
            out.add(.error, "private.element.invalid", here, tag, "elements (gggg,0001-000F) of a private group are not allowed",
                    "PS3.5 7.8.1", offset: e.offset)
        }
        if tag.isPrivateCreator, explicitVR, e.vr != .LO, e.vr != .UN {
            out.add(.error, "vr.mismatch", here, tag, "private creator has VR \(e.vr.rawValue), PS3.5 requires LO", "PS3.5 7.8.1",
                    offset: e.offset)
        }
        if tag.isGroupLength || tag.isPrivate {
            if case .sequence(let items) = e.value {
                for (i, item) in items.enumerated() { walk(item, path: "\(here)[\(i)]", into: &out) }
            }
            return
        }
        guard let entry = DataDictionary.entry(for: tag) else {
            out.add(.error, "attr.unknown", here, tag, "\(tag) is not in the PS3.6 data dictionary", "PS3.6 6", offset: e.offset)
            return
        }
        if reportRetired && entry.isRetired {
            out.add(.warning, "attr.retired", here, tag, "\(entry.keyword) is retired", "PS3.6 6", offset: e.offset)
        }
        if explicitVR, !entry.vrs.isEmpty, !entry.vrs.contains(e.vr) {
            let allowed = entry.vrs.map(\.rawValue).joined(separator: " or ")
            out.add(e.vr == .UN ? .warning : .error, "vr.mismatch", here, tag,
                    "VR is \(e.vr.rawValue), PS3.6 defines \(allowed)", "PS3.5 6.2", offset: e.offset)
        }
        switch e.value {
        case .sequence(let items):
            for (i, item) in items.enumerated() { walk(item, path: "\(here)[\(i)]", into: &out) }
        case .fragments:
            return
        case .bytes(let vb):
            if vb.count % 2 != 0 {
                out.add(.error, "encoding.length.odd", here, tag, "value length \(vb.count) is odd", "PS3.5 7.1.1", offset: e.offset)
            }
            if let unit = Self.binaryUnit[e.vr] {
                if vb.count % unit != 0 {
                    out.add(.error, "vr.length.multiple", here, tag,
                            "value length \(vb.count) is not a multiple of \(unit) for VR \(e.vr.rawValue)", "PS3.5 6.2", offset: e.offset)
                } else if Self.multiValuedBinary.contains(e.vr) {
                    // OB/OW/OF/OD/OL/OV hold one value whatever their length; the numeric VRs count values.
                    checkVM(vb.count / unit, entry: entry, vr: e.vr, path: here, tag: tag, offset: e.offset, into: &out)
                }
                return
            }
            guard e.vr.isString else { return }
            checkText(vb, e: e, entry: entry, dataset: dataset, path: here, into: &out)
        }
    }

    func checkText(_ vb: ValueBytes, e: Element, entry: DictionaryEntry, dataset: Dataset, path: String,
                   into out: inout Findings) {
        let tag = e.tag, vr = e.vr
        guard vb.count > 0 else { return }
        let raw = vb.bytes
        // Padding: UI with NUL, every other text VR with space (PS3.5 6.2).
        if vr != .UI, raw.last == 0 {
            out.add(.error, "vr.padding", path, tag, "\(vr.rawValue) value padded with NUL instead of space", "PS3.5 6.2", offset: e.offset)
        }
        if defaultRepertoire, vr.usesSpecificCharacterSet, raw.contains(where: { $0 >= 0x80 }) {
            out.add(.error, "vr.charset.repertoire", path, tag,
                    "\(vr.rawValue) value has bytes above 0x7F but Specific Character Set (0008,0005) is absent (default repertoire)",
                    "PS3.5 6.1.2.2", offset: e.offset)
        }
        if vr == .UI, raw.contains(0x20) {
            out.add(.error, "vr.ui.syntax", path, tag, "UI value contains a space (UIDs are padded with NUL)", "PS3.5 9.1",
                    offset: e.offset)
        }
        let text = dataset.decodeText(vb, vr: vr)
        let values: [Substring] = Self.singleValued.contains(vr)
            ? [Substring(text)] : text.split(separator: "\\", omittingEmptySubsequences: false)
        if !Self.singleValued.contains(vr) {
            checkVM(values.count, entry: entry, vr: vr, path: path, tag: tag, offset: e.offset, into: &out)
        }
        for (i, rawValue) in values.enumerated() {
            let value = trim(rawValue, vr: vr)
            let at = values.count > 1 ? " (value \(i + 1))" : ""
            if let max = ValueFormat.maxLength[vr] {
                let length = [.LO, .LT, .SH, .ST].contains(vr) ? value.count : value.utf8.count
                if length > max {
                    out.add(.error, "vr.length.max", path, tag,
                            "\(vr.rawValue) value\(at) has \(length) characters, more than \(max)", "PS3.5 6.2", offset: e.offset)
                }
            }
            if value.isEmpty { continue }
            if let problem = ValueFormat.problem(String(value), vr: vr) {
                out.add(.error, "vr.\(vr.rawValue.lowercased()).\(problem.rule)", path, tag,
                        "\(vr.rawValue) value\(at) \"\(String(value).prefix(80))\" \(problem.message)", "PS3.5 6.2", offset: e.offset)
            }
        }
    }

    func trim(_ s: Substring, vr: VR) -> Substring {
        var t = s
        while let last = t.last, last == " " || last == "\0" { t = t.dropLast() }
        // Leading spaces are insignificant for these VRs (PS3.5 Table 6.2-1).
        if [.AE, .CS, .DS, .IS, .LO, .SH, .AS, .DT, .TM, .DA, .UI, .PN].contains(vr) {
            while let first = t.first, first == " " { t = t.dropFirst() }
        }
        return t
    }

    func checkVM(_ count: Int, entry: DictionaryEntry, vr: VR, path: String, tag: Tag, offset: Int?,
                 into out: inout Findings) {
        guard count > 0, !VMRange.accepts(entry.vm, count: count) else { return }
        out.add(.error, "vm.mismatch", path, tag, "\(count) values, PS3.6 allows VM \(entry.vm)", "PS3.5 6.4", offset: offset)
    }
}
