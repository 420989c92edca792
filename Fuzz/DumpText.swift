// libFuzzer entry: `dicomtool dump` (text) on one file, through DumpCommand.render and the JSON
// Lines record. Byte 0 of the preamble picks the options (CommandInput.variant).
// Not a Package.swift target: scripts/fuzz compiles it with DumpInput.swift and CommandInput.swift.
let dumpTextVariants = [
    DumpVariant([]), DumpVariant(["--full"]), DumpVariant(["--no-meta"]), DumpVariant(["--meta-only"]),
    DumpVariant(["--full"], headed: true),
    DumpVariant(["--tag", "PixelData", "--tag", "(0008,0016)", "--tag", "ReferencedImageSequence[0].ReferencedSOPInstanceUID"]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDumpText(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzzDump(data, count, dumpTextVariants)
}
