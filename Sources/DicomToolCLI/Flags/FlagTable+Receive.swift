import DicomCore
import DicomNet
import DicomServices

extension FlagTable {
    private static let receiveScope: FlagScope = .commands([.receive])

    private static func seconds(_ field: WritableKeyPath<ReceiveArgs, Int> & Sendable) -> FlagUpdate<ReceiveArgs> {
        FlagUpdate.integer(field, in: 1...86_400 * 7)
    }

    static let receive: [Flag] = [
        Flag(.port, value: "N", category: .network, scope: receiveScope,
             summary: "TCP port to listen on (0: any free port)",
             details: """
             The port to listen on. 0 takes any free port; the port bound is reported in the \
             'listening' event (text, or JSON with --format json), so scripts and tests can use it.
             """,
             updates: [FlagUpdate<ReceiveArgs>.custom { args, text, spelling throws(DicomError) in
                 args.port = try LowArgs.integer(text, spelling: spelling, in: 0...65535)
             }]),
        Flag(.aet, value: "AET", category: .network, scope: receiveScope,
             summary: "our AE title: associations calling another are rejected",
             details: """
             The called AE title this receiver answers to. An association request calling any other \
             title is rejected (reason: called AE title not recognized), so a sender configured for \
             another node learns it at once instead of filing images in the wrong archive. The \
             default is dcmtk's and echo's calling title, DICOMTOOL.
             """,
             defaultValue: "DICOMTOOL",
             updates: [FlagUpdate.aeTitle(\ReceiveArgs.aeTitle)]),
        Flag(.bind, value: "ADDRESS", category: .network, scope: .commands([.receive, .commit]),
             summary: "address to listen on (commit: with --receive-port)",
             details: "The local address to listen on: 0.0.0.0 (every IPv4 interface), 127.0.0.1 (this machine only), ::, or one address.",
             defaultValue: "0.0.0.0",
             updates: [FlagUpdate<ReceiveArgs>.custom { args, text, _ in args.bind = text },
                       FlagUpdate<CommitArgs>.custom { args, text, _ in args.receiveHost = text }]),
        Flag(.onDuplicate, value: "POLICY", category: .network, scope: .commands([.receive, .get]),
             summary: "an instance already stored: keep both, replace, or reject",
             details: """
             What happens when an instance's path is already taken (the same SOP Instance UID with \
             the default layout): 'keep' files the newer one under a suffixed name (UID_1.dcm, \
             UID_2.dcm, ...), 'replace' renames it over the older one, 'reject' answers failure 0111 \
             (Duplicate SOP Instance) and keeps the older. Each case is reported as a duplicate event.
             """,
             defaultValue: "keep", choices: ["keep", "replace", "reject"],
             updates: [FlagUpdate.choice(\ReceiveArgs.onDuplicate), FlagUpdate.choice(\GetArgs.onDuplicate)]),
        Flag(.execOnFile, value: "COMMAND", category: .network, scope: receiveScope,
             summary: "run COMMAND for each stored file ({file}, {dir}, keywords)",
             details: """
             Run a program for each instance once it is stored and acknowledged. COMMAND is split \
             into words here (spaces; quotes group), then {file}, {dir}, {calling-aet} and attribute \
             keywords ({PatientID}, {StudyInstanceUID}, ...) are replaced inside each word, and the \
             program runs with posix_spawn, never a shell: a value holding spaces, quotes, ';' or \
             '$(...)' arrives as one argument, verbatim (a value may begin with '-': put '--' before \
             the placeholders if the program reads options). Its standard output goes to our \
             standard error; its exit status is reported (exec event).
             """,
             updates: [FlagUpdate.text(\ReceiveArgs.execOnFile)]),
        Flag(.execOnStudy, value: "COMMAND", category: .network, scope: receiveScope,
             summary: "run COMMAND when a study is complete ({dir}, {count}, keywords)",
             details: """
             Run a program once per study, when no instance of it has arrived for --study-timeout \
             seconds (and for studies still open when the receiver stops). {dir} is the deepest \
             directory holding all of the study's files, {count} their number; attribute keywords take \
             the values of the study's last instance. Split and run as --exec-on-file, without a shell.
             """,
             updates: [FlagUpdate.text(\ReceiveArgs.execOnStudy)]),
        Flag(.studyTimeout, value: "SECONDS", category: .network, scope: receiveScope,
             summary: "a study is complete after this long without an instance",
             details: "The study-end time-out of --exec-on-study.",
             defaultValue: "60",
             updates: [seconds(\ReceiveArgs.studyTimeout)]),
        Flag(.maxAssociations, value: "N", category: .network, scope: receiveScope,
             summary: "associations served at once",
             details: """
             At most N associations at once; the next request is rejected transiently (reason: \
             local limit exceeded), and the sender may retry. Each association holds a few PDUs (of at \
             most 256 KiB) in memory, never a whole instance.
             """,
             defaultValue: "32",
             updates: [FlagUpdate.integer(\ReceiveArgs.maxAssociations, in: 1...4096)]),
        Flag(.acceptUnknown, category: .network, scope: receiveScope,
             summary: "accept any SOP class, private ones too",
             details: """
             Accept presentation contexts for any abstract syntax, not only the storage SOP classes of \
             the standard (and Verification): private SOP classes are then stored as they come.
             """,
             updates: [FlagUpdate.toggle(\ReceiveArgs.acceptUnknown)]),
        Flag(.prefer, value: "LIST", category: .network, scope: receiveScope,
             summary: "transfer syntaxes preferred, or 'requestor'",
             details: """
             Which transfer syntax to accept when a presentation context proposes several: 'requestor' \
             takes the sender's first (senders list a file's own syntax first, so it travels as is); a \
             comma-separated list of UIDs or keywords (ExplicitVRLittleEndian,JPEG2000Lossless) puts \
             those first, in that order. Which syntaxes are accepted at all is --accept-syntaxes.
             """,
             defaultValue: "requestor",
             updates: [FlagUpdate.text(\ReceiveArgs.prefer)]),
        Flag(.acceptSyntaxes, value: "LIST", category: .network, scope: receiveScope,
             summary: "accept only these transfer syntaxes",
             details: """
             Accept presentation contexts only in these transfer syntaxes (comma-separated UIDs or \
             keywords), as storescp +xi accepts Implicit VR Little Endian only: a sender then \
             converts, or fails, before anything is stored. Default: every transfer syntax of the \
             standard, since a data set is stored as it arrives.
             """,
             updates: [FlagUpdate.text(\ReceiveArgs.acceptSyntaxes)]),
        Flag(.acseTimeout, value: "SECONDS", category: .network, scope: receiveScope,
             summary: "ARTIM: how long a connection may take to associate, or to close",
             details: """
             The ARTIM timer of PS3.8 9.1.5: a connection that has not sent its A-ASSOCIATE-RQ within \
             this many seconds is closed, as is one whose peer does not close it this long after a \
             rejection or release, so connections opened and left idle do not use up file descriptors.
             """,
             defaultValue: "30",
             updates: [FlagUpdate.seconds(\ReceiveArgs.acseTimeout)]),
        Flag(.idleTimeout, value: "SECONDS", category: .network, scope: receiveScope,
             summary: "stop after this long without an association",
             details: "Stop (exit 0) when no association has been open for this many seconds. Without it, receive runs until a signal.",
             updates: [FlagUpdate.integer(\ReceiveArgs.idleTimeout, in: 1...86_400 * 7)]),
        Flag(.once, category: .network, scope: receiveScope,
             summary: "stop after the first association ends",
             details: "Stop once the first accepted association has ended (released or aborted), for scripts and tests.",
             updates: [FlagUpdate.toggle(\ReceiveArgs.once)]),
        Flag(.commitment, category: .network, scope: receiveScope,
             summary: "answer storage commitment for the instances stored under -o",
             details: """
             Serve the Storage Commitment Push Model (PS3.4 Annex J): an N-ACTION naming instances is \
             answered, then reported on with N-EVENT-REPORT: committed when this run, or an earlier \
             run with --commitment into the same -o directory, stored the instance under that SOP \
             class and its file is still in place, else failed with reason 0112 (no such object \
             instance) or 0119 (class/instance conflict). What each run stores is appended to \
             .dicomtool-commitment.tsv in the output directory (one line per instance; instances \
             stored without --commitment are not in it). The report goes on the association of the \
             request; when the requester has released it first, on a new association to \
             --commitment-peer.
             """,
             updates: [FlagUpdate.toggle(\ReceiveArgs.commitment)]),
        Flag(.commitmentPeer, value: "AET@HOST:PORT", category: .network, scope: receiveScope,
             summary: "where to send a storage commitment report on a new association",
             details: """
             The requester's listener (its AE title, host and port, as Orthanc's DicomModalities name \
             them) for reports whose association ended before the report was answered. The \
             association proposes the SCP role of the Push Model. Without it such a report is \
             reported as not delivered.
             """,
             updates: [FlagUpdate<ReceiveArgs>.custom { args, text, _ throws(DicomError) in
                 do throws(NetError) {
                     args.commitmentPeer = try AssociationAddress(parsing: text)
                 } catch {
                     throw DicomError(.usage, error.message)
                 }
             }]),
    ]
}
