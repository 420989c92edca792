import DicomCore
import DicomNet

extension FlagTable {
    private static let moveScope: FlagScope = .commands([.move])

    static let move: [Flag] = [
        Flag(.dest, value: "AET", category: .network, scope: moveScope,
             summary: "the Move Destination: the AE the peer sends the instances to",
             details: """
             The AE title the peer stores the instances at; the peer must know its host and port \
             (Orthanc: DicomModalities; dcmqrscp: its configuration's AETable). With --receive-port \
             it defaults to our calling AE title, and the receiver answers to it.
             """,
             updates: [FlagUpdate<MoveArgs>.custom { args, title, spelling throws(DicomError) in
                 do throws(NetError) {
                     try AssociationAddress.checkAETitle(title, what: spelling)
                 } catch {
                     throw DicomError(.usage, error.message)
                 }
                 args.destination = title
             }]),
    ]
}
