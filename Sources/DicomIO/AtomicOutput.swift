import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Writes an output to a temporary file beside its destination and renames it into place when
/// complete, so an interrupted run never leaves a half-written file under the final name.
/// `-` writes to standard output directly. Temporary names start with `.dicomtool-tmp-`, which the
/// input walker skips and a re-run removes.
public final class AtomicOutput: OutputSink, PatchableSink {
    public static let temporaryPrefix = ".dicomtool-tmp-"

    public let destination: String
    private let temporaryPath: String?
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 20
    private var finished = false
    /// Closed by `finishWriting`, not yet renamed by `place`.
    private var closed = false
    private let sync: Bool

    /// Temporary files still open in this process, removed by `removeAllPending()` (SIGINT).
    nonisolated(unsafe) private static var pending = Set<String>()
    private static let lock = Lock()
    /// Directories created or found in this process.
    nonisolated(unsafe) private static var madeDirectories = Set<String>()

    /// Past RLIMIT_FSIZE the kernel sends SIGXFSZ, whose default action ends the process and
    /// leaves the temporary file behind. Ignored, the write fails with EFBIG instead, which is
    /// reported like a full disk and the temporary file removed.
    private static let fileSizeSignalIgnored: Void = { _ = signal(SIGXFSZ, SIG_IGN) }()

    public init(destination: String, sync: Bool = false) throws(DicomError) {
        self.destination = destination
        self.sync = sync
        Self.fileSizeSignalIgnored
        if destination == "-" {
            temporaryPath = nil
            fd = 1
            return
        }
        let (dir, name) = Self.directoryAndName(destination)
        try Self.makeDirectory(dir, for: destination)
        Self.removeStaleTemporaries(in: dir)
        let tmp = dir + "/" + Self.temporaryPrefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))-" + name
        let f = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard f >= 0 else {
            throw DicomError(.cannotWrite, "cannot create a temporary file", file: destination, cause: String(cString: strerror(errno)))
        }
        fd = f
        temporaryPath = tmp
        Self.lock.withLock { _ = Self.pending.insert(tmp) }
    }

    /// Creates `dir` (and its parents) for `destination`. A run writes many files into few
    /// directories: each is made (or found) once.
    static func makeDirectory(_ dir: String, for destination: String) throws(DicomError) {
        guard !lock.withLock({ madeDirectories.contains(dir) }) else { return }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw DicomError(.cannotWrite, "cannot create directory \(dir)", file: destination, cause: "\(error)")
        }
        lock.withLock { _ = madeDirectories.insert(dir) }
    }

    /// The directory and the file name of `path`, as `URL(fileURLWithPath:)` gives them
    /// (`deletingLastPathComponent().path`, `lastPathComponent`). A URL is made only for unusual
    /// paths: for the plain ones a run writes, making one cost more than creating the file.
    static func directoryAndName(_ path: String) -> (directory: String, name: String) {
        let bytes = Array(path.utf8)
        func isDots(_ c: ArraySlice<UInt8>) -> Bool { c.elementsEqual([0x2E]) || c.elementsEqual([0x2E, 0x2E]) }
        if let slash = bytes.lastIndex(of: 0x2F), slash + 1 < bytes.count, !isDots(bytes[(slash + 1)...]) {
            let name = String(decoding: bytes[(slash + 1)...], as: UTF8.self)
            let directory = bytes[..<slash]
            if bytes[0] == 0x2F {
                // Absolute: the URL keeps the directory as written.
                return (directory.isEmpty ? "/" : String(decoding: directory, as: UTF8.self), name)
            }
            // Relative: the URL resolves it against the working directory and standardizes it,
            // which leaves it as written when no component is empty, "." or "..".
            // (A leading "~" is the home directory to the URL.)
            if bytes[0] != 0x7E, directory.split(separator: 0x2F, omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && !isDots($0) }),
               let cwd = workingDirectory, cwd.hasPrefix("/"), cwd != "/" {
                return (cwd + "/" + String(decoding: directory, as: UTF8.self), name)
            }
        }
        let url = URL(fileURLWithPath: path)
        return (url.deletingLastPathComponent().path, url.lastPathComponent)
    }

    /// The working directory, asked once: dicomtool never changes it, and asking per output file
    /// was one more system call for each of them.
    private static let workingDirectory: String? = currentDirectory()

    private static func currentDirectory() -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(widening: PATH_MAX) + 1) { p in
            getcwd(p.baseAddress, p.count).map { String(cString: $0) }
        }
    }

    public private(set) var bytesWritten = 0

    public func write(_ bytes: UnsafeRawBufferPointer) throws(DicomError) {
        bytesWritten += bytes.count
        // Room for a typical file at once, instead of growing the buffer element by element.
        if buffer.capacity == 0 { buffer.reserveCapacity(64 << 10) }
        if buffer.count + bytes.count > bufferLimit { try flush() }
        if bytes.count >= bufferLimit {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes what is buffered to the file now: a receiver calls it after each PDV, so an instance
    /// goes to disk as it arrives instead of waiting in the buffer (up to 1 MiB) until the end.
    public func flush() throws(DicomError) {
        guard !buffer.isEmpty else { return }
        var failure: DicomError?
        buffer.withUnsafeBytes { p in
            do throws(DicomError) { try writeAll(p) } catch { failure = error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    /// `write` then `flush`: what is buffered and `bytes` go to the file now. Large `bytes` are
    /// written from where they are, not copied into the buffer first (a receiver's PDV, straight
    /// from the socket's buffer); small ones join what is buffered, for one write(2).
    public func writeThrough(_ bytes: UnsafeRawBufferPointer) throws(DicomError) {
        guard bytes.count >= Self.directWriteSize else {
            try write(bytes)
            try flush()
            return
        }
        try flush()
        bytesWritten += bytes.count
        try writeAll(bytes)
    }

    /// From this size on, `writeThrough` spends a write(2) on what is buffered rather than copy.
    static let directWriteSize = 64 << 10

    private func writeAll(_ p: UnsafeRawBufferPointer) throws(DicomError) {
        var off = 0
        while off < p.count {
            let n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw DicomError(.cannotWrite, "write failed", file: destination, cause: String(cString: strerror(errno)))
            }
            off += n
        }
    }

    /// Overwrites bytes already written (standard output cannot seek: only files are patchable).
    public func patch(at offset: Int, _ bytes: [UInt8]) throws(DicomError) {
        guard temporaryPath != nil else {
            throw DicomError(.cannotWrite, "cannot patch standard output", file: destination)
        }
        try flush()
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        if n != bytes.count {
            throw DicomError(.cannotWrite, "write failed", file: destination, cause: String(cString: strerror(errno)))
        }
    }

    /// Gives the temporary file (and so the destination) these permission bits; standard output is left alone.
    public func setPermissions(_ mode: mode_t) throws(DicomError) {
        guard temporaryPath != nil else { return }
        if fchmod(fd, mode) != 0 {
            throw DicomError(.cannotWrite, "cannot set the permissions of the temporary file", file: destination,
                             cause: String(cString: strerror(errno)))
        }
    }

    /// Flushes, optionally fsyncs, and renames the temporary file to the destination.
    public func commit() throws(DicomError) {
        guard !finished else { return }
        try flush()
        finished = true
        guard let tmp = temporaryPath else { return }
        defer { Self.lock.withLock { _ = Self.pending.remove(tmp) } }
        if sync && fsync(fd) != 0 {
            let cause = String(cString: strerror(errno))
            close(fd); unlink(tmp)
            throw DicomError(.cannotWrite, "fsync failed", file: destination, cause: cause)
        }
        if close(fd) != 0 {
            let cause = String(cString: strerror(errno))
            unlink(tmp)
            throw DicomError(.cannotWrite, "close failed", file: destination, cause: cause)
        }
        if rename(tmp, destination) != 0 {
            let cause = String(cString: strerror(errno))
            unlink(tmp)
            throw DicomError(.cannotWrite, "cannot rename the temporary file into place", file: destination, cause: cause)
        }
    }

    /// The temporary file being written (nil for standard output): readable once `finishWriting`
    /// has closed it, before `place` names it.
    public var temporaryFile: String? { temporaryPath }

    /// Completes the temporary file (flush, fsync with `sync`, close) without renaming it, for an
    /// output whose name depends on what was written (a received instance filed by its attributes):
    /// `place` then names it, `discard` removes it.
    public func finishWriting() throws(DicomError) {
        guard !finished, !closed, let tmp = temporaryPath else {
            throw DicomError(.cannotWrite, "output already finished", file: destination)
        }
        try flush()
        if sync && fsync(fd) != 0 {
            let cause = String(cString: strerror(errno))
            discard()
            throw DicomError(.cannotWrite, "fsync failed", file: tmp, cause: cause)
        }
        closed = true
        if close(fd) != 0 {
            let cause = String(cString: strerror(errno))
            discard()
            throw DicomError(.cannotWrite, "close failed", file: tmp, cause: cause)
        }
    }

    /// Renames the temporary file completed by `finishWriting` to `destination`, creating its
    /// directory. Without `replacing`, an existing destination is kept and false is returned (the
    /// temporary file stays for another name): link(2) then unlink(2) names it only if the name is
    /// free, where rename(2) would replace a file another writer placed an instant before.
    public func place(at destination: String, replacing: Bool) throws(DicomError) -> Bool {
        guard closed, !finished, let tmp = temporaryPath else {
            throw DicomError(.cannotWrite, "output not finished, or already placed", file: destination)
        }
        try Self.makeDirectory(Self.directoryAndName(destination).0, for: destination)
        if replacing {
            guard rename(tmp, destination) == 0 else {
                throw DicomError(.cannotWrite, "cannot rename the temporary file into place", file: destination,
                                 cause: String(cString: strerror(errno)))
            }
        } else if link(tmp, destination) == 0 {
            unlink(tmp)
        } else if errno == EEXIST {
            return false
        } else {
            throw DicomError(.cannotWrite, "cannot link the temporary file into place", file: destination,
                             cause: String(cString: strerror(errno)))
        }
        finished = true
        Self.lock.withLock { _ = Self.pending.remove(tmp) }
        return true
    }

    /// Abandons the output: the temporary file is removed, the destination untouched.
    public func discard() {
        guard !finished else { return }
        finished = true
        guard let tmp = temporaryPath else { return }
        if !closed { close(fd) }
        unlink(tmp)
        Self.lock.withLock { _ = Self.pending.remove(tmp) }
    }

    deinit { discard() }

    /// Directories already cleaned in this process.
    nonisolated(unsafe) private static var cleaned = Set<String>()

    /// Removes temporary files left in `dir` by a dicomtool process that no longer runs (a run
    /// killed with SIGKILL cannot clean up after itself); the name carries the writer's pid.
    static func removeStaleTemporaries(in dir: String) {
        let first = lock.withLock { cleaned.insert(dir).inserted }
        guard first, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(temporaryPrefix) {
            let rest = name.dropFirst(temporaryPrefix.count)
            guard let pid = Int32(rest.prefix { $0.isNumber }), pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH when no such process exists.
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// Removes every temporary file still open (called when the run is interrupted).
    public static func removeAllPending() {
        lock.withLock {
            for p in pending { unlink(p) }
            pending.removeAll()
        }
    }
}
