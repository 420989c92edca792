// libFuzzer entry: `dicomtool create --json` on one input, through CreateCommand.prepare (the strict
// JSON parser, the model reader, the builder's VR/VM checks, character sets, private creators,
// InlineBinary and BulkDataURIs, the transcoder's plan) and the write into memory, for a few
// targets. The input is the JSON text itself.
// Not a Package.swift target: scripts/fuzz compiles it with CreateInput.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCreateJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzzCreate(data, count, createVariants(model: "--json"))
}
