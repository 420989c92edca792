import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of one input, read-only: a memory-mapped file, or an owned buffer (stdin, an inflated
/// data set). Values are views into it, so dumping a file never copies its pixel data.
public final class ByteSource: @unchecked Sendable {
    // @unchecked: the memory is immutable after init and freed only in deinit.
    public let base: UnsafeRawBufferPointer
    private let mapped: Bool
    /// What to call this input in messages (a path, `-`, or `<inflated data set>`).
    public let name: String

    public var count: Int { base.count }

    private init(base: UnsafeRawBufferPointer, mapped: Bool, name: String) {
        self.base = base
        self.mapped = mapped
        self.name = name
    }

    /// Maps `path` read-only (reads it when small, see `readLimit`). Inputs are never modified.
    public convenience init(contentsOfFile path: String) throws(DicomError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DicomError(.cannotRead, "cannot open", file: path, cause: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DicomError(.cannotRead, "cannot stat", file: path, cause: String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DicomError(.cannotRead, "is a directory", file: path) }
        let size = Int(st.st_size)  // conversion: off_t is Int64, as wide as Int
        if size == 0 || (st.st_mode & S_IFMT) != S_IFREG {
            // Empty files and pipes: read what there is (mmap of a pipe fails, of an empty file too).
            var data = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 { throw DicomError(.cannotRead, "read failed", file: path, cause: String(cString: strerror(errno))) }
                if n == 0 { break }
                data.append(contentsOf: chunk[0..<n])
            }
            self.init(ownedBytes: data, name: path)
            return
        }
        if size <= Self.readLimit {
            try self.init(reading: fd, size: size, path: path)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw DicomError(.cannotRead, "cannot map", file: path, cause: String(cString: strerror(errno)))
        }
        self.init(base: UnsafeRawBufferPointer(start: p, count: size), mapped: true, name: path)
    }

    /// Files up to this size are read into memory instead of mapped. For a small file, mapping
    /// costs more than copying: the mmap and munmap calls, a page fault per 64 KiB touched, and,
    /// once dicomtool runs several threads, a TLB shootdown on every CPU at each munmap (2,000
    /// small files anonymized on 2 threads spent 5% of their time in those interrupts).
    static let readLimit = 256 << 10

    private convenience init(reading fd: Int32, size: Int, path: String) throws(DicomError) {
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        var done = 0
        while done < size {
            let n = pread(fd, p.baseAddress! + done, size - done, off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                let cause = String(cString: strerror(errno))
                p.deallocate()
                throw DicomError(.cannotRead, "read failed", file: path, cause: cause)
            }
            if n == 0 { break }  // the file got shorter since fstat: what is there is the input
            done += n
        }
        self.init(base: UnsafeRawBufferPointer(start: p.baseAddress, count: done), mapped: false, name: path)
    }

    /// Takes ownership of a copy of `bytes`.
    public convenience init(ownedBytes bytes: [UInt8], name: String) {
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress, !src.isEmpty { p.baseAddress!.copyMemory(from: s, byteCount: src.count) }
        }
        self.init(base: UnsafeRawBufferPointer(start: p.baseAddress, count: bytes.count), mapped: false, name: name)
    }

    /// Reads all of standard input (it cannot be mapped).
    public static func standardInput() throws(DicomError) -> ByteSource {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 { throw DicomError(.cannotRead, "cannot read standard input", file: "-", cause: String(cString: strerror(errno))) }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return ByteSource(ownedBytes: data, name: "-")
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base.baseAddress), base.count)
        } else {
            UnsafeMutableRawPointer(mutating: base.baseAddress)?.deallocate()
        }
    }

    @inline(__always) public subscript(offset: Int) -> UInt8 { base[offset] }

    @inline(__always) public func uint16(at offset: Int, bigEndian: Bool) -> UInt16 {
        let v = UInt16(widening: base[offset]) | UInt16(widening: base[offset + 1]) << 8
        return bigEndian ? v.byteSwapped : v
    }

    @inline(__always) public func uint32(at offset: Int, bigEndian: Bool) -> UInt32 {
        let v = UInt32(widening: base[offset]) | UInt32(widening: base[offset + 1]) << 8 | UInt32(widening: base[offset + 2]) << 16
            | UInt32(widening: base[offset + 3]) << 24
        return bigEndian ? v.byteSwapped : v
    }

    /// Tells the kernel the mapped pages of `range` will not be needed soon, so reading a large
    /// file once keeps memory bounded by what is in use (pages come back from the file if touched).
    public func release(_ range: Range<Int>) {
        guard mapped, range.count >= 1 << 16, let base = base.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))  // conversion: a C constant; the page size
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// A copy of a range (callers check bounds first).
    public func bytes(_ range: Range<Int>) -> [UInt8] { Array(base[range]) }
}
