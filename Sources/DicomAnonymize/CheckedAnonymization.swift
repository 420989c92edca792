import DicomCore
import DicomIO

/// A file anonymized and checked: the meta and data set to write, and what was done.
public struct AnonymizedFile: Sendable {
    public let meta: Dataset
    public let dataset: Dataset
    public let report: AnonymizeReport
}

extension Anonymizer {
    /// The de-identified meta and data set of `file`, checked: the original's identifying values
    /// (`IdentityScanner`) are searched for in both, and a hit throws `.nonconformant` (exit
    /// status 83) naming the first three, so that no caller writes a file that still identifies
    /// the patient. Throws as `anonymizeUnchecked` does otherwise.
    ///
    /// A Basic Directory (DICOMDIR) comes back without Patient Identity Removed and the
    /// De-identification Method attributes: its IOD has no Patient module (PS3.3 F.3), they belong
    /// in the instances. They are removed after the check, which searched what the pass wrote.
    public func anonymize(_ file: DicomFile) throws(DicomError) -> AnonymizedFile {
        // The original's identifying values, found once: the pass cleans text of them and the
        // check searches for them.
        let identifying = IdentityScanner.identifyingValues(in: file.dataset, anonymizer: self)
        let (meta, dataset, report) = try anonymizeUnchecked(file, identifyingValues: identifying)
        let residuals = IdentityScanner.residuals(original: file.dataset, anonymizedMeta: meta, anonymized: dataset,
                                                  anonymizer: self, identifying: identifying)
        if !residuals.isEmpty { throw Self.residualError(residuals) }
        var written = dataset
        if BasicDirectory.isBasicDirectory(file) {
            for tag in [Tag.patientIdentityRemoved, Tag.deidentificationMethod, Tag.deidentificationMethodCodeSequence] {
                written.remove(tag)
            }
        }
        return AnonymizedFile(meta: meta, dataset: written, report: report)
    }

    /// The unchecked step under its earlier name, which AnonymizeCommand and the anonymize fuzz
    /// entry still call (they run the check themselves); to go once they call `anonymize(_:)` or
    /// `anonymizeUnchecked(_:identifyingValues:)`.
    public func anonymize(_ file: DicomFile, identifyingValues: [IdentityScanner.IdentifyingValue]?)
        throws(DicomError) -> (meta: Dataset, dataset: Dataset, report: AnonymizeReport) {
        try anonymizeUnchecked(file, identifyingValues: identifyingValues)
    }

    /// The error of a failed self-check: the first three hits, and what to do when the hits are
    /// in a DICOMDIR's file IDs.
    static func residualError(_ residuals: [String]) -> DicomError {
        // File IDs are kept so that a DICOMDIR's records name the mirrored files: when they hold
        // an identifier, so do the tree's own names.
        let hint = residuals.contains { $0.contains("(0004,1500)") }
            ? " (the DICOMDIR's file IDs, and so the tree's folder and file names, hold identifying values: "
              + "rename the tree first, or accept them with --keep ReferencedFileID)" : ""
        return DicomError(.nonconformant, "identifying values remain after de-identification: "
                          + residuals.prefix(3).joined(separator: ", ") + (residuals.count > 3 ? ", ..." : "")
                          + "; nothing written" + hint)
    }
}

extension IdentityScanner {
    /// `anonymize --check ORIGINAL ANONYMIZED`: the self-check of a file written earlier, under
    /// `options` plus the options `anonymized` declares in its De-identification Method Code
    /// Sequence (0012,0064), so that a file made with, e.g., --retain-device-identity is checked
    /// as that run checked it. One message per hit, empty when clean.
    public static func residuals(of anonymized: DicomFile, from original: DicomFile, options: AnonymizeOptions) -> [String] {
        var options = options
        options.enable(AnonymizeOptions.declaredOptions(in: anonymized.dataset))
        return residuals(original: original.dataset, anonymizedMeta: anonymized.meta, anonymized: anonymized.dataset,
                         anonymizer: Anonymizer(options: options))
    }
}

/// How anonymized instances are named in an output tree (`--layout`).
public enum AnonymizeLayout: String, Sendable, CaseIterable {
    /// The input tree mirrored: each output at its input's relative path (the caller's, from
    /// the input walk; a DICOMDIR's records still name the files).
    case mirror
    /// PATIENT/STUDY/SERIES/INSTANCE.dcm, named by what was written: the patient's keyed
    /// pseudonym as Patient ID (or what --keep or --set made it), and the new UIDs.
    case uid

    /// Where the anonymized `dataset` goes under `root`, nil for `.mirror` (the input decides).
    /// An empty Patient ID (no ID and no name in the original) is "unknown".
    public func path(of dataset: Dataset, under root: String) -> String? {
        guard self == .uid else { return nil }
        let parts = [dataset.string(Tag.patientID) ?? "", dataset.string(Tag.studyInstanceUID) ?? "",
                     dataset.string(Tag.seriesInstanceUID) ?? ""].map { Self.component($0) }
        return ([root] + parts + [Self.component(dataset.string(Tag.sopInstanceUID) ?? "") + ".dcm"]).joined(separator: "/")
    }

    /// Whether a Basic Directory (DICOMDIR) can be written in this layout: its records name the
    /// files, and `.uid` renames them (rebuilding a DICOMDIR is not supported). Throws
    /// `.unsupported` for `.uid`.
    public func checkHoldsBasicDirectory() throws(DicomError) {
        guard self == .uid else { return }
        throw DicomError(.unsupported, "--layout uid gives the files new names, which the DICOMDIR's records would not "
                         + "follow (rebuilding a DICOMDIR is not supported yet): use the mirrored layout")
    }

    /// A UID or ID as one path component: no separators, never empty.
    static func component(_ s: String) -> String {
        let cleaned = String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
        return cleaned.isEmpty ? "unknown" : cleaned
    }
}
