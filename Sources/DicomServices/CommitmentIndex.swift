import DicomCore
#if canImport(Glibc)
import Glibc
#endif

/// What `receive --commitment` stored into an output directory, kept across runs, so that a later
/// run answers storage commitment for instances an earlier one stored (a migration restarted, a
/// receiver run per batch). One line per instance stored, appended as it is filed:
/// `SOPInstanceUID TAB SOPClassUID TAB path` (the path relative to the directory when under it),
/// in `.dicomtool-commitment.tsv` in the output directory.
///
/// Why an index rather than a scan of the directory at the start: a scan reads a header per file
/// (minutes for a large archive, before the first association), and it would vouch for files no
/// run of ours stored and checked. The index costs one append per instance; each line is one
/// write(2) with O_APPEND, so two receivers filing into one directory do not interleave, and a
/// line torn by a crash is skipped when read. The index only says what was stored: at report time
/// the file must still be in place (`CommitmentSCP.report`), so a file removed since fails 0112.
/// Instances stored by runs without --commitment are not in it: they fail 0112, never a false
/// commitment.
struct CommitmentIndex {
    static let fileName = ".dicomtool-commitment.tsv"
    let directory: String
    var path: String { directory + "/" + Self.fileName }

    init(directory: String) { self.directory = directory }

    /// The instances earlier runs recorded (the last line of a UID wins), and a problem reading
    /// the index, if any (none when there is no index yet).
    func load() -> ([String: (sopClassUID: String, path: String)], String?) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            return ([:], e == ENOENT ? nil : "cannot be read: \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return ([:], "cannot be read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        var out: [String: (sopClassUID: String, path: String)] = [:]
        // A last line without its newline was torn by a crash: not counted.
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).dropLast(bytes.last == UInt8(ascii: "\n") ? 0 : 1) {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty, !fields[1].isEmpty, !fields[2].isEmpty else { continue }
            let file = String(decoding: fields[2], as: UTF8.self)
            out[String(decoding: fields[0], as: UTF8.self)] = (String(decoding: fields[1], as: UTF8.self),
                                                               file.hasPrefix("/") ? file : directory + "/" + file)
        }
        return (out, nil)
    }

    /// Appends one instance; a problem writing, if any.
    func append(sopInstanceUID: String, sopClassUID: String, path: String) -> String? {
        let relative = path.hasPrefix(directory + "/") ? String(path.dropFirst(directory.count + 1)) : path
        guard ![sopInstanceUID, sopClassUID, relative].contains(where: { $0.contains("\t") || $0.contains("\n") }) else {
            return "\(path): a tab or a newline in its name or UIDs, not recorded"
        }
        let line = Array("\(sopInstanceUID)\t\(sopClassUID)\t\(relative)\n".utf8)
        let fd = open(self.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot be written: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return written == line.count ? nil : "cannot be written: \(written < 0 ? String(cString: strerror(errno)) : "short write")"
    }
}
