import DicomCore
import DicomEdit

extension FlagTable {
    private static let scope: FlagScope = .commands([.modify])

    /// The edits are applied in the order typed, whichever flags they come from: each update
    /// records its flag's occurrences with their position on the command line (`ModifyArgs` sorts).
    static func edits(_ make: @escaping @Sendable (_ text: String, _ spelling: String) throws(DicomError) -> EditOperation)
        -> FlagUpdate<ModifyArgs> {
        FlagUpdate<ModifyArgs> { args, low, id throws(DicomError) in
            for (position, occurrence) in low.occurrences.enumerated() where occurrence.flag == id {
                guard case .text(let text) = occurrence.value else { continue }
                args.positionedEdits.append(.init(position: position, operation: try make(text, occurrence.spelling)))
            }
        }
    }

    /// `PATH=VALUE` or `PATH@FILE` of `--set` and `--replace`.
    static func assignment(_ text: String, _ spelling: String) throws(DicomError) -> (EditPath, EditValue) {
        guard let (path, fromFile, value) = EditPath.splitAssignment(text) else {
            throw DicomError(.usage, "\(spelling) expects PATH=VALUE or PATH@FILE, e.g. PatientID=SUBJECT-01, not '\(text)'")
        }
        if fromFile && value.isEmpty { throw DicomError(.usage, "\(spelling) \(text): no file name after '@'") }
        return (try AttributeKeys.path(path, flag: spelling, typed: text), fromFile ? .unreadFile(value) : .text(value))
    }

    /// `--set`'s update of modify's edits (the flag's entry is shared with anonymize).
    static let modifySet = edits { text, spelling throws(DicomError) in
        let (path, value) = try assignment(text, spelling)
        return .set(path, value)
    }

    static let modify: [Flag] = [
        Flag(.replace, value: "PATH=VALUE", category: .modify, scope: scope,
             summary: "replace PATH's value where the attribute is present (repeatable)",
             details: """
             As --set, but only where the attribute is present: nothing is inserted, and a file \
             without it is left as it is (dcmodify -m, without its failure on a missing tag). \
             With [*] or a sequence without an index, every item that has the attribute. A path \
             through an item index that the sequence does not have is refused.
             """,
             repeatable: true,
             updates: [edits { text, spelling throws(DicomError) in
                 let (path, value) = try assignment(text, spelling)
                 return .replace(path, value)
             }]),
        Flag(.erase, value: "PATH", category: .modify, scope: scope,
             summary: "remove the attribute or the items PATH names (repeatable)",
             details: """
             Remove an attribute (ReferencedSeriesSequence[0].SeriesInstanceUID), or items of a \
             sequence when the path ends in an index (ReferencedSeriesSequence[1], or [*] for all). \
             An attribute that is not there is nothing to remove; a path through an item index the \
             sequence does not have is refused.
             """,
             repeatable: true,
             updates: [edits { text, spelling throws(DicomError) in .erase(try AttributeKeys.path(text, flag: spelling)) }]),
        Flag(.eraseAll, value: "TAG", category: .modify, scope: scope,
             summary: "remove TAG everywhere, in every sequence item (repeatable)",
             details: """
             Remove the attribute at the top level and at every depth of every sequence (a tag, a \
             keyword, or a private element by its creator, (gggg,{CREATOR},ee)).
             """,
             repeatable: true,
             updates: [edits { text, spelling throws(DicomError) in
                 let path = try AttributeKeys.path(text, flag: spelling)
                 guard path.steps.count == 1, path.steps[0].items == nil else {
                     throw DicomError(.usage, "\(spelling) takes an attribute, found anywhere, not a path: '\(text)'")
                 }
                 return .eraseAll(path.steps[0].name)
             }]),
        Flag(.erasePrivate, category: .modify, scope: scope,
             summary: "remove every private element, at every depth",
             details: "Remove every private data element and private creator, at the top level and in every sequence item.",
             updates: [FlagUpdate<ModifyArgs> { args, low, id in
                 guard low.isOn(id), let position = low.occurrences.lastIndex(where: { $0.flag == id }) else { return }
                 args.positionedEdits.append(.init(position: position, operation: .erasePrivate))
             }]),
        Flag(.newSOPUID, category: .modify, scope: scope,
             summary: "give each file a new SOP Instance UID",
             details: """
             Replace SOP Instance UID (and Media Storage SOP Instance UID in the meta) after the \
             edits; every UI value in the file that held the old UID (a reference to itself) follows. \
             Random, or keyed with --secret-file. A file without one (a DICOMDIR) gets none; the \
             same holds for --new-series-uid and --new-study-uid.
             """,
             updates: [FlagUpdate<ModifyArgs> { args, low, id in if low.isOn(id) { args.options.renew.insert(.instance) } }]),
        Flag(.newSeriesUID, category: .modify, scope: scope,
             summary: "give each series a new Series Instance UID",
             details: """
             Replace Series Instance UID after the edits, the same new UID for every file of the \
             run that had the same old one; UI values anywhere in the file that held it follow. \
             With --secret-file the new UID is keyed (anonymize's mapping), so shards and reruns agree.
             """,
             updates: [FlagUpdate<ModifyArgs> { args, low, id in if low.isOn(id) { args.options.renew.insert(.series) } }]),
        Flag(.newStudyUID, category: .modify, scope: scope,
             summary: "give each study a new Study Instance UID",
             details: """
             Replace Study Instance UID after the edits, as --new-series-uid does for series: the \
             same new UID for every file of a study, keyed with --secret-file, references in the \
             file updated.
             """,
             updates: [FlagUpdate<ModifyArgs> { args, low, id in if low.isOn(id) { args.options.renew.insert(.study) } }]),
        Flag(.backup, category: .modify, scope: scope,
             summary: "keep each modified file's old content as FILE.bak",
             details: """
             Before a file is replaced in place, keep its old content as FILE.bak (replacing an \
             older one), as dcmodify does by default. Without it no backup is kept. Only for edits \
             in place (not with -o or --plan). modify's directory walks leave out files named \
             *.bak, so a second run over a tree does not modify the first run's backups.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\ModifyArgs.backup)]),
    ]
}
