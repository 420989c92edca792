import DicomCore
import DicomServices

extension FlagTable {
    private static let commitScope: FlagScope = .commands([.commit])

    static let commit: [Flag] = [
        Flag(.reportTimeout, value: "SECONDS", category: .network, scope: commitScope,
             summary: "how long to wait for the storage commitment reports",
             details: """
             Wait this many seconds, from the last N-ACTION answered, for the peer's N-EVENT-REPORTs. \
             Instances whose transaction has no report by then are reported as not committed (no \
             report), and the exit status is 64. A PACS that commits only once its archive copy is \
             written may need minutes.
             """,
             defaultValue: "60",
             updates: [FlagUpdate.integer(\CommitArgs.reportTimeoutSeconds, in: 1...86_400 * 7)]),
        Flag(.receivePort, value: "PORT", category: .network, scope: .commands([.commit, .move]),
             summary: "listen on PORT for reports (commit) or the instances moved (move)",
             details: """
             Listen on PORT (0: any free port, reported on standard error) for the associations the \
             peer opens to send its N-EVENT-REPORTs (it takes the SCP role of the Storage Commitment \
             Push Model; the listener accepts that role and answers to the --calling-aet title). The \
             reports are awaited here and on the request's association at once (a peer may use \
             either), until every transaction has one or the report time-out; the request's \
             association is then released. Orthanc always reports on a new association, to the AE its DicomModalities list \
             for our calling AE title. move: a receiver in this process takes the instances moved to \
             our AE title (or --dest) and files them under -o as receive does (default layout).
             """,
             updates: [FlagUpdate<CommitArgs>.custom { args, text, spelling throws(DicomError) in
                 args.receivePort = try LowArgs.integer(text, spelling: spelling, in: 0...65535)
             }, FlagUpdate<MoveArgs>.custom { args, text, spelling throws(DicomError) in
                 args.receivePort = try LowArgs.integer(text, spelling: spelling, in: 0...65535)
             }]),
        Flag(.fromSend, value: "FILE", category: .input, scope: commitScope,
             summary: "the instances sent, from send's JSON Lines ('-' for stdin)",
             details: """
             Read the instances from the JSON Lines that 'send --format json' wrote: each item \
             record with "sent": true gives the SOP Class and Instance UIDs the peer stored (after \
             a lossy conversion, the new instance's). Records of other types, and of inputs not \
             sent, are left out. May be combined with inputs.
             """,
             path: true,
             updates: [FlagUpdate.text(\CommitArgs.fromSend)]),
        Flag(.perRequest, value: "N", category: .network, scope: commitScope,
             summary: "at most N instances per N-ACTION (one transaction each)",
             details: """
             Split the request into transactions of at most N instances, each its own N-ACTION and \
             report. One data set holds every reference of a transaction (about 150 bytes each), so \
             the default keeps requests and reports near 150 KB, within what SCPs accept, and a \
             report that never comes leaves at most N instances to ask about again.
             """,
             defaultValue: String(CommitmentSCU.defaultInstancesPerRequest),
             updates: [FlagUpdate.integer(\CommitArgs.perRequest, in: 1...1_000_000)]),
    ]
}
