import DicomCore

extension FlagTable {
    private static let scope: FlagScope = .commands([.create])

    /// create's own flags; --json and --xml (the input model) are dump's, the targets and codec
    /// options transcode's, -o and --sync the writing commands'.
    static let create: [Flag] = [
        Flag(.acceptInvalid, category: .create, scope: scope,
             summary: "write values their VR or VM forbids, with a warning each",
             details: """
             Values are checked against their attribute's VR and VM (PS3.5 6.2, 6.4; PS3.6) before \
             anything is written, and a value that fails is refused (exit status 22) naming the JSON \
             path or XML line. With this flag such values are written as given, with a warning each: \
             for rebuilding files that were already nonconformant (a round trip of dump's output). \
             Values that cannot be encoded at all (a US of 70000, bad base64, an unknown VR) are \
             refused either way.
             """,
             updates: [FlagUpdate.toggle(\CreateArgs.options.acceptInvalid)]),
        Flag(.inventUIDs, category: .create, scope: scope,
             summary: "make a SOP Instance UID when the input has none",
             details: """
             The File Meta Information needs the SOP Class and SOP Instance UIDs of the data set. \
             Without this flag an input lacking SOP Instance UID (0008,0018) is refused; with it a \
             new UID is made (a warning says which). A missing SOP Class UID is always refused: \
             only the input can say what the instance is.
             """,
             updates: [FlagUpdate.toggle(\CreateArgs.inventUIDs)]),
        Flag(.sourceTS, value: "UID", category: .create, scope: scope,
             summary: "the transfer syntax of the input's encapsulated Pixel Data",
             details: """
             The JSON and XML models carry no transfer syntax, yet encapsulated Pixel Data (items \
             of compressed frames, as dump writes it for a compressed file) is in one. By UID or \
             keyword. Without it: a Transfer Syntax UID (0002,0010) among the input's elements, \
             else the target when it is an encapsulated syntax (the fragments are then copied as \
             they are); else the input is refused.
             """,
             updates: [FlagUpdate.text(\CreateArgs.sourceTSText)]),
    ]
}
