// libFuzzer entry: `dicomtool modify` on one file, through ModifyCommand.modify (read, the edits of
// DicomEdit's Modifier: paths into items, private elements by creator, character-set changes, new
// UIDs with references; then the write, in place on a copy of the input or into -o through
// WritingRun), the --plan text and the JSON Lines fields of the result. Byte 0 of the preamble picks
// the edits (CommandInput.variant).
// Not a Package.swift target: scripts/fuzz compiles it with CommandInput.swift.
@testable import DicomToolCLI
import DicomCore
import DicomEdit
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The copy modified in place (the input itself stays as the fuzzer gave it).
let modifyInPlacePath = CommandInput.outputDirectory + "/in-place.dcm"

let modifyVariants: [(args: ModifyArgs, modifier: Modifier)] = {
    let secret = CommandInput.directory + "/secret"
    let fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd >= 0 { _ = write(fd, "fuzz secret", 11); close(fd) }
    let lines: [[String]] = [
        ["--set", "PatientName=Ελληνικά^山田=やまだ", "--set", "ReferencedImageSequence[*].ReferencedSOPInstanceUID=1.2.3",
         "--erase-private", "--new-sop-uid", "--new-series-uid", "--new-study-uid", "-o", CommandInput.outputPath],
        ["--set", "(0029,{FUZZ CREATOR},10)=x", "--erase-all", "PatientID", "--replace", "InstitutionName=Fuzz",
         "--erase", "OtherPatientIDsSequence[*]", "--set", "SpecificCharacterSet=ISO_IR 192", "--backup"],
        ["--set", "StudyDescription=Ærø и 山田", "--erase", "SpecificCharacterSet", "--set", "FrameIncrementPointer=FrameTime",
         "--secret-file", secret, "--new-series-uid", "--set", "ReferencedSeriesSequence[2].SeriesInstanceUID=1.2.4"],
    ]
    return lines.map { line in
        let input = line.contains("-o") ? CommandInput.inputPath : modifyInPlacePath
        let args = CommandInput.parse(["modify"] + line + [input], as: ModifyArgs.self)
        guard let options = try? ModifyCommand.makeOptions(args) else {
            StandardError.write("fuzz entry: modify options \(line) refused\n")
            exit(2)
        }
        return (args, Modifier(options: options))
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModify(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    defer { CommandInput.clearOutputs() }
    let (args, modifier) = modifyVariants[CommandInput.variant(data, count, of: modifyVariants.count)]
    var item = CommandInput.item
    if args.write.output == nil {
        // In place: on a copy, as a run over the user's file would.
        let fd = open(modifyInPlacePath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return 0 }
        _ = write(fd, data, count)
        close(fd)
        item = InputItem.file(path: modifyInPlacePath, relativePath: "in-place.dcm")
    }
    guard let run = try? WritingRun("modify", args.write, global: GlobalArgs(inputs: [item.path ?? "-"])),
          let result = try? ModifyCommand.modify(item, with: modifier, args: args, run: run) else { return 0 }
    _ = ModifyCommand.planText(item.displayName, result.changes)
    _ = ReporterJSON.item(command: "modify", input: item, fields: ModifyCommand.jsonFields(result))
    // What was written reads back.
    if let output = result.output { _ = try? Part10Reader.read(path: output) }
    return 0
}
