import FoundationEssentials
import DicomIO
import DicomCore

/// Private attributes that PS3.15 E.3.10 (Retain Safe Private Option) lists as safe in
/// Table E.3.10-1 "Safe Private Attributes": numeric acquisition and quantitation parameters
/// that carry no identity. Anything not listed is removed unless `--keep` names it.
///
/// Provenance. Table E.3.10-1 itself is not among ../shared/standard's tables, and no
/// machine-readable copy of it was found in the reference index, so this is a SUBSET of the
/// table (the entries most needed for quantitative work), not the table: the table has hundreds
/// of rows. Each entry was cross-checked as far as the sources at hand allow:
/// - (7053,xx00), (7053,xx09) "Philips PET Private Group" and (2005,xx0D), (2005,xx0E)
///   "Philips MR Imaging DD 001": PixelMed's ClinicalTrialsAttributes.isSafePrivateAttribute
///   (by D. Clunie, the editor of the table), and (7053,xx00) quoted as a row of the table in a
///   test of another implementation that generates it from the standard.
/// - (0019,xx23), (0019,xx27) "GEMS_ACQU_01": PixelMed as above; (0019,xx23) also quoted as a
///   table row. (0043,xx39) "GEMS_PARM_01": named as a Table E.3.10-1 attribute in GDCM's
///   gdcmanon private-tag check.
/// - (0019,xx0C), (0019,xx0D), (0019,xx0E), (0019,xx27) "SIEMENS MR HEADER" (diffusion b value,
///   directionality, gradient direction, B matrix): recalled from the table, NOT verified here.
/// VR and meaning are not typed here: they come from the private dictionary
/// (../shared/standard/private_dictionary.tsv, through `PrivateDictionary`).
public enum SafePrivateAttributes {
    /// (private creator, group, element byte within the block).
    public struct Entry: Sendable, Hashable {
        public let creator: String
        public let group: UInt16
        public let elementByte: UInt8

        /// The element in block 0x10 (creator at (gggg,0010)), as dictionaries list it.
        public var exampleTag: Tag { Tag(group, 0x1000 | UInt16(widening: elementByte)) }
        /// The VR the private dictionary gives, nil when it does not list the attribute.
        public var vr: VR? { PrivateDictionary.entry(creator: creator, tag: exampleTag)?.vr }
        /// The private dictionary's name for the attribute.
        public var meaning: String? { PrivateDictionary.entry(creator: creator, tag: exampleTag)?.name }
    }

    public static let entries: Set<Entry> = [
        // Philips PET: SUV factor and activity concentration scale factor.
        Entry(creator: "Philips PET Private Group", group: 0x7053, elementByte: 0x00),
        Entry(creator: "Philips PET Private Group", group: 0x7053, elementByte: 0x09),
        // Philips MR: real-world value rescale (scale intercept, scale slope).
        Entry(creator: "Philips MR Imaging DD 001", group: 0x2005, elementByte: 0x0D),
        Entry(creator: "Philips MR Imaging DD 001", group: 0x2005, elementByte: 0x0E),
        // Siemens MR: b value, diffusion directionality, gradient direction, B matrix.
        Entry(creator: "SIEMENS MR HEADER", group: 0x0019, elementByte: 0x0C),
        Entry(creator: "SIEMENS MR HEADER", group: 0x0019, elementByte: 0x0D),
        Entry(creator: "SIEMENS MR HEADER", group: 0x0019, elementByte: 0x0E),
        Entry(creator: "SIEMENS MR HEADER", group: 0x0019, elementByte: 0x27),
        // GE CT: table speed and rotation speed; GE MR: b value (slop_int_6..9).
        Entry(creator: "GEMS_ACQU_01", group: 0x0019, elementByte: 0x23),
        Entry(creator: "GEMS_ACQU_01", group: 0x0019, elementByte: 0x27),
        Entry(creator: "GEMS_PARM_01", group: 0x0043, elementByte: 0x39),
    ]

    public static func isSafe(creator: String, tag: Tag) -> Bool {
        entries.contains(Entry(creator: creator.trimmingTrailingSpaces(), group: tag.group,
                               elementByte: UInt8(truncatingIfNeeded: tag.element)))
    }
}

/// Modalities and SOP classes whose pixels often carry burned-in identifying text, so that
/// they are refused (or warned about) unless Burned In Annotation (0028,0301) says NO.
public enum BurnedInRisk {
    /// Ultrasound, angiography and fluoroscopy (annotated screens), endoscopy and photography
    /// (visible labels), secondary capture and other (screen grabs, scanned documents), slide
    /// microscopy (label images), ophthalmic photography.
    public static let modalities: Set<String> = ["US", "IVUS", "XA", "RF", "ES", "XC", "GM", "OP", "SC", "OT", "DOC", "SM"]
    public static let sopClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.7",      // Secondary Capture Image
        "1.2.840.10008.5.1.4.1.1.7.1",    // Multi-frame Single Bit SC
        "1.2.840.10008.5.1.4.1.1.7.2",    // Multi-frame Grayscale Byte SC
        "1.2.840.10008.5.1.4.1.1.7.3",    // Multi-frame Grayscale Word SC
        "1.2.840.10008.5.1.4.1.1.7.4",    // Multi-frame True Color SC
        "1.2.840.10008.5.1.4.1.1.6.1",    // Ultrasound Image
        "1.2.840.10008.5.1.4.1.1.3.1",    // Ultrasound Multi-frame Image
        "1.2.840.10008.5.1.4.1.1.12.1",   // X-Ray Angiographic Image
        "1.2.840.10008.5.1.4.1.1.12.2",   // X-Ray Radiofluoroscopic Image
        "1.2.840.10008.5.1.4.1.1.77.1.1", // VL Endoscopic Image
        "1.2.840.10008.5.1.4.1.1.77.1.1.1", // Video Endoscopic Image
        "1.2.840.10008.5.1.4.1.1.77.1.4", // VL Photographic Image
        "1.2.840.10008.5.1.4.1.1.77.1.4.1", // Video Photographic Image
        "1.2.840.10008.5.1.4.1.1.104.1",  // Encapsulated PDF
    ]

    /// Why `ds` may carry burned-in annotation, nil when it is not suspected.
    public static func reason(_ ds: Dataset) -> String? {
        let flag = ds.string(Tag.burnedInAnnotation)?.trimmingWhitespace().uppercased()
        if flag == "YES" { return "Burned In Annotation (0028,0301) is YES" }
        if flag == "NO" { return nil }
        if let modality = ds.string(Tag.modality)?.trimmingWhitespace().uppercased(),
           modalities.contains(modality) {
            return "modality \(modality) often has burned-in annotation and Burned In Annotation (0028,0301) does not say NO"
        }
        if let sop = ds.string(Tag.sopClassUID), sopClasses.contains(sop) {
            let name = UIDDictionary.entry(for: sop)?.name ?? sop
            return "SOP class \(name) often has burned-in annotation and Burned In Annotation (0028,0301) does not say NO"
        }
        return nil
    }
}
