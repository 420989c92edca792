import DicomCore

/// The project's own tables for building DICOMDIR records, which ../shared/standard lacks: it has
/// the Directory Information module (the record types as an enumeration) but neither the keys of
/// each record type (PS3.3 F.5) nor which record type a SOP class is filed under. Keys and SOP
/// classes are named by keyword and resolved through the generated dictionaries, so a typo is a
/// test failure (DirectoryRecordTypesTests), never a silent gap.
public enum DirectoryRecordTypes {
    /// How a key is required in its record (PS3.3 F.5 tables' Type column).
    public enum KeyType: String, Sendable { case required = "1", present = "2", conditional = "1C" }

    /// One record type: its keys and the section that defines them.
    public struct RecordType: Sendable {
        public let name: String
        /// The PS3.3 F.5 table of its keys.
        public let section: String
        /// Records of this type sit at the root, not under a SERIES (PS3.3 F.4, Table F.4-1).
        public let topLevel: Bool
        public let keys: [(keyword: String, type: KeyType)]
    }

    // The Content Identification Macro (PS3.3 Table 10-12) as F.5 includes it.
    private static let contentIdentification: [(String, KeyType)] = [
        ("InstanceNumber", .required), ("ContentLabel", .required), ("ContentDescription", .present),
        ("ContentCreatorName", .present),
    ]

    /// Every record type dicomtool writes. Specific Character Set (1C in every table: required when
    /// the record holds text outside the default repertoire) is copied whenever the file has one.
    public static let recordTypes: [RecordType] = [
        RecordType(name: "PATIENT", section: "PS3.3 F.5 Patient Keys", topLevel: true,
                   keys: [("PatientName", .present), ("PatientID", .required)]),
        RecordType(name: "STUDY", section: "PS3.3 F.5 Study Keys", topLevel: false,
                   keys: [("StudyDate", .required), ("StudyTime", .required), ("StudyDescription", .present),
                          ("StudyInstanceUID", .conditional), ("StudyID", .required), ("AccessionNumber", .present)]),
        RecordType(name: "SERIES", section: "PS3.3 F.5 Series Keys", topLevel: false,
                   keys: [("Modality", .required), ("SeriesInstanceUID", .required), ("SeriesNumber", .required)]),
        RecordType(name: "IMAGE", section: "PS3.3 F.5 Image Keys", topLevel: false,
                   keys: [("InstanceNumber", .required)]),
        RecordType(name: "RT DOSE", section: "PS3.3 F.5 RT Dose Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("DoseSummationType", .required)]),
        RecordType(name: "RT STRUCTURE SET", section: "PS3.3 F.5 RT Structure Set Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("StructureSetLabel", .required),
                          ("StructureSetDate", .present), ("StructureSetTime", .present)]),
        RecordType(name: "RT PLAN", section: "PS3.3 F.5 RT Plan Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("RTPlanLabel", .required), ("RTPlanDate", .present),
                          ("RTPlanTime", .present)]),
        RecordType(name: "RT TREAT RECORD", section: "PS3.3 F.5 RT Treatment Record Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("TreatmentDate", .present), ("TreatmentTime", .present)]),
        RecordType(name: "PRESENTATION", section: "PS3.3 F.5 Presentation Keys", topLevel: false,
                   keys: [("PresentationCreationDate", .required), ("PresentationCreationTime", .required)]
                       + contentIdentification
                       + [("ReferencedSeriesSequence", .conditional), ("BlendingSequence", .conditional)]),
        RecordType(name: "WAVEFORM", section: "PS3.3 F.5 Waveform Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("ContentDate", .required), ("ContentTime", .required)]),
        RecordType(name: "SR DOCUMENT", section: "PS3.3 F.5 SR Document Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("CompletionFlag", .required), ("VerificationFlag", .required),
                          ("ContentDate", .required), ("ContentTime", .required), ("VerificationDateTime", .conditional),
                          ("ConceptNameCodeSequence", .required), ("ContentSequence", .conditional)]),
        RecordType(name: "KEY OBJECT DOC", section: "PS3.3 F.5 Key Object Document Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("ContentDate", .required), ("ContentTime", .required),
                          ("ConceptNameCodeSequence", .required), ("ContentSequence", .conditional)]),
        RecordType(name: "SPECTROSCOPY", section: "PS3.3 F.5 Spectroscopy Keys", topLevel: false,
                   keys: [("ImageType", .required), ("ContentDate", .required), ("ContentTime", .required),
                          ("InstanceNumber", .required), ("ReferencedImageEvidenceSequence", .conditional),
                          ("NumberOfFrames", .required), ("Rows", .required), ("Columns", .required),
                          ("DataPointRows", .required), ("DataPointColumns", .required)]),
        RecordType(name: "RAW DATA", section: "PS3.3 F.5 Raw Data Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required), ("InstanceNumber", .present)]),
        RecordType(name: "REGISTRATION", section: "PS3.3 F.5 Registration Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required)] + contentIdentification),
        RecordType(name: "FIDUCIAL", section: "PS3.3 F.5 Fiducial Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required)] + contentIdentification),
        RecordType(name: "HANGING PROTOCOL", section: "PS3.3 F.5 Hanging Protocol Keys", topLevel: true,
                   keys: [("HangingProtocolName", .required), ("HangingProtocolDescription", .required),
                          ("HangingProtocolLevel", .required), ("HangingProtocolCreator", .required),
                          ("HangingProtocolCreationDateTime", .required), ("HangingProtocolDefinitionSequence", .required),
                          ("NumberOfPriorsReferenced", .required), ("HangingProtocolUserIdentificationCodeSequence", .present)]),
        RecordType(name: "ENCAP DOC", section: "PS3.3 F.5 Encapsulated Document Keys", topLevel: false,
                   keys: [("ContentDate", .present), ("ContentTime", .present), ("InstanceNumber", .required),
                          ("DocumentTitle", .present), ("HL7InstanceIdentifier", .conditional),
                          ("ConceptNameCodeSequence", .present), ("MIMETypeOfEncapsulatedDocument", .required)]),
        RecordType(name: "VALUE MAP", section: "PS3.3 F.5 Real World Value Mapping Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required)] + contentIdentification),
        RecordType(name: "STEREOMETRIC", section: "PS3.3 F.5 Stereometric Relationship Keys", topLevel: false, keys: []),
        RecordType(name: "PALETTE", section: "PS3.3 F.5 Palette Keys", topLevel: true,
                   keys: [("ContentLabel", .required), ("ContentDescription", .present)]),
        RecordType(name: "SURFACE", section: "PS3.3 F.5 Surface Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required)] + contentIdentification),
        RecordType(name: "MEASUREMENT", section: "PS3.3 F.5 Measurement Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required), ("InstanceNumber", .required),
                          ("ConceptNameCodeSequence", .required)]),
        RecordType(name: "SURFACE SCAN", section: "PS3.3 F.5 Surface Scan Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required)]),
        RecordType(name: "TRACT", section: "PS3.3 F.5 Tract Keys", topLevel: false,
                   keys: [("ContentDate", .required), ("ContentTime", .required)] + contentIdentification),
        RecordType(name: "ASSESSMENT", section: "PS3.3 F.5 Assessment Keys", topLevel: false,
                   keys: [("InstanceNumber", .required), ("InstanceCreationDate", .required)]),
    ]

    /// SOP classes filed under a record type other than IMAGE (the record of every image storage
    /// class and of any class not listed), each with the section that says so. Keywords are those of
    /// PS3.6 Annex A (uids.tsv).
    public static let sopClassRows: [(sopClass: String, recordType: String, section: String)] = [
        ("RTDoseStorage", "RT DOSE", "PS3.3 F.5 RT Dose Keys"),
        ("RTStructureSetStorage", "RT STRUCTURE SET", "PS3.3 F.5 RT Structure Set Keys"),
        ("RTPlanStorage", "RT PLAN", "PS3.3 F.5 RT Plan Keys"),
        ("RTIonPlanStorage", "RT PLAN", "PS3.3 F.5 RT Plan Keys"),
        ("RTBeamsTreatmentRecordStorage", "RT TREAT RECORD", "PS3.3 F.5 RT Treatment Record Keys"),
        ("RTBrachyTreatmentRecordStorage", "RT TREAT RECORD", "PS3.3 F.5 RT Treatment Record Keys"),
        ("RTTreatmentSummaryRecordStorage", "RT TREAT RECORD", "PS3.3 F.5 RT Treatment Record Keys"),
        ("RTIonBeamsTreatmentRecordStorage", "RT TREAT RECORD", "PS3.3 F.5 RT Treatment Record Keys"),
        ("GrayscaleSoftcopyPresentationStateStorage", "PRESENTATION", "PS3.3 F.5 Presentation Keys"),
        ("ColorSoftcopyPresentationStateStorage", "PRESENTATION", "PS3.3 F.5 Presentation Keys"),
        ("PseudoColorSoftcopyPresentationStateStorage", "PRESENTATION", "PS3.3 F.5 Presentation Keys"),
        ("BlendingSoftcopyPresentationStateStorage", "PRESENTATION", "PS3.3 F.5 Presentation Keys"),
        ("XAXRFGrayscaleSoftcopyPresentationStateStorage", "PRESENTATION", "PS3.3 F.5 Presentation Keys"),
        ("BasicStructuredDisplayStorage", "PRESENTATION", "PS3.3 F.5 Presentation Keys"),
        ("TwelveLeadECGWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("GeneralECGWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("AmbulatoryECGWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("HemodynamicWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("CardiacElectrophysiologyWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("BasicVoiceAudioWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("GeneralAudioWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("ArterialPulseWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("RespiratoryWaveformStorage", "WAVEFORM", "PS3.3 F.5 Waveform Keys"),
        ("BasicTextSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("EnhancedSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("ComprehensiveSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("Comprehensive3DSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("ExtensibleSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("ProcedureLogStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("MammographyCADSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("ChestCADSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("ColonCADSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("XRayRadiationDoseSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("RadiopharmaceuticalRadiationDoseSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("PatientRadiationDoseSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("AcquisitionContextSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("SimplifiedAdultEchoSRStorage", "SR DOCUMENT", "PS3.3 F.5 SR Document Keys"),
        ("KeyObjectSelectionDocumentStorage", "KEY OBJECT DOC", "PS3.3 F.5 Key Object Document Keys"),
        ("MRSpectroscopyStorage", "SPECTROSCOPY", "PS3.3 F.5 Spectroscopy Keys"),
        ("RawDataStorage", "RAW DATA", "PS3.3 F.5 Raw Data Keys"),
        ("SpatialRegistrationStorage", "REGISTRATION", "PS3.3 F.5 Registration Keys"),
        ("DeformableSpatialRegistrationStorage", "REGISTRATION", "PS3.3 F.5 Registration Keys"),
        ("SpatialFiducialsStorage", "FIDUCIAL", "PS3.3 F.5 Fiducial Keys"),
        ("HangingProtocolStorage", "HANGING PROTOCOL", "PS3.3 F.5 Hanging Protocol Keys"),
        ("EncapsulatedPDFStorage", "ENCAP DOC", "PS3.3 F.5 Encapsulated Document Keys"),
        ("EncapsulatedCDAStorage", "ENCAP DOC", "PS3.3 F.5 Encapsulated Document Keys"),
        ("EncapsulatedSTLStorage", "ENCAP DOC", "PS3.3 F.5 Encapsulated Document Keys"),
        ("RealWorldValueMappingStorage", "VALUE MAP", "PS3.3 F.5 Real World Value Mapping Keys"),
        ("StereometricRelationshipStorage", "STEREOMETRIC", "PS3.3 F.5 Stereometric Relationship Keys"),
        ("ColorPaletteStorage", "PALETTE", "PS3.3 F.5 Palette Keys"),
        ("SurfaceSegmentationStorage", "SURFACE", "PS3.3 F.5 Surface Keys"),
        ("LensometryMeasurementsStorage", "MEASUREMENT", "PS3.3 F.5 Measurement Keys"),
        ("AutorefractionMeasurementsStorage", "MEASUREMENT", "PS3.3 F.5 Measurement Keys"),
        ("KeratometryMeasurementsStorage", "MEASUREMENT", "PS3.3 F.5 Measurement Keys"),
        ("SubjectiveRefractionMeasurementsStorage", "MEASUREMENT", "PS3.3 F.5 Measurement Keys"),
        ("VisualAcuityMeasurementsStorage", "MEASUREMENT", "PS3.3 F.5 Measurement Keys"),
        ("OphthalmicAxialMeasurementsStorage", "MEASUREMENT", "PS3.3 F.5 Measurement Keys"),
        ("SurfaceScanMeshStorage", "SURFACE SCAN", "PS3.3 F.5 Surface Scan Keys"),
        ("SurfaceScanPointCloudStorage", "SURFACE SCAN", "PS3.3 F.5 Surface Scan Keys"),
        ("TractographyResultsStorage", "TRACT", "PS3.3 F.5 Tract Keys"),
        ("ContentAssessmentResultsStorage", "ASSESSMENT", "PS3.3 F.5 Assessment Keys"),
    ]

    static let byName: [String: RecordType] = Dictionary(recordTypes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    static let bySOPClass: [String: String] = {
        var map: [String: String] = [:]
        for row in sopClassRows {
            if let uid = UIDDictionary.entry(forKeyword: row.sopClass)?.uid { map[uid] = row.recordType }
        }
        return map
    }()

    /// The record type of an instance of `sopClassUID`: IMAGE unless the table says otherwise.
    public static func recordType(forSOPClass sopClassUID: String) -> RecordType {
        recordType(named: bySOPClass[sopClassUID] ?? "IMAGE")
    }

    public static func recordType(named name: String) -> RecordType {
        byName[name] ?? RecordType(name: name, section: "", topLevel: false, keys: [])
    }
}
