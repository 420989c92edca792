// libFuzzer entry for the command-line parser: the input is split on NUL or newline into
// arguments and given to DicomTool.parse; a usage error is fine, a trap is not.
import DicomToolCLI

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandLine(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: count)
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false)
        .flatMap { $0.split(separator: 0x0A, omittingEmptySubsequences: false) }
        .map { String(decoding: $0, as: UTF8.self) }
    _ = try? DicomTool.parse(arguments)
    return 0
}
