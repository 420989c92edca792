import DicomCore

/// Every command's identity; the raw value is the name typed on the command line.
public enum CommandID: String, Sendable, CaseIterable {
    case dump, transcode, validate, anonymize, derive, echo, send, receive, modify, create, render, find, get, commit, dicomdir, move
}

/// A command's typed arguments: built from what was typed (stage two of parsing: the flags'
/// updates, then the combinations checked) and run; `DicomTool` dispatches through the table's
/// `argsType`, with no list of commands of its own. Adding a command is a `CommandID` case and its
/// `CommandTable` entry; its flags in `FlagTable+<Command>.swift`, each with its docs and the update
/// of a field of the command's domain options; the type conforming to this
/// (`Flags/<Command>Args.swift`: those options and the checks of their combination); and
/// `Commands/<Command>Command.swift`, which runs the domain code over the inputs (`runOverInputs`,
/// with `WritingRun` for a command that writes instances) and reports through the `Reporter`.
public protocol CommandArgs: Sendable {
    init(_ low: LowArgs) throws(DicomError)
    func run(global: GlobalArgs) -> ExitStatus
}

/// What one command entry says.
public struct Command: Sendable {
    public let id: CommandID
    /// One line, lower case, no final period.
    public let summary: String
    /// Paragraphs separated by blank lines.
    public let details: String
    /// Usage lines after `dicomtool <name> `.
    public let usage: [String]
    public let examples: [(command: String, explanation: String)]
    public let argsType: any CommandArgs.Type
    /// The words that must follow the command name (`dicomdir create`), each with its own usage,
    /// details and examples; empty for a command without subcommands. Flags name the subcommands
    /// they belong to (`Flag.subcommands`), so parsing, help, man pages and completions know them.
    public var subcommands: [Subcommand] = []

    public var name: String { id.rawValue }

    public func subcommand(_ name: String) -> Subcommand? { subcommands.first { $0.name == name } }
}

/// What one subcommand entry says: the same fields as a command's.
public struct Subcommand: Sendable {
    public let name: String
    /// One line, lower case, no final period.
    public let summary: String
    /// Paragraphs separated by blank lines.
    public let details: String
    /// Usage lines after `dicomtool <command> <name> `.
    public let usage: [String]
    public let examples: [(command: String, explanation: String)]
}

/// The one table of commands.
public enum CommandTable {
    public static let all: [Command] = [
        Command(
            id: .dump,
            summary: "show the elements of DICOM files",
            details: """
            Show every element of each input: tag, VR, value, length, VM and keyword, with sequences \
            indented and long values shortened, in the spirit of dcmdump. Pixel data is summarised \
            (frames, fragment sizes), never copied.

            With --json or --xml the datasets are written in the DICOM JSON (PS3.18) or XML (PS3.19) \
            models for scripts. Text is always UTF-8, with control bytes escaped.
            """,
            usage: ["[OPTIONS] INPUT...", "[OPTIONS] --files-from FILE"],
            examples: [
                ("dicomtool dump image.dcm", "Show every element of one file."),
                ("dicomtool dump --tag PatientName --tag 0008,0060 scans/", "Show two elements of every file under scans/."),
                ("dicomtool dump --json image.dcm > image.json", "Write the DICOM JSON model of a file."),
            ],
            argsType: DumpArgs.self),
        Command(
            id: .transcode,
            summary: "convert DICOM files to another transfer syntax",
            details: """
            Rewrite each input in the target transfer syntax, decoding and encoding pixel data as \
            needed. Lossless targets keep every pixel and the SOP Instance UID; lossy targets update \
            Lossy Image Compression, its ratio and method, the SOP Instance UID and the Source Image \
            Sequence. Nothing is changed silently: an image the target cannot hold is refused.

            Exactly one target is required. Outputs are written to a temporary file and renamed \
            into place; inputs are never modified.
            """,
            usage: ["TARGET [OPTIONS] INPUT -o OUTPUT", "TARGET [OPTIONS] INPUT... -o DIRECTORY",
                    "TARGET --plan INPUT..."],
            examples: [
                ("dicomtool transcode --jpeg2000 in.dcm -o out.dcm", "Compress losslessly with JPEG 2000."),
                ("dicomtool transcode --jpeg --quality 85 --verify scans/ -o jpeg/", "Compress a tree lossily and report the error of each file."),
                ("dicomtool transcode --explicit - -o - < in.dcm > out.dcm", "Decompress in a pipe."),
                ("dicomtool transcode --ts JPEGLSLossless --plan scans/", "Show what would change without writing."),
            ],
            argsType: TranscodeArgs.self),
        Command(
            id: .validate,
            summary: "check DICOM files against the standard",
            details: """
            Check each input's encoding (meta information, VR, VM, value formats, lengths, pixel data \
            length, encapsulation), its IOD (type 1, 2, 1C and 2C attributes, enumerated values, \
            attributes foreign to the IOD, retired attributes) and its lossy history, and across all \
            inputs of a run, duplicate SOP Instance UIDs and patient, study and series attributes that \
            disagree. One line per finding with its rule id, tag path and PS3 reference.

            Enumerated values are compared by type: numbers as numbers (PS3.3 writes 0001H, 0004, +1), \
            tags as tags, text exactly. Exit status 83 when any finding reaches the --fail-on level; \
            an input that cannot be read keeps its own status (20, 22) and is an error in the JUnit \
            (<error>), SARIF and JSON reports, which list every input. --baseline records known \
            findings so that CI fails only on new ones. The summary line counts the inputs with and \
            without findings.
            """,
            usage: ["[OPTIONS] INPUT...", "--format junit scans/ > report.xml"],
            examples: [
                ("dicomtool validate image.dcm", "Check one file."),
                ("dicomtool validate --format junit -j 8 dataset/ > validate.xml", "Check a test data set in CI."),
                ("dicomtool validate --write-baseline known.json dataset/", "Record today's findings."),
                ("dicomtool validate --baseline known.json dataset/", "Fail only on findings not in the baseline."),
            ],
            argsType: ValidateArgs.self),
        Command(
            id: .anonymize,
            summary: "de-identify DICOM files with the PS3.15 Basic Profile",
            details: """
            Apply the Basic Application Level Confidentiality Profile (PS3.15 Table E.1-1) and the \
            options asked for, at every nesting depth, private attributes included. UIDs are replaced \
            by 2.25 UIDs derived from HMAC-SHA256 of a secret, so files processed in different runs or \
            on different machines with the same secret agree without a mapping table. Dates, when \
            shifted, move by an offset derived the same way per patient. Patient ID and Patient's Name \
            become one pseudonym per original patient derived the same way (ANON and 12 hex digits), so \
            the patients of a run stay apart in a PACS. Pixel data is not changed; files likely to \
            carry burned-in annotation are refused unless --burned-in says otherwise.

            Every output (meta and data set) is scanned for the original identifying values before it \
            is kept, by the same check as --check; short values (3 to 5 characters) count as whole \
            tokens only (see --clean-descriptors). A hit fails the file (status 83) and nothing is \
            written.
            """,
            usage: ["[OPTIONS] --secret-file FILE INPUT... -o DIRECTORY", "--check ORIGINAL ANONYMIZED"],
            examples: [
                ("dicomtool anonymize --secret-file key scans/ -o anon/", "De-identify a tree with a kept secret."),
                ("dicomtool anonymize --secret-file key --shard 1/4 scans/ -o anon/", "One of four shards (same result as one run)."),
                ("dicomtool anonymize --plan image.dcm", "Show every change for one file."),
                ("dicomtool anonymize --check image.dcm anon/image.dcm", "Scan an output for the original's identifiers."),
            ],
            argsType: AnonymizeArgs.self),
        Command(
            id: .derive,
            summary: "make derived images with their provenance",
            details: """
            Make new instances from an image's pixels: frames extracted (--frames, --split-frames), \
            a crop, a downsampled or resized copy, a window applied to 8 bits, a lossy copy. The \
            operations run in a fixed order whatever the order of the flags: frames, crop, \
            downsample or resize, window to 8 bits, then the lossy copy.

            Every output says what it is: a new SOP Instance UID, Image Type DERIVED\\SECONDARY \
            (or PRIMARY), a Source Image Sequence item naming the source (and its frames) with the \
            purpose 121322, Derivation Description with the parameters and a Derivation Code \
            Sequence item per operation (CID 7203: 113091/113092 frames, 113085 resampling, \
            113040 lossy compression; private 99DICOMTOOL codes for crop and windowing). Geometry \
            stays true: Rows, Columns, Number of Frames, Pixel Spacing, Image Position (Patient), \
            Frame Extraction Sequence. Lossy history never goes back: Lossy Image Compression \
            stays 01 once set. Outputs are Explicit VR Little Endian unless --lossy names a codec.
            """,
            usage: ["OPERATION... [OPTIONS] INPUT -o OUTPUT", "OPERATION... INPUT... -o DIRECTORY",
                    "OPERATION... --plan INPUT..."],
            examples: [
                ("dicomtool derive --frames 1,3,5-7 cine.dcm -o some.dcm", "Keep five frames of a multi-frame image."),
                ("dicomtool derive --split-frames dose.dcm -o planes/dose.dcm", "One instance per frame: planes/dose_f0001.dcm..."),
                ("dicomtool derive --crop 100,80,256,256 --downsample 2 ct.dcm -o small.dcm", "Crop, then halve."),
                ("dicomtool derive --to-8bit --window 40,400 ct.dcm -o ct8.dcm", "A soft-tissue window as 8-bit grayscale."),
                ("dicomtool derive --lossy jpeg:quality=80 --new-series scans/ -o lossy/", "Lossy copies in a new series."),
            ],
            argsType: DeriveArgs.self),
        Command(
            id: .echo,
            summary: "check that a DICOM peer answers (C-ECHO)",
            details: """
            Open an association with the peer, send C-ECHO (the Verification service) and print the \
            status and round-trip time of each answer, then release the association. The address is \
            the peer's AE title, host and port. Exit status 60 when the peer cannot be reached, 61 \
            when it rejects the association, 62 when it aborts or times out.
            """,
            usage: ["[OPTIONS] AET@HOST:PORT"],
            examples: [
                ("dicomtool echo PACS@10.0.0.5:104", "Check that the PACS answers."),
                ("dicomtool echo --repeat 10 --calling-aet WS1 PACS@pacs:11112", "Ten echoes on one association, as WS1."),
            ],
            argsType: EchoArgs.self),
        Command(
            id: .send,
            summary: "send DICOM files to a peer (C-STORE)",
            details: """
            Send every input to the peer with C-STORE, many instances per association. The contexts \
            proposed come from the files' SOP classes and transfer syntaxes, with Explicit and Implicit \
            VR Little Endian and the lossless compressed syntaxes as fallbacks; at most 128 go on one \
            association, and more combinations open more associations. A file whose syntax the peer accepted is sent as it is, straight \
            from the file; otherwise it is converted on the fly, bit-exact, to a syntax the peer \
            accepted; a lossy conversion happens only with --allow-lossy, and then with the full lossy \
            bookkeeping (new SOP Instance UID, Lossy Image Compression, Source Image Sequence). A file \
            that cannot be sent without loss is refused with the reason.

            Each file gets the peer's status: a warning is reported (an error with \
            --warnings-as-errors), a failure gives exit status 63. Transient failures (connection \
            lost, aborted, timed out, 0xA7xx out of resources) are retried with --retry. With \
            --done-file, each instance stored is recorded, and a rerun sends only what is left.
            """,
            usage: ["[OPTIONS] --to AET@HOST:PORT INPUT...", "[OPTIONS] --to AET@HOST:PORT --files-from FILE"],
            examples: [
                ("dicomtool send --to PACS@pacs:104 study/", "Send a study, converting what the PACS refuses."),
                ("dicomtool send -j 4 --retry 3 --done-file sent.txt --to PACS@pacs:104 /archive/2019/",
                 "Four associations, retries, and a record that lets a rerun resume."),
                ("dicomtool send --allow-lossy JPEGBaseline8Bit --to VIEWER@ws:11112 ct/", "Allow JPEG baseline for a peer that takes nothing else."),
            ],
            argsType: SendArgs.self),
        Command(
            id: .receive,
            summary: "receive instances from DICOM peers (C-STORE SCP) into a directory",
            details: """
            Listen for associations and store every instance sent with C-STORE (and answer C-ECHO). \
            Each instance is written as it arrives into a temporary file in the output directory: the \
            data set exactly as received, after a Part 10 meta header built from the request (SOP \
            Class and Instance UIDs, the negotiated transfer syntax, and the sender's AE title as \
            Source Application Entity Title). When complete it is renamed into place under --layout \
            and only then acknowledged, so a success status means the file is there; a full disk \
            answers Out of Resources (A700) and a peer that aborts or drops mid-instance leaves \
            nothing behind. Every storage SOP class of the standard and every transfer syntax are \
            accepted. Defaults: AE title DICOMTOOL; maximum PDU received 256 KiB (dcmtk and \
            pynetdicom announce 16 KiB; larger PDUs mean fewer headers, reads and wake-ups per \
            image); ARTIM 30 s (an A-ASSOCIATE-RQ must come within it); DIMSE time-out 60 s (an \
            association silent longer is aborted); study end 60 s. SIGINT or SIGTERM stops \
            listening, lets each association finish the instance in flight (then aborts it: an \
            acceptor cannot release), runs pending study hooks and waits for hook programs: exit 0 \
            after SIGTERM, 130 after SIGINT. Exit 60 when the port cannot be bound, 40 when an \
            instance could not be written (Out of Resources was answered), 0 otherwise (--once, \
            --idle-timeout). With --format json each event is a JSON Lines record whose type is \
            listening (with the port bound), association, association-end, stored, duplicate, \
            failed, discarded, rejected, error, exec or stopping.
            """,
            usage: ["--port N -o DIRECTORY [OPTIONS]"],
            examples: [
                ("dicomtool receive --port 11112 -o /data", "File every instance as /data/SOPInstanceUID.dcm."),
                ("dicomtool receive --port 11112 --aet ARCHIVE -o /data --layout {PatientID}/{StudyInstanceUID}/{SOPInstanceUID}.dcm",
                 "A folder per patient and study, as ARCHIVE."),
                ("dicomtool receive --port 11112 -o /data --exec-on-study ingest-study --study-timeout 30",
                 "Run ingest-study once a study has had no new instance for 30 s (add {dir} in quotes for its folder)."),
                ("dicomtool receive --port 0 --bind 127.0.0.1 --once --format json -o out", "For tests: any free port, reported; stop after one association."),
            ],
            argsType: ReceiveArgs.self),
        Command(
            id: .modify,
            summary: "change attributes of DICOM files in place, as dcmodify",
            details: """
            Apply edits to each input in the order given: --set inserts or replaces, --replace \
            changes only what is present, --erase and --erase-all remove, --erase-private removes \
            every private element; then --new-sop-uid, --new-series-uid and --new-study-uid renew \
            UIDs (the same new UID for every file of a series or study; keyed by --secret-file so that \
            shards and reruns agree), with the meta and the references in the file in step. Paths \
            reach into sequence items (Seq[0].Attr, Seq[*].Attr) and private elements by creator \
            ((0029,{SIEMENS CSA HEADER},10)).

            Every value is checked against its attribute's VR and VM before anything is written; a \
            refused edit leaves the file untouched. Text is converted into the Specific Character \
            Set, or the set becomes ISO_IR 192 when it cannot hold the text (a warning; existing text \
            re-encoded to the same characters).

            modify is the one command that changes its inputs: in place by default (atomically: the \
            new file is written beside the old one and renamed over it; --backup keeps FILE.bak), or \
            into -o FILE or -o DIRECTORY (the input tree mirrored). Pixel data and every element not \
            named keep their value bytes, and the transfer syntax is kept (a deflated file is \
            deflated again); as every dicomtool writer does, group lengths (gggg,0000) are left out, \
            sequences are written with undefined length and an odd-length value gets its padding \
            byte. A file whose edits change nothing is not rewritten in place. Directory walks leave \
            out *.bak files.
            """,
            usage: ["EDIT... [OPTIONS] INPUT...", "EDIT... INPUT -o OUTPUT", "EDIT... --plan INPUT..."],
            examples: [
                ("dicomtool modify --set PatientName=Doe^Jane --set PatientID=12345 scans/",
                 "Relabel every file of a tree in place."),
                ("dicomtool modify --replace 'ReferencedSeriesSequence[*].SeriesInstanceUID=1.2.3' --backup a.dcm",
                 "Change a value in every item where it is present, keeping a.dcm.bak."),
                ("dicomtool modify --erase-private --erase-all OtherPatientIDsSequence in/ -o clean/",
                 "Write cleaned copies instead of changing the inputs."),
                ("dicomtool modify --new-series-uid --secret-file key --shard 2/4 scans/",
                 "New series UIDs, keyed, so every shard gives the same ones."),
                ("dicomtool modify --set '(0029,{ACME 1.0},10)@note.txt' --plan a.dcm",
                 "Show a private value from a file, with its creator inserted, without writing."),
            ],
            argsType: ModifyArgs.self),
        Command(
            id: .create,
            summary: "make a DICOM file from its JSON or XML model",
            details: """
            Write a Part 10 file from the DICOM JSON model (PS3.18 Annex F: dump --json, pydicom's \
            Dataset.to_json, dcm2json) or the Native DICOM Model XML (PS3.19: dump --xml, dcm2xml \
            --native-format), as dcmtk's json2dcm and xml2dcm. InlineBinary and BulkDataURIs (file:// \
            with offset and length, as dump writes them, or paths relative to the input) are \
            resolved; person names, numbers, AT, sequences, empty values and private elements (with \
            their creators) are read as the models write them.

            Every value is checked against its attribute's VR and VM before anything is written, and \
            a value that fails is refused with the JSON path ($["00081140"].Value[0]["00081155"]) or \
            the XML line and the reason (exit status 22; --accept-invalid writes it with a warning). \
            Text is encoded into the data set's Specific Character Set; when a value cannot be \
            written in it, the data set becomes ISO_IR 192 (UTF-8), with a warning. The File Meta \
            Information is built from SOP Class and SOP Instance UID, which the input must have \
            (--invent-uids makes a missing instance UID).

            A DICOMDIR's model (a Directory Record Sequence, no SOP Class UID) makes a DICOMDIR: \
            Media Storage SOP Class 1.2.840.10008.1.3.10, a new instance UID unless the input \
            gives (0002,0003), Explicit VR Little Endian (PS3.10 8.6), and the record offsets \
            (0004,1200/1202/1400/1420), which in the model are positions in the file it came from, \
            resolved to records and written for the new bytes by the writer dicomdir uses.

            The output is Explicit VR Little Endian unless a target says otherwise: every target of \
            transcode, with its codec options, through the same transcoder (lossy targets record \
            their history as transcode does). Written to a temporary file and renamed into place.
            """,
            usage: ["[TARGET] [OPTIONS] --json INPUT -o OUTPUT", "[TARGET] [OPTIONS] --xml INPUT -o OUTPUT"],
            examples: [
                ("dicomtool create --json image.json -o image.dcm", "Make a file from its JSON model."),
                ("dicomtool create --json - -o out.dcm", "Read the model from standard input (after 'dicomtool dump --json in.dcm |')."),
                ("dicomtool create --xml cd.xml -o cd/DICOMDIR", "Rebuild a DICOMDIR from 'dicomtool dump --xml cd/DICOMDIR' (offsets made anew)."),
                ("dicomtool create --xml --jpeg2000 image.xml -o image.dcm", "From XML, compressed losslessly with JPEG 2000."),
                ("dicomtool create --ts JPEGLSLossless ct-ls.json -o ct-ls.dcm",
                 "Rebuild a JPEG-LS file: its fragments copied as they are (the target names their syntax)."),
            ],
            argsType: CreateArgs.self),
        Command(
            id: .render,
            summary: "make PNG or JPEG pictures of DICOM images",
            details: """
            Render each input's image as a picture, as a viewer shows it: for grey images the \
            pipeline of PS3.4 N.2.1 (stored values through the Modality LUT -- Rescale Slope and \
            Intercept or the Modality LUT Sequence --, the VOI -- a window with its VOI LUT Function, \
            a VOI LUT, or a range found in the frame's values --, then Presentation LUT Shape \
            INVERSE or MONOCHROME1 inverted); colour images converted to RGB (YBR_FULL, native \
            YBR_FULL_422, palettes with segmented or 16-bit LUTs, either planar configuration). \
            Every transfer syntax dicomtool reads is decoded, one frame at a time.

            Without a VOI flag the image's first window is used, else its first VOI LUT, else the \
            frame's smallest and largest values. Pictures are PNG (8 or 16 bits, libpng) or JPEG \
            (libjpeg-turbo). For a tree, -o DIRECTORY mirrors the input names with .png or .jpg. \
            Each picture is written to a temporary file and renamed; inputs are never modified. \
            With --format json, a record per input lists its pictures and the VOI each got.
            """,
            usage: ["[OPTIONS] INPUT -o PICTURE", "[OPTIONS] INPUT... -o DIRECTORY"],
            examples: [
                ("dicomtool render ct.dcm -o ct.png", "The image as its first window shows it."),
                ("dicomtool render --window 40,400 ct.dcm -o soft.png", "A soft-tissue window, in Hounsfield units."),
                ("dicomtool render --frames all cine.dcm -o cine.png", "Every frame: cine_f0001.png, cine_f0002.png..."),
                ("dicomtool render --montage 4x3 --size 128 cine.dcm -o sheet.jpg", "A contact sheet of 12 frames as JPEG."),
                ("dicomtool render --size 256 --percentile 1,99 -j 8 scans/ -o thumbs/", "Thumbnails of a tree."),
                ("dicomtool render --bits 16 --minmax mr.dcm -o mr16.png", "A 16-bit grey PNG of the full range."),
            ],
            argsType: RenderArgs.self),
        Command(
            id: .find,
            summary: "query a PACS or a worklist (C-FIND)",
            details: """
            Ask the peer which patients, studies, series or images match the keys (C-FIND in the \
            Study Root or Patient Root Query/Retrieve model), or which procedure steps are scheduled \
            (--worklist, the Modality Worklist model). Keys are named as modify names attributes \
            (keyword, tag, or a path into sequence items) and checked before anything is sent: -k \
            KEY=VALUE matches (single values, UID lists, wild cards, date and time ranges), -k KEY \
            or -r KEY asks for the attribute back. The Query/Retrieve Level comes from --level, and \
            the unique keys of that level and those above it are asked for when not given. Values \
            are typed in UTF-8 (ISO_IR 192 is announced when the default repertoire cannot hold \
            them); matches are shown in UTF-8 whatever character set they announce, with a warning \
            for bytes that are not characters of it.

            Each match is written as it arrives: a table (one row per match, a column per key in \
            the order given), CSV (--format csv), one PS3.18 JSON array (--json, as dump --json \
            writes data sets), or JSON Lines (--format json: a match record carrying its PS3.18 \
            data set, then a summary record with the final status). --limit N sends C-CANCEL after \
            N matches. Exit status 0 on success with or without matches; 60 when the peer cannot \
            be reached, 61 when it rejects the association or the model, 62 when it aborts, times \
            out (--dimse-timeout) or sends a malformed or oversized response, 63 when it answers a \
            failure status (A700 out of resources, A900 identifier does not match, Cxxx unable to \
            process).
            """,
            usage: ["--to AET@HOST:PORT [--level LEVEL] [-k KEY=VALUE]... [-r KEY]... [OPTIONS]",
                    "--to AET@HOST:PORT --worklist [-k PATH=VALUE]... [-r PATH]... [OPTIONS]"],
            examples: [
                ("dicomtool find --to PACS@pacs:104 --level study -k PatientID=12345 -k StudyDate=20240101-20241231 -r StudyDescription -r ModalitiesInStudy",
                 "A patient's studies of 2024, with their descriptions and modalities."),
                ("dicomtool find --to PACS@pacs:104 --level series -k StudyInstanceUID=1.2.3 --format json > series.jsonl",
                 "The series of a study as JSON Lines, for scripts (and get --query)."),
                ("dicomtool find --to PACS@pacs:104 --level patient -k 'PatientName=DOE^J*' --format csv", "Patients by name, as CSV."),
                ("dicomtool find --to RIS@ris:104 --worklist -k 'ScheduledProcedureStepSequence[0].Modality=CT' -r PatientName",
                 "Today's CT worklist."),
                ("dicomtool find --to PACS@pacs:104 --level image -k StudyInstanceUID=1.2.3 --limit 10 --json", "The first ten images of a study."),
            ],
            argsType: FindArgs.self),
        Command(
            id: .get,
            summary: "retrieve instances from a PACS (C-GET), no inbound port needed",
            details: """
            Retrieve instances with C-GET: the archive sends them back on the same association \
            (dicomtool takes the storage SCP role by role selection), so no port has to be open to \
            it (CI containers, NAT). What to retrieve is -k keys at --level (C-GET needs unique \
            keys: any keys, a Patient ID or a date range, are first resolved to instances with \
            C-FIND at the IMAGE level) or --query FILE, the output of find. Storage contexts are \
            proposed for the SOP classes found (at most 128 contexts an association: more open \
            more associations), each with the uncompressed syntaxes and, when they fit, a context \
            per compressed syntax so that the archive sends what it holds without converting it. \
            Instances are retrieved a series at a time (at IMAGE level, the instances matched, as \
            UID lists) and written by receive's writer: streamed to a temporary file, renamed into \
            -o DIR under --layout, the data set exactly as received, acknowledged after the rename. \
            Each instance is reported as receive reports it; each C-GET's final status and counts \
            follow, with the failed sub-operations by SOP Instance UID. Exit status 63 when a \
            sub-operation failed, 60/61/62 as for find.
            """,
            usage: ["--from AET@HOST:PORT -k KEY=VALUE... [--level LEVEL] -o DIR [OPTIONS]",
                    "--from AET@HOST:PORT --query FILE|- -o DIR [OPTIONS]"],
            examples: [
                ("dicomtool get --from PACS@pacs:104 -k StudyInstanceUID=1.2.3 -o pulled/", "Retrieve a study."),
                ("dicomtool get --from PACS@pacs:104 -k PatientID=12345 -k StudyDate=20240101-20241231 -o pulled/ --layout {PatientID}/{StudyInstanceUID}/{SOPInstanceUID}.dcm",
                 "A patient's studies of 2024, filed by study."),
                ("dicomtool get --from PACS@pacs:104 --query series.jsonl -o pulled/",
                 "Retrieve what find --format json listed (--query - reads it from a pipe)."),
            ],
            argsType: GetArgs.self),
        Command(
            id: .commit,
            summary: "ask a peer to commit to keeping instances (storage commitment)",
            details: """
            Ask the peer, with the Storage Commitment Push Model (PS3.4 Annex J), whether it has \
            taken responsibility for the inputs' instances: an N-ACTION per transaction (at most \
            --per-request instances each) naming each instance by its SOP Class and Instance UIDs, \
            read from the files' headers (pixel data is not read) or from the JSON Lines that \
            'send --format json' wrote (--from-send: the instances sent). The peer answers with an \
            N-EVENT-REPORT per transaction: on the same association, which is held open for up to \
            --report-timeout seconds, or, with --receive-port, on an association it opens to the \
            listener commit runs meanwhile (the peer must know this AE title, host and port, as \
            Orthanc's DicomModalities list them); the request's association is then released at once.

            One line (or JSON record) per input: committed, or not with the reason (the peer's \
            Failure Reason, no report in time, the report not naming it, the N-ACTION refused). Exit \
            status 0 only when every instance is committed; 64 when any is not (or has no report); \
            60 to 62 when the association failed before the request was answered. Nothing is deleted: \
            the exit status is what a migration script checks before it deletes the source.
            """,
            usage: ["--to AET@HOST:PORT [OPTIONS] INPUT...", "--to AET@HOST:PORT --from-send FILE",
                    "--to AET@HOST:PORT --receive-port PORT [OPTIONS] INPUT..."],
            examples: [
                ("dicomtool commit --to PACS@pacs:104 study/", "Ask the PACS to commit every instance under study/, waiting for the report on the same association."),
                ("dicomtool commit --to PACS@pacs:104 --from-send sent.jsonl",
                 "Ask for commitment of exactly what 'dicomtool send --format json --to PACS@pacs:104 study/ > sent.jsonl' sent."),
                ("dicomtool commit --to ORTHANC@pacs:4242 --receive-port 11113 --calling-aet DT study/",
                 "Orthanc reports on a new association, to the modality it lists as DT at port 11113."),
            ],
            argsType: CommitArgs.self),
        Command(
            id: .dicomdir,
            summary: "make, update and list DICOMDIRs of media file-sets",
            details: """
            Build the DICOMDIR of a file-set (PS3.10, PS3.3 Annex F) for the general purpose media \
            profiles of PS3.11, as dcmmkdir and dcmgpdir do: a PATIENT, STUDY and SERIES record for \
            each patient, study and series, and under each series a record per instance whose type \
            follows its SOP class (IMAGE, RT DOSE, RT STRUCTURE SET, RT PLAN, SR DOCUMENT, \
            PRESENTATION, WAVEFORM, ENCAP DOC, RAW DATA, REGISTRATION ...), each with the keys of \
            PS3.3 F.5 copied from the file. Series are ordered by Series Number and instances by \
            Instance Number. The DICOMDIR is written in Explicit VR Little Endian with a Media Storage \
            Directory meta header and every record offset computed, to a temporary file renamed into \
            place, by the same code that keeps DICOMDIRs in step when transcode, anonymize and derive \
            rewrite a tree.

            Files whose transfer syntax the --profile does not allow, or whose path is not a File ID \
            (8 components of 1 to 8 characters of A-Z, 0-9, _) are reported and left out (errors with \
            --strict); --rename with -o writes a copy whose names conform. Files that cannot be read, \
            or lack a Type 1 key without --invent, are errors (status 22) and left out; the DICOMDIR \
            is written for the rest.
            """,
            usage: ["SUBCOMMAND [OPTIONS] ..."],
            examples: [],
            argsType: DicomdirArgs.self,
            subcommands: [
                Subcommand(
                    name: "create", summary: "write the DICOMDIR of a directory tree",
                    details: """
                    Write DIR/DICOMDIR for every DICOM file under DIR (refused when DIR/DICOMDIR exists: \
                    use update). With -o OUTDIR the file-set is written there instead: each file copied \
                    (under a conforming name with --rename, each renamed path reported) and OUTDIR/DICOMDIR; \
                    DIR is never changed.
                    """,
                    usage: ["[OPTIONS] DIR", "--rename [OPTIONS] DIR -o OUTDIR"],
                    examples: [
                        ("dicomtool dicomdir create cd/", "Write cd/DICOMDIR for the STD-GEN-CD profile."),
                        ("dicomtool dicomdir create --profile STD-GEN-USB-JPEG --invent --file-set-id STICK1 usb/",
                         "A USB file-set with JPEG images, inventing missing keys."),
                        ("dicomtool dicomdir create --rename --profile STD-GEN-MIME scans/ -o media/",
                         "Copy a tree with any names into media/ under File IDs, with its DICOMDIR."),
                    ]),
                Subcommand(
                    name: "update", summary: "add new files to a DICOMDIR, drop the missing, refresh the rest",
                    details: """
                    Read DIR/DICOMDIR and write it anew (atomically, in place): records for the files \
                    under DIR that it does not reference yet are added, records whose file is gone are \
                    dropped (each reported), and every record's Referenced SOP Class, SOP Instance and \
                    Transfer Syntax UIDs are taken from its file, so that a tree rewritten in shards \
                    (transcode --shard) gets a DICOMDIR true to every file. The File-set ID and the \
                    DICOMDIR's SOP Instance UID are kept.
                    """,
                    usage: ["[OPTIONS] DIR"],
                    examples: [
                        ("dicomtool dicomdir update cd/", "Add the files copied into cd/ since its DICOMDIR was made."),
                    ]),
                Subcommand(
                    name: "list", summary: "print the record tree of a DICOMDIR",
                    details: """
                    Print the records, patient -> study -> series -> instance, one per line indented by \
                    level, with their keys and the File ID each references; with --format json one JSON \
                    Lines record per directory record (index, parent, depth, recordType, keys, fileID and \
                    the referenced UIDs). DICOMDIR may be the file or the directory holding it.
                    """,
                    usage: ["[OPTIONS] DICOMDIR"],
                    examples: [
                        ("dicomtool dicomdir list cd/DICOMDIR", "Show what a CD holds."),
                        ("dicomtool dicomdir list --format json cd/ > records.jsonl", "The records as JSON Lines, each with its parent."),
                    ]),
            ]),
        Command(
            id: .move,
            summary: "have a peer send instances to an AE or to dicomtool (C-MOVE)",
            details: """
            Ask the peer (C-MOVE, Study or Patient Root) to store the instances its keys name at \
            the Move Destination: a third AE the peer knows (--dest), or this process with \
            --receive-port, where a receiver takes them as 'receive' would (our calling AE title, \
            which the peer must list with this host and port; files under -o, each written to a \
            temporary file and renamed, bit-preserving). C-MOVE needs unique keys (PS3.4 C.4.2): \
            keys that are the unique keys of the level (a Study, Series or SOP Instance UID, or a \
            list of them) go to the peer as they are; other keys (a Patient ID in Study Root, a \
            date range, a wild card) and find's output given with --query are resolved with C-FIND \
            first, then moved with one C-MOVE per series (or list of instances), on one association.

            Each response must come within --dimse-timeout, and pending responses that count no \
            new completed, failed or warning sub-operation do not extend that wait: a peer that \
            never answers or repeats the same progress for ever is given up (exit 62).

            Progress comes from the peer's pending responses (remaining, completed, failed, \
            warning), one line each on standard error; the final counts and the Failed SOP Instance \
            UID List are printed at the end. Exit status 63 when the peer reports a failure or a \
            failed sub-operation.
            """,
            usage: ["--from AET@HOST:PORT --dest AET (-k KEY=VALUE... | --query FILE|-)",
                    "--from AET@HOST:PORT --receive-port PORT -o DIR (-k KEY=VALUE... | --query FILE|-)"],
            examples: [
                ("dicomtool move --from OLD@old:104 --dest NEW -k StudyInstanceUID=1.2.3", "Third-party move: OLD sends the study to NEW."),
                ("dicomtool move --from OLD@old:104 --calling-aet DT --receive-port 11113 -o pulled/ -k StudyInstanceUID=1.2.3",
                 "Move to dicomtool itself: OLD must list DT at this host, port 11113."),
                ("dicomtool move --from OLD@old:104 --dest NEW --query series.jsonl",
                 "Move what 'find --level series --format json' wrote to series.jsonl: one C-MOVE per series."),
            ],
            argsType: MoveArgs.self),
    ]

    public static func command(_ id: CommandID) -> Command? { all.first { $0.id == id } }
}
