import DicomCore

extension FlagTable {
    static let dump: [Flag] = [
        Flag(.json, category: .dump, scope: .commands([.dump, .create, .find]),
             summary: "the DICOM JSON model (PS3.18 Annex F)",
             details: """
             dump: write each dataset in the DICOM JSON Model of PS3.18 Annex F. Values longer than \
             --inline-max bytes are written as a BulkDataURI pointing into the input file. \
             Integers are exact at every width (SV and UV too). FL and FD values are numbers in \
             their shortest exact form; NaN and the infinities, which JSON numbers cannot hold, \
             are the strings "NaN", "Infinity" and "-Infinity", with a warning (pydicom writes \
             bare NaN/Infinity tokens, which strict JSON parsers reject, and reads these strings \
             back to the same values). find writes its matches as one JSON array of such data \
             sets, each match as it arrives.

             create: the input (a file or '-') is a DICOM JSON data set, as dump --json, pydicom's \
             Dataset.to_json and dcm2json write it (the default for a name ending in .json).
             """,
             updates: [FlagUpdate.toggle(\DumpArgs.json), FlagUpdate.toggle(\FindArgs.json), FlagUpdate.toggle(\CreateArgs.json)]),
        Flag(.xml, category: .dump, scope: .commands([.dump, .create]),
             summary: "the Native DICOM Model XML (PS3.19)",
             details: """
             dump: write each dataset in the Native DICOM Model XML of PS3.19.

             create: the input (a file or '-') is a Native DICOM Model document, as dump --xml and \
             dcm2xml --native-format write it (the default for a name ending in .xml).
             """,
             updates: [FlagUpdate.toggle(\DumpArgs.xml, then: { args, _, _ throws(DicomError) in
                 if args.json, args.xml {
                     throw DicomError(.usage, "--json and --xml cannot be combined: choose one output model")
                 }
             }), FlagUpdate.toggle(\CreateArgs.xml)]),
        Flag(.inlineMax, value: "BYTES", category: .dump, scope: .commands([.dump]),
             summary: "largest binary value written inline in JSON and XML",
             details: """
             Binary values longer than BYTES are not written inline in --json and --xml output; a \
             BulkDataURI of the form file://PATH?offset=O&length=L refers to them instead.
             """,
             defaultValue: "4096",
             updates: [FlagUpdate.integer(\DumpArgs.inlineMax, in: 0...Int.max)]),
        Flag(.tag, value: "TAG", category: .dump, scope: .commands([.dump]),
             summary: "show only this element (repeatable); with --format csv|tsv, a column",
             details: """
             Show only the given element. TAG is a tag such as (0010,0010), 0010,0010 or 00100010, a \
             keyword such as PatientName, a private element by its creator, \
             (0029,{SIEMENS CSA HEADER},10), or a path into sequences such as \
             SourceImageSequence[0].ReferencedSOPInstanceUID ([*] or no index: every item), as \
             --where, anonymize and modify take them. A lone name is shown at any depth, within its \
             sequences. Repeat the flag to show several. With --format csv or tsv each TAG is a \
             column of the table, in the order given.
             """,
             repeatable: true,
             updates: [FlagUpdate<DumpArgs>.each { args, text, spelling throws(DicomError) in
                 args.tagPaths.append(try AttributeKeys.path(text, flag: spelling))
                 args.tags.append(text)
             }]),
        Flag(.metaOnly, category: .dump, scope: .commands([.dump]),
             summary: "show only the file meta information (group 0002)",
             details: "Show only the file meta information (group 0002), not the dataset.",
             updates: [FlagUpdate.toggle(\DumpArgs.metaOnly)]),
        Flag(.noMeta, category: .dump, scope: .commands([.dump]),
             summary: "do not show the file meta information",
             details: "Show the dataset without the file meta information (group 0002).",
             updates: [FlagUpdate.toggle(\DumpArgs.noMeta, then: { args, _, _ throws(DicomError) in
                 if args.metaOnly, args.noMeta {
                     throw DicomError(.usage, "--meta-only and --no-meta cannot be combined: one shows only the meta, the other hides it")
                 }
             })]),
        Flag(.full, category: .dump, scope: .commands([.dump]),
             summary: "do not shorten long values",
             details: "Show long values in full instead of shortening them in the text output.",
             negatable: true,
             updates: [FlagUpdate.toggle(\DumpArgs.full)]),
    ]
}
