import DicomCore
import DicomIO
import DicomNet
import DicomServices
import FoundationEssentials

/// `dicomtool find`: the query built, sent, and each match written as it arrives (a text table,
/// CSV, one PS3.18 array, or JSON Lines), so memory stays bounded whatever the peer returns.
public enum FindCommand {
    public static func run(_ args: FindArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "find")
        let identifier: QueryIdentifier
        do { identifier = try args.request.identifier() } catch {
            reporter.error(error)
            return error.code.exitStatus
        }
        var options = FindOptions()
        options.requestor = args.peer.requestorOptions
        do { options.requestor.tls = try args.tls.requestorContext(reporter) } catch {
            reporter.error(error)
            return error.code.exitStatus
        }
        options.limit = args.limit
        options.negotiation = args.negotiation
        options.relationalReason = args.request.relationalReason
        let mode: MatchWriter.Mode = args.json ? .dicomJSON : (global.format == .json ? .jsonLines : (global.format == .csv ? .csv : .table))
        let writer = MatchWriter(mode: mode, columns: identifier.columns, reporter: reporter, peer: args.peer.address.description)
        let address = args.peer.address, frozen = options
        let start = ContinuousClock.now
        let outcome: Result<FindResult, NetError>
        do {
            outcome = .success(try NetworkRuntime.runBlocking {
                try await FindSCU.find(identifier, at: address, options: frozen, onNegotiated: { answer in
                    writer.negotiated(answer)
                }, onMatch: { match in writer.write(match) })
            })
        } catch {
            outcome = .failure(error as? NetError ?? NetError(.aborted, "\(error)"))
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        switch outcome {
        case .success(let result):
            let failure = result.failure.map { StorageSCU.dicomError($0) }
            writer.finish(result: result, error: failure, seconds: seconds)
            if let failure { reporter.error(failure, input: address.description) }
            if !global.quiet, mode != .jsonLines {
                let limited = result.cancelled ? " (--limit reached: cancelled)" : ""
                reporter.note("\(result.matches) match\(result.matches == 1 ? "" : "es"), "
                              + "status 0x\(hex4(result.status)) (\(QueryStatus.describe(result.status)))\(limited), "
                              + "\(Self.format(seconds)) s", input: address.description)
            }
            return failure?.code.exitStatus ?? .ok
        case .failure(let net):
            let error = StorageSCU.dicomError(net)
            writer.finish(result: nil, error: error, seconds: seconds)
            reporter.error(error, input: address.description)
            return error.code.exitStatus
        }
    }

    static func format(_ seconds: Double) -> String {
        let ms = (seconds * 1000).rounded()
        guard ms.isFinite, ms >= 0, ms < 1e12 else { return "0" }
        let n = Int(ms)  // conversion: finite, non-negative and below 1e12, checked above
        let fraction = n % 1000
        return "\(n / 1000)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }
}

/// Writes matches as they arrive. The table waits for its first rows to size its columns (no
/// more than `tableSample` held), then streams; the others stream from the first match.
final class MatchWriter: @unchecked Sendable {
    enum Mode: Equatable { case table, csv, dicomJSON, jsonLines }

    static let tableSample = 100
    /// Character-set warnings written before the rest are only counted.
    static let warningsShown = 10

    let mode: Mode
    let columns: [QueryKey]
    let reporter: Reporter
    /// The peer, as the diagnostics name it.
    let peer: String
    private let lock = Lock()
    private var count = 0
    private var held: [[String]] = []
    private var widths: [Int]?
    private var warnings = 0
    /// What extended negotiation asked and the peer accepted, when anything was asked.
    private var negotiation: QueryNegotiation?

    init(mode: Mode, columns: [QueryKey], reporter: Reporter, peer: String) {
        self.peer = peer
        self.mode = mode
        self.columns = columns
        self.reporter = reporter
    }

    /// The peer's answer to extended negotiation: a note now (text), the summary's field (JSON Lines).
    func negotiated(_ answer: QueryNegotiation) {
        lock.withLock { negotiation = answer }
        if mode != .jsonLines { reporter.note("extended negotiation: \(answer.description)", input: peer) }
    }

    func write(_ match: FindMatch) {
        lock.withLock {
            count += 1
            for problem in match.characterSetProblems {
                warnings += 1
                if warnings <= Self.warningsShown {
                    reporter.warning("match \(match.index): \(problem)", input: peer)
                }
            }
            switch mode {
            case .table:
                let row = columns.map { ValueText.escaped($0.text(in: match.dataset)) }
                if widths == nil {
                    held.append(row)
                    if held.count >= Self.tableSample { flushTable() }
                } else {
                    StandardOutput.write(tableLine(row))
                }
            case .csv:
                if count == 1 { StandardOutput.write(csvLine(columns.map(\.header))) }
                StandardOutput.write(csvLine(columns.map { $0.text(in: match.dataset) }))
            case .dicomJSON:
                StandardOutput.write((count == 1 ? "[\n" : ",\n") + JSONDumper().render(match.dataset))
            case .jsonLines:
                StandardOutput.write(ReporterJSON.record("match", "find", [
                    ("index", .int(match.index)),
                    ("status", .string("0x" + hex4(match.status))),
                    ("dataset", .raw(JSONDumper().render(match.dataset))),
                ]) + "\n")
            }
        }
    }

    /// Ends the output: the rest of the table, the array closed, or the summary record.
    func finish(result: FindResult?, error: DicomError?, seconds: Double) {
        lock.withLock {
            if warnings > Self.warningsShown {
                reporter.warning("\(warnings - Self.warningsShown) more value\(warnings - Self.warningsShown == 1 ? "" : "s") not in the character set announced",
                                 input: peer)
            }
            switch mode {
            case .table:
                if widths == nil, !held.isEmpty { flushTable() }
            case .csv:
                if count == 0 { StandardOutput.write(csvLine(columns.map(\.header))) }
            case .dicomJSON:
                StandardOutput.write(count == 0 ? "[]\n" : "\n]\n")
            case .jsonLines:
                var body: [(String, ReporterJSON.Value)] = [("matches", .int(count))]
                if let result {
                    body += [("status", .string("0x" + hex4(result.status))), ("result", .string(QueryStatus.describe(result.status))),
                             ("errorComment", result.errorComment.map(ReporterJSON.Value.string) ?? .null),
                             ("cancelled", .bool(result.cancelled))]
                } else {
                    body += [("status", .null), ("result", .null), ("errorComment", .null), ("cancelled", .bool(false))]
                }
                body.append(("extendedNegotiation", negotiation.map { n in
                    ReporterJSON.Value.object([("requested", .array(n.requested.names.map(ReporterJSON.Value.string))),
                                               ("accepted", .array(n.accepted.names.map(ReporterJSON.Value.string)))])
                } ?? .null))
                body += [("exit", .int(Int(widening: error?.code.exitStatus.rawValue ?? ExitStatus.ok.rawValue))),
                         ("elapsed", .double((seconds * 1000).rounded() / 1000)),
                         ("error", error.map(ReporterJSON.errorValue) ?? .null)]
                StandardOutput.write(ReporterJSON.record("summary", "find", body) + "\n")
            }
        }
    }

    private func flushTable() {
        let header = columns.map(\.header)
        var w = header.map(\.count)
        for row in held {
            for (i, cell) in row.enumerated() where i < w.count { w[i] = max(w[i], cell.count) }
        }
        widths = w
        StandardOutput.write(tableLine(header) + held.map(tableLine).joined())
        held = []
    }

    private func tableLine(_ cells: [String]) -> String {
        var line = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { line += "  " }
            line += cell
            if i < cells.count - 1, let width = widths?[i], cell.count < width {
                line += String(repeating: " ", count: width - cell.count)
            }
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line + "\n"
    }

    /// RFC 4180, as dump writes its tables (a CRLF inside a value is one Character in Swift: the
    /// shared check catches it).
    private func csvLine(_ cells: [String]) -> String { DumpTable.csvRow(cells) }
}
