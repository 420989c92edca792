import DicomCore
import DicomNet

extension FlagTable {
    static let get: [Flag] = [
        Flag(.from, value: "AET@HOST:PORT", category: .network, scope: .commands([.get, .move]),
             summary: "the peer to retrieve from (required)",
             details: "The archive's AE title, host and port (the C-GET or C-MOVE SCP); an IPv6 host is written in brackets, PACS@[::1]:104.",
             // The peer of PeerArgs, under the name a retrieval reads best (get --from, send --to).
             updates: [FlagUpdate<PeerArgs>.custom { args, text, _ throws(DicomError) in args.address = try PeerArgs.address(text) }]),
        Flag(.query, value: "FILE", category: .query, scope: .commands([.get, .move]),
             summary: "retrieve what find wrote to FILE ('-' for stdin)",
             details: """
             Read what to retrieve from FILE or standard input: find's JSON Lines (--format json) or \
             one PS3.18 array (--json). Each match's unique keys (Patient ID, Study, Series and SOP \
             Instance UIDs) and level say what to retrieve: whole series for matches above IMAGE, the \
             instances themselves at IMAGE (move: one C-MOVE per series, or per list of instances).
             """,
             path: true,
             updates: [FlagUpdate.text(\GetArgs.query), FlagUpdate.text(\MoveArgs.query)]),
    ]
}
