// libFuzzer entry: `dicomtool transcode` to an uncompressed target on one file, through
// TranscodeCommand.transcode (read, Transcoder, pixel module warnings, the streamed write
// through WritingRun as for `-o FILE`, or the DICOMDIR rewrite) and the --plan text of the report. Byte 0 of the
// preamble picks the target (CommandInput.variant): explicit, implicit and big-endian VR,
// deflated, encapsulated uncompressed. Encoders have their own targets.
// Not a Package.swift target: scripts/fuzz compiles it with CommandInput.swift.
@testable import DicomToolCLI
import DicomCore
import DicomIO
import DicomPixels

let transcodeVariants: [TranscodeArgs] = [
    ["--explicit"], ["--implicit"], ["--big-endian"], ["--deflate"], ["--encapsulated-uncompressed"],
    ["--explicit", "--new-series"],
].map { CommandInput.parse(["transcode"] + $0 + ["-o", CommandInput.outputPath, CommandInput.inputPath], as: TranscodeArgs.self) }
let transcodeOptions = transcodeVariants.map { args -> TranscodeOptions in
    var o = args.options
    o.encode.threads = 1  // the fuzzer runs one input at a time; TranscodeCommand uses every core
    return o
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscode(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    defer { CommandInput.clearOutputs() }
    let options = transcodeOptions[CommandInput.variant(data, count, of: transcodeOptions.count)]
    // A run of its own for each input (-o FILE), so no DICOMDIR follows the files of other inputs.
    guard let run = try? WritingRun("transcode", transcodeVariants[0].write, global: GlobalArgs(inputs: [CommandInput.inputPath])),
          let result = try? TranscodeCommand.transcode(CommandInput.item, options: options, run: run) else { return 0 }
    for w in result.warnings { _ = w.asError.description }
    guard let r = result.report else { return 0 }  // a DICOMDIR, rewritten
    var text = "\(r.source.name) -> \(r.target.name), \(r.frames)"
    if r.lossy { text += ", LOSSY" + (r.ratio.map { LossyBookkeeping.formatDS($0) } ?? "") }
    text += r.changes.map(ValueText.escaped).joined()
    _ = text
    return 0
}
