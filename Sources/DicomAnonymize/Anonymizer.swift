import DicomCore
import DicomIO
import FoundationEssentials

/// What an anonymization did, for `--plan`, the JSON record and `--map-out`.
public struct AnonymizeReport: Sendable {
    /// One change to one attribute. `path` is like "(0008,1140)[0].(0008,1155)".
    public struct Change: Sendable {
        public let path: String
        public let keyword: String
        /// D, Z, X, U, C (clean), S (date shifted), P (the patient's keyed pseudonym), keep (--keep),
        /// remove (--remove), set (--set), private (private attribute removed), overlay (overlay
        /// group removed), added.
        public let action: String
        public let oldValue: String?
        public let newValue: String?
    }

    public internal(set) var changes: [Change] = []
    /// How many attributes each action touched.
    public internal(set) var counts: [String: Int] = [:]
    /// Original -> new UID, for every UID mapped (the audit that `--map-out` writes).
    public internal(set) var uidMap: [String: String] = [:]
    /// Original -> pseudonym of Patient ID and of Patient's Name (`Anonymizer.patientPseudonym`).
    public internal(set) var patientIDMap: [String: String] = [:]
    public internal(set) var patientNameMap: [String: String] = [:]
    /// Attributes `--keep` kept that the profile would have removed or replaced (keywords, or
    /// tags when not in the dictionary): Patient Identity Removed is then NO.
    public internal(set) var identityKept: [String] = []
    /// The date shift applied (Retain Longitudinal Temporal Information with Modified Dates).
    public internal(set) var dateOffsetDays: Int?
    public internal(set) var warnings: [String] = []
    /// Why the file was suspected of burned-in annotation (policy warn or allow), nil if not.
    public internal(set) var burnedInReason: String?
    /// The transfer syntax the result must be written in (the meta's (0002,0010)).
    public internal(set) var outputSyntax: TransferSyntax?
    /// The CID 7050 codes written into De-identification Method Code Sequence.
    public internal(set) var methodCodes: [DeidentificationProfile.MethodCode] = []

    mutating func record(_ path: String, _ tag: Tag, _ action: String, old: String? = nil, new: String? = nil) {
        let facts = TagFacts.of(tag)
        let keyword = facts.isInDictionary ? facts.keyword : (tag.isPrivate ? "private" : "")
        changes.append(Change(path: path, keyword: keyword, action: action,
                              oldValue: old.map { Self.short($0) }, newValue: new.map { Self.short($0) }))
        counts[action, default: 0] += 1
    }

    /// The audit of old -> new identifiers for `--map-out`: one TSV line per UID ("uid", old,
    /// new) and per patient pseudonym ("PatientID" or "PatientName", old, new), sorted, so that
    /// runs over the same files give the same text. Backslash, tab, CR and LF in a value are
    /// written as \\, \t, \r and \n.
    public var auditLines: [String] {
        func tsv(_ s: String) -> String {
            guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return s }
            return s.replacing("\\", with: "\\\\").replacing("\t", with: "\\t").replacing("\r", with: "\\r").replacing("\n", with: "\\n")
        }
        return (uidMap.map { "uid\t\($0.key)\t\($0.value)" }
            + patientIDMap.map { "PatientID\t\(tsv($0.key))\t\($0.value)" }
            + patientNameMap.map { "PatientName\t\(tsv($0.key))\t\($0.value)" }).sorted()
    }

    static func short(_ s: String) -> String {
        // At most 80 UTF-8 bytes is at most 80 characters: no counting for most values.
        if s.utf8.count <= 80 { return s }
        return s.count > 80 ? String(s.prefix(77)) + "..." : s
    }
}

/// The PS3.15 Basic Application Level Confidentiality Profile with its options, applied at every
/// nesting depth. Pixel data is never touched. UIDs and date shifts come from HMAC-SHA256 keyed
/// with the secret, so the same input and secret give the same bytes on any machine.
///
/// Resolution rules (PS3.15 E.3 leaves them to the implementation):
/// - X/Z, X/D, X/Z/D, Z/D, and Z or D alone: from the attribute's Type in the file's IOD
///   (generated from PS3.3; the strongest Type over all IODs when the SOP class is unknown),
///   at the top level or inside sequences: Type 1 -> D, Type 2 -> Z, otherwise X. A Z on a
///   Type 1 attribute becomes D, so no empty Type 1 value is left; a D on a Type 3 stays D.
/// - X/Z/U* (Referenced Image Sequence, Source Image Sequence): kept, with every UID inside
///   replaced, so references between de-identified instances stay consistent.
/// - D on a sequence: the sequence is kept and its items de-identified. Z on a sequence: zero
///   items. Sequences whose items all became empty are removed; empty items are dropped.
/// - C: dates (Retain ... Modified Dates) are shifted; person names become "ANONYMOUS"; other
///   text keeps its wording with every identifying value of the file (see IdentityScanner)
///   replaced by "X"; C on a sequence de-identifies and cleans its items; C on binary values
///   (overlay data under Clean Graphics) keeps them: the option asserts they were reviewed.
/// - Attributes Table E.1-1 does not list are kept; unlisted UI attributes holding instance or
///   frame of reference UIDs are mapped (class, syntax, coding scheme and context UIDs are not).
/// - Removing Overlay Data (60xx,3000) removes the whole overlay group, which is meaningless
///   (and no longer conformant) without it.
/// - Private attributes are removed unless Retain Safe Private keeps an entry of
///   `SafePrivateAttributes`, or `keep` names them; a private creator stays while its block has
///   an element left.
public struct Anonymizer: Sendable {
    public let options: AnonymizeOptions
    public let mapping: KeyedMapping

    public init(options: AnonymizeOptions) {
        self.options = options
        mapping = KeyedMapping(secret: options.secret)
    }

    /// The keyed pseudonym of the patient with this Patient ID and Patient's Name (original values),
    /// which the anonymizer writes as both Patient ID (0010,0020) and Patient's Name (0010,0010),
    /// in the data set and in a DICOMDIR's patient records, and which `--layout uid` names the
    /// patient's folder with: "ANON" + 12 hex digits of an HMAC keyed with the run's secret, so
    /// shards and runs with the same secret agree. Nil when both are empty.
    /// (PS3.15 E.1.1 lets these attributes hold dummy values; a keyed one per patient keeps the
    /// patients of a run apart in a PACS, where an empty Patient ID would merge them.)
    public func patientPseudonym(id: String, name: String) -> String? {
        mapping.patientPseudonym(id: id, name: name)
    }

    /// The de-identified meta and data set of `file`, and what was done.
    /// Throws `.unsupported` (exit status 80) when the burned-in policy is refuse and the file
    /// declares or is suspected of burned-in annotation; `.usage` for a `set` that cannot apply.
    /// `identifyingValues`, when given, must be `IdentityScanner.identifyingValues(in: file.dataset,
    /// options: options)`: the caller that also runs the self-check computes them once for both.
    public func anonymize(_ file: DicomFile, identifyingValues: [IdentityScanner.IdentifyingValue]? = nil)
        throws(DicomError) -> (meta: Dataset, dataset: Dataset, report: AnonymizeReport) {
        let original = file.dataset
        var report = AnonymizeReport()
        if let reason = BurnedInRisk.reason(original) {
            switch options.burnedIn {
            case .refuse:
                throw DicomError(.unsupported, "not anonymized: \(reason); pixel data may show identifying text "
                                 + "(use --burned-in warn|allow after checking the images)", tag: Tag.burnedInAnnotation)
            case .warn:
                report.burnedInReason = reason
                report.warnings.append("pixel data may show identifying text: \(reason)")
            case .allow:
                report.burnedInReason = reason
            }
        }
        let pass = Pass(anonymizer: self, original: original, report: report)
        if let identifyingValues { pass.identifyingValuesFound = identifyingValues }
        var out = pass.process(original, path: [], cleaning: .asIs)
        report = pass.report
        if options.retainLongModifiedDates { report.dateOffsetDays = pass.dateOffset }

        // De-identification bookkeeping (PS3.15 E.1.1; PS3.3 C.7.1.1, Patient Module: (0012,0062-0064)).
        // PS3.15 E.1.1 asks for YES under the Basic Profile and any of its options (none of them
        // keeps the patient's identity: they keep dates, UIDs, device, institution, characteristics
        // or reviewed text). A standard attribute that `--keep` kept although the profile would
        // remove or replace it is not de-identified: the identity may remain, so the value is NO,
        // and De-identification Method (0012,0063) says what was kept ("May be present otherwise",
        // PS3.3 C.7.1.1). The codes still say which profile and options were applied to the rest.
        let identityKept = !report.identityKept.isEmpty
        out.setString(Tag.patientIdentityRemoved, .CS, identityKept ? "NO" : "YES")
        var codes = DeidentificationProfile.methods.filter { $0.isBasicProfile }
        let enabled = Set(options.enabledOptions)
        codes += DeidentificationProfile.methods.filter { $0.option.map { enabled.contains($0) } ?? false }
        report.methodCodes = codes
        out.setStrings(Tag.deidentificationMethod, .LO, codes.map { String($0.meaning.prefix(64)) }
                       + report.identityKept.map { String(("kept as is: " + $0).prefix(64)) })
        out.setSequence(Tag.deidentificationMethodCodeSequence, codes.map { code in
            var item = Dataset(characterSet: out.characterSet)
            item.setString(Tag.codeValue, .SH, code.value)
            item.setString(Tag.codingSchemeDesignator, .SH, code.scheme)
            item.setString(Tag.codeMeaning, .LO, code.meaning)
            return item
        })
        if options.retainLongModifiedDates && !options.retainLongFullDates {
            out.setString(Tag.longitudinalTemporalInformationModified, .CS, "MODIFIED")
        } else if options.retainLongFullDates {
            out.setString(Tag.longitudinalTemporalInformationModified, .CS, "UNMODIFIED")
        }
        // Private creators first, so that an element set in the same run finds its creator.
        let creatorsFirst = options.set.filter { $0.0.steps.last?.tag.isPrivateCreator == true }
            + options.set.filter { $0.0.steps.last?.tag.isPrivateCreator != true }
        for (selector, value) in creatorsFirst {
            try apply(set: selector.steps[...], value: value, to: &out, path: "", report: &report)
        }
        // The audit says what was written: a Patient ID or Name given by --set replaces the pseudonym.
        if let old = original.string(Pass.patientID), report.patientIDMap[old] != nil, let now = out.string(Pass.patientID) {
            report.patientIDMap[old] = now
        }
        if let old = original.string(Pass.patientName), report.patientNameMap[old] != nil, let now = out.string(Pass.patientName) {
            report.patientNameMap[old] = now
        }

        // Meta: the new SOP instance (Media Storage SOP Instance UID follows it), our
        // implementation; the source/sending/receiving AE titles and private information go.
        var previous = file.meta
        let aeTitles = [Tag.sourceApplicationEntityTitle, Tag.sendingApplicationEntityTitle, Tag.receivingApplicationEntityTitle]
        for tag in aeTitles where !options.retainDeviceIdentity { previous.remove(tag) }
        for tag in [Tag.privateInformationCreatorUID, Tag.privateInformation] { previous.remove(tag) }
        if out.string(Tag.sopInstanceUID) == nil, let media = previous.string(Tag.mediaStorageSOPInstanceUID) {
            previous.setString(Tag.mediaStorageSOPInstanceUID, .UI, options.retainUIDs ? media : pass.mapUID(media, path: "(0002,0003)"))
            report = pass.report
        }
        // The syntax to write: the one the data set was read in, except when the reader fell
        // back to implicit VR for a data set whose pixel data is encapsulated (the declared
        // encapsulated syntax is then the only one that can carry it).
        var syntax = file.transferSyntax
        // (Implicit VR Little Endian is tested by UID: DicomCore's family lookup misses
        // "1.2.840.10008.1.2" itself and calls it encapsulated.)
        let native = !syntax.isEncapsulated || !syntax.isExplicitVR
        if out[.pixelData]?.fragments != nil, native,
           let declared = file.meta.string(.transferSyntaxUID).flatMap({ TransferSyntax(uid: $0) }), declared.isEncapsulated {
            syntax = declared
        }
        report.outputSyntax = syntax
        var meta = DatasetWriter.makeMeta(for: out, syntax: syntax, previous: previous)
        // makeMeta writes empty SOP Class/Instance UIDs when the data set has none; keep the
        // input's (mapped) value, or leave the element out as the input did.
        var metaEdited = false
        for tag in [Tag.mediaStorageSOPClassUID, Tag.mediaStorageSOPInstanceUID] where (meta.string(tag) ?? "").isEmpty {
            if let old = previous.string(tag), !old.isEmpty { meta.setString(tag, .UI, old) } else { meta.remove(tag) }
            metaEdited = true
        }
        if metaEdited { meta = Self.withGroupLength(meta) }
        if out.items(Tag.directoryRecordSequence) != nil {
            Self.relinkDirectoryRecords(original: file, meta: meta, dataset: &out, syntax: syntax, report: &report)
        }
        return (meta, out, report)
    }

    private func apply(set steps: ArraySlice<TagSelector.Step>, value: String, to ds: inout Dataset,
                       path: String, report: inout AnonymizeReport) throws(DicomError) {
        guard let step = steps.first else { return }
        let here = path + step.tag.description
        if steps.count == 1 {
            // At the top level the error's tag prefix names the attribute; inside items the path does.
            let shown = path.isEmpty ? "" : " " + here
            let (vr, vm) = try Self.setVR(step.tag, in: ds, path: shown)
            if let problem = SetValues.problem(value, vr: vr, vm: vm) {
                throw DicomError(.usage, "--set\(shown): \(problem)", tag: step.tag)
            }
            let old = ds[step.tag].flatMap { $0.valueBytes }.map { ds.decodeText($0, vr: vr) }
            guard let bytes = Anonymizer.encode(value, vr: vr) else {
                throw DicomError(.usage, "--set\(shown): '\(value)' is not a valid \(vr.rawValue) value", tag: step.tag)
            }
            if vr.isString { ds.setString(step.tag, vr, value) } else {
                ds.set(Element(tag: step.tag, vr: vr, value: .bytes(ValueBytes(bytes))))
            }
            report.record(here, step.tag, "set", old: old, new: value)
            return
        }
        guard var items = ds.items(step.tag) else {
            throw DicomError(.usage, "--set: \(here) is not a sequence present in the data set", tag: step.tag)
        }
        for i in items.indices where step.item == nil || step.item == i {
            try apply(set: steps.dropFirst(), value: value, to: &items[i], path: here + "[\(i)].", report: &report)
        }
        if let item = step.item, item >= items.count {
            throw DicomError(.usage, "--set: \(here) has no item \(item)", tag: step.tag)
        }
        ds.setSequence(step.tag, items)
    }

    /// The VR and VM a `--set` value of `tag` is checked and written with: a standard attribute's
    /// VR in the data set when the dictionary allows it, else the dictionary's; a private data
    /// element's VR in the data set, else the private dictionary's for its creator, else LO. A
    /// private data element whose creator (gggg,00xx) is not in the data set is refused (PS3.5 7.8.1).
    static func setVR(_ tag: Tag, in ds: Dataset, path: String) throws(DicomError) -> (VR, String?) {
        let existing = ds[tag].map(\.vr).flatMap { $0 == .UN ? nil : $0 }
        if tag.isPrivateCreator { return (.LO, "1") }
        if tag.isPrivate {
            guard let creatorTag = tag.privateCreatorTag else {
                throw DicomError(.usage, "--set\(path): not a private data element or creator (PS3.5 7.8.1)", tag: tag)
            }
            guard let creator = ds.string(creatorTag)?.trimmingWhitespace(), !creator.isEmpty else {
                throw DicomError(.usage, "--set\(path): a private element needs its private creator \(creatorTag) in the data set "
                                 + "(set it too, e.g. --set '\(creatorTag)=VENDOR NAME', or --keep it)", tag: tag)
            }
            if let existing { return (existing, nil) }
            if let entry = PrivateDictionary.entry(creator: creator, tag: tag), let vr = entry.vr { return (vr, entry.vm) }
            return (.LO, nil)   // unknown to the dictionaries: text, as most private values are
        }
        guard let entry = DataDictionary.entry(for: tag), let first = entry.vr else {
            if let existing { return (existing, nil) }
            throw DicomError(.usage, "--set\(path): not in the PS3.6 data dictionary, so its VR is unknown", tag: tag)
        }
        if let existing, entry.vrs.contains(existing) { return (existing, entry.vm) }
        return (first, entry.vm)
    }

    /// A DICOMDIR's record links ((0004,1200), (0004,1202), (0004,1400), (0004,1420)) are byte
    /// offsets of records in the file, which change when values change length. They are
    /// recomputed from a trial write of the result (the runner writes the same bytes: same
    /// writer, same syntax, 128-byte preamble). A link that does not point at a record of the
    /// input is left as it was, with a warning.
    static func relinkDirectoryRecords(original: DicomFile, meta: Dataset, dataset: inout Dataset,
                                       syntax: TransferSyntax, report: inout AnonymizeReport) {
        let recordsTag = Tag.directoryRecordSequence
        guard !original.transferSyntax.isDeflated, !syntax.isDeflated,
              let before = original.dataset.items(recordsTag), var records = dataset.items(recordsTag),
              before.count == records.count else {
            report.warnings.append("DICOMDIR record offsets not recomputed (deflated or records changed)")
            return
        }
        var sink = MemorySink()
        guard (try? DatasetWriter(syntax: syntax).writeFile(meta: meta, dataset: dataset, to: &sink)) != nil,
              let reread = try? Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "DICOMDIR (trial write)")),
              let after = reread.dataset.items(recordsTag), after.count == before.count else {
            report.warnings.append("DICOMDIR record offsets not recomputed (trial write failed)")
            return
        }
        // An item's data set starts 8 bytes after its (FFFE,E000) header, which links point at.
        var newOffset: [UInt32: UInt32] = [:]
        for (old, new) in zip(before, after) {
            guard let o = old.offset, let n = new.offset, o >= 8, n >= 8, let o32 = UInt32(exactly: o - 8),
                  let n32 = UInt32(exactly: n - 8) else { continue }
            newOffset[o32] = n32
        }
        var unresolved = 0
        func relink(_ ds: inout Dataset, _ tag: Tag) {
            guard let e = ds[tag], e.vr == .UL || e.vr == .UN, let b = e.valueBytes, b.count == 4 else { return }
            let raw = b.littleEndianBytes(swapUnit: 4)
            let old = UInt32(widening: raw[0]) | UInt32(widening: raw[1]) << 8 | UInt32(widening: raw[2]) << 16 | UInt32(widening: raw[3]) << 24
            guard old != 0 else { return }
            guard let new = newOffset[old] else { unresolved += 1; return }
            ds.set(Element(tag: tag, vr: .UL, value: .bytes(ValueBytes(withUnsafeBytes(of: new.littleEndian, Array.init)))))
        }
        relink(&dataset, Tag.offsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity)
        relink(&dataset, Tag.offsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity)
        for i in records.indices {
            relink(&records[i], Tag.offsetOfTheNextDirectoryRecord)
            relink(&records[i], Tag.offsetOfReferencedLowerLevelDirectoryEntity)
        }
        dataset.setSequence(recordsTag, records)
        if unresolved > 0 {
            report.warnings.append("DICOMDIR: \(unresolved) record offsets of the input point at no record; left as they were")
        }
    }

    /// The meta with (0002,0000) recomputed for explicit VR little endian.
    static func withGroupLength(_ meta: Dataset) -> Dataset {
        var out = meta
        out.remove(.fileMetaInformationGroupLength)
        var length = 0
        for e in out.elements {
            length += (e.vr.hasLongLength ? 12 : 8) + (e.length ?? 0)
        }
        // Only a group with values of gigabytes (a hostile input) could be longer than 32 bits describe.
        let groupLength = UInt32(clamping: length)
        out.set(Element(tag: .fileMetaInformationGroupLength, vr: .UL,
                        value: .bytes(ValueBytes(withUnsafeBytes(of: groupLength.littleEndian, Array.init)))))
        return out
    }

    /// Bytes of `text` as a value of `vr`: text VRs as given, binary numbers parsed.
    static func encode(_ text: String, vr: VR) -> [UInt8]? {
        if vr.isString { return Array(text.utf8) }
        let parts = text.split(separator: "\\").map { $0.trimmingWhitespace() }
        var out: [UInt8] = []
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for p in parts {
            switch vr {
            case .US: guard let v = UInt16(p) else { return nil }; append(v)
            case .SS: guard let v = Int16(p) else { return nil }; append(v)
            case .UL: guard let v = UInt32(p) else { return nil }; append(v)
            case .SL: guard let v = Int32(p) else { return nil }; append(v)
            case .UV: guard let v = UInt64(p) else { return nil }; append(v)
            case .SV: guard let v = Int64(p) else { return nil }; append(v)
            case .FL: guard let v = Float(p) else { return nil }; append(v.bitPattern)
            case .FD: guard let v = Double(p) else { return nil }; append(v.bitPattern)
            default: return nil
            }
        }
        return out
    }
}

/// How text kept inside a sequence is treated: as is; cleaned of the file's identifying values
/// (C on a sequence, or inside a D sequence for coded text); or, for free text inside a D
/// sequence (Content Sequence, Graphic Annotation Sequence...), replaced by a dummy.
enum TextTreatment: Equatable { case asIs, clean, dummyFreeText }

/// The decision for one attribute.
enum Decision: Equatable {
    case keepVerbatim, keep, remove, zero, dummy, uid, clean, shiftDate, removePrivate
}

/// One anonymization of one data set (mutable state: the report, the date offset).
final class Pass {
    let anonymizer: Anonymizer
    var options: AnonymizeOptions { anonymizer.options }
    let sopClass: String?
    /// The Types of the file's IOD (see `DeidentificationIODTypes`).
    let iodTypes: DeidentificationIODTypes.IODTypes?
    let enabled: [DeidentificationProfile.Option]
    var report: AnonymizeReport
    /// The per-patient date shift (HMAC of the Patient ID): computed only when a date is shifted.
    lazy var dateOffset: Int = anonymizer.mapping.dayOffset(forPatient: original.string(Tag.patientID) ?? "")
    /// Identifying values of the original, for cleaning text (longest first).
    lazy var identifyingValues: [IdentityScanner.IdentifyingValue] = Self.cleaningOrder(identifyingValuesFound)
    /// The original's identifying values (given by the caller, or found when first needed).
    lazy var identifyingValuesFound: [IdentityScanner.IdentifyingValue] = IdentityScanner.identifyingValues(in: original, options: options)
    let original: Dataset

    init(anonymizer: Anonymizer, original: Dataset, report: AnonymizeReport) {
        self.anonymizer = anonymizer
        self.original = original
        self.report = report
        sopClass = original.string(Tag.sopClassUID)
        iodTypes = DeidentificationIODTypes.types(forSOPClass: sopClass)
        enabled = anonymizer.options.enabledOptions
    }

    struct Step { let tag: Tag; let item: Int }

    static let patientID = Tag.patientID, patientName = Tag.patientName

    /// The values to replace when cleaning text: longest first, so that a value is replaced
    /// before any shorter value inside it.
    static func cleaningOrder(_ values: [IdentityScanner.IdentifyingValue]) -> [IdentityScanner.IdentifyingValue] {
        values.sorted { (a: IdentityScanner.IdentifyingValue, b: IdentityScanner.IdentifyingValue) -> Bool in
            let la = a.value.utf8.count, lb = b.value.utf8.count
            return la != lb ? la > lb : a.value < b.value
        }
    }

    /// The values of a UI attribute: split on backslashes (empty ones kept), without padding.
    /// UIDs are ASCII: split and trimmed byte by byte, the same result as by Character.
    static func uidValues(_ text: String) -> [String] {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            return text.split(separator: "\\", omittingEmptySubsequences: false).map { IdentityScanner.trimmingPadding($0) }
        }
        return text.utf8.split(separator: 0x5C, omittingEmptySubsequences: false).map { part in
            var part = part[...]
            while let b = part.first, b == 0x20 || b == 0 { part = part.dropFirst() }
            while let b = part.last, b == 0x20 || b == 0 { part = part.dropLast() }
            return String(Substring(part))
        }
    }

    static func describe(_ path: [Step], _ tag: Tag) -> String {
        if path.isEmpty { return tag.description }
        return path.map { "\($0.tag.description)[\($0.item)]." }.joined() + tag.description
    }

    static func matches(_ selectors: [TagSelector], _ tag: Tag, _ path: [Step]) -> Bool {
        for s in selectors {
            if s.anyDepth { if s.steps[0].tag == tag { return true }; continue }
            guard s.steps.count == path.count + 1, s.steps.last?.tag == tag else { continue }
            var ok = true
            for (i, p) in path.enumerated() where s.steps[i].tag != p.tag || (s.steps[i].item.map { $0 != p.item } ?? false) {
                ok = false
            }
            if ok { return true }
        }
        return false
    }

    /// UI attributes Table E.1-1 does not list whose values are class, syntax or coding UIDs
    /// (kept); other unlisted UI attributes hold instance or frame of reference UIDs (mapped).
    static func isMappableUnlistedUID(_ tag: Tag) -> Bool { TagFacts.of(tag).isMappableUnlistedUID }

    /// Types of the identifying keys of the DICOMDIR Patient and Study directory records
    /// (PS3.3 F.5.1, F.5.2), which the generated IOD types do not cover.
    static let directoryRecordTypes: [Tag: DeidentificationIODTypes.AttributeType] = [
        Tag.studyDate: .type1, Tag.studyTime: .type1, Tag.studyID: .type1, Tag.patientID: .type1,
        Tag.studyDescription: .type2, Tag.accessionNumber: .type2, Tag.patientName: .type2,
    ]

    /// The profile's decision for `e` (before the VR-specific handling in `process`).
    func decide(_ e: Element, in ds: Dataset, path: [Step], honouringKeep: Bool = true) -> Decision {
        if honouringKeep && Self.matches(options.keep, e.tag, path) { return .keepVerbatim }
        if Self.matches(options.remove, e.tag, path) { return .remove }
        if e.tag.isPrivate {
            if e.tag.isPrivateCreator { return .keep }   // settled once the block is known
            if options.retainSafePrivate, let creatorTag = e.tag.privateCreatorTag, let creator = ds.string(creatorTag),
               SafePrivateAttributes.isSafe(creator: creator, tag: e.tag) {
                return .keepVerbatim
            }
            return .removePrivate
        }
        guard let rule = DeidentificationProfile.rule(for: e.tag) else {
            if e.vr == .UI, !options.retainUIDs, Self.isMappableUnlistedUID(e.tag) { return .uid }
            return .keep
        }
        var action = rule.basic
        let overrides = enabled.compactMap { o in rule.options[o].map { (o, $0) } }
        if overrides.contains(where: { $0.1 == .keep }) {
            action = .keep
        } else if let c = overrides.first(where: { $0.1 == .clean }) {
            return c.0 == .retainLongModifiedDates ? .shiftDate : .clean
        }
        let recordType = path.first?.tag == Tag.directoryRecordSequence ? Self.directoryRecordTypes[e.tag] : nil
        if let recordType, action == .remove || action == .zero {
            // A record key the directory needs is emptied or dummied rather than removed.
            action = recordType == .type1 ? .dummy : .zero
        }
        let type = { recordType ?? DeidentificationIODTypes.type(of: e.tag, in: self.iodTypes, nested: !path.isEmpty) }
        switch action {
        case .keep: return .keep
        case .remove: return .remove
        case .uid, .removeOrZeroOrUIDs: return options.retainUIDs && e.vr != .SQ ? .keep : .uid
        case .clean: return .clean
        case .dummy: return .dummy
        case .zero: return type() == .type1 ? .dummy : .zero
        case .removeOrZero, .removeOrDummy, .removeOrZeroOrDummy, .zeroOrDummy:
            switch type() {
            case .type1: return .dummy
            case .type2: return .zero
            case .type3, .absent: return action == .zeroOrDummy ? .zero : .remove
            }
        }
    }

    func process(_ ds: Dataset, path: [Step], cleaning: TextTreatment) -> Dataset {
        var out = ds
        var removedOverlayGroups = Set<UInt16>()
        var privateBlocksInUse = Set<UInt32>()
        for var e in ds.elements {
            if path.isEmpty && e.tag.group == 0x0002 { continue }
            // A standard text attribute stored as UN (explicit VR files written without the
            // dictionary) is treated, and rewritten when changed, with its dictionary VR.
            if e.vr == .UN, !e.tag.isPrivate, case .bytes = e.value, let vr = TagFacts.of(e.tag).dictionaryVR, vr.isString {
                e.vr = vr
            }
            lazy var where_ = Self.describe(path, e.tag)   // only for the report: most elements are kept unrecorded
            var decision = decide(e, in: ds, path: path)
            if cleaning != .asIs && decision == .keep && e.vr != .SQ && e.vr.usesSpecificCharacterSet {
                let freeText: Set<VR> = [.LT, .ST, .UT, .UC, .PN]
                decision = cleaning == .dummyFreeText && freeText.contains(e.vr) ? .dummy : .clean
            }
            // Patient ID and Patient's Name that the profile empties or dummies become the patient's
            // keyed pseudonym, in the data set and in a DICOMDIR's records (see `patientPseudonym`).
            if decision == .zero || decision == .dummy, e.tag == Self.patientID || e.tag == Self.patientName,
               path.isEmpty || (path.count == 1 && path[0].tag == Tag.directoryRecordSequence), case .bytes = e.value,
               let pseudonym = anonymizer.patientPseudonym(id: ds.string(Self.patientID) ?? "", name: ds.string(Self.patientName) ?? "") {
                let old = text(e, ds) ?? ""
                out.setString(e.tag, e.tag == Self.patientName ? .PN : .LO, pseudonym)
                report.record(where_, e.tag, "P", old: old, new: pseudonym)
                if e.tag == Self.patientID { report.patientIDMap[old] = pseudonym } else { report.patientNameMap[old] = pseudonym }
                continue
            }
            switch decision {
            case .keepVerbatim:
                if e.tag.isPrivate, let c = e.tag.privateCreatorTag { privateBlocksInUse.insert(c.rawValue) }
                if TagFacts.of(e.tag).isInDictionary || e.tag.isPrivate,
                   Self.matches(options.keep, e.tag, path) {
                    report.record(where_, e.tag, "keep")
                    // Kept although the profile would change it: the identity is not removed. A
                    // private attribute kept by name is the user's word that it is safe (as the
                    // Retain Safe Private list is the standard's).
                    if !e.tag.isPrivate, ![.keep, .keepVerbatim].contains(decide(e, in: ds, path: path, honouringKeep: false)) {
                        let facts = TagFacts.of(e.tag)
                        let name = facts.isInDictionary ? facts.keyword : e.tag.description
                        if !report.identityKept.contains(name) { report.identityKept.append(name) }
                    }
                }
            case .keep:
                if case .sequence(let items) = e.value, !items.isEmpty {
                    replaceItems(e, items, in: &out, path: path, cleaning: cleaning, where_: where_)
                }
            case .remove, .removePrivate:
                out.remove(e.tag)
                report.record(where_, e.tag, decision == .remove ? "X" : "private", old: text(e, ds))
                if e.tag.group & 0xFF00 == 0x6000, e.tag.element == 0x3000 { removedOverlayGroups.insert(e.tag.group) }
            case .zero:
                if e.vr == .SQ {
                    // Zero items only where a Type 2 sequence must stay; inside items a sequence
                    // the IOD does not require as Type 2 is removed instead.
                    if path.isEmpty || DeidentificationIODTypes.type(of: e.tag, in: iodTypes, nested: true) == .type2 {
                        out.setSequence(e.tag, [])
                    } else {
                        out.remove(e.tag)
                        report.record(where_, e.tag, "X")
                        continue
                    }
                } else {
                    out.set(Element(tag: e.tag, vr: e.vr, value: .bytes(ValueBytes([]))))
                }
                report.record(where_, e.tag, "Z", old: text(e, ds), new: "")
            case .dummy:
                if case .sequence(let items) = e.value {
                    // D on a sequence: keep its structure, de-identify the items, and replace
                    // the free text they keep (PS3.15: dummy content).
                    let inner: TextTreatment = cleaning == .clean ? .clean : .dummyFreeText
                    replaceItems(e, items, in: &out, path: path, cleaning: inner, where_: where_)
                } else {
                    let (bytes, shown) = dummy(for: e, in: ds, path: where_)
                    out.set(Element(tag: e.tag, vr: e.vr, value: .bytes(ValueBytes(bytes))))
                    report.record(where_, e.tag, "D", old: text(e, ds), new: shown)
                }
            case .uid:
                if case .sequence(let items) = e.value {
                    replaceItems(e, items, in: &out, path: path, cleaning: cleaning, where_: where_)
                } else if e.vr == .UI {
                    if options.retainUIDs { break }
                    let values = Self.uidValues(ds.string(e.tag) ?? "")
                    let mapped = values.map { $0.isEmpty ? $0 : mapUID($0, path: where_) }
                    if mapped != values {
                        out.setStrings(e.tag, .UI, mapped)
                        report.record(where_, e.tag, "U", old: values.joined(separator: "\\"), new: mapped.joined(separator: "\\"))
                    }
                } else {
                    let (bytes, shown) = dummy(for: e, in: ds, path: where_)
                    out.set(Element(tag: e.tag, vr: e.vr, value: .bytes(ValueBytes(bytes))))
                    report.record(where_, e.tag, "D", old: text(e, ds), new: shown)
                }
            case .shiftDate:
                guard e.vr == .DA || e.vr == .DT, let old = ds.string(e.tag) else { break }
                let shifted = old.split(separator: "\\", omittingEmptySubsequences: false).map { v -> String in
                    let value = v.trimmingWhitespace()
                    if value.isEmpty { return value }
                    // A range (query style "A-B") shifts both ends.
                    let ends = e.vr == .DA ? value.split(separator: "-", omittingEmptySubsequences: false).map(String.init) : [value]
                    return ends.map { $0.isEmpty ? $0 : (CivilDate.shift($0, by: dateOffset) ?? (e.vr == .DA ? "19000101" : "19000101000000")) }
                        .joined(separator: "-")
                }.joined(separator: "\\")
                out.setString(e.tag, e.vr, shifted)
                report.record(where_, e.tag, "S", old: old, new: shifted)
            case .clean:
                if case .sequence(let items) = e.value {
                    replaceItems(e, items, in: &out, path: path, cleaning: .clean, where_: where_)
                } else if e.vr == .PN, let old = ds.string(e.tag), !old.isEmpty {
                    out.setString(e.tag, .PN, "ANONYMOUS")
                    report.record(where_, e.tag, "C", old: old, new: "ANONYMOUS")
                } else if e.vr == .UI, !options.retainUIDs, let old = ds.string(e.tag), !old.isEmpty {
                    out.setString(e.tag, .UI, mapUID(old, path: where_))
                    report.record(where_, e.tag, "U", old: old, new: out.string(e.tag))
                } else if e.vr.isString, e.vr != .UI, let old = ds.string(e.tag) {
                    let cleaned = cleanText(old)
                    if cleaned != old {
                        out.setString(e.tag, e.vr, cleaned)
                        report.record(where_, e.tag, "C", old: old, new: cleaned)
                    }
                }
            }
        }
        // Private creators stay only while their block keeps an element.
        for e in out.elements where e.tag.isPrivateCreator && !privateBlocksInUse.contains(e.tag.rawValue) {
            if !Self.matches(options.keep, e.tag, path) {
                out.remove(e.tag)
                report.record(Self.describe(path, e.tag), e.tag, "private", old: text(e, ds))
            }
        }
        if !removedOverlayGroups.isEmpty {
            for e in out.elements where removedOverlayGroups.contains(e.tag.group) {
                out.remove(e.tag)
                report.record(Self.describe(path, e.tag), e.tag, "overlay")
            }
        }
        return out
    }

    private func replaceItems(_ e: Element, _ items: [Dataset], in out: inout Dataset, path: [Step], cleaning: TextTreatment, where_: String) {
        var newItems: [Dataset] = []
        for (i, item) in items.enumerated() {
            let processed = process(item, path: path + [Step(tag: e.tag, item: i)], cleaning: cleaning)
            if !processed.isEmpty { newItems.append(processed) }
        }
        if newItems.isEmpty {
            out.remove(e.tag)
            report.record(where_, e.tag, "X")
        } else {
            var copy = e
            copy.value = .sequence(newItems)
            out.set(copy)
        }
    }

    func text(_ e: Element, _ ds: Dataset) -> String? {
        guard e.vr.isString, let b = e.valueBytes else { return nil }
        return ds.decodeText(b, vr: e.vr)
    }

    func mapUID(_ uid: String, path: String) -> String {
        if let known = report.uidMap[uid] { return known }
        if WellKnownUIDs.contains(uid) { return uid }
        let new = anonymizer.mapping.uid(for: uid)
        report.uidMap[uid] = new
        return new
    }

    /// Text with every identifying value of the file replaced by "X", by the matching rule of
    /// the self-check (`IdentityScanner`: long values anywhere, short ones as whole tokens).
    func cleanText(_ text: String) -> String { IdentityScanner.clean(text, of: identifyingValues) }

    /// A dummy value valid for the VR (PS3.15 E.1.1 D): bytes and how to show them.
    func dummy(for e: Element, in ds: Dataset, path: String) -> ([UInt8], String) {
        func text(_ s: String) -> ([UInt8], String) {
            var b = Array(s.utf8)
            if b.count % 2 == 1 { b.append(e.vr.paddingByte) }
            return (b, s)
        }
        let keyword = TagFacts.of(e.tag).keyword
        switch e.vr {
        case .PN: return text("ANONYMOUS")
        case .LO, .SH:
            // Identifiers get a keyed pseudonym: the same patient keeps one ID across files.
            if keyword.hasSuffix("ID"), let old = ds.string(e.tag), !old.isEmpty {
                return text(anonymizer.mapping.pseudonym(for: old))
            }
            return text("ANONYMOUS")
        case .LT, .ST, .UT, .UC, .AE: return text("ANONYMOUS")
        case .CS: return text("ANONYMOUS")
        case .DA: return text("19000101")
        case .TM: return text("000000")
        case .DT: return text("19000101000000")
        case .AS: return text("000D")
        case .IS, .DS: return text("0")
        case .UI:
            if let old = ds.string(e.tag), !old.isEmpty { return text(mapUID(old, path: path)) }
            return text(anonymizer.mapping.uid(for: path))
        case .UR: return text("urn:x:anonymous")
        case .US, .SS, .OW: return ([0, 0], "0")
        case .UL, .SL, .FL, .AT, .OL, .OF: return ([0, 0, 0, 0], "0")
        case .FD, .SV, .UV, .OD, .OV: return ([UInt8](repeating: 0, count: 8), "0")
        default: return ([0, 0], "00")
        }
    }
}
