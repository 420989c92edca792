import DicomPixels
import DicomCore

/// Every flag's identity; the raw value is the long name. The declaration itself (docs, value,
/// scope) lives in `FlagTable.all`, and a test checks that each case has exactly one entry there.
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
}

/// The one table of flags.
public enum FlagTable {
    public static let all: [Flag] = global + dump + transcodeTargets + transcodeOptions + validate + anonymize + derive

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

    static let dump: [Flag] = [
        Flag(.json, category: .dump, scope: .commands([.dump]),
             summary: "write the DICOM JSON model (PS3.18 Annex F)",
             details: """
             Write each dataset in the DICOM JSON Model of PS3.18 Annex F. Values longer than \
             --inline-max bytes are written as a BulkDataURI pointing into the input file. \
             Integers are exact at every width (SV and UV too). FL and FD values are numbers in \
             their shortest exact form; NaN and the infinities, which JSON numbers cannot hold, \
             are the strings "NaN", "Infinity" and "-Infinity", with a warning (pydicom writes \
             bare NaN/Infinity tokens, which strict JSON parsers reject, and reads these strings \
             back to the same values).
             """,
             updates: [FlagUpdate.toggle(\DumpArgs.json)]),
        Flag(.xml, category: .dump, scope: .commands([.dump]),
             summary: "write the Native DICOM Model XML (PS3.19)",
             details: "Write each dataset in the Native DICOM Model XML of PS3.19.",
             updates: [FlagUpdate.toggle(\DumpArgs.xml, then: { args, _, _ throws(DicomError) in
                 if args.json, args.xml {
                     throw DicomError(.usage, "--json and --xml cannot be combined: choose one output model")
                 }
             })]),
        Flag(.inlineMax, value: "BYTES", category: .dump, scope: .commands([.dump]),
             summary: "largest binary value written inline in JSON and XML",
             details: """
             Binary values longer than BYTES are not written inline in --json and --xml output; a \
             BulkDataURI of the form file://PATH?offset=O&length=L refers to them instead.
             """,
             defaultValue: "4096",
             updates: [FlagUpdate.integer(\DumpArgs.inlineMax, in: 0...Int.max)]),
        Flag(.tag, value: "TAG", category: .dump, scope: .commands([.dump]),
             summary: "show only this element (repeatable)",
             details: """
             Show only the given element. TAG is a tag such as (0010,0010) or 0010,0010, a keyword \
             such as PatientName, or a path into sequences such as \
             SourceImageSequence[0].ReferencedSOPInstanceUID. Repeat the flag to show several.
             """,
             repeatable: true,
             updates: [FlagUpdate<DumpArgs>.each { args, text, _ throws(DicomError) in
                 try TagPath.check(text)
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

    private static let transcode: FlagScope = .commands([.transcode])
    static let writers: FlagScope = .commands([.transcode, .anonymize, .derive])

    static let transcodeTargets: [Flag] = [
        Flag(.explicit, category: .target, scope: transcode,
             summary: "Explicit VR Little Endian (1.2.840.10008.1.2.1)",
             details: "Write Explicit VR Little Endian, 1.2.840.10008.1.2.1 (native pixels)."),
        Flag(.decompress, category: .target, scope: transcode,
             summary: "decompress: Explicit VR Little Endian, as --explicit",
             details: """
             The same as --explicit: write Explicit VR Little Endian with native pixels, the syntax \
             every DICOM reader accepts (what dcmdjpeg, dcmdrle and 'gdcmconv --raw' write).
             """),
        Flag(.implicit, category: .target, scope: transcode,
             summary: "Implicit VR Little Endian (1.2.840.10008.1.2)",
             details: "Write Implicit VR Little Endian, 1.2.840.10008.1.2 (native pixels)."),
        Flag(.bigEndian, category: .target, scope: transcode,
             summary: "Explicit VR Big Endian (1.2.840.10008.1.2.2, retired)",
             details: "Write Explicit VR Big Endian, 1.2.840.10008.1.2.2 (retired, native pixels)."),
        Flag(.deflate, category: .target, scope: transcode,
             summary: "Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99)",
             details: "Write Deflated Explicit VR Little Endian, 1.2.840.10008.1.2.1.99: the whole dataset is deflated."),
        Flag(.jpeg, category: .target, scope: transcode,
             summary: "JPEG Baseline, lossy (1.2.840.10008.1.2.4.50)",
             details: """
             Write JPEG Baseline (Process 1), 1.2.840.10008.1.2.4.50, for 8-bit images. Lossy: the \
             lossy bookkeeping attributes are updated. Colour images become YBR_FULL_422 (4:2:2 \
             chroma subsampling) unless --subsampling says otherwise. See --quality and --subsampling. \
             Whatever the target, an output whose Image Pixel values its IOD does not permit in the \
             target syntax (for example YBR_FULL in an Ultrasound image, PS3.3 C.8.5.6.1.2) is refused \
             with exit status 80 unless the input already had them.
             """),
        Flag(.jpegLossless, category: .target, scope: transcode,
             summary: "JPEG Lossless (1.2.840.10008.1.2.4.70, or .57 with --predictor)",
             details: """
             Write JPEG Lossless, First-Order Prediction, 1.2.840.10008.1.2.4.70. With --predictor \
             other than 1, JPEG Lossless Process 14, 1.2.840.10008.1.2.4.57, is written instead.
             """),
        Flag(.jpegls, category: .target, scope: transcode,
             summary: "JPEG-LS (1.2.840.10008.1.2.4.80, or .81 with --near)",
             details: """
             Write JPEG-LS Lossless, 1.2.840.10008.1.2.4.80. With --near greater than 0, JPEG-LS \
             Near-Lossless, 1.2.840.10008.1.2.4.81, is written instead.
             """),
        Flag(.jpeg2000, category: .target, scope: transcode,
             summary: "JPEG 2000 (1.2.840.10008.1.2.4.90, or .91 with --ratio/--psnr)",
             details: """
             Write JPEG 2000 Lossless Only, 1.2.840.10008.1.2.4.90 (reversible 5/3 wavelet). With \
             --ratio or --psnr, JPEG 2000, 1.2.840.10008.1.2.4.91, with the irreversible 9/7 wavelet.
             """),
        Flag(.htj2k, category: .target, scope: transcode,
             summary: "High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.201, or .203)",
             details: """
             Write High-Throughput JPEG 2000 Lossless Only, 1.2.840.10008.1.2.4.201; with --ratio or \
             --psnr, 1.2.840.10008.1.2.4.203 (encoded through OpenJPH; --ts 1.2.840.10008.1.2.4.202 gives the RPCL variant).
             """),
        Flag(.rle, category: .target, scope: transcode,
             summary: "RLE Lossless (1.2.840.10008.1.2.5)",
             details: "Write RLE Lossless, 1.2.840.10008.1.2.5."),
        Flag(.ts, value: "UID", category: .target, scope: transcode,
             summary: "any transfer syntax, by UID or keyword",
             details: """
             Write the transfer syntax given by its UID (1.2.840.10008.1.2.4.80) or its PS3.6 keyword \
             (JPEGLSLossless). The codec options of its family apply.
             """),
        Flag(.encapsulatedUncompressed, category: .target, scope: transcode,
             summary: "Encapsulated Uncompressed (1.2.840.10008.1.2.1.98)",
             details: "Write Encapsulated Uncompressed Explicit VR Little Endian, 1.2.840.10008.1.2.1.98: native frames in fragments."),
        Flag(.deflateFrames, category: .target, scope: transcode,
             summary: "Deflated Image Frame Compression (1.2.840.10008.1.2.8.1)",
             details: "Write Deflated Image Frame Compression, 1.2.840.10008.1.2.8.1: each frame deflated in its own fragment."),
    ]

    static let transcodeOptions: [Flag] = [
        Flag(.quality, value: "Q", category: .encoding, scope: transcode,
             summary: "JPEG quality, 1 to 100",
             details: "JPEG quality factor from 1 (smallest) to 100 (best), as libjpeg-turbo defines it.",
             defaultValue: "90"),
        Flag(.subsampling, value: "MODE", category: .encoding, scope: transcode,
             summary: "JPEG chroma subsampling of colour images",
             details: """
             Chroma subsampling for colour JPEG images: 422 (horizontal, the default) or 420 (both) \
             write Photometric Interpretation YBR_FULL_422, as dcmcjpeg does by default; 444 (none) \
             writes YBR_FULL. The Ultrasound (PS3.3 C.8.5.6.1.2) and Multi-frame True Color \
             Secondary Capture (A.8.5.4) IODs permit only YBR_FULL_422 in JPEG Baseline, so 444 is \
             refused for them (exit status 80, naming the IOD and section); dciodvfy reports \
             YBR_FULL in JPEG Baseline for every IOD.
             """,
             defaultValue: "422", choices: ["444", "422", "420"]),
        Flag(.predictor, value: "N", category: .encoding, scope: transcode,
             summary: "JPEG Lossless predictor, 1 to 7",
             details: """
             JPEG Lossless selection value (predictor), 1 to 7. Predictor 1 is written as \
             1.2.840.10008.1.2.4.70, the others as 1.2.840.10008.1.2.4.57.
             """,
             defaultValue: "1", choices: ["1", "2", "3", "4", "5", "6", "7"]),
        Flag(.near, value: "N", category: .encoding, scope: transcode,
             summary: "JPEG-LS NEAR: 0 is lossless, more is lossy",
             details: """
             Largest error allowed per sample in JPEG-LS, 0 to 255. NEAR 0 is lossless; anything \
             greater is lossy and is recorded as such. Images of Bits Stored 8 or less below Bits \
             Allocated are coded at the precision of Bits Allocated (so that dcmtk and GDCM read \
             them) and only losslessly: near-lossless values there could exceed Bits Stored. \
             Near-lossless coding of signed images with samples within NEAR of the ends of their \
             range is refused too: JPEG-LS's unsigned coding could turn one end into the other.
             """,
             defaultValue: "0"),
        Flag(.lossless, category: .encoding, scope: transcode,
             summary: "JPEG 2000: reversible wavelet (default)",
             details: "JPEG 2000 and HTJ2K: encode losslessly with the reversible 5/3 wavelet. This is the default."),
        Flag(.ratio, value: "R", category: .encoding, scope: transcode,
             summary: "JPEG 2000: lossy, target compression ratio R",
             details: "JPEG 2000 and HTJ2K: encode lossily, aiming at a compression ratio of R to 1 (R > 1)."),
        Flag(.psnr, value: "DB", category: .encoding, scope: transcode,
             summary: "JPEG 2000: lossy, target PSNR in decibels",
             details: "JPEG 2000 and HTJ2K: encode lossily, aiming at a peak signal-to-noise ratio of DB decibels."),
        Flag(.offsetTable, value: "KIND", category: .encoding, scope: transcode,
             summary: "offset table of encapsulated pixel data",
             details: """
             Which offset table to write in encapsulated pixel data: 'basic' (in the first item), \
             'extended' (Extended Offset Table, 7FE0,0001, for data over 4 GiB or many frames) or 'none'. \
             A source already in the target syntax has its fragments and tables copied as they are, \
             unless this option or --fragment-size is given: its frames are then re-encapsulated \
             (copied, not decoded) in the layout asked for.
             """,
             defaultValue: "basic", choices: ["basic", "extended", "none"],
             updates: [FlagUpdate.choice(\TranscodeOptions.offsetTable)]),
        Flag(.fragmentSize, value: "BYTES", category: .encoding, scope: transcode,
             summary: "split each frame into fragments of at most BYTES",
             details: """
             Split each encapsulated frame into fragments of at most BYTES bytes (an even number). By \
             default each frame is one fragment. Not for RLE Lossless, Encapsulated Uncompressed and \
             Deflated Image Frame Compression, whose frames are one fragment each (PS3.5 A.4), nor \
             with --offset-table extended, which requires one fragment a frame (PS3.3 C.7.6.3.1.8).
             """,
             updates: [FlagUpdate.integer(\TranscodeOptions.fragmentSize, in: 2...Int(UInt32.max - 1), then: { options, low, id throws(DicomError) in
                 guard let size = options.fragmentSize else { return }
                 if size % 2 == 1 {
                     throw DicomError(.usage, "\(low.spelling(id)) must be even (fragments have even lengths), not \(size)")
                 }
                 if options.target.holdsOneFragmentPerFrame {
                     throw DicomError(.usage, "\(low.spelling(id)) does not apply to \(options.target.name): "
                                      + "each of its frames is one fragment (PS3.5 A.4)")
                 }
                 // The Extended Offset Table gives whole frames (offsets and lengths): it requires each
                 // frame in one fragment (PS3.3 C.7.6.3.1.8), and pydicom misreads it otherwise.
                 if options.offsetTable == .extended {
                     throw DicomError(.usage, "\(low.spelling(id)) cannot be combined with --offset-table extended: "
                                      + "the Extended Offset Table requires each frame in one fragment (PS3.3 C.7.6.3.1.8)")
                 }
             })]),
        Flag(.newSeries, category: .encoding, scope: .commands([.transcode, .derive]),
             summary: "put lossy copies and derived images in a new series",
             details: """
             Give lossy copies (transcode) and derived images (derive) a new Series Instance UID, a \
             Series Number 1000 higher and a Series Description marking them, so that viewers do not \
             show them in the series of the originals.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\TranscodeOptions.newSeries), FlagUpdate.toggle(\DeriveOptions.newSeries)]),
        Flag(.verify, category: .verify, scope: transcode,
             summary: "decode the output and compare it with the input",
             details: """
             Decode what was just written and compare it with the input pixels. A lossless target \
             must match bit for bit, or the output is not written; a lossy target reports the \
             largest error, RMSE and PSNR, checked against --max-error and --min-psnr.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\TranscodeOptions.verify)]),
        Flag(.maxError, value: "N", category: .verify, scope: transcode,
             summary: "with --verify: largest sample error allowed",
             details: "With --verify: fail when any sample differs from the input by more than N.",
             updates: [FlagUpdate.integer(\TranscodeOptions.maxError, in: 0...Int(UInt32.max))]),
        Flag(.minPSNR, value: "DB", category: .verify, scope: transcode,
             summary: "with --verify: smallest PSNR allowed",
             details: "With --verify: fail when the PSNR of a frame is below DB decibels.",
             updates: [FlagUpdate.decimal(\TranscodeOptions.minPSNR, above: 0)]),
        Flag(.plan, category: .write, scope: writers,
             summary: "print what would change, write nothing",
             details: "Print the transfer syntax and attributes each input would get, without writing anything.",
             updates: [FlagUpdate.toggle(\WriteArgs.plan)]),
        Flag(.output, short: "o", value: "PATH", category: .write, scope: writers,
             summary: "output file, directory, or '-' for stdout",
             details: """
             Where to write: a file for one input, a directory for several (the input tree is \
             mirrored), or '-' for standard output. Required unless --plan is given.
             """,
             path: true,
             updates: [FlagUpdate.text(\WriteArgs.output)]),
        Flag(.sync, category: .write, scope: writers,
             summary: "fsync each output before renaming it into place",
             details: """
             Flush each output to disk before it is renamed into place. Off by default: inputs are \
             never modified, so a power loss costs only outputs that a re-run recreates.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\WriteArgs.sync)]),
    ]
}
