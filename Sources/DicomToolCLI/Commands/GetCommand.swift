import DicomCore
import DicomIO
import DicomNet
import DicomServices
import FoundationEssentials

/// `dicomtool get`: what to retrieve resolved to instances by C-FIND (their SOP classes name the
/// storage contexts), then C-GET a series at a time; every instance filed by receive's writer and
/// reported as receive reports it; each request's final counts and failed instances after it.
public enum GetCommand {
    public static func run(_ args: GetArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "get")
        let json = global.format == .json
        let model = args.request.model
        var entries: [QueryInput.Entry] = []
        if let query = args.query {
            do throws(DicomError) { entries = try readQuery(query) } catch {
                reporter.error(error)
                return error.code.exitStatus
            }
        } else {
            entries = [QueryInput.Entry(level: args.request.level, keys: args.keys)]
        }
        var find = FindOptions()
        find.requestor = args.peer.requestorOptions
        do { find.requestor.tls = try args.tls.requestorContext(reporter) } catch {
            reporter.error(error)
            return error.code.exitStatus
        }
        var options = GetOptions(storage: args.configuration)
        options.requestor = find.requestor
        options.model = model
        options.limit = args.limit
        let address = args.peer.address, findOptions = find, getOptions = options, wanted = entries
        let tally = GetTally()
        let start = ContinuousClock.now
        do {
            try NetworkRuntime.runBlocking {
                // One association resolves every entry (find's output may list hundreds of series).
                let targets = try await GetSCU.targets(for: wanted, model: model, at: address, options: findOptions)
                tally.resolved(targets.reduce(0) { $0 + $1.instances })
                try await GetSCU.get(targets, at: address, options: getOptions, events: { event in
                    tally.event(event)
                    switch event {
                    case .associationAccepted, .associationEnded: return
                    default: ReceiveEvents.print(event, json: json, reporter: reporter, command: "get")
                    }
                }, onProgress: { _, _ in }, onOutcome: { outcome in
                    tally.outcome(outcome)
                    Self.report(outcome, json: json, reporter: reporter, peer: address.description)
                })
            }
        } catch {
            let e = StorageSCU.dicomError(error as? NetError ?? NetError(.aborted, "\(error)"))
            reporter.error(e, input: address.description)
            tally.fail(e)
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return tally.finish(json: json, quiet: global.quiet, reporter: reporter, peer: address.description, seconds: seconds)
    }

    /// The entries of `--query FILE|-` (get's and move's): find's JSON Lines or a PS3.18 array.
    static func readQuery(_ query: String) throws(DicomError) -> [QueryInput.Entry] {
        let bytes: [UInt8]
        if query == "-" {
            let source = try ByteSource.standardInput()
            bytes = source.bytes(0..<source.count)
        } else {
            guard let data = FileManager.default.contents(atPath: query) else {
                throw DicomError(.cannotRead, "cannot read the query file", file: query)
            }
            bytes = [UInt8](data)
        }
        return try QueryInput.entries(bytes, name: query)
    }

    static func report(_ o: RetrieveOutcome, json: Bool, reporter: Reporter, peer: String) {
        func count(_ n: Int?) -> ReporterJSON.Value { n.map(ReporterJSON.Value.int) ?? .null }
        if json {
            StandardOutput.write(ReporterJSON.record("retrieve", "get", [
                ("level", .string(o.target.level.value)), ("target", .string(o.target.description)),
                ("status", .string("0x" + hex4(o.status))), ("errorComment", o.errorComment.map(ReporterJSON.Value.string) ?? .null),
                ("completed", count(o.counts.completed)), ("failed", count(o.counts.failed)), ("warning", count(o.counts.warning)),
                ("failedSOPInstanceUIDs", .array(o.failedSOPInstanceUIDs.map(ReporterJSON.Value.string))),
                ("cancelled", .bool(o.cancelled)),
            ]) + "\n")
            return
        }
        let words = "\(o.target.description): status 0x\(hex4(o.status)) (\(QueryStatus.describe(o.status))), "
            + "\(o.counts.completed ?? 0) completed, \(o.counts.failed ?? 0) failed, \(o.counts.warning ?? 0) warning"
            + (o.errorComment.map { ": \($0)" } ?? "") + (o.cancelled ? " (--limit reached: cancelled)" : "")
        if o.isFailure {
            reporter.warning(words, input: peer)
            for uid in o.failedSOPInstanceUIDs { reporter.warning("failed sub-operation: \(uid)", input: peer) }
        } else {
            reporter.note(words, input: peer)
        }
    }
}

/// The run's counts: instances resolved, stored, failed; the first error.
final class GetTally: @unchecked Sendable {
    private let lock = Lock()
    private var expected = 0, stored = 0, failedInstances = 0, failedRequests = 0, failedSubOperations = 0
    private var error: DicomError?
    /// --limit was reached: fewer instances than found is what was asked for.
    private var limited = false

    func resolved(_ n: Int) { lock.withLock { expected = n } }
    func fail(_ e: DicomError) { lock.withLock { if error == nil { error = e } } }

    func event(_ event: StorageEvent) {
        lock.withLock {
            switch event {
            case .stored: stored += 1
            case .failed, .discarded: failedInstances += 1
            default: break
            }
        }
    }

    func outcome(_ o: RetrieveOutcome) {
        lock.withLock {
            if o.isFailure { failedRequests += 1 }
            if o.cancelled { limited = true }
            failedSubOperations += max(o.counts.failed ?? 0, o.failedSOPInstanceUIDs.count)
        }
    }

    func finish(json: Bool, quiet: Bool, reporter: Reporter, peer: String, seconds: Double) -> ExitStatus {
        lock.withLock {
            // The peer counts an instance we refused as failed too: the larger count, not the sum.
            let failedInstances = max(self.failedInstances, failedSubOperations)
            var status = error?.code.exitStatus ?? .ok
            if status == .ok, failedRequests > 0 || failedInstances > 0 { status = .peerFailure }
            if status == .ok, stored < expected, !limited {
                reporter.warning("\(expected - stored) of \(expected) instances found were not received", input: peer)
            }
            if json {
                StandardOutput.write(ReporterJSON.record("summary", "get", [
                    ("instances", .int(expected)), ("stored", .int(stored)), ("failed", .int(failedInstances)),
                    ("failedRequests", .int(failedRequests)), ("exit", .int(Int(widening: status.rawValue))),
                    ("elapsed", .double((seconds * 1000).rounded() / 1000)), ("error", error.map(ReporterJSON.errorValue) ?? .null),
                ]) + "\n")
            } else if !quiet {
                reporter.note("\(stored) of \(expected) instance\(expected == 1 ? "" : "s") stored, \(failedInstances) failed, "
                              + "\(FindCommand.format(seconds)) s", input: peer)
            }
            return status
        }
    }
}
