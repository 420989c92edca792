// Shared by the create fuzz entries: the argument variants and the per-input work.
// Compiled with CommandInput.swift (its parser of command lines).
@testable import DicomToolCLI
import DicomCore
import DicomIO
#if canImport(Glibc)
import Glibc
#endif

/// create's arguments for a model: the default target, a deflated one, one with the checks
/// relaxed and UIDs invented, and an encapsulated target (fragments copied or refused).
func createVariants(model: String) -> [CreateArgs] {
    let lines: [[String]] = [[], ["--deflate", "--invent-uids"], ["--accept-invalid", "--big-endian"], ["--rle", "--accept-invalid"]]
    return lines.map { line in CommandInput.parse(["create", model] + line + ["-", "-o", "/dev/null"], as: CreateArgs.self) }
}

/// One input through every variant (which one is picked by the input's length, so each run is
/// one variant and the fuzzer still reaches them all).
func fuzzCreate(_ data: UnsafePointer<UInt8>, _ count: Int, _ variants: [CreateArgs]) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    let args = variants[count % variants.count]
    do {
        let (_, output) = try CreateCommand.prepare(bytes, args)
        var sink = MemorySink()
        _ = try output.write(to: &sink, preamble: nil)
        // What was written must read back.
        _ = try Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "created"))
    } catch {
        _ = error.description
    }
    return 0
}
