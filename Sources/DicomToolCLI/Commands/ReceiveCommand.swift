import DicomCore
import DicomIO
import DicomNet
import DicomServices
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `dicomtool receive`: runs the storage SCP of DicomServices, prints its events, and turns
/// SIGINT/SIGTERM into a graceful stop.
struct ReceiveCommand {
    let configuration: StorageSCPConfiguration
    let format: OutputFormat
    let reporter: Reporter

    func run() -> ExitStatus {
        let json = format == .json
        let reporter = self.reporter
        let scp = StorageSCP(configuration: configuration) { event in
            ReceiveEvents.print(event, json: json, reporter: reporter)
        }
        let signals = ReceiveSignals()
        signals.install { name in scp.stop(reason: "\(name) received") }
        let outcome: StorageSCP.Outcome
        do {
            outcome = try NetworkRuntime.runBlocking { try await scp.run() }
        } catch {
            let net = error as? NetError ?? NetError(.cannotConnect, "\(error)")
            reporter.error(DicomError(.internalError, net.description), input: "\(configuration.host):\(configuration.port)")
            return net.code.exitStatus
        }
        scp.finish()
        if signals.received == SIGINT { return .interrupted }
        return outcome.hadLocalFailure ? .cannotWriteOutput : .ok
    }
}

/// SIGINT and SIGTERM, delivered by Dispatch on an ordinary queue. The first asks for a graceful
/// stop; a second of either ends the process at once (temporary files removed), exit 130.
final class ReceiveSignals: @unchecked Sendable {
    private let lock = Lock()
    private var sources: [DispatchSourceSignal] = []
    private var first: Int32?

    var received: Int32? { lock.withLock { first } }

    func install(_ stop: @escaping @Sendable (String) -> Void) {
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)  // Dispatch delivers a signal only when its default action is ignored
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let again = lock.withLock { () -> Bool in
                    if first != nil { return true }
                    first = number
                    return false
                }
                if again {
                    AtomicOutput.removeAllPending()
                    exit(ExitStatus.interrupted.rawValue)
                }
                stop(name)
            }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }
}

/// The receiver's events as text lines or JSON Lines records (`"event"` names the kind).
enum ReceiveEvents {
    static func print(_ event: StorageEvent, json: Bool, reporter: Reporter, command: String = "receive") {
        if json {
            StandardOutput.write(record(event, command: command) + "\n")
            return
        }
        switch event {
        case .failed, .discarded, .connectionFailed, .associationRejected, .tlsRefused:
            reporter.warning(text(event))
        case .commitmentReported(_, _, let status, let error) where error != nil || status.map({ DIMSEStatus.kind($0) == .failure }) ?? true:
            reporter.warning(text(event))
        case .exec(_, _, let status, _) where status != 0:
            reporter.warning(text(event))
        case .commitmentIndex(_, _, let error?) where !error.isEmpty:
            reporter.warning(text(event))
        default:
            StandardOutput.write(text(event) + "\n")
        }
    }

    static func text(_ event: StorageEvent) -> String {
        switch event {
        case .listening(let host, let port, let ae):
            return "listening on \(host):\(port) as \(ae)"
        case .associationAccepted(let id, let calling, let called, let peer):
            return "association \(id): \(calling) -> \(called) from \(peer)"
        case .associationRejected(let calling, let called, let peer, let reason):
            return "association rejected: \(calling) -> \(called) from \(peer): \(reason)"
        case .associationEnded(let id, _, let how, let stored, let failed):
            return "association \(id) \(words(how)): \(stored) stored, \(failed) failed"
        case .connectionFailed(let peer, let reason):
            return "connection from \(peer): \(reason)"
        case .tlsRefused(let peer, let reason):
            return "refused connection from \(peer): \(reason)"
        case .stored(let s):
            return "stored \(s.path) (\(s.sopInstanceUID), \(s.transferSyntaxUID), \(s.bytes) bytes) from \(s.callingAETitle)"
        case .duplicate(_, let path, let keptAs, let policy, _):
            return "duplicate \(path): " + (keptAs.map { policy == .replace ? "replaced" : "kept as \($0)" } ?? "rejected")
        case .failed(_, let calling, let uid, let status, let message):
            return "instance \(uid ?? "?") from \(calling): failure 0x\(hex4(status)): \(message)"
        case .discarded(_, let calling, let uid, let reason):
            return "instance \(uid ?? "?") from \(calling) discarded: \(reason)"
        case .exec(let hook, let arguments, let status, let error):
            let outcome = error.map { "could not start: \($0)" } ?? "exit \(status.map(String.init) ?? "?")"
            return "exec-on-\(hook) \(arguments.joined(separator: " ")): \(outcome)"
        case .stopping(let reason):
            return "stopping: \(reason)"
        case .commitmentRequested(let id, let calling, let transaction, let instances, let committed):
            return "association \(id): storage commitment \(transaction) from \(calling): \(committed) of \(instances) committed"
        case .commitmentReported(let transaction, let via, let status, let error):
            return "storage commitment \(transaction) reported on \(via): "
                + (error.map { "not delivered: \($0)" } ?? "status 0x\(hex4(status ?? 0))")
        case .commitmentIndex(let path, let instances, let error):
            return "storage commitment index \(path): " + (error ?? "\(instances) instance\(instances == 1 ? "" : "s") stored by earlier runs")
        }
    }

    static func words(_ how: AssociationEnd) -> String {
        switch how {
        case .released: return "released"
        case .aborted(let why): return "aborted (\(why))"
        }
    }

    /// One JSON Lines record of the `dicomtool/1` schema: `type` names the event.
    static func record(_ event: StorageEvent, command: String = "receive") -> String {
        typealias V = ReporterJSON.Value
        func text(_ s: String?) -> V { s.map { .string($0) } ?? .null }
        func number(_ n: Int) -> V { .int(n) }
        let (type, body): (String, [(String, V)]) = {
            switch event {
            case .listening(let host, let port, let ae):
                return ("listening", [("host", .string(host)), ("port", number(port)), ("aeTitle", .string(ae))])
            case .associationAccepted(let id, let calling, let called, let peer):
                return ("association", [("association", number(id)), ("callingAETitle", .string(calling)), ("calledAETitle", .string(called)),
                                        ("peer", .string(peer))])
            case .associationRejected(let calling, let called, let peer, let reason):
                return ("rejected", [("callingAETitle", .string(calling)), ("calledAETitle", .string(called)), ("peer", .string(peer)),
                                     ("reason", .string(reason))])
            case .associationEnded(let id, let calling, let how, let stored, let failed):
                var pairs: [(String, V)] = [("association", number(id)), ("callingAETitle", .string(calling)),
                                            ("released", .bool(how == .released)), ("stored", number(stored)), ("failed", number(failed))]
                if case .aborted(let why) = how { pairs.append(("reason", .string(why))) }
                return ("association-end", pairs)
            case .connectionFailed(let peer, let reason):
                return ("error", [("peer", .string(peer)), ("message", .string(reason))])
            case .tlsRefused(let peer, let reason):
                return ("tls-refused", [("peer", .string(peer)), ("reason", .string(reason))])
            case .stored(let s):
                return ("stored", [("association", number(s.association)), ("path", .string(s.path)), ("sopClassUID", .string(s.sopClassUID)),
                                   ("sopInstanceUID", .string(s.sopInstanceUID)), ("transferSyntaxUID", .string(s.transferSyntaxUID)),
                                   ("bytes", number(s.bytes)), ("callingAETitle", .string(s.callingAETitle))])
            case .duplicate(let id, let path, let keptAs, let policy, let uid):
                return ("duplicate", [("association", number(id)), ("path", .string(path)), ("keptAs", text(keptAs)),
                                      ("policy", .string(policy.rawValue)), ("sopInstanceUID", .string(uid))])
            case .failed(let id, let calling, let uid, let status, let message):
                return ("failed", [("association", number(id)), ("callingAETitle", .string(calling)), ("sopInstanceUID", text(uid)),
                                   ("status", number(Int(widening: status))), ("message", .string(message))])
            case .discarded(let id, let calling, let uid, let reason):
                return ("discarded", [("association", number(id)), ("callingAETitle", .string(calling)), ("sopInstanceUID", text(uid)),
                                      ("reason", .string(reason))])
            case .exec(let hook, let arguments, let status, let error):
                return ("exec", [("hook", .string(hook)), ("arguments", .array(arguments.map { .string($0) })),
                                 ("status", status.map { .int(Int(widening: $0)) } ?? .null), ("error", text(error))])
            case .stopping(let reason):
                return ("stopping", [("reason", .string(reason))])
            case .commitmentRequested(let id, let calling, let transaction, let instances, let committed):
                return ("commitment", [("association", number(id)), ("callingAETitle", .string(calling)), ("transactionUID", .string(transaction)),
                                       ("instances", number(instances)), ("committed", number(committed))])
            case .commitmentReported(let transaction, let via, let status, let error):
                return ("commitment-report", [("transactionUID", .string(transaction)), ("via", .string(via)),
                                              ("status", status.map { .int(Int(widening: $0)) } ?? .null), ("error", text(error))])
            case .commitmentIndex(let path, let instances, let error):
                return ("commitment-index", [("path", .string(path)), ("instances", number(instances)), ("error", text(error))])
            }
        }()
        return ReporterJSON.record(type, command, body)
    }
}
