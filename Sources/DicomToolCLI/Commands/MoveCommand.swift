import DicomCore
import DicomNet
import DicomServices

/// `dicomtool move`: the keys to `MoveSCU`, progress from the pending responses, the in-process
/// receiver's events as receive prints them, the final counts.
public enum MoveCommand {
    public static func run(_ args: MoveArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "move")
        let json = global.format == .json
        var options = MoveOptions(destination: args.destination ?? args.peer.callingAETitle)
        options.requestor = args.peer.requestorOptions
        options.limit = args.limit
        do { options.requestor.tls = try args.tls.requestorContext(reporter) } catch { return failure(error, reporter) }
        if let port = args.receivePort, let output = args.output {
            var c: StorageSCPConfiguration
            do { c = StorageSCPConfiguration(outputDirectory: output, layout: try StorageLayout()) } catch { return failure(error, reporter) }
            c.aeTitle = options.destination
            c.host = "0.0.0.0"
            c.port = port
            c.sync = args.sync
            c.dimseSeconds = args.peer.dimseTimeoutSeconds
            c.tls = args.tls.active  // the peer's association to our receiver is TLS too
            options.receiver = c
        }
        // Unique keys go to the peer as they are; other keys and --query are resolved with C-FIND
        // first (PS3.4 C.4.2.2.1: C-MOVE takes unique keys), one C-MOVE per series or instance list.
        let direct = args.query == nil && MoveSCU.hasUniqueKeys(args.keys, level: args.request.level ?? .study, model: args.request.model)
        var entries: [QueryInput.Entry] = []
        if let query = args.query {
            do throws(DicomError) { entries = try GetCommand.readQuery(query) } catch { return failure(error, reporter) }
        } else if !direct {
            entries = [QueryInput.Entry(level: args.request.level ?? .study, keys: args.keys)]
        }
        var find = FindOptions()
        find.requestor = options.requestor
        let address = args.peer.address, request = args.request, frozen = options, findOptions = find, wanted = entries
        let model = args.request.model
        let tally = MoveTally()
        let outcome: StorageSCP.Outcome?
        do {
            outcome = try NetworkRuntime.runBlocking {
                var requests = [request]
                var labels: [String?] = [nil]
                if !direct {
                    let targets = try await GetSCU.targets(for: wanted, model: model, at: address, options: findOptions)
                    requests = try targets.map { target in try QueryRequest(model: model, level: target.level, keys: target.keys) }
                    labels = targets.map(\.description)
                    let instances = targets.reduce(0) { $0 + $1.instances }
                    reporter.note("\(instances) instance\(instances == 1 ? "" : "s") matched, in \(targets.count) C-MOVE request\(targets.count == 1 ? "" : "s")",
                                  input: address.description)
                }
                let names = labels
                return try await MoveSCU.move(requests, at: address, options: frozen, events: { event in
                    switch event {
                    case .pending(let counts):
                        if json {
                            StandardOutput.write(ReporterJSON.record("progress", "move", Self.fields(counts)) + "\n")
                        } else {
                            reporter.note("remaining \(Self.text(counts.remaining)), completed \(Self.text(counts.completed)), "
                                          + "failed \(Self.text(counts.failed)), warning \(Self.text(counts.warning))")
                        }
                    case .receiver(let storage):
                        ReceiveEvents.print(storage, json: json, reporter: reporter)
                    }
                }, onResult: { index, result in
                    let label = index < names.count ? names[index] : nil
                    tally.add(result)
                    Self.report(result, target: label, json: json, reporter: reporter, address: address.description, destination: frozen.destination)
                })
            }
        } catch let error as DicomError {
            return failure(error, reporter)
        } catch {
            let net = error as? NetError ?? NetError(.aborted, "\(error)")
            reporter.error(DicomError(StorageSCU.dicomError(net).code, net.description), input: address.description)
            return net.code.exitStatus
        }
        if tally.failures > 0 { return .peerFailure }
        if outcome?.hadLocalFailure == true { return .cannotWriteOutput }
        return .ok
    }

    /// One C-MOVE's final response: the summary line (or JSON record), the failed instances, and an
    /// error when it failed. `target` names what a resolved request moved.
    static func report(_ result: MoveResult, target: String?, json: Bool, reporter: Reporter, address: String, destination: String) {
        let kind = DIMSEStatus.kind(result.status)
        let limited = result.cancelled ? " (--limit reached: cancelled)" : ""
        let failedSubOperations = (result.counts.failed ?? 0) > 0 || !result.failedInstances.isEmpty
        if json {
            StandardOutput.write(ReporterJSON.record("summary", "move", [
                ("status", .string("0x" + hex4(result.status))), ("errorComment", result.errorComment.map(ReporterJSON.Value.string) ?? .null),
                ("pendingResponses", .int(result.pendingResponses)),
                ("failedInstances", .array(result.failedInstances.map(ReporterJSON.Value.string))),
                ("cancelled", .bool(result.cancelled)),
            ] + (target.map { [("target", ReporterJSON.Value.string($0))] } ?? []) + Self.fields(result.counts)) + "\n")
        } else {
            StandardOutput.write("\(address): C-MOVE\(target.map { " of \($0)" } ?? "") to \(destination): status 0x\(hex4(result.status)) "
                                 + "(\(QueryStatus.describe(result.status)))\(limited), completed \(Self.text(result.counts.completed)), "
                                 + "failed \(Self.text(result.counts.failed)), warning \(Self.text(result.counts.warning))\n")
            for uid in result.failedInstances { StandardOutput.write("failed: \(uid)\n") }
        }
        if kind == .failure || (kind == .cancel && !result.cancelled) || failedSubOperations {
            reporter.error(DicomError(.peerFailure, "C-MOVE\(target.map { " of \($0)" } ?? "") ended with status 0x\(hex4(result.status)) "
                                      + "(\(QueryStatus.describe(result.status)))" + (result.errorComment.map { ": \($0)" } ?? "")
                                      + (failedSubOperations ? ", \(Self.text(result.counts.failed)) sub-operations failed" : "")),
                           input: address)
        }
    }

    static func text(_ n: Int?) -> String { n.map(String.init) ?? "-" }

    static func fields(_ c: MoveCounts) -> [(String, ReporterJSON.Value)] {
        func v(_ n: Int?) -> ReporterJSON.Value { n.map(ReporterJSON.Value.int) ?? .null }
        return [("remaining", v(c.remaining)), ("completed", v(c.completed)), ("failed", v(c.failed)), ("warning", v(c.warning))]
    }
}

/// The moves that failed (a failure status, a cancel we did not ask for, or failed sub-operations).
final class MoveTally: @unchecked Sendable {
    private let lock = Lock()
    private var failed = 0
    func add(_ r: MoveResult) {
        let kind = DIMSEStatus.kind(r.status)
        let bad = kind == .failure || (kind == .cancel && !r.cancelled) || (r.counts.failed ?? 0) > 0 || !r.failedInstances.isEmpty
        if bad { lock.withLock { failed += 1 } }
    }
    var failures: Int { lock.withLock { failed } }
}
