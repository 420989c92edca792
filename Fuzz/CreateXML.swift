// libFuzzer entry: `dicomtool create --xml` on one input, through CreateCommand.prepare (libxml2's
// tree reader with DOCTYPE refused and no network, the model reader, the builder's checks, the
// transcoder's plan) and the write into memory, for a few targets. The input is the XML text.
// Not a Package.swift target: scripts/fuzz compiles it with CreateInput.swift.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCreateXML(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzzCreate(data, count, createVariants(model: "--xml"))
}
