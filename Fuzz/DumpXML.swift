// libFuzzer entry: `dicomtool dump --xml` (PS3.19 XML model) on one file, through
// DumpCommand.render and the JSON Lines record. Byte 0 of the preamble picks the options.
// Not a Package.swift target: scripts/fuzz compiles it with DumpInput.swift and CommandInput.swift.
let dumpXMLVariants = [
    DumpVariant(["--xml"]), DumpVariant(["--xml", "--inline-max", "0"]), DumpVariant(["--xml", "--meta-only"]),
    DumpVariant(["--xml", "--tag", "PatientName", "--tag", "ReferencedImageSequence"]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDumpXML(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzzDump(data, count, dumpXMLVariants)
}
