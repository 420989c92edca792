import DicomCore
import DicomServices

extension FlagTable {
    private static let findScope: FlagScope = .commands([.find])
    private static let queryCommands: FlagScope = .commands([.find, .get, .move])

    static let find: [Flag] = [
        Flag(.level, value: "LEVEL", category: .query, scope: queryCommands,
             summary: "the Query/Retrieve level: patient, study, series or image",
             details: """
             The level of the matches (Query/Retrieve Level, (0008,0052)). Its unique key and those of \
             the levels above it in the model (PatientID, StudyInstanceUID, SeriesInstanceUID, \
             SOPInstanceUID) are added as return keys when not given, so every match names itself. \
             Not with --worklist. get: the level of the keys; below IMAGE whole series are \
             retrieved, at IMAGE the instances matched.
             """,
             defaultValue: "study", choices: QueryLevel.allCases.map(\.rawValue),
             updates: [FlagUpdate.level(\FindArgs.level), FlagUpdate.level(\GetArgs.level), FlagUpdate.level(\MoveArgs.level)]),
        Flag(.model, value: "MODEL", category: .query, scope: queryCommands,
             summary: "the information model: study (Study Root) or patient (Patient Root)",
             details: """
             The Query/Retrieve information model: 'study' (Study Root, what most archives answer) or \
             'patient' (Patient Root, which has a patient level). Without it, --level patient uses \
             Patient Root and the other levels Study Root.
             """,
             choices: [QueryModel.studyRoot.rawValue, QueryModel.patientRoot.rawValue],
             updates: [FlagUpdate.model(\FindArgs.model), FlagUpdate.model(\GetArgs.model), FlagUpdate.model(\MoveArgs.model)]),
        Flag(.worklist, category: .query, scope: findScope,
             summary: "query the Modality Worklist instead of the archive",
             details: """
             Use the Modality Worklist Information Model (PS3.4 K): the matches are scheduled \
             procedure steps. Keys inside the Scheduled Procedure Step Sequence are given by path, \
             e.g. -k 'ScheduledProcedureStepSequence[0].Modality=CT'; an empty sequence key returns \
             the whole sequence.
             """,
             updates: [FlagUpdate.toggle(\FindArgs.worklist)]),
        Flag(.key, short: "k", value: "KEY[=VALUE]", category: .query, scope: queryCommands,
             summary: "a matching key KEY=VALUE, or a return key KEY (repeatable)",
             details: """
             A key of the query: a keyword (PatientName), a tag ((0010,0010) or 0010,0010), or a path \
             into sequence items (ScheduledProcedureStepSequence[0].Modality), as modify names \
             attributes. With =VALUE it is a matching key: single value, a list of UIDs (1.2.3\\1.2.4), \
             wild cards * and ? (in AE, CS, LO, LT, PN, SH, ST, UC, UR and UT values), a range of \
             dates or times (20240101-20241231, -20241231, 20240101-), or an empty value (universal \
             matching: the peer returns it). Values are checked against the attribute's VR before \
             anything is sent; they are typed in UTF-8, and a value the default repertoire cannot \
             hold makes the query announce ISO_IR 192. Columns of the output follow the keys in the \
             order given, -k and -r together.
             """,
             repeatable: true,
             updates: [FlagUpdate<FindArgs> { args, low, _ throws(DicomError) in args.keys = try FindArgs.keys(low) },
                       FlagUpdate<GetArgs> { args, low, _ throws(DicomError) in args.keys = try FindArgs.keys(low) },
                       FlagUpdate<MoveArgs> { args, low, _ throws(DicomError) in args.keys = try FindArgs.keys(low) }]),
        Flag(.returnKey, short: "r", value: "KEY", category: .query, scope: findScope,
             summary: "a return key: an attribute the peer fills in (repeatable)",
             details: "The same as -k KEY: an attribute asked for with an empty value, shown as a column.",
             repeatable: true,
             updates: [FlagUpdate<FindArgs> { args, low, _ throws(DicomError) in args.keys = try FindArgs.keys(low) }]),
        Flag(.limit, value: "N", category: .query, scope: queryCommands,
             summary: "stop after N matches or N instances retrieved (C-CANCEL)",
             details: """
             find: after the N-th match, send C-CANCEL and drop what the peer still sends until its \
             final response; the run succeeds. Bounds a query that would return a whole archive. \
             get, move: once the peer's pending responses count N sub-operations done (completed, \
             with or without a warning), send C-CANCEL and no further C-GET or C-MOVE; the final \
             response must come within one DIMSE time-out (--dimse-timeout). Instances in flight may \
             still arrive, so a few more than N may be retrieved; the cancel status the peer ends \
             with (0xFE00) is then no failure.
             """,
             updates: [FlagUpdate.integer(\FindArgs.limit, in: 1...Int.max), FlagUpdate.integer(\GetArgs.limit, in: 1...Int.max),
                       FlagUpdate.integer(\MoveArgs.limit, in: 1...Int.max)]),
        Flag(.relational, category: .query, scope: findScope,
             summary: "ask the peer for relational queries (extended negotiation)",
             details: """
             Offer relational queries in SOP Class Extended Negotiation (PS3.4 C.5.1.1.1, byte 1): keys \
             at any level, without the unique key of each level above the query level (a series query \
             by PatientName alone). What the peer accepted is reported (stderr; the JSON Lines summary's \
             extendedNegotiation). When it did not accept and the query is relational, the query is \
             refused before it is sent (exit 61); without --relational such a query is sent as it is.
             """,
             updates: [FlagUpdate.negotiation(.relational)]),
        Flag(.combinedDatetime, category: .query, scope: findScope,
             summary: "ask for combined date and time matching (extended negotiation)",
             details: """
             Offer combined date-time matching (PS3.4 C.5.1.1.1, byte 2): a Date key and its Time key \
             (StudyDate and StudyTime) match as one range, 20240101-20240102 with 2200-0600 meaning \
             from the first evening to the next morning. Reported as --relational is.
             """,
             updates: [FlagUpdate.negotiation(.combinedDateTime)]),
        Flag(.fuzzy, category: .query, scope: findScope,
             summary: "ask for fuzzy semantic matching of person names",
             details: """
             Offer fuzzy semantic matching of person names in extended negotiation (PS3.4 C.5.1.1.1, \
             byte 3): the peer may match names by its own idea of alike (spelling, case, phonetic). \
             Reported as --relational is.
             """,
             updates: [FlagUpdate.negotiation(.fuzzyNames)]),
        Flag(.timezoneAdjustment, category: .query, scope: findScope,
             summary: "ask for timezone query adjustment (extended negotiation)",
             details: """
             Offer timezone query adjustment (PS3.4 C.5.1.1.1, byte 4): the peer reads date and time \
             keys in the query's Timezone Offset From UTC (-k TimezoneOffsetFromUTC=+0100) and adjusts \
             them to its own. Reported as --relational is.
             """,
             updates: [FlagUpdate.negotiation(.timezoneAdjustment)]),
    ]
}

extension FlagUpdate where Root == FindArgs {
    /// An extended negotiation option of find.
    static func negotiation(_ option: QueryNegotiationOptions) -> FlagUpdate {
        FlagUpdate { args, low, id throws(DicomError) in
            if low.isOn(id) { args.negotiation.insert(option) } else { args.negotiation.remove(option) }
        }
    }
}

extension FlagUpdate {
    /// A Query/Retrieve level (find's and get's --level).
    static func level(_ field: WritableKeyPath<Root, QueryLevel?> & Sendable) -> FlagUpdate {
        .custom { args, text, spelling throws(DicomError) in
            guard let level = QueryLevel(rawValue: text) else {
                throw DicomError(.usage, "\(spelling) \(text): the levels are \(QueryLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            args[keyPath: field] = level
        }
    }

    /// A Query/Retrieve information model (find's and get's --model).
    static func model(_ field: WritableKeyPath<Root, QueryModel?> & Sendable) -> FlagUpdate {
        .custom { args, text, spelling throws(DicomError) in
            guard let model = QueryModel(rawValue: text), model != .modalityWorklist else {
                throw DicomError(.usage, "\(spelling) \(text): the models are study and patient (--worklist for the worklist)")
            }
            args[keyPath: field] = model
        }
    }
}
