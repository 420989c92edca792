import DicomCore

/// The query information models `find`, `get` and `move` speak (PS3.4 C.6, K.6), their SOP
/// classes read from the generated UID table by keyword (never typed).
public enum QueryModel: String, Sendable, CaseIterable {
    case patientRoot = "patient"
    case studyRoot = "study"
    case modalityWorklist = "worklist"

    /// The C-FIND SOP class.
    public var findSOPClassUID: String {
        switch self {
        case .patientRoot: return Self.uid("PatientRootQueryRetrieveInformationModelFind")
        case .studyRoot: return Self.uid("StudyRootQueryRetrieveInformationModelFind")
        case .modalityWorklist: return Self.uid("ModalityWorklistInformationModelFind")
        }
    }

    /// The C-GET SOP class; nil for the worklist, which has no retrieval.
    public var getSOPClassUID: String? {
        switch self {
        case .patientRoot: return Self.uid("PatientRootQueryRetrieveInformationModelGet")
        case .studyRoot: return Self.uid("StudyRootQueryRetrieveInformationModelGet")
        case .modalityWorklist: return nil
        }
    }

    /// The C-MOVE SOP class; nil for the worklist.
    public var moveSOPClassUID: String? {
        switch self {
        case .patientRoot: return Self.uid("PatientRootQueryRetrieveInformationModelMove")
        case .studyRoot: return Self.uid("StudyRootQueryRetrieveInformationModelMove")
        case .modalityWorklist: return nil
        }
    }

    /// The levels the model has, top first (PS3.4 C.6.1, C.6.2); none for the worklist.
    public var levels: [QueryLevel] {
        switch self {
        case .patientRoot: return [.patient, .study, .series, .image]
        case .studyRoot: return [.study, .series, .image]
        case .modalityWorklist: return []
        }
    }

    public var name: String {
        switch self {
        case .patientRoot: return "Patient Root"
        case .studyRoot: return "Study Root"
        case .modalityWorklist: return "Modality Worklist"
        }
    }

    /// A UID of the generated table by keyword; a test checks that every keyword used is there.
    static func uid(_ keyword: String) -> String {
        UIDDictionary.entry(forKeyword: keyword)?.uid ?? ""
    }
}

/// A Query/Retrieve level (PS3.4 C.4.1.1.3.1: the value of (0008,0052)).
public enum QueryLevel: String, Sendable, CaseIterable {
    case patient, study, series, image

    /// The Query/Retrieve Level value: PATIENT, STUDY, SERIES or IMAGE.
    public var value: String { rawValue.uppercased() }

    /// The level's unique key (PS3.4 C.6.1.1, C.6.2.1).
    public var uniqueKey: Tag {
        switch self {
        case .patient: return .patientID
        case .study: return .studyInstanceUID
        case .series: return .seriesInstanceUID
        case .image: return .sopInstanceUID
        }
    }

    public init?(value: String) {
        self.init(rawValue: value.trimmingWhitespace().lowercased())
    }
}

extension QueryModel {
    /// The unique keys an identifier at `level` carries, top level first: the level's own and those
    /// of every level above it in the model (PS3.4 C.4.1.2.2.1: a hierarchical query names each
    /// level above; the level's own key is what a retrieval needs back).
    public func requiredKeys(at level: QueryLevel) -> [Tag] {
        guard let end = levels.firstIndex(of: level) else { return [] }
        return levels[...end].map(\.uniqueKey)
    }
}
