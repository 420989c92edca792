// libFuzzer entry for the dataset reader: Part10Reader.read(source:), then everything `dump` and
// `transcode --explicit` do with what it read (text dump, pixel module, frame decode, re-encode,
// write to memory). Not a Package.swift target: scripts/fuzz compiles it with -sanitize=fuzzer.
import DicomCore
import DicomIO
import DicomPixels

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReader(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    let source = ByteSource(ownedBytes: bytes, name: "fuzz input")
    guard let file = try? Part10Reader.read(source: source) else { return 0 }
    _ = TextDumper().render(file)
    let target = TransferSyntax.explicitVRLittleEndian
    guard let out = try? Transcoder(TranscodeOptions(target: target)).transcode(file) else { return 0 }
    var sink = MemorySink()
    try? DatasetWriter(syntax: target, streamed: out.streamed)
        .writeFile(meta: out.meta, dataset: out.dataset, preamble: file.preamble, to: &sink)
    return 0
}
