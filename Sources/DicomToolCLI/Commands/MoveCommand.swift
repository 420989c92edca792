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
        let address = args.peer.address, request = args.request, frozen = options
        let result: MoveResult
        do {
            result = try NetworkRuntime.runBlocking {
                try await MoveSCU.move(request, at: address, options: frozen) { event in
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
                }
            }
        } catch let error as DicomError {
            return failure(error, reporter)
        } catch {
            let net = error as? NetError ?? NetError(.aborted, "\(error)")
            reporter.error(DicomError(StorageSCU.dicomError(net).code, net.description), input: address.description)
            return net.code.exitStatus
        }
        let kind = DIMSEStatus.kind(result.status)
        let failedSubOperations = (result.counts.failed ?? 0) > 0 || !result.failedInstances.isEmpty
        if json {
            StandardOutput.write(ReporterJSON.record("summary", "move", [
                ("status", .string("0x" + hex4(result.status))), ("errorComment", result.errorComment.map(ReporterJSON.Value.string) ?? .null),
                ("pendingResponses", .int(result.pendingResponses)),
                ("failedInstances", .array(result.failedInstances.map(ReporterJSON.Value.string))),
            ] + Self.fields(result.counts)) + "\n")
        } else {
            StandardOutput.write("\(address): C-MOVE to \(options.destination): status 0x\(hex4(result.status)) (\(QueryStatus.describe(result.status))), "
                                 + "completed \(Self.text(result.counts.completed)), failed \(Self.text(result.counts.failed)), "
                                 + "warning \(Self.text(result.counts.warning))\n")
            for uid in result.failedInstances { StandardOutput.write("failed: \(uid)\n") }
        }
        if kind == .failure || kind == .cancel || failedSubOperations {
            reporter.error(DicomError(.peerFailure, "C-MOVE ended with status 0x\(hex4(result.status)) (\(QueryStatus.describe(result.status)))"
                                      + (result.errorComment.map { ": \($0)" } ?? "")
                                      + (failedSubOperations ? ", \(Self.text(result.counts.failed)) sub-operations failed" : "")),
                           input: address.description)
            return .peerFailure
        }
        if result.receiverOutcome?.hadLocalFailure == true { return .cannotWriteOutput }
        return .ok
    }

    static func text(_ n: Int?) -> String { n.map(String.init) ?? "-" }

    static func fields(_ c: MoveCounts) -> [(String, ReporterJSON.Value)] {
        func v(_ n: Int?) -> ReporterJSON.Value { n.map(ReporterJSON.Value.int) ?? .null }
        return [("remaining", v(c.remaining)), ("completed", v(c.completed)), ("failed", v(c.failed)), ("warning", v(c.warning))]
    }
}
