import DicomCore
import DicomIO
import DicomAnonymize

extension FlagTable {
    private static let scope: FlagScope = .commands([.anonymize])

    /// A PS3.15 option: a switch that sets its field of the anonymizer's options.
    private static func option(_ id: FlagID, _ field: WritableKeyPath<AnonymizeOptions, Bool> & Sendable,
                               _ summary: String, _ details: String,
                               then check: FlagUpdate<AnonymizeOptions>.Check? = nil) -> Flag {
        Flag(id, category: .anonymize, scope: scope, summary: summary, details: details, negatable: true,
             updates: [FlagUpdate.toggle(field, then: check)])
    }

    /// A --keep or --remove value: an attribute (a lone name: at any depth), not items.
    private static func attribute(_ text: String, _ spelling: String) throws(DicomError) -> EditPath {
        let path = try AttributeKeys.path(text, flag: spelling)
        if path.steps.last?.items != nil {
            throw DicomError(.usage, "\(spelling) \(text): names items of a sequence; name the sequence (kept or removed whole) "
                             + "or an attribute inside its items")
        }
        return path
    }

    static let anonymize: [Flag] = [
        option(.retainSafePrivate, \.retainSafePrivate,
               "keep private attributes known to be safe (PS3.15 E.3.10)",
               "Retain Safe Private Option: keep private attributes listed as safe; all other private attributes are removed."),
        option(.retainUIDs, \.retainUIDs,
               "keep UIDs (Retain UIDs Option)",
               "Retain UIDs Option: keep the original Study, Series, SOP Instance and other UIDs."),
        option(.retainDeviceIdentity, \.retainDeviceIdentity,
               "keep device identity (Retain Device Identity Option)",
               "Retain Device Identity Option: keep station names, device serial numbers and similar attributes."),
        option(.retainInstitutionIdentity, \.retainInstitutionIdentity,
               "keep institution identity (Retain Institution Identity Option)",
               "Retain Institution Identity Option: keep institution names, addresses and departments."),
        option(.retainPatientCharacteristics, \.retainPatientCharacteristics,
               "keep patient characteristics (age, sex, size, weight)",
               "Retain Patient Characteristics Option: keep sex, age, size, weight and similar attributes."),
        option(.retainLongFullDates, \.retainLongFullDates,
               "keep dates and times (Retain Longitudinal Full Dates Option)",
               "Retain Longitudinal Temporal Information with Full Dates Option: keep every date and time."),
        option(.retainLongModifiedDates, \.retainLongModifiedDates,
               "shift dates by a keyed per-patient offset",
               """
               Retain Longitudinal Temporal Information with Modified Dates Option: shift every date by \
               an offset derived from the secret and the Patient ID, so intervals and ages stay consistent.
               """,
               then: { options, _, _ throws(DicomError) in
                   if options.retainLongFullDates, options.retainLongModifiedDates {
                       throw DicomError(.usage, "--retain-long-full-dates and --retain-long-modified-dates cannot be combined: "
                                        + "keep dates or shift them")
                   }
               }),
        option(.cleanDescriptors, \.cleanDescriptors,
               "clean free-text descriptions instead of removing them",
               """
               Clean Descriptors Option: keep descriptions with every identifying value of the file \
               replaced by X. The matching rule (the same as --check's): letters compare without \
               regard to case; a value of 6 or more characters matches anywhere, inside longer words \
               too; a value of 3 to 5 characters (a Patient ID 12345, a name part Ann) matches only as \
               a whole token, between characters that are not letters or digits: 'Study of 12345 \
               today' becomes 'Study of X today', while '123456789' and 'Annex' stay. Short values \
               come from text attributes (LO, SH, PN and its components, LT, ST, UT, UC), not from \
               private ones; values under 3 characters, and a value also found in an attribute the \
               profile keeps, are left alone.
               """),
        option(.cleanStructuredContent, \.cleanStructuredContent,
               "clean structured report content",
               "Clean Structured Content Option: keep SR content items with identifying values removed."),
        option(.cleanGraphics, \.cleanGraphics,
               "clean graphics (overlays, annotations)",
               "Clean Graphics Option: keep graphic annotations and overlays cleaned of identifying text."),
        Flag(.keep, value: "TAG", category: .anonymize, scope: scope,
             summary: "keep TAG unchanged (tag, keyword or path; repeatable)",
             details: """
             Keep this attribute as it is, whatever the profile says (e.g. a private tag known to be \
             safe). When a standard attribute kept this way is one the profile would remove or \
             replace, the identity is not removed: Patient Identity Removed (0012,0062) is NO and \
             De-identification Method (0012,0063) names what was kept ('kept as is: PatientName'). \
             A tag or keyword alone is kept at every depth; a path (ReferencedImageSequence[0].ReferencedSOPInstanceUID) \
             only there; a private element may be named by its creator, (0029,{SIEMENS CSA HEADER},10).
             """,
             repeatable: true,
             updates: [FlagUpdate<AnonymizeOptions>.each { options, text, spelling throws(DicomError) in
                 options.keep.append(try attribute(text, spelling))
             }]),
        Flag(.remove, value: "TAG", category: .anonymize, scope: scope,
             summary: "remove TAG (tag, keyword or path; repeatable)",
             details: "Remove this attribute even where the profile would keep it (named as for --keep).", repeatable: true,
             updates: [FlagUpdate<AnonymizeOptions>.each { options, text, spelling throws(DicomError) in
                 options.remove.append(try attribute(text, spelling))
             }]),
        Flag(.set, value: "PATH=VALUE", category: .modify, scope: .commands([.anonymize, .modify]),
             summary: "set an attribute to VALUE, inserting it where missing (repeatable)",
             details: """
             Set an attribute to a value, e.g. --set PatientID=STUDY-0042 or --set 0010,0010=Subject^42 \
             (anonymize: after de-identification). The value must suit the attribute's VR and VM \
             (PS3.5 6.2, 6.4): a DA is YYYYMMDD, a US a number from 0 to 65535, a UI a valid UID, \
             lengths as the VR allows, values separated by backslashes as many as the VM allows; \
             otherwise it is a usage error (status 1) and nothing is written. A private element needs \
             its private creator in the data set or set in the same run (--set 0009,0010=VENDOR --set \
             0009,1001=x), or is named by its creator, (0029,{SIEMENS CSA HEADER},10), whose block is \
             found or made; its VR is the one in the data set, the private dictionary's, or else LO. \
             Both commands take paths into sequence items (anonymize: items that are there).

             modify also takes paths with items and wild cards \
             (ReferencedSeriesSequence[0].SeriesInstanceUID, OtherPatientIDsSequence[*].PatientID; a \
             missing sequence or item is inserted, empty items before an index included; a step \
             without an index means every item, or one new item when the sequence has none; [*] \
             only the items there are), AT values as tags or keywords (FrameTime\\FrameDelay), private \
             elements by creator ((0029,{SIEMENS CSA HEADER},10): the creator is inserted in the \
             first free block when missing), and PATH@FILE: the file's bytes for OB, OW and the other \
             binary VRs, its UTF-8 text without one final line break for the others. Text is \
             converted into the data set's Specific Character Set; when that cannot hold it, the set \
             becomes ISO_IR 192 (with a warning) and every text value is re-encoded to the same \
             characters. Setting SpecificCharacterSet itself re-encodes the values it covers.
             """,
             repeatable: true,
             updates: [FlagUpdate<AnonymizeOptions>.each { options, text, spelling throws(DicomError) in
                 guard let (path, fromFile, value) = EditPath.splitAssignment(text), !fromFile else {
                     throw DicomError(.usage, "\(spelling) expects PATH=VALUE, e.g. PatientID=SUBJECT-01, not '\(text)'")
                 }
                 options.set.append((try AttributeKeys.path(path, flag: spelling, typed: text), value))
             }, FlagTable.modifySet]),
        Flag(.secretFile, value: "FILE", category: .modify, scope: .commands([.anonymize, .modify]),
             summary: "secret key for UID and date mapping",
             details: """
             The bytes of FILE key HMAC-SHA256 for UIDs and date shifts: the same secret gives the same \
             result on any machine, in any shard. Without it a random secret is used and a warning says \
             that runs will not agree (modify: new UIDs are random, shared within the run, without a \
             warning). Keep it secret: it links outputs to inputs.
             """,
             path: true,
             updates: [FlagUpdate.text(\AnonymizeArgs.secretFile), FlagUpdate.text(\ModifyArgs.secretFile)]),
        Flag(.burnedIn, value: "POLICY", category: .anonymize, scope: scope,
             summary: "files likely to carry burned-in text: refuse, warn or allow",
             details: """
             Burned In Annotation YES, or a modality or SOP class where text in the pixels is likely (US, \
             SC, XA, RF, ES, XC, OT and others): 'refuse' (default) writes nothing for that file and \
             fails it with status 80; 'warn' writes it with a warning; 'allow' writes it silently.
             """,
             defaultValue: "refuse", choices: ["refuse", "warn", "allow"],
             updates: [FlagUpdate.choice(\AnonymizeOptions.burnedIn)]),
        // One flag for two commands: anonymize names a layout (mirror, uid), receive writes a
        // template; each update checks its own values.
        Flag(.layout, value: "LAYOUT", category: .write, scope: .commands([.anonymize, .receive, .get]),
             summary: "output tree: anonymize mirror|uid; receive a template of {Keyword}s",
             details: """
             anonymize: 'mirror' (default) writes each output at the input's relative path; 'uid' writes \
             PatientID/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm from the new values. \
             The profile replaces Patient ID and Patient's Name by one keyed pseudonym per original \
             patient (ANON and 12 hex digits, from the secret, the Patient ID and the name), the same \
             in the files, in DICOMDIR patient records, in these folder names and in --map-out. \
             receive: a relative path with attribute keywords in braces, read from each instance once \
             it is complete, e.g. '{PatientID}/{StudyInstanceUID}/{SOPInstanceUID}.dcm' \
             ({calling-aet} is the sender's AE title); default '{SOPInstanceUID}.dcm'. Each value \
             becomes one safe path component ('/', '\\', control characters and a leading '.' become \
             '_'; an empty value 'unknown'), so no value can climb out of the output directory. \
             get: the same templates as receive ({calling-aet} is the peer's AE title).
             """,
             updates: [FlagUpdate<AnonymizeArgs>.custom { args, text, spelling throws(DicomError) in
                           guard let layout = AnonymizeLayout(rawValue: text) else {
                               throw DicomError(.usage, "\(spelling) expects mirror or uid for anonymize, not '\(text)'")
                           }
                           args.layout = layout
                       },
                       FlagUpdate.text(\ReceiveArgs.layout), FlagUpdate.text(\GetArgs.layout)]),
        Flag(.mapOut, value: "FILE", category: .anonymize, scope: scope,
             summary: "write an audit of old -> new UIDs and patient pseudonyms to FILE",
             details: """
             Write an audit kept inside the hospital: a 'kind<TAB>original<TAB>new' header, then one \
             sorted line per replaced UID (kind uid) and per patient pseudonym (kinds PatientID and \
             PatientName). Backslash, tab, CR and LF in a value are written as \\\\, \\t, \\r, \\n. \
             Refused when FILE is inside the output tree.
             """,
             path: true,
             updates: [FlagUpdate.text(\AnonymizeArgs.mapOut)]),
        Flag(.check, category: .anonymize, scope: scope,
             summary: "scan ANONYMIZED for the identifying values of ORIGINAL",
             details: """
             With two inputs, ORIGINAL and ANONYMIZED, write nothing: report every identifying value of \
             the original found in the anonymized file's meta and data set (strings at any depth, \
             binary values as bytes), by the rule --clean-descriptors describes (short values as \
             whole tokens). It is the same check that runs before each file is written, with the \
             options given plus those the file declares in De-identification Method Code Sequence; \
             a value kept by --keep in the run is reported unless --keep is given here too. A value \
             in a kept file name (a DICOMDIR's Referenced File ID) is reported, unless --keep \
             ReferencedFileID accepts the names. Exit 83 when any is \
             found.
             """,
             updates: [FlagUpdate.toggle(\AnonymizeArgs.check)]),
    ]
}
