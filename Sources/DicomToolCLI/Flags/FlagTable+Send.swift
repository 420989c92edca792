import DicomCore
import DicomNet

extension FlagTable {
    private static let sendScope: FlagScope = .commands([.send])

    static let send: [Flag] = [
        Flag(.to, value: "AET@HOST:PORT", category: .network, scope: .commands([.send, .find, .commit, .echo]),
             summary: "the peer to send to, query, ask for commitment or echo (required)",
             details: """
             The peer's AE title, host and port; an IPv6 host is written in brackets, PACS@[::1]:104. \
             echo also takes the address as its one argument, as echoscu does.
             """,
             updates: [FlagUpdate<PeerArgs>.custom { args, text, _ throws(DicomError) in args.address = try PeerArgs.address(text) }]),
        Flag(.dimseTimeout, value: "SECONDS", category: .network, scope: .commands([.send, .receive, .find, .get, .commit, .move]),
             summary: "time-out for a response (receive: for the peer's next PDU)",
             details: """
             send, commit: give up on an association when the peer neither takes the data we send nor answers \
             an instance (an N-ACTION) for this many seconds (dcmtk waits forever by default; a script should not). \
             receive: abort an association (A-ABORT) whose peer sends nothing for this many seconds, \
             between the PDUs of a request or between requests, so a peer that stalls in the middle \
             of a data set, or trickles it a byte at a time, cannot hold a connection for ever. \
             find: give up when the peer sends no response for this many seconds; after --limit's \
             C-CANCEL, the final response must come within this many seconds in all.
             """,
             defaultValue: "60",
             updates: [FlagUpdate.seconds(\PeerArgs.dimseTimeoutSeconds), FlagUpdate.seconds(\ReceiveArgs.dimseTimeout)]),
        Flag(.allowLossy, value: "SYNTAX", category: .network, scope: sendScope,
             summary: "allow a lossy conversion to SYNTAX when nothing lossless is accepted",
             details: """
             When the peer accepts none of a file's syntaxes and no lossless one it can be converted \
             to, convert it to SYNTAX (a UID or keyword, e.g. JPEGBaseline8Bit), which is then also \
             proposed. The result is a new instance: Image Type DERIVED, Lossy Image Compression 01 \
             with its ratio and method appended, a new SOP Instance UID and a Source Image Sequence \
             naming the original.
             """,
             updates: [FlagUpdate<SendArgs>.custom { args, text, _ throws(DicomError) in
                 let syntax = try TranscodeArgs.resolveTransferSyntax(text)
                 guard syntax.isEncapsulated, !syntax.isLosslessOnly else {
                     throw DicomError(.usage, "--allow-lossy \(text): \(syntax.name) is not a lossy syntax")
                 }
                 args.allowLossy = syntax
             }]),
        Flag(.retry, value: "N", category: .network, scope: sendScope,
             summary: "retry transient failures N times, with back-off",
             details: """
             An instance whose association is lost, aborted or timed out, or that the peer answers \
             with 0xA7xx (out of resources), is sent again up to N times, after 1 s, 2 s, 4 s ... \
             (at most 30 s) on a new association; the other instances go on. An association that \
             cannot be opened (no connection, or rejected transiently: a peer at its association \
             limit) is tried N more times before its instances fail; a permanent rejection is final.
             """,
             defaultValue: "0",
             updates: [FlagUpdate.integer(\SendArgs.retries, in: 0...100)]),
        Flag(.asyncWindow, value: "N", category: .network, scope: sendScope,
             summary: "requests left unanswered at once, when the peer agrees",
             details: """
             Propose the asynchronous operations window (PS3.7 D.3.3.3): up to N C-STORE requests \
             go out before their responses are in, so each instance travels while the peer still \
             files the previous one. Only a peer that answers with a window of its own is sent to \
             this way (dicomtool receive offers 16; dcmtk, pynetdicom and Orthanc answer none and get \
             one request at a time). 1 does not propose it (some old peers drop an association that \
             proposes it).
             """,
             defaultValue: "16",
             updates: [FlagUpdate.integer(\SendArgs.operationsWindow, in: 1...1024)]),
        Flag(.doneFile, value: "FILE", category: .network, scope: sendScope,
             summary: "record each instance stored; a rerun skips those recorded",
             details: """
             Append one line per instance the peer stored (its SOP Instance UID in the input, a tab, \
             the input's path), as soon as the peer answers. Inputs already listed with the same \
             path and UID are skipped, so a rerun after a failure sends only what is left.
             """,
             path: true,
             updates: [FlagUpdate.text(\SendArgs.doneFile)]),
        Flag(.warningsAsErrors, category: .network, scope: sendScope,
             summary: "count a warning status (0xB000 ...) as a failure",
             details: "A file the peer stored with a warning status fails with exit status 63.",
             updates: [FlagUpdate.toggle(\SendArgs.warningsAsErrors)]),
    ]
}
