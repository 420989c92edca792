// libFuzzer entry for Deflate.inflateRaw (the Deflated Explicit VR data set path) and the
// streaming RawInflater fed in uneven chunks; a 1 MiB limit keeps bombs cheap to detect.
import DicomCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInflate(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: count)
    _ = try? Deflate.inflateRaw(input, limit: 1 << 20)
    if let inflater = try? RawInflater(limit: 1 << 20) {
        var start = 0, chunk = 1
        while start < count {
            let end = min(count, start + chunk)
            guard (try? inflater.inflate(UnsafeRawBufferPointer(rebasing: input[start..<end]))) != nil else { break }
            start = end
            chunk = chunk * 3 + 1
        }
    }
    return 0
}
