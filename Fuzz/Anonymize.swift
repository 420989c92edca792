// libFuzzer entry: `dicomtool anonymize` on one file. The command's per-file work is a closure in
// AnonymizeCommand.run; this is the same sequence with the same calls: read, the original's
// identifying values, Anonymizer.anonymizeUnchecked, the residual self-check (separately, so that
// a file the check refuses still reaches the writer), the write through
// InstanceOutput in the syntax the report asks for (or the DICOMDIR rewrite), the --plan text and
// --map-out audit lines; then
// what `anonymize --check` does with the written file. Byte 0 of the preamble picks the options
// (CommandInput.variant); the secret is fixed so that runs repeat.
// Not a Package.swift target: scripts/fuzz compiles it with CommandInput.swift.
@testable import DicomToolCLI
import DicomCore
import DicomIO
import DicomAnonymize
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

let anonymizers: [(options: AnonymizeOptions, anonymizer: Anonymizer)] = {
    let secret = CommandInput.directory + "/secret"
    let fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd >= 0 { _ = write(fd, "fuzz secret", 11); close(fd) }
    let base = ["anonymize", "--secret-file", secret, "-o", CommandInput.outputPath]
    let lines: [[String]] = [
        [],
        ["--retain-uids", "--retain-safe-private", "--retain-device-identity", "--retain-institution-identity",
         "--retain-patient-characteristics"],
        ["--retain-long-modified-dates", "--clean-descriptors", "--clean-structured-content", "--clean-graphics",
         "--burned-in", "warn"],
        ["--retain-long-full-dates", "--burned-in", "allow", "--keep", "PatientAge", "--remove", "(0008,0080)",
         "--set", "PatientName=ANON^YMOUS", "--set", "ReferencedImageSequence[0].ReferencedSOPInstanceUID=1.2.3"],
    ]
    return lines.map { extra in
        let args = CommandInput.parse(base + extra + [CommandInput.inputPath], as: AnonymizeArgs.self)
        guard let options = try? AnonymizeCommand.makeOptions(args) else {
            StandardError.write("fuzz entry: anonymize options \(extra) refused\n")
            exit(2)
        }
        return (options, Anonymizer(options: options))
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnonymize(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard CommandInput.store(data, count) else { return 0 }
    defer { CommandInput.clearOutputs() }
    let (options, anonymizer) = anonymizers[CommandInput.variant(data, count, of: anonymizers.count)]
    guard let file = try? Part10Reader.read(path: CommandInput.inputPath) else { return 0 }
    let isDirectory = BasicDirectory.isBasicDirectory(file)
    let identifying = IdentityScanner.identifyingValues(in: file.dataset, anonymizer: anonymizer)
    guard let (meta, dataset, report) = try? anonymizer.anonymizeUnchecked(file, identifyingValues: identifying) else { return 0 }
    // The self-check on what would be written (AnonymizeCommand refuses to write when it finds
    // anything; the fuzz run goes on either way, to reach the writer).
    _ = IdentityScanner.residuals(original: file.dataset, anonymizedMeta: meta, anonymized: dataset,
                                  anonymizer: anonymizer, identifying: identifying)
    for c in report.changes {
        _ = "  \(c.action) \(c.path) \(c.keyword)" + (c.oldValue.map(ValueText.escaped) ?? "") + (c.newValue.map(ValueText.escaped) ?? "")
    }
    _ = report.auditLines
    _ = ReporterJSON.item(command: "anonymize", input: CommandInput.item, fields: [
        ("changes", .int(report.changes.count)),
        ("actions", .object(report.counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
    ])
    if isDirectory {
        _ = try? DirectoryFollowing.rewrite(file, input: CommandInput.item, meta: meta, dataset: dataset, written: WrittenFiles(),
                                            destination: CommandInput.outputPath, sync: false)
        return 0
    }
    do {
        try InstanceOutput.write(to: CommandInput.outputPath, from: [CommandInput.inputPath]) {
            (sink: inout AtomicOutput) throws(DicomError) in
            try DatasetWriter(syntax: report.outputSyntax ?? file.transferSyntax).writeFile(meta: meta, dataset: dataset, to: &sink)
        }
    } catch {
        return 0
    }
    // `anonymize --check ORIGINAL ANONYMIZED` on what was written: the library's check
    // (AnonymizeCommand.check prints each residual to standard output, which a fuzzer must not).
    if let written = try? Part10Reader.read(path: CommandInput.outputPath) {
        _ = IdentityScanner.residuals(of: written, from: file, options: options)
    }
    return 0
}
