import DicomCore

/// Every flag's identity; the raw value is the long name. The declaration itself (docs, value,
/// scope, and the update of its typed field) lives in `FlagTable.all`, one file per command
/// (`FlagTable+Transcode.swift`, ...; the flags of every writing command in `FlagTable+Writing.swift`),
/// and a test checks that each case has exactly one entry there.
public enum FlagID: String, Sendable, CaseIterable {
    // Global
    case jobs, shard, filesFrom = "files-from", null, failFast = "fail-fast", progress, quiet, format
    case include, exclude, allFiles = "all-files", `where`
    case help, version, generate
    // dump
    case json, xml, inlineMax = "inline-max", tag, metaOnly = "meta-only", noMeta = "no-meta", full
    // transcode targets
    case explicit, decompress, implicit, bigEndian = "big-endian", deflate, jpeg, jpegLossless = "jpeg-lossless", jpegls,
         jpeg2000, htj2k, rle, ts, encapsulatedUncompressed = "encapsulated-uncompressed",
         deflateFrames = "deflate-frames"
    // transcode options
    case quality, subsampling, predictor, near, lossless, ratio, psnr, offsetTable = "offset-table",
         fragmentSize = "fragment-size", verify, maxError = "max-error", minPSNR = "min-psnr", plan,
         newSeries = "new-series", output, sync
    // validate
    case failOn = "fail-on", baseline, writeBaseline = "write-baseline", ignore
    // anonymize
    case retainSafePrivate = "retain-safe-private", retainUIDs = "retain-uids",
         retainDeviceIdentity = "retain-device-identity", retainInstitutionIdentity = "retain-institution-identity",
         retainPatientCharacteristics = "retain-patient-characteristics",
         retainLongFullDates = "retain-long-full-dates", retainLongModifiedDates = "retain-long-modified-dates",
         cleanDescriptors = "clean-descriptors", cleanStructuredContent = "clean-structured-content",
         cleanGraphics = "clean-graphics", keep, remove, set, secretFile = "secret-file", burnedIn = "burned-in",
         layout, mapOut = "map-out", check
    // derive
    case frames, splitFrames = "split-frames", crop, downsample, resize, window, to8Bit = "to-8bit", lossy, primary
    // echo
    case callingAET = "calling-aet", `repeat`, timeout
    // send
    case to, dimseTimeout = "dimse-timeout", allowLossy = "allow-lossy", retry, doneFile = "done-file",
         warningsAsErrors = "warnings-as-errors", asyncWindow = "async-window"
    // commit (also --to, --calling-aet, --timeout, --dimse-timeout, --bind)
    case reportTimeout = "report-timeout", receivePort = "receive-port", fromSend = "from-send", perRequest = "per-request"
    // move (also --from of get, --level, --model, -k, --receive-port, -o and the requestor's)
    case dest
    // receive
    case port, aet, bind, onDuplicate = "on-duplicate", execOnFile = "exec-on-file", execOnStudy = "exec-on-study",
         studyTimeout = "study-timeout", maxAssociations = "max-associations", acceptUnknown = "accept-unknown", prefer,
         acceptSyntaxes = "accept-syntaxes", acseTimeout = "acse-timeout",
         idleTimeout = "idle-timeout", once, commitment, commitmentPeer = "commitment-peer"
    // TLS, for every network command (FlagTable+TLS.swift)
    case tls, tlsCert = "tls-cert", tlsKey = "tls-key", tlsCA = "tls-ca", tlsRequireClientCert = "tls-require-client-cert",
         tlsNoVerify = "tls-no-verify", tlsProfile = "tls-profile", tlsServerName = "tls-server-name"
    // modify (--set, --secret-file, --plan, -o and --sync are shared)
    case replace, erase, eraseAll = "erase-all", erasePrivate = "erase-private", newSOPUID = "new-sop-uid",
         newSeriesUID = "new-series-uid", newStudyUID = "new-study-uid", backup
    // create (also --json and --xml of dump, the targets and encoding options of transcode, -o and --sync)
    case acceptInvalid = "accept-invalid", inventUIDs = "invent-uids", sourceTS = "source-ts"
    // render (also --frames and --window of derive, --quality of transcode)
    case frame, montage, windowIndex = "window-index", voiLUT = "voi-lut", minmax, percentile,
         voiFunction = "voi-function", invert, grey, size, bits, overlays, type
    // find (also --to, --calling-aet, --timeout, --dimse-timeout of send, --json of dump)
    case level, model, worklist, key, returnKey = "return-key", limit
    case relational, combinedDatetime = "combined-datetime", fuzzy, timezoneAdjustment = "timezone-adjustment"
    // get and move (also -k, --level, --model of find, -o, --sync, --layout, --on-duplicate of receive)
    case from, query
    // dicomdir (also -o and --sync of the writing commands)
    case profile, invent, rename, fileSetID = "file-set-id", strict
}

/// The one table of flags, in the order of help and man pages.
public enum FlagTable {
    public static let all: [Flag] = global + dump + transcodeTargets + transcodeOptions + writing + validate + anonymize + derive
        + echo + send + receive + tls + modify + render + create + find + get + commit + dicomdir + move

    /// The entry for `id`. Every case has one (a test checks it); the fallback only keeps this total.
    public static func flag(_ id: FlagID) -> Flag {
        byID[id] ?? Flag(id, category: .info, scope: .global, summary: id.rawValue, details: id.rawValue)
    }

    private static let byID: [FlagID: Flag] = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })

    /// Flags that may be given to `command` (nil: before the command name), in table order.
    public static func flags(for command: CommandID?) -> [Flag] {
        all.filter { $0.applies(to: command) }
    }

    static let global: [Flag] = [
        Flag(.jobs, short: "j", value: "N", category: .input, scope: .global,
             summary: "number of files processed in parallel",
             details: """
             Process up to N input files at the same time. Results are still reported in input order, \
             so the output and the exit status do not depend on N.
             """,
             defaultValue: "number of cores",
             updates: [FlagUpdate.integer(\GlobalArgs.jobs, in: 1...4096)]),
        Flag(.shard, value: "I/N", category: .input, scope: .global,
             summary: "process only the I-th of N partitions of the inputs",
             details: """
             Split the inputs into N deterministic partitions and process only partition I, counting \
             from 1. Running every shard from 1/N to N/N, on one machine or many, processes each input \
             exactly once.
             """,
             updates: [FlagUpdate<GlobalArgs>.custom { args, text, spelling throws(DicomError) in
                 args.shard = try GlobalArgs.parseShard(text, spelling: spelling)
             }]),
        Flag(.filesFrom, value: "FILE", category: .input, scope: .global,
             summary: "read input paths from FILE, one per line ('-' for stdin)",
             details: """
             Read the input paths from FILE, one per line, in addition to those on the command line. \
             Use '-' to read them from standard input. With --null, paths are separated by NUL bytes \
             instead, as 'find -print0' writes them.
             """,
             path: true,
             updates: [FlagUpdate.text(\GlobalArgs.filesFrom)]),
        Flag(.null, short: "0", category: .input, scope: .global,
             summary: "paths in --files-from are NUL-separated",
             details: "The paths read by --files-from are separated by NUL bytes instead of newlines.",
             updates: [FlagUpdate<GlobalArgs> { args, low, id throws(DicomError) in
                 args.nulSeparated = low.isOn(id)
                 if args.nulSeparated, low.text(.filesFrom) == nil {
                     throw DicomError(.usage, "\(low.spelling(id)) applies to --files-from, which was not given")
                 }
             }]),
        Flag(.include, value: "GLOB", category: .input, scope: .global,
             summary: "in directories, take only files whose name matches GLOB (repeatable)",
             details: """
             When walking a directory, take only the files whose name matches GLOB (shell wildcards \
             *, ? and [...]; a GLOB with a '/' is matched against the path relative to the directory \
             given). Repeat the flag for several patterns; a file matching any of them is taken. Files \
             named on the command line or in --files-from are always taken.
             """,
             repeatable: true,
             updates: [FlagUpdate.texts(\GlobalArgs.include)]),
        Flag(.exclude, value: "GLOB", category: .input, scope: .global,
             summary: "in directories, leave out files whose name matches GLOB (repeatable)",
             details: """
             When walking a directory, leave out the files whose name (or, for a GLOB with a '/', \
             relative path) matches GLOB, e.g. --exclude '*.txt'. Applied after --include.
             """,
             repeatable: true,
             updates: [FlagUpdate.texts(\GlobalArgs.exclude)]),
        Flag(.allFiles, category: .input, scope: .global,
             summary: "in directories, take every file, DICOM or not",
             details: """
             By default a directory walk leaves out the files that are not DICOM by their content \
             (no DICM prefix at byte 128, no File Meta Information at byte 0, no recognisable data \
             set at byte 0): a README, a .zip or a script beside the images of a CD or a download. \
             They are counted in the summary ('N not DICOM'), not reported as errors, as dcmtk's \
             +sd scans a directory. With --all-files every file found is an input and a non-DICOM \
             one fails with status 22. Files named on the command line or in --files-from are always \
             inputs.
             """,
             updates: [FlagUpdate.toggle(\GlobalArgs.allFiles)]),
        Flag(.where, value: "KEY=VALUE", category: .input, scope: .global,
             summary: "take only files whose attribute KEY matches VALUE (repeatable)",
             details: """
             Take only the input files whose attribute KEY matches VALUE, by the matching rules of a \
             C-FIND query (PS3.4 C.2.2.2); repeat the flag and every KEY=VALUE must match. KEY is a \
             keyword or tag, a path into sequences as modify writes it \
             (ReferencedSeriesSequence[*].SeriesInstanceUID: a step without an index, or with [*], is \
             any item), or a private element by its creator, (0029,{SIEMENS CSA HEADER},10). VALUE is \
             compared with every value of a multi-valued attribute (ImageType=DERIVED matches if any \
             value is DERIVED), after decoding the file's Specific Character Set: exactly and \
             case-sensitively, except person names (PN), which ignore case; with wild cards * (any \
             run of characters) and ? (one character) for the text VRs (AE, CS, LO, LT, PN, SH, ST, \
             UC, UR, UT; * alone is KEY=, as PS3.4 says); as a list of UIDs uid1\\uid2 (any of them) for UI; as a range for dates, \
             times and date-times (20190101-20201231, -2020, 2019-; a range end may be a year or a \
             month, and a value alone matches the span it names: TM 1200 is 12:00:00 to 12:00:59); by \
             value for numbers (DS 1.0 is 1). An empty VALUE (KEY=) takes the files that have the \
             attribute, empty or not. Two keys into the same sequence may match in different items.

             Only the header is read: the data set up to the last top-level attribute named, never \
             the pixel data, so 'transcode --where Modality=CT --where StudyDate=20190101-20201231 \
             /archive -o out/' reads only the headers of the other files. A file that does not match \
             is left out silently (text) or reported as an item with status "skipped" and reason "not \
             matching" (--format json), and counted in the summary ('N not matching'). An unknown \
             keyword, a malformed range, a wild card where the VR forbids it, a value on a sequence \
             or a binary attribute are refused before any file is read; standard input ('-') cannot \
             be selected (read it into a file first).
             """,
             repeatable: true,
             updates: [FlagUpdate<GlobalArgs>.each { args, text, spelling throws(DicomError) in
                 args.selection.append(try InputSelection.criterion(text, spelling: spelling))
             }]),
        Flag(.failFast, category: .input, scope: .global,
             summary: "stop at the first input that fails",
             details: """
             Stop at the first input that fails instead of reporting the failure and going on with \
             the others.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\GlobalArgs.failFast)]),
        Flag(.progress, category: .output, scope: .global,
             summary: "show a progress bar on stderr",
             details: """
             Show or hide the progress bar on standard error. By default it is shown only when \
             standard error is a terminal.
             """,
             defaultValue: "when stderr is a terminal", negatable: true,
             updates: [FlagUpdate.toggle(\GlobalArgs.progress)]),
        Flag(.quiet, short: "q", category: .output, scope: .global,
             summary: "print no summary line and no warnings",
             details: "Print only results and errors: no warnings and no summary line at the end.",
             negatable: true,
             updates: [FlagUpdate.toggle(\GlobalArgs.quiet)]),
        Flag(.format, value: "FORMAT", category: .output, scope: .global,
             summary: "text, json; junit, sarif (validate); csv (dump, find); tsv (dump)",
             details: """
             How results and diagnostics are reported. 'text' is for people; 'json' writes JSON Lines \
             records (begin, one per item, end, summary) for scripts, which can be concatenated across \
             shards. validate also writes 'junit' (one test case per file) and 'sarif' (SARIF 2.1.0). \
             dump also writes a table, 'csv' (RFC 4180: CRLF line ends, fields with a comma, quote or \
             line break quoted) or 'tsv' (tab-separated; a tab, LF or CR inside a value written as \
             \\t, \\n, \\r): a header row, then one row per file, the path first and one column per \
             --tag (keywords, tags or paths such as ReferencedSeriesSequence[*].SeriesInstanceUID), \
             the values of a multi-valued attribute (or of every item a path reaches) joined with \
             '\\'; empty for an absent attribute, a sequence or a binary value. Rows are in input order \
             whatever -j is; with --where, only the files that match. find also writes 'csv' (a header \
             row of the keys, one row per match).
             """,
             defaultValue: "text", choices: ["text", "json", "junit", "sarif", "csv", "tsv"],
             updates: [FlagUpdate.choice(\GlobalArgs.format, then: { args, low, id throws(DicomError) in
                 if args.format == .junit || args.format == .sarif, low.command != .validate {
                     throw DicomError(.usage, "\(low.spelling(id)) \(args.format.rawValue) applies to validate only; use text or json")
                 }
                 if args.format == .csv, low.command != .dump, low.command != .find {
                     throw DicomError(.usage, "\(low.spelling(id)) csv applies to dump and find only; use text or json")
                 }
                 if args.format == .tsv, low.command != .dump {
                     throw DicomError(.usage, "\(low.spelling(id)) tsv applies to dump only; use text or json")
                 }
             })]),
        Flag(.help, short: "h", category: .info, scope: .global,
             summary: "print help (-h short, --help long)",
             details: "Print help and exit. -h prints a short summary; --help prints every detail."),
        Flag(.version, short: "V", category: .info, scope: .global,
             summary: "print versions of dicomtool and its libraries",
             details: "Print the version of dicomtool and of the C libraries it is linked with, then exit."),
        Flag(.generate, value: "KIND", category: .info, scope: .global,
             summary: "print a man page or a shell completion script",
             details: """
             Print generated documentation and exit: 'man' writes the man page of the command given \
             (or of dicomtool), 'complete-bash', 'complete-zsh' and 'complete-fish' write shell \
             completion scripts.
             """,
             choices: ["man", "complete-bash", "complete-zsh", "complete-fish"], hiddenFromShortHelp: true),
    ]
}
