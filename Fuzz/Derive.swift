// libFuzzer entry: `dicomtool derive` on one file, through DeriveCommand.derive (read, pixel
// module warnings, Deriver, write of each output through WritingRun into a scratch directory;
// a DICOMDIR is rewritten as DirectoryFollowing does)
// and the --plan text of each report. Byte 0 of the preamble picks the operations
// (CommandInput.variant); no variant makes a lossy copy (encoders have their own targets).
// Not a Package.swift target: scripts/fuzz compiles it with CommandInput.swift.
@testable import DicomToolCLI
import DicomCore
import DicomIO
import DicomPixels

let deriveVariants: [DeriveArgs] = [
    ["--frames", "1"], ["--split-frames", "--frames", "2,1"], ["--crop", "1,2,7,5"], ["--downsample", "2"],
    ["--resize", "5x3"], ["--to-8bit"], ["--to-8bit", "--window", "40,400", "--primary"],
    ["--crop", "0,0,16,16", "--downsample", "3", "--to-8bit", "--new-series"],
].map { CommandInput.parse(["derive"] + $0 + ["-o", CommandInput.outputPath, CommandInput.inputPath], as: DeriveArgs.self) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDerive(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    defer { CommandInput.clearOutputs() }
    let args = deriveVariants[CommandInput.variant(data, count, of: deriveVariants.count)]
    // A run of its own for each input (-o FILE), so no DICOMDIR follows the files of other inputs.
    guard let run = try? WritingRun("derive", args.write, global: GlobalArgs(inputs: [CommandInput.inputPath])),
          let result = try? DeriveCommand.derive(CommandInput.item, options: args.options, run: run) else { return 0 }
    for w in result.warnings { _ = w.asError.description }
    for (_, r) in result.outputs {
        var text = "derive -> \(r.syntax.name)"
        if let frames = r.frames { text += frames.map(String.init).joined(separator: ",") }
        if r.lossy { text += ", LOSSY" + (r.ratio.map { LossyBookkeeping.formatDS($0) } ?? "") }
        text += r.operations.map(ValueText.escaped).joined() + r.changes.map(ValueText.escaped).joined()
        _ = text
    }
    return 0
}
