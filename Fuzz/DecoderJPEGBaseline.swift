// libFuzzer entry for JPEGBaselineCodec.decode (see CodecInput.swift for the input layout).
import DicomCodecs
import DicomCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let (description, codestream) = CodecInput.split(data, count) else { return 0 }
    _ = try? JPEGBaselineCodec().decode(codestream, description: description)
    return 0
}
