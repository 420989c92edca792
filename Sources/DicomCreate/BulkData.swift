import DicomCore
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Binary values of the models: InlineBinary (base64, RFC 4648 without line breaks) and
/// BulkDataURI. A URI is `file://PATH` with optional `offset` and `length` query parameters, as
/// `dump --json`/`--xml` writes them (the path percent-encoded), or a relative path resolved
/// against the input's directory; other schemes (http) are refused, create fetches nothing.
/// Files are mapped once each and values stay views into them.
struct BulkData {
    var baseDirectory: String?
    private(set) var files: [String: ByteSource] = [:]

    mutating func resolve(_ a: ModelAttribute) throws(DicomError) -> ValueBytes {
        if let text = a.inlineBinary {
            guard let data = Data(base64Encoded: text) else {
                throw DicomError(.invalidInput, "\(a.location): InlineBinary is not base64", tag: a.tag)
            }
            return ValueBytes([UInt8](data))
        }
        guard let uri = a.bulkDataURI else { return ValueBytes([]) }
        let (path, offset, length) = try Self.parse(uri, at: a.location, tag: a.tag)
        var resolvedPath = path
        if !path.hasPrefix("/") {
            guard let base = baseDirectory else {
                throw DicomError(.invalidInput, "\(a.location): a relative BulkDataURI needs an input file to be relative to", tag: a.tag)
            }
            resolvedPath = base + "/" + path
        }
        let source: ByteSource
        if let cached = files[resolvedPath] {
            source = cached
        } else {
            // A FIFO or a device named by a hostile model would block or never end: regular files only.
            var info = stat()
            guard stat(resolvedPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw DicomError(.cannotRead, "\(a.location): the BulkDataURI's file is missing or not a regular file", tag: a.tag,
                                 file: resolvedPath)
            }
            do {
                source = try ByteSource(contentsOfFile: resolvedPath)
            } catch {
                throw DicomError(.cannotRead, "\(a.location): cannot read the BulkDataURI's file: \(error.message)", tag: a.tag,
                                 file: resolvedPath)
            }
            files[resolvedPath] = source
        }
        let start = offset ?? 0
        let count = length ?? (source.count - start)
        guard start >= 0, count >= 0, start <= source.count, count <= source.count - start else {
            throw DicomError(.invalidInput, "\(a.location): offset \(start) and length \(count) lie outside the \(source.count)-byte file "
                             + resolvedPath, tag: a.tag)
        }
        return ValueBytes(source: source, range: start..<start + count, isBigEndian: false)
    }

    /// (path, offset, length) of a URI.
    static func parse(_ uri: String, at location: String, tag: Tag) throws(DicomError) -> (String, Int?, Int?) {
        var rest = Substring(uri)
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        if rest.hasPrefix("file://") {
            rest = rest.dropFirst(7)
            // file://localhost/path is the same file.
            if rest.hasPrefix("localhost/") { rest = rest.dropFirst(9) }
            guard rest.hasPrefix("/") else {
                throw DicomError(.invalidInput, "\(location): BulkDataURI \(uri): a file URI names an absolute path on this host", tag: tag)
            }
        } else if let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/") {
            throw DicomError(.unsupported, "\(location): BulkDataURI \(uri): only file:// URIs and relative paths are read "
                             + "(create fetches nothing)", tag: tag)
        }
        guard let path = percentDecoded(rest), !path.isEmpty else {
            throw DicomError(.invalidInput, "\(location): BulkDataURI \(uri): bad percent-encoding", tag: tag)
        }
        var offset: Int?, length: Int?
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = kv[0], value = kv.count > 1 ? Int(kv[1]) : nil   // conversion: parses text, nil when not a number
            switch key {
            case "offset": offset = value
            case "length": length = value
            default: continue   // other parameters are not ours to interpret
            }
            if value == nil || value.map({ $0 < 0 }) == true {
                throw DicomError(.invalidInput, "\(location): BulkDataURI \(uri): \(key) must be a number of bytes", tag: tag)
            }
        }
        return (path, offset, length)
    }

    static func percentDecoded(_ s: Substring) -> String? {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b != UInt8(ascii: "%") { out.append(b); continue }
            guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            out.append(v)
            it = it.dropFirst(2)
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Encapsulated Pixel Data (PS3.5 A.4) given as the bytes of its items: the Basic Offset Table
    /// item, the fragments, and optionally the sequence delimiter (what `dump --json` and pydicom's
    /// to_json write). Nil when the bytes are not such a stream (native Pixel Data).
    static func fragments(_ value: ValueBytes, at location: String) throws(DicomError) -> Fragments? {
        let count = value.count
        var items: [Range<Int>] = []
        var itemOffsets: [Int] = []
        let parsed: Bool = value.withUnsafeBytes { raw in
            var at = 0
            func u16(_ i: Int) -> UInt16 { UInt16(widening: raw[i]) | UInt16(widening: raw[i + 1]) << 8 }
            while at + 8 <= count {
                let group = u16(at), element = u16(at + 2)
                let length = Int(widening: UInt32(widening: u16(at + 4)) | UInt32(widening: u16(at + 6)) << 16)
                if group == 0xFFFE && element == 0xE0DD { return length == 0 && at + 8 == count && !items.isEmpty }
                guard group == 0xFFFE, element == 0xE000, length != 0xFFFF_FFFF, length <= count - at - 8 else { return false }
                itemOffsets.append(at)
                items.append(at + 8..<at + 8 + length)
                at += 8 + length
            }
            return at == count && !items.isEmpty
        }
        guard parsed else { return nil }
        let whole = value.source == nil ? value.bytes : []
        func view(_ r: Range<Int>) -> ValueBytes {
            if let source = value.source {
                return ValueBytes(source: source, range: value.range.lowerBound + r.lowerBound..<value.range.lowerBound + r.upperBound,
                                  isBigEndian: false)
            }
            return ValueBytes(Array(whole[r]))
        }
        let all = items.map(view)
        return Fragments(offsetTable: all[0], fragments: Array(all.dropFirst()), itemOffsets: Array(itemOffsets.dropFirst()))
    }
}
