extension FlagTable {
    private static let scope: FlagScope = .commands([.anonymize])

    private static func option(_ id: FlagID, _ summary: String, _ details: String) -> Flag {
        Flag(id, category: .anonymize, scope: scope, summary: summary, details: details, negatable: true)
    }

    static let anonymize: [Flag] = [
        option(.retainSafePrivate, "keep private attributes known to be safe (PS3.15 E.3.10)",
               "Retain Safe Private Option: keep private attributes listed as safe; all other private attributes are removed."),
        option(.retainUIDs, "keep UIDs (Retain UIDs Option)",
               "Retain UIDs Option: keep the original Study, Series, SOP Instance and other UIDs."),
        option(.retainDeviceIdentity, "keep device identity (Retain Device Identity Option)",
               "Retain Device Identity Option: keep station names, device serial numbers and similar attributes."),
        option(.retainInstitutionIdentity, "keep institution identity (Retain Institution Identity Option)",
               "Retain Institution Identity Option: keep institution names, addresses and departments."),
        option(.retainPatientCharacteristics, "keep patient characteristics (age, sex, size, weight)",
               "Retain Patient Characteristics Option: keep sex, age, size, weight and similar attributes."),
        option(.retainLongFullDates, "keep dates and times (Retain Longitudinal Full Dates Option)",
               "Retain Longitudinal Temporal Information with Full Dates Option: keep every date and time."),
        option(.retainLongModifiedDates, "shift dates by a keyed per-patient offset",
               """
               Retain Longitudinal Temporal Information with Modified Dates Option: shift every date by \
               an offset derived from the secret and the Patient ID, so intervals and ages stay consistent.
               """),
        option(.cleanDescriptors, "clean free-text descriptions instead of removing them",
               "Clean Descriptors Option: keep descriptions with identifying values removed from their text."),
        option(.cleanStructuredContent, "clean structured report content",
               "Clean Structured Content Option: keep SR content items with identifying values removed."),
        option(.cleanGraphics, "clean graphics (overlays, annotations)",
               "Clean Graphics Option: keep graphic annotations and overlays cleaned of identifying text."),
        Flag(.keep, value: "TAG", category: .anonymize, scope: scope,
             summary: "keep TAG unchanged (tag, keyword or path; repeatable)",
             details: "Keep this attribute as it is, whatever the profile says (e.g. a private tag known to be safe).",
             repeatable: true),
        Flag(.remove, value: "TAG", category: .anonymize, scope: scope,
             summary: "remove TAG (tag, keyword or path; repeatable)",
             details: "Remove this attribute even where the profile would keep it.", repeatable: true),
        Flag(.set, value: "TAG=VALUE", category: .anonymize, scope: scope,
             summary: "set TAG to VALUE after de-identification (repeatable)",
             details: "Set an attribute to a value, e.g. --set PatientID=STUDY-0042 or --set 0010,0010=Subject^42.",
             repeatable: true),
        Flag(.secretFile, value: "FILE", category: .anonymize, scope: scope,
             summary: "secret key for UID and date mapping",
             details: """
             The bytes of FILE key HMAC-SHA256 for UIDs and date shifts: the same secret gives the same \
             result on any machine, in any shard. Without it a random secret is used and a warning says \
             that runs will not agree. Keep it secret: it links outputs to inputs.
             """,
             path: true),
        Flag(.burnedIn, value: "POLICY", category: .anonymize, scope: scope,
             summary: "files likely to carry burned-in text: refuse, warn or allow",
             details: """
             Burned In Annotation YES, or a modality or SOP class where text in the pixels is likely (US, \
             SC, XA, RF, ES, XC, OT and others): 'refuse' (default) writes nothing for that file and \
             fails it with status 80; 'warn' writes it with a warning; 'allow' writes it silently.
             """,
             defaultValue: "refuse", choices: ["refuse", "warn", "allow"]),
        Flag(.layout, value: "LAYOUT", category: .anonymize, scope: scope,
             summary: "output tree: mirror the inputs, or uid (Patient/Study/Series/Instance)",
             details: """
             'mirror' writes each output at the input's relative path; 'uid' writes \
             PatientID/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm from the new values.
             """,
             defaultValue: "mirror", choices: ["mirror", "uid"]),
        Flag(.mapOut, value: "FILE", category: .anonymize, scope: scope,
             summary: "write an audit of old -> new UIDs to FILE",
             details: """
             Write every replaced UID as 'old<TAB>new' lines to FILE, for an audit kept inside the \
             hospital. Refused when FILE is inside the output tree.
             """,
             path: true),
        Flag(.check, category: .anonymize, scope: scope,
             summary: "scan ANONYMIZED for the identifying values of ORIGINAL",
             details: """
             With two inputs, ORIGINAL and ANONYMIZED, write nothing: report every identifying value of \
             the original found in the anonymized file (strings at any depth, private values as bytes). \
             Exit 83 when any is found.
             """),
    ]
}
