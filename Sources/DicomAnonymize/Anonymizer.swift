import DicomCore
import DicomIO
import FoundationEssentials

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

    /// The de-identified meta and data set of `file`, and what was done, before the self-check
    /// (`anonymize(_:)` is the checked entry: use it unless you run `IdentityScanner.residuals`
    /// yourself, or want to see what the check would refuse).
    /// Throws `.unsupported` (exit status 80) when the burned-in policy is refuse and the file
    /// declares or is suspected of burned-in annotation; `.usage` for a `set` that cannot apply.
    /// `identifyingValues`, when given, must be `IdentityScanner.identifyingValues(in: file.dataset,
    /// options: options)`: the caller that also runs the self-check computes them once for both.
    public func anonymizeUnchecked(_ file: DicomFile, identifyingValues: [IdentityScanner.IdentifyingValue]? = nil)
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
        func setsCreator(_ set: (EditPath, String)) -> Bool {
            if case .tag(let tag)? = set.0.steps.last?.name { return tag.isPrivateCreator }
            return false
        }
        let creatorsFirst = options.set.filter(setsCreator) + options.set.filter { !setsCreator($0) }
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
        if out[.pixelData]?.fragments != nil, !syntax.isEncapsulated,
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
}
