// libFuzzer entry: `dicomtool dump --json` (PS3.18 JSON model) on one file, through
// DumpCommand.render and the JSON Lines record. Byte 0 of the preamble picks the options.
// Not a Package.swift target: scripts/fuzz compiles it with DumpInput.swift and CommandInput.swift.
let dumpJSONVariants = [
    DumpVariant(["--json"]), DumpVariant(["--json", "--inline-max", "0"]), DumpVariant(["--json", "--meta-only"]),
    DumpVariant(["--json", "--tag", "PatientName", "--tag", "ReferencedImageSequence"]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDumpJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzzDump(data, count, dumpJSONVariants)
}
