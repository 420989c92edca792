import DicomCore

/// Every flag's identity; the raw value is the long name. The declaration itself (docs, value,
/// scope, and the update of its typed field) lives in `FlagTable.all`, one file per command
/// (`FlagTable+Transcode.swift`, ...; the flags of every writing command in `FlagTable+Writing.swift`),
/// and a test checks that each case has exactly one entry there.
public enum FlagID: String, Sendable, CaseIterable {
    // Global
    case jobs, shard, filesFrom = "files-from", null, failFast = "fail-fast", progress, quiet, format
    case include, exclude, allFiles = "all-files"
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
    // receive
    case port, aet, bind, onDuplicate = "on-duplicate", execOnFile = "exec-on-file", execOnStudy = "exec-on-study",
         studyTimeout = "study-timeout", maxAssociations = "max-associations", acceptUnknown = "accept-unknown", prefer,
         acceptSyntaxes = "accept-syntaxes", acseTimeout = "acse-timeout",
         idleTimeout = "idle-timeout", once
    // modify (--set, --secret-file, --plan, -o and --sync are shared)
    case replace, erase, eraseAll = "erase-all", erasePrivate = "erase-private", newSOPUID = "new-sop-uid",
         newSeriesUID = "new-series-uid", newStudyUID = "new-study-uid", backup
    // render (also --frames and --window of derive, --quality of transcode)
    case frame, montage, windowIndex = "window-index", voiLUT = "voi-lut", minmax, percentile,
         voiFunction = "voi-function", invert, grey, size, bits, overlays, type
}

/// The one table of flags, in the order of help and man pages.
public enum FlagTable {
    public static let all: [Flag] = global + dump + transcodeTargets + transcodeOptions + writing + validate + anonymize + derive
        + echo + send + receive + modify + render

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
             summary: "report format: text, json (JSON Lines); validate also junit, sarif",
             details: """
             How results and diagnostics are reported. 'text' is for people; 'json' writes JSON Lines \
             records (begin, one per item, end, summary) for scripts, which can be concatenated across \
             shards. validate also writes 'junit' (one test case per file) and 'sarif' (SARIF 2.1.0).
             """,
             defaultValue: "text", choices: ["text", "json", "junit", "sarif"],
             updates: [FlagUpdate.choice(\GlobalArgs.format, then: { args, low, id throws(DicomError) in
                 if args.format == .junit || args.format == .sarif, low.command != .validate {
                     throw DicomError(.usage, "\(low.spelling(id)) \(args.format.rawValue) applies to validate only; use text or json")
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
