// libFuzzer entry: `dicomtool validate` on one file. The command's per-file work is a closure in
// ValidateCommand.run; this is the same sequence: read (an unreadable input is a report entry),
// the cross-file tracker, Validator, then every rendering of the findings (text, JSON line and
// its JSON Lines record, JUnit, SARIF, with a skipped entry) and the exit status.
// Not a Package.swift target: scripts/fuzz compiles it with CommandInput.swift.
@testable import DicomToolCLI
import DicomCore
import DicomIO
import DicomValidate

let validateArgs = CommandInput.parse(["validate", CommandInput.inputPath], as: ValidateArgs.self)
let validator = Validator(options: validateArgs.options)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValidate(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    let item = CommandInput.item
    let file: DicomFile
    do {
        file = try Part10Reader.read(path: CommandInput.inputPath)
    } catch {
        // An unreadable input is an entry of every report too (ValidateCommand's `failed`).
        let entry = FileFindings.unreadable(file: item.displayName, relativePath: item.relativePath, error: error)
        _ = ReporterJSON.item(command: "validate", input: item, error: error, fields: [("validation", .raw(FindingRenderer.jsonLine(entry)))])
        for format in FindingFormat.allCases { _ = format.render([entry], toolVersion: DicomTool.version) }
        return 0
    }
    let tracker = ConsistencyTracker()
    tracker.add(file: item.displayName, dataset: file.dataset)
    let findings = FileFindings(file: item.displayName, relativePath: item.relativePath, findings: validator.validate(file))
    var all = [findings]
    for var cross in tracker.finishByFile() {
        cross.relativePath = item.relativePath
        all.append(cross)
    }
    // A skipped input, as the reports list one after --fail-fast.
    all.append(FileFindings(file: "skipped", relativePath: "skipped", findings: [], skipped: true))
    let line = FindingRenderer.jsonLine(findings)
    _ = ReporterJSON.item(command: "validate", input: item, fields: [("validation", .raw(line))])
    for format in FindingFormat.allCases { _ = format.render(all, toolVersion: DicomTool.version) }
    _ = ValidationOutcome.exitStatus(for: all, failOn: validateArgs.failOn)
    return 0
}
