import DicomCore

/// The storage SOP classes of the standard (PS3.4 Annex B and the storage classes of the later
/// annexes), read from the generated UID table rather than typed: every SOP class whose keyword
/// names a Storage class, retired and trial ones included (a receiver still files what an old
/// modality sends). Storage Commitment is a service, not a storage class, and the Media Storage
/// Directory (DICOMDIR) is never sent with C-STORE (PS3.10 8.6), so both are left out.
public enum StorageSOPClasses {
    public static let all: [UIDEntry] = UIDDictionary.all.filter(isStorage)

    public static let uids: Set<String> = Set(all.map(\.uid))

    public static func contains(_ sopClassUID: String) -> Bool { uids.contains(sopClassUID) }

    static func isStorage(_ entry: UIDEntry) -> Bool {
        entry.type == "SOP Class"
            && entry.keyword.contains("Storage")
            && !entry.keyword.hasPrefix("StorageCommitment")
            && entry.keyword != "MediaStorageDirectoryStorage"
    }
}
