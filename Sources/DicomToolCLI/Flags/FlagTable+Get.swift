import DicomCore
import DicomNet

extension FlagTable {
    private static let getScope: FlagScope = .commands([.get])

    static let get: [Flag] = [
        Flag(.from, value: "AET@HOST:PORT", category: .network, scope: getScope,
             summary: "the peer to retrieve from (required)",
             details: "The archive's AE title, host and port; an IPv6 host is written in brackets, PACS@[::1]:104.",
             updates: [FlagUpdate<GetArgs>.custom { args, text, _ throws(DicomError) in
                 do throws(NetError) {
                     args.address = try AssociationAddress(parsing: text)
                 } catch {
                     throw DicomError(.usage, error.message)
                 }
             }]),
        Flag(.query, value: "FILE", category: .query, scope: getScope,
             summary: "retrieve what find wrote to FILE ('-' for stdin)",
             details: """
             Read what to retrieve from FILE or standard input: find's JSON Lines (--format json) or \
             one PS3.18 array (--json). Each match's unique keys (Patient ID, Study, Series and SOP \
             Instance UIDs) and level say what to retrieve: whole series for matches above IMAGE, the \
             instances themselves at IMAGE.
             """,
             path: true,
             updates: [FlagUpdate.text(\GetArgs.query)]),
    ]
}
