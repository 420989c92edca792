import DicomCore
import DicomIO

extension FlagTable {
    private static let scope: FlagScope = .commands([.dicomdir])

    /// dicomdir's own flags; it shares -o (create only) and --sync with the writing commands.
    static let dicomdir: [Flag] = [
        Flag(.profile, value: "PROFILE", category: .dicomdir, scope: scope,
             summary: "the PS3.11 general purpose profile the file-set follows",
             details: """
             The application profile (PS3.11) whose transfer syntaxes the referenced files must be in: \
             STD-GEN-CD Explicit VR Little Endian only; STD-GEN-DVD-JPEG, STD-GEN-BD-JPEG and \
             STD-GEN-USB-JPEG also JPEG Baseline, JPEG Extended (12-bit) and JPEG Lossless SV1; \
             STD-GEN-DVD-J2K, STD-GEN-BD-J2K and STD-GEN-USB-J2K also JPEG 2000 (lossless and lossy); \
             STD-GEN-MIME any transfer syntax. A file in another syntax is reported and left out (refused \
             with --strict); 'dicomtool transcode --explicit' makes a tree that every profile takes. \
             Every profile limits File IDs to 8 components of 1 to 8 characters of A-Z, 0-9 and _ \
             (PS3.10 8.5, PS3.12).
             """,
             defaultValue: "STD-GEN-CD", choices: MediaProfile.allCases.map(\.rawValue),
             updates: [FlagUpdate.choice(\DicomdirOptions.profile)], subcommands: ["create", "update"]),
        Flag(.invent, category: .dicomdir, scope: scope,
             summary: "make up missing Type 1 record keys (a warning per file)",
             details: """
             A record needs its Type 1 keys (PS3.3 F.5: Patient ID, Study Date and Time, Study ID, \
             Modality, Series Number, Instance Number ...). Without this flag a file missing one is \
             an error (status 22) and is left out; with it a value is made up and each file with an \
             invented key gets a warning naming the keys: Study Date and Time from the series, \
             acquisition or content date and time when present (else 19000101 and 000000), Modality \
             OT, a UID derived from the File ID, Series and Instance Numbers counting from 1 within \
             their study and series, UNKNOWN for text, and a Patient ID NOID followed by a number \
             derived from the file's folder.
             """,
             updates: [FlagUpdate.toggle(\DicomdirOptions.invent)], subcommands: ["create", "update"]),
        Flag(.rename, category: .dicomdir, scope: scope,
             summary: "copy the tree to -o under names that are File IDs",
             details: """
             Write the file-set into the -o directory with every path made a File ID: each folder and \
             file name upper-cased, its extension dropped, other characters replaced by _, cut to 8 \
             characters, a number appended where two names would meet (MR_SMALL, MR_SMAL1 ...). \
             The inputs are never renamed: the copy is new, and each renamed path is reported (a \
             line 'OLD -> NEW', or the renamedTo field with --format json). Without --rename a \
             file whose path is not a File ID is reported and left out.
             """,
             updates: [FlagUpdate.toggle(\DicomdirOptions.rename)], subcommands: ["create"]),
        Flag(.fileSetID, value: "ID", category: .dicomdir, scope: scope,
             summary: "the File-set ID: up to 16 characters of A-Z, 0-9, _ and space",
             details: """
             The File-set ID written in the DICOMDIR (PS3.3 F.3.2.1). Empty by default for create \
             (Type 2); update keeps the existing one unless this is given.
             """,
             updates: [FlagUpdate<DicomdirOptions>.custom { options, text, spelling throws(DicomError) in
                 guard text.utf8.count <= 16, text.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0)
                     || $0 == 0x5F || $0 == 0x20 }) else {
                     throw DicomError(.usage, "\(spelling) takes up to 16 characters of A-Z, 0-9, _ and space, not '\(text)'")
                 }
                 options.fileSetID = text
             }], subcommands: ["create", "update"]),
        Flag(.strict, category: .dicomdir, scope: scope,
             summary: "fail on files left out (syntax or name not allowed)",
             details: """
             Without this flag, a file the profile does not allow or whose path is not a File ID is \
             reported as a warning and left out, and the DICOMDIR is written for the rest. With it, \
             each such file is an error and no DICOMDIR is written when any file failed.
             """,
             updates: [FlagUpdate.toggle(\DicomdirOptions.strict)], subcommands: ["create", "update"]),
    ]
}
