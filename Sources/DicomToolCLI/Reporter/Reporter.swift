import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one writer of diagnostics, progress and the summary line (stderr), and of the run's
/// JSON Lines envelope (`begin`, `end`, `summary` on stdout) under `--format json`.
/// Thread-safe: workers may report warnings while the run's thread draws progress; every line
/// is written whole, so lines never interleave.
///
/// Diagnostics: `dicomtool: <command>: <file>: error: <message>` (or `warning:`), one line
/// each, control bytes escaped. Quiet mode drops warnings, progress and the summary; errors
/// are always written.
public final class Reporter: @unchecked Sendable {
    public enum Severity: String, Sendable { case error, warning }

    public let command: String
    public let quiet: Bool
    public let showsProgress: Bool
    /// Whether the `begin`/`end`/`summary` JSON Lines records are written to `standardOutput`.
    public let json: Bool
    /// What `begin` says about the run.
    public let jobs: Int
    public let shard: (index: Int, count: Int)?

    private let writeStandardError: @Sendable (String) -> Void
    private let writeStandardOutput: @Sendable (String) -> Void
    private let lock = Lock()
    private var progress = ProgressBar(total: 0)
    private var progressVisible = false
    private var lastDraw: ContinuousClock.Instant?
    private var runStart = ContinuousClock.now
    private var counts = (errors: 0, warnings: 0)

    /// The reporter of a subcommand run. `progress`: nil means only when stderr is a terminal.
    /// `standardOutput` writes one JSON Lines record (newline included); pass your own stdout
    /// writer if you buffer stdout, so records and results keep their order.
    public convenience init(options: InputOptions, json: Bool = false, quiet: Bool = false,
                            standardOutput: (@Sendable (String) -> Void)? = nil) {
        let terminal = isatty(2) == 1
        self.init(command: options.command,
                  showsProgress: !quiet && (options.progress ?? terminal),
                  quiet: quiet, json: json, jobs: options.effectiveJobs, shard: options.shard,
                  standardError: { text in StandardError.write(text) },
                  standardOutput: standardOutput ?? { text in
                      print(text, terminator: "")
                      fflush(nil)
                  })
    }

    /// Full control (tests, redirection): each closure receives whole lines.
    public init(command: String, showsProgress: Bool, quiet: Bool = false, json: Bool = false,
                jobs: Int = 1, shard: (index: Int, count: Int)? = nil,
                standardError: @escaping @Sendable (String) -> Void,
                standardOutput: @escaping @Sendable (String) -> Void = { _ in }) {
        self.command = command
        self.quiet = quiet
        self.showsProgress = showsProgress
        self.json = json
        self.jobs = jobs
        self.shard = shard
        self.writeStandardError = standardError
        self.writeStandardOutput = standardOutput
    }

    /// Errors and warnings written so far.
    public var errorCount: Int { lock.withLock { counts.errors } }
    public var warningCount: Int { lock.withLock { counts.warnings } }

    // MARK: Diagnostics

    /// `dicomtool: <command>: <input>: error: ...`. The error's own `file` wins over `input`.
    public func error(_ error: DicomError, input: String? = nil) {
        diagnostic(.error, error, input: input)
    }

    public func warning(_ warning: DicomError, input: String? = nil) {
        diagnostic(.warning, warning, input: input)
    }

    public func warning(_ message: String, input: String? = nil) {
        diagnostic(.warning, DicomError(.invalidInput, message), input: input)
    }

    public func diagnostic(_ severity: Severity, _ error: DicomError, input: String? = nil) {
        if severity == .warning && quiet { return }
        let line = Reporter.diagnosticLine(command: command, severity: severity, error: error,
                                           input: input)
        lock.withLock {
            if severity == .error { counts.errors += 1 } else { counts.warnings += 1 }
            clearProgressLocked()
            writeStandardError(line + "\n")
        }
    }

    /// `dicomtool: <command>: <input>: <message>`: a verdict that is neither an error nor a warning
    /// (anonymize --check's "nothing found"), written even when quiet, as errors are.
    public func note(_ message: String, input: String? = nil) {
        var line = "dicomtool: \(Reporter.escape(command)): "
        if let input { line += Reporter.escape(input) + ": " }
        self.message(line + Reporter.escape(message))
    }

    /// A line of its own that is neither an error nor a warning (a check's verdict, a --verify
    /// result), written whole, with the progress bar cleared first.
    public func message(_ line: String) {
        lock.withLock {
            clearProgressLocked()
            writeStandardError(line + "\n")
        }
    }

    /// The text of one diagnostic line (no newline); `command` is nil for an error before the
    /// command name (a usage error).
    public static func diagnosticLine(command: String?, severity: Severity, error: DicomError,
                                      input: String? = nil) -> String {
        var rest = error
        let file = rest.file ?? input
        rest.file = nil
        var line = "dicomtool: "
        if let command { line += escape(command) + ": " }
        if let file { line += escape(file) + ": " }
        line += severity.rawValue + ": " + escape(rest.description)
        return line
    }

    /// Escapes what must not reach a terminal raw: C0 controls and DEL as `\n`, `\r`, `\t` or
    /// `\xHH`; C1 controls and bidirectional overrides as `\u{HHHH}`.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                if scalar.value < 0x80 {
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out += "\\u{" + hex + "}"
                }
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true  // bidi embeddings and isolates
        default: return false
        }
    }

    // MARK: The run (called by InputWalker.run)

    /// Starts progress for `total` inputs and writes the `begin` record.
    public func begin(total: Int) {
        lock.withLock {
            runStart = .now
            progress = ProgressBar(total: total)
            lastDraw = nil
        }
        if json {
            writeStandardOutput(ReporterJSON.begin(command: command, inputs: total, jobs: jobs,
                                                   shard: shard) + "\n")
        }
    }

    /// One input is done: its error (if any) becomes a diagnostic, progress advances.
    public func finished(_ item: InputItem, error: DicomError?) {
        if let error { self.error(error, input: item.displayName) }
        lock.withLock {
            progress.done += 1
            guard showsProgress else { return }
            let now = ContinuousClock.now
            // About ten redraws a second, and always the last one.
            if let lastDraw, progress.done < progress.total, lastDraw.duration(to: now) < .milliseconds(100) {
                return
            }
            lastDraw = now
            progress.elapsed = Reporter.seconds(runStart.duration(to: now))
            writeStandardError("\r" + progress.render() + "\u{1B}[K")
            progressVisible = true
        }
    }

    /// An input left out by `--where`: nothing in text (the summary counts it), a `skipped` item
    /// record in JSON Lines.
    public func notMatching(_ item: InputItem) {
        if json { writeStandardOutput(ReporterJSON.notMatching(command: command, input: item) + "\n") }
    }

    /// Clears progress, writes the summary line (unless quiet, or a single input that
    /// succeeded) and the `end` and `summary` records.
    public func finish(_ summary: RunSummary) {
        lock.withLock {
            clearProgressLocked()
            if !quiet, let line = Reporter.summaryLine(command: command, summary: summary) {
                writeStandardError(line + "\n")
            }
        }
        if json {
            writeStandardOutput(ReporterJSON.end(command: command) + "\n"
                                + ReporterJSON.summary(command: command, summary) + "\n")
        }
    }

    /// `dicomtool: dump: 1500 files, 1498 ok, 2 failed (first: scans/x.dcm: exit 22) in 3.2 s`,
    /// or nil for a single input that succeeded. With findings counted (validate), the inputs read
    /// are split: `121 files, 60 without findings, 23 with findings, 38 failed ...`.
    public static func summaryLine(command: String, summary: RunSummary) -> String? {
        if summary.total == 1 && summary.succeeded == 1 && summary.notDicom == 0 { return nil }
        var line = "dicomtool: \(escape(command)): \(summary.total) file\(summary.total == 1 ? "" : "s"), "
        if let flagged = summary.withFindings {
            line += "\(summary.succeeded - flagged) without findings, \(flagged) with findings, \(summary.failed) failed"
        } else {
            line += "\(summary.succeeded) ok, \(summary.failed) failed"
        }
        if let first = summary.firstFailure {
            line += " (first: \(escape(first.file ?? "-")): exit \(first.code.exitStatus.rawValue))"
        }
        if summary.skipped > 0 { line += ", \(summary.skipped) skipped" }
        if summary.notDicom > 0 { line += ", \(summary.notDicom) not DICOM (left out; --all-files takes them)" }
        if summary.notMatching > 0 { line += ", \(summary.notMatching) not matching --where" }
        if summary.interrupted { line += ", interrupted" }
        line += " in " + NumberText.fixed(summary.elapsed, digits: 1) + " s"
        return line
    }

    private func clearProgressLocked() {
        guard progressVisible else { return }
        writeStandardError("\r\u{1B}[K")
        progressVisible = false
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The progress line: `[=====>              ] 512/1500 files 34% 120 files/s`.
public struct ProgressBar: Sendable {
    public var total: Int
    public var done: Int
    /// Seconds since the run began.
    public var elapsed: Double
    public static let width = 20

    public init(total: Int, done: Int = 0, elapsed: Double = 0) {
        self.total = total
        self.done = done
        self.elapsed = elapsed
    }

    public func render() -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(ProgressBar.width))  // conversion: fraction is 0...1
        var bar = String(repeating: "=", count: filled)
        if filled < ProgressBar.width {
            bar += ">" + String(repeating: " ", count: ProgressBar.width - filled - 1)
        }
        let rate = elapsed > 0 ? Int(min(Double(done) / elapsed, 1e12).rounded()) : 0  // conversion: 0...1e12
        return "[\(bar)] \(done)/\(total) files \(Int(fraction * 100))% \(rate) files/s"  // conversion: fraction is 0...1
    }
}
