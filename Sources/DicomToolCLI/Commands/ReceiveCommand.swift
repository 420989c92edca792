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
    static func print(_ event: StorageEvent, json: Bool, reporter: Reporter) {
        if json {
            StandardOutput.write(record(event) + "\n")
            return
        }
        switch event {
        case .failed, .discarded, .connectionFailed, .associationRejected:
            reporter.warning(text(event))
        case .exec(_, _, let status, _) where status != 0:
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
        }
    }

    static func words(_ how: AssociationEnd) -> String {
        switch how {
        case .released: return "released"
        case .aborted(let why): return "aborted (\(why))"
        }
    }

    static func record(_ event: StorageEvent) -> String {
        func q(_ s: String) -> String { "\"" + Reporter.escape(s) + "\"" }
        func fields(_ kind: String, _ pairs: [(String, String)]) -> String {
            "{\"event\":\(q(kind))" + pairs.map { ",\(q($0.0)):\($0.1)" }.joined() + "}"
        }
        switch event {
        case .listening(let host, let port, let ae):
            return fields("listening", [("host", q(host)), ("port", "\(port)"), ("aeTitle", q(ae))])
        case .associationAccepted(let id, let calling, let called, let peer):
            return fields("association", [("association", "\(id)"), ("callingAETitle", q(calling)), ("calledAETitle", q(called)),
                                          ("peer", q(peer))])
        case .associationRejected(let calling, let called, let peer, let reason):
            return fields("rejected", [("callingAETitle", q(calling)), ("calledAETitle", q(called)), ("peer", q(peer)),
                                       ("reason", q(reason))])
        case .associationEnded(let id, let calling, let how, let stored, let failed):
            var pairs = [("association", "\(id)"), ("callingAETitle", q(calling)), ("released", how == .released ? "true" : "false"),
                         ("stored", "\(stored)"), ("failed", "\(failed)")]
            if case .aborted(let why) = how { pairs.append(("reason", q(why))) }
            return fields("association-end", pairs)
        case .connectionFailed(let peer, let reason):
            return fields("error", [("peer", q(peer)), ("message", q(reason))])
        case .stored(let s):
            return fields("stored", [("association", "\(s.association)"), ("path", q(s.path)), ("sopClassUID", q(s.sopClassUID)),
                                     ("sopInstanceUID", q(s.sopInstanceUID)), ("transferSyntaxUID", q(s.transferSyntaxUID)),
                                     ("bytes", "\(s.bytes)"), ("callingAETitle", q(s.callingAETitle))])
        case .duplicate(let id, let path, let keptAs, let policy, let uid):
            return fields("duplicate", [("association", "\(id)"), ("path", q(path)), ("keptAs", keptAs.map(q) ?? "null"),
                                        ("policy", q(policy.rawValue)), ("sopInstanceUID", q(uid))])
        case .failed(let id, let calling, let uid, let status, let message):
            return fields("failed", [("association", "\(id)"), ("callingAETitle", q(calling)), ("sopInstanceUID", uid.map(q) ?? "null"),
                                     ("status", "\(status)"), ("message", q(message))])
        case .discarded(let id, let calling, let uid, let reason):
            return fields("discarded", [("association", "\(id)"), ("callingAETitle", q(calling)), ("sopInstanceUID", uid.map(q) ?? "null"),
                                        ("reason", q(reason))])
        case .exec(let hook, let arguments, let status, let error):
            return fields("exec", [("hook", q(hook)), ("arguments", "[" + arguments.map(q).joined(separator: ",") + "]"),
                                   ("status", status.map(String.init) ?? "null"), ("error", error.map(q) ?? "null")])
        case .stopping(let reason):
            return fields("stopping", [("reason", q(reason))])
        }
    }
}
