// libFuzzer entry: `dicomtool validate` on one file. The command's per-file work is a closure in
// ValidateCommand.run; this is the same sequence: read, the cross-file tracker, Validator, then
// every rendering of the findings (text, JSON line and its JSON Lines record, JUnit, SARIF) and
// the exit status. Not a Package.swift target: scripts/fuzz compiles it with CommandInput.swift.
@testable import DicomToolCLI
import DicomCore
import DicomIO
import DicomRules

let validateArgs = CommandInput.parse(["validate", CommandInput.inputPath], as: ValidateArgs.self)
let validator = Validator(options: {
    var o = Validator.Options()
    o.ignoredRules = Set(validateArgs.ignore)
    return o
}())

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValidate(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    let item = CommandInput.item
    guard let file = try? Part10Reader.read(path: CommandInput.inputPath) else { return 0 }
    let tracker = ConsistencyTracker()
    tracker.add(file: item.displayName, dataset: file.dataset)
    let findings = FileFindings(file: item.displayName, findings: validator.validate(file))
    var all = [findings] + tracker.finishByFile()
    all.append(FileFindings(file: "x", findings: []))
    let line = FindingRenderer.jsonLine(findings)
    _ = ReporterJSON.item(command: "validate", input: item, fields: [("validation", .raw(line))])
    for format in FindingFormat.allCases { _ = format.render(all, toolVersion: DicomTool.version) }
    _ = ValidationOutcome.exitStatus(for: all, failOn: validateArgs.failOn)
    return 0
}
