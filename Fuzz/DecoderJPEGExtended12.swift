// libFuzzer entry for JPEGExtended12Decoder.decode (see CodecInput.swift for the input layout).
import DicomCodecs
import DicomCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let (description, codestream) = CodecInput.split(data, count) else { return 0 }
    _ = try? JPEGExtended12Decoder().decode(codestream, description: description)
    return 0
}
