extension FlagTable {
    /// The commands that write instances.
    private static let scope: FlagScope = .commands([.transcode, .anonymize, .derive, .modify])
    /// -o and --sync also apply to receive, which writes the instances it receives, and to render,
    /// which writes pictures.
    private static let receivingScope: FlagScope = .commands([.transcode, .anonymize, .derive, .modify, .receive, .render, .dicomdir])

    /// One declaration each, read once into `WriteArgs` by every writing command.
    static let writing: [Flag] = [
        Flag(.plan, category: .write, scope: scope,
             summary: "print what would change, write nothing",
             details: "Print the transfer syntax and attributes each input would get, without writing anything.",
             updates: [FlagUpdate.toggle(\WriteArgs.plan)]),
        Flag(.output, short: "o", value: "PATH", category: .write, scope: receivingScope,
             summary: "output file, directory, or '-' for stdout",
             details: """
             Where to write: a file for one input, a directory for several (the input tree is \
             mirrored), or '-' for standard output. Required unless --plan is given, except by modify, \
             which without it changes its inputs in place. For receive, the directory received \
             instances are filed under (required). For render, a picture \
             file, or a directory where each input's picture gets its name with .png or .jpg \
             (replacing .dcm, .dicom, .dic or .ima; appended to any other name). For dicomdir create, \
             a new directory where the file-set is written: every file copied (renamed with --rename) and \
             its DICOMDIR.
             """,
             path: true,
             updates: [FlagUpdate.text(\WriteArgs.output), FlagUpdate.text(\ReceiveArgs.output)],
             subcommands: ["create"]),
        Flag(.sync, category: .write, scope: receivingScope,
             summary: "fsync each output before renaming it into place",
             details: """
             Flush each output to disk before it is renamed into place. Off by default: inputs are \
             never modified, so a power loss costs only outputs that a re-run recreates. Worth giving \
             to modify in place, whose outputs replace their inputs.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\WriteArgs.sync), FlagUpdate.toggle(\ReceiveArgs.sync)]),
    ]
}
