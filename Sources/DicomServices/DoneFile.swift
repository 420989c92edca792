import DicomCore
import DicomIO
#if canImport(Glibc)
import Glibc
#endif

/// `--done-file`: one line per instance the peer stored, `SOPInstanceUID<TAB>path`, appended as
/// each answer arrives (a line is one write(2) on an O_APPEND descriptor, so parallel associations
/// never mix lines and a run cut short keeps everything it recorded). A rerun skips the inputs
/// listed with the same UID and path: the path too, because the same instance may exist in
/// several files (one per transfer syntax) and each is a file to send.
public final class DoneFile: @unchecked Sendable {
    public let path: String
    /// The entries already recorded when the run began.
    public let recorded: Set<String>
    private let fd: Int32
    private let lock = Lock()

    public init(path: String) throws(DicomError) {
        self.path = path
        var lines = Set<String>()
        if access(path, F_OK) == 0 {
            let source = try ByteSource(contentsOfFile: path)
            var text = String(decoding: source.base, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) { lines.insert(String(line)) }
        }
        recorded = lines
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DicomError(.cannotWrite, "cannot open the done file for appending", file: path, cause: String(cString: strerror(errno)))
        }
    }

    deinit { close(fd) }

    public static func entry(sopInstanceUID: String, path: String) -> String { sopInstanceUID + "\t" + path }

    public func contains(sopInstanceUID: String, path: String) -> Bool {
        recorded.contains(Self.entry(sopInstanceUID: sopInstanceUID, path: path))
    }

    /// Appends one entry. Tabs and line breaks in a path would break the format: such a path is
    /// not recorded (it is sent again by a rerun, which is safe).
    public func record(sopInstanceUID: String, path: String) throws(DicomError) {
        guard !path.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return }
        var line = Self.entry(sopInstanceUID: sopInstanceUID, path: path) + "\n"
        let failed: Bool = lock.withLock {
            line.withUTF8 { bytes in
                guard let base = bytes.baseAddress else { return false }
                var n: Int
                repeat { n = write(fd, base, bytes.count) } while n < 0 && errno == EINTR
                return n != bytes.count
            }
        }
        if failed { throw DicomError(.cannotWrite, "cannot append to the done file", file: path, cause: String(cString: strerror(errno))) }
    }
}
