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

    /// Maximum value length per VR in bytes (characters for the text VRs), PS3.5 Table 6.2-1.
    static let maxLength: [VR: Int] = [.AE: 16, .AS: 4, .CS: 16, .DA: 8, .DS: 16, .DT: 26, .IS: 12, .LO: 64,
                                       .LT: 10240, .SH: 16, .ST: 1024, .TM: 14, .UI: 64]
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
            if let max = Self.maxLength[vr] {
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

/// VM strings of PS3.6: "1", "2", "1-3", "1-n", "2-2n", "3-3n", "1-n or 1".
enum VMRange {
    static func accepts(_ vm: String, count: Int) -> Bool {
        for alternative in vm.components(separatedBy: " or ") {
            let parts = alternative.split(separator: "-").map(String.init)
            if parts.count == 1 {
                if let n = Int(parts[0]) { if n == count { return true } } else { return true }
                continue
            }
            guard parts.count == 2, let low = Int(parts[0]) else { return true }
            let high = parts[1]
            if high == "n" { if count >= low { return true } ; continue }
            if high.hasSuffix("n") {
                let step = Int(high.dropLast()) ?? 1  // conversion: parses text: nil when not a number
                if count >= low && step > 0 && count % step == 0 { return true }
                continue
            }
            if let h = Int(high), (low...max(low, h)).contains(count) { return true }
        }
        return false
    }
}

/// The value syntax of each VR (PS3.5 Table 6.2-1). Returns a rule suffix and a message, or nil.
enum ValueFormat {
    static func problem(_ v: String, vr: VR) -> (rule: String, message: String)? {
        let b = Array(v.utf8)
        func digits(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count, r.allSatisfy({ b[$0] >= 48 && b[$0] <= 57 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(widening: b[$1] - 48) }
        }
        switch vr {
        case .DA:
            guard b.count == 8, let y = digits(0..<4), let m = digits(4..<6), let d = digits(6..<8) else {
                return ("format", "is not YYYYMMDD")
            }
            if !validDate(y, m, d) { return ("format", "is not a calendar date") }
        case .TM:
            if !validTime(b[...]) { return ("format", "is not HH[MM[SS[.FFFFFF]]]") }
        case .DT:
            var body = b[...]
            if let sign = b.lastIndex(where: { $0 == 43 || $0 == 45 }), sign >= 4 {
                let zone = b[(sign + 1)...]
                guard zone.count == 4, let hh = digits((sign + 1)..<(sign + 3)), let mm = digits((sign + 3)..<(sign + 5)),
                      hh <= 14, mm < 60 else { return ("format", "has an invalid UTC offset (&ZZXX)") }
                body = b[..<sign]
            }
            let dateLen = min(body.count, 8)
            guard [4, 6, 8].contains(dateLen), let y = digits(0..<4) else { return ("format", "is not YYYY[MM[DD[HH[MM[SS[.F]]]]]]") }
            if dateLen >= 6 { guard let m = digits(4..<6), (1...12).contains(m) else { return ("format", "has an invalid month") } }
            if dateLen == 8 {
                guard let m = digits(4..<6), let d = digits(6..<8), validDate(y, m, d) else { return ("format", "has an invalid date") }
            }
            if body.count > 8 && !validTime(body.dropFirst(8)) { return ("format", "has an invalid time part") }
        case .AS:
            guard b.count == 4, digits(0..<3) != nil, "DWMY".utf8.contains(b[3]) else { return ("format", "is not nnnD, nnnW, nnnM or nnnY") }
        case .DS:
            if !isDecimal(b) { return ("format", "is not a decimal string") }
        case .IS:
            guard let n = Int(v), n >= -2_147_483_648, n <= 2_147_483_647, b.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 45 })
            else { return ("format", "is not an integer in -2^31...2^31-1") }
        case .UI:
            if !v.contains(".") { return ("syntax", "has a single component (a UID is a root and a suffix)") }
            if !(v.hasPrefix("0.") || v.hasPrefix("1.") || v.hasPrefix("2.")) {
                return ("syntax", "does not start with an ISO/ITU-T root arc (0, 1 or 2)")
            }
            let components = v.split(separator: ".", omittingEmptySubsequences: false)
            for c in components {
                if c.isEmpty || !c.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return ("syntax", "is not dot-separated digits") }
                if c.count > 1 && c.first == "0" { return ("syntax", "has a component with a leading zero") }
            }
        case .CS:
            if !b.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 32 || $0 == 95 }) {
                return ("repertoire", "has characters outside A-Z 0-9 space underscore")
            }
        case .PN:
            let groups = v.split(separator: "=", omittingEmptySubsequences: false)
            if groups.count > 3 { return ("groups", "has \(groups.count) component groups, at most 3") }
            for g in groups {
                if g.split(separator: "^", omittingEmptySubsequences: false).count > 5 { return ("groups", "has more than 5 components in a group") }
                if g.count > 64 { return ("length", "has a component group longer than 64 characters") }
            }
            if v.unicodeScalars.contains(where: { $0.value < 0x20 && $0.value != 0x1B }) {
                return ("repertoire", "contains control characters")
            }
        case .AE, .SH, .LO:
            if v.unicodeScalars.contains(where: { $0.value < 0x20 && $0.value != 0x1B }) {
                return ("repertoire", "contains control characters")
            }
        default: break
        }
        return nil
    }

    static func validDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1...12).contains(m), d >= 1 else { return false }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// HH[MM[SS[.F{1,6}]]] with the ranges of PS3.5 (SS may be 60 for a leap second).
    static func validTime(_ t: ArraySlice<UInt8>) -> Bool {
        let b = Array(t)
        var whole = b, fraction: [UInt8] = []
        if let dot = b.firstIndex(of: 46) { whole = Array(b[..<dot]); fraction = Array(b[(dot + 1)...]) }
        guard [2, 4, 6].contains(whole.count), whole.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        if b.contains(46) && (whole.count != 6 || fraction.isEmpty || fraction.count > 6 || !fraction.allSatisfy({ $0 >= 48 && $0 <= 57 })) {
            return false
        }
        func n(_ i: Int) -> Int { Int(widening: whole[i] - 48) * 10 + Int(widening: whole[i + 1] - 48) }
        if n(0) > 23 { return false }
        if whole.count >= 4 && n(2) > 59 { return false }
        if whole.count == 6 && n(4) > 60 { return false }
        return true
    }

    static func isDecimal(_ b: [UInt8]) -> Bool {
        var i = 0
        if i < b.count && (b[i] == 43 || b[i] == 45) { i += 1 }
        var mantissa = 0
        while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1; mantissa += 1 }
        if i < b.count && b[i] == 46 {
            i += 1
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1; mantissa += 1 }
        }
        guard mantissa > 0 else { return false }
        if i < b.count && (b[i] == 69 || b[i] == 101) {
            i += 1
            if i < b.count && (b[i] == 43 || b[i] == 45) { i += 1 }
            var exp = 0
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1; exp += 1 }
            guard exp > 0 else { return false }
        }
        return i == b.count
    }
}
