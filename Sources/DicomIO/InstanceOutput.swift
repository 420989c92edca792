import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The one way every command writes an instance (or any file derived from its inputs): never
/// over an input, atomically (a temporary file beside the destination, renamed into place only
/// when complete), committed when `body` returns and discarded when it throws.
public enum InstanceOutput {
    /// Writes `destination` through `body`. `inputs` are the paths the output was made from: a
    /// destination that is one of them (the same device and inode, links followed, so a hard
    /// link or another spelling of the path is caught too) is refused before anything is written.
    public static func write<R>(to destination: String, from inputs: [String] = [], sync: Bool = false,
                                _ body: (inout AtomicOutput) throws(DicomError) -> R) throws(DicomError) -> R {
        // The destination is stat'ed once and first: it usually does not exist yet, and then no
        // input can be it.
        if destination != "-", let target = FileIdentity(destination),
           let input = inputs.first(where: { FileIdentity($0) == target }) {
            throw DicomError(.cannotWrite, "output would replace the input \(input); inputs are never modified",
                             file: destination)
        }
        var sink = try AtomicOutput(destination: destination, sync: sync)
        do {
            let result = try body(&sink)
            try sink.commit()
            return result
        } catch {
            sink.discard()
            throw error
        }
    }
}

extension InstanceOutput {
    /// Replaces the file `input` itself: `modify`'s in-place edit, the one exception to "never over
    /// an input". The new content is written beside the file (a symbolic link is followed: its
    /// target is replaced, the link stays) and renamed over it only when complete, with the
    /// file's permission bits; `backup` names where the old content is kept first (a hard link,
    /// or a copy where the file system has none). What `body` throws leaves the file untouched.
    public static func replace<R>(_ input: String, backup: String?, sync: Bool = false,
                                  _ body: (inout AtomicOutput) throws(DicomError) -> R) throws(DicomError) -> R {
        guard let resolved = realpath(input, nil) else {
            throw DicomError(.cannotWrite, "cannot resolve the path of the file to replace", file: input,
                             cause: String(cString: strerror(errno)))
        }
        let target = String(cString: resolved)
        free(resolved)
        var info = stat()
        guard stat(target, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw DicomError(.cannotWrite, "only a regular file is modified in place", file: input)
        }
        var sink = try AtomicOutput(destination: target, sync: sync)
        do {
            try sink.setPermissions(info.st_mode & 0o7777)
            let result = try body(&sink)
            if let backup { try keep(target, as: backup) }
            try sink.commit()
            return result
        } catch {
            sink.discard()
            throw error
        }
    }

    /// `path`'s current content kept at `backup` (replacing an older backup).
    private static func keep(_ path: String, as backup: String) throws(DicomError) {
        if unlink(backup) != 0 && errno != ENOENT {
            throw DicomError(.cannotWrite, "cannot replace the old backup", file: backup, cause: String(cString: strerror(errno)))
        }
        if link(path, backup) == 0 { return }
        do {
            try FileManager.default.copyItem(atPath: path, toPath: backup)
        } catch {
            throw DicomError(.cannotWrite, "cannot keep a backup", file: backup, cause: "\(error)")
        }
    }

    /// An output whose final name is decided only once it is complete (a received instance, filed by
    /// attributes read back from it): a temporary file in `directory`, written as the bytes come,
    /// then `finishWriting` and `place(at:replacing:)`, or `discard`. Never over an input: nothing
    /// is read from `directory`'s files.
    public static func begin(in directory: String, name: String, sync: Bool) throws(DicomError) -> AtomicOutput {
        try AtomicOutput(destination: directory + "/" + name, sync: sync)
    }
}

/// Whether two paths name the same existing file (device and inode, symbolic links followed).
/// stat(2) directly: FileManager's attribute values are `as? Int` castable only while full
/// Foundation's NSNumber bridging is loaded; without it both sides were nil and every existing
/// output counted as the input.
public func isSameFile(_ a: String, _ b: String) -> Bool {
    guard let x = FileIdentity(a), let y = FileIdentity(b) else { return false }
    return x == y
}

/// A file's device and inode, symbolic links followed: what makes two paths the same file.
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public init?(_ path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
    }
}
