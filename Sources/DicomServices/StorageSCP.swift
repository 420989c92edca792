import DicomCore
import DicomNet
import NIOCore

/// `dicomtool receive`: a C-STORE and C-ECHO SCP filing what it receives under an output directory.
/// Runs until `stop()` (signals), the first association's end (`once`), or an idle time-out, then
/// lets every association finish its instance in flight, runs the study hooks still pending and
/// waits for the hooks' programs.
public final class StorageSCP: @unchecked Sendable {
    public let configuration: StorageSCPConfiguration
    private let events: @Sendable (StorageEvent) -> Void
    private let lock = Lock()
    private var acceptor: AssociationAcceptor
    private var nextAssociation = 1
    private var active = 0
    private var lastActivity = ContinuousClock.now
    private var stopReason: String?
    private var failures: [UInt16] = []
    private let studies = StudyTracker()
    private let programs = ProgramRunner()
    /// With `configuration.commitment`: what was stored, and the reports owed.
    let commitment: CommitmentSCP?

    /// Why the receiver stopped, and whether an instance failed on our side.
    public struct Outcome: Sendable, Equatable {
        public var stopReason: String
        /// An instance was refused for a local reason (a write failure, Out of Resources).
        public var hadLocalFailure: Bool
    }

    public init(configuration: StorageSCPConfiguration, events: @escaping @Sendable (StorageEvent) -> Void) {
        self.configuration = configuration
        self.events = events
        commitment = configuration.commitment ? CommitmentSCP(configuration: configuration, events: events) : nil
        var acceptor = AssociationAcceptor(policy: configuration.acceptorPolicy)
        acceptor.artimSeconds = configuration.artimSeconds
        acceptor.dimseSeconds = configuration.dimseSeconds
        acceptor.maxAssociations = configuration.maxAssociations
        acceptor.onEvent = { [events] event in
            switch event {
            case .rejected(let calling, let called, let peer, let reason):
                events(.associationRejected(calling: calling, called: called, peer: peer, reason: reason))
            case .failed(let peer, let reason):
                events(.connectionFailed(peer: peer, reason: reason))
            case .tlsRefused(let peer, let reason):
                events(.tlsRefused(peer: peer, reason: reason))
            }
        }
        self.acceptor = acceptor
        // The receiver lives as long as its acceptor serves: unowned breaks the cycle.
        self.acceptor.service = { [unowned self] info in self.associationStarted(info) }
    }

    /// Listens, reports the port bound, and serves until stopped. Throws `NetError.cannotConnect`
    /// when it cannot listen. Blocking hooks are waited for by `finish()`, not here.
    public func run() async throws -> Outcome {
        // The TLS context (certificate, key, trust roots) is loaded before listening: a bad file is
        // an argument error, reported before any peer can connect.
        if let settings = configuration.tls { acceptor.tls = try TLSContext.make(settings, role: .acceptor) }
        let server = try await acceptor.bind(host: configuration.host, port: configuration.port)
        let port = server.channel.localAddress?.port ?? configuration.port
        emit(.listening(host: configuration.host, port: port, aeTitle: configuration.aeTitle))
        let housekeeping = Task { await self.keepHouse() }
        defer { housekeeping.cancel() }
        try await acceptor.serve(server)
        await commitment?.finish()
        let reason = lock.withLock { stopReason ?? "stopped" }
        return Outcome(stopReason: reason, hadLocalFailure: lock.withLock { failures.contains(StorageStatus.outOfResources) })
    }

    /// Stops accepting associations; those open end once their instance in flight is answered.
    public func stop(reason: String) {
        let first = lock.withLock { () -> Bool in
            guard stopReason == nil else { return false }
            stopReason = reason
            return true
        }
        guard first else { return }
        emit(.stopping(reason: reason))
        acceptor.stop()
    }

    /// After `run`: study hooks still pending run now, then waits for every hook's program.
    public func finish() {
        for study in studies.takeAll() { runStudyHook(study) }
        programs.waitForAll()
    }

    func emit(_ event: StorageEvent) { events(event) }

    /// The storage service of one association: an acceptor's, or a C-GET requestor's sub-operations.
    func associationStarted(_ info: AcceptedAssociation) -> any AssociationService {
        let id = lock.withLock { () -> Int in
            active += 1
            defer { nextAssociation += 1 }
            return nextAssociation
        }
        emit(.associationAccepted(association: id, calling: info.callingAETitle, called: info.calledAETitle, peer: info.peer))
        return StorageAssociation(scp: self, info: info, id: id)
    }

    func associationEnded() {
        lock.withLock {
            active -= 1
            lastActivity = .now
        }
        if configuration.once { stop(reason: "the first association ended (--once)") }
    }

    func noteFailure(_ status: UInt16) { lock.withLock { failures.append(status) } }

    /// An instance filed: its hook starts, and its study's end time-out starts again.
    func filed(path: String, values: [Tag: String], callingAETitle: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        if let hook = configuration.execOnFile {
            let arguments = hook.arguments { piece in
                switch piece {
                case .named("file"): return path
                case .named("dir"): return directory
                case .named: return callingAETitle
                case .attribute(_, let tag): return values[tag] ?? ""
                case .literal(let text): return text
                }
            }
            programs.start(arguments) { [events] outcome in
                events(.exec(hook: "file", arguments: outcome.arguments, status: outcome.status, error: outcome.error))
            }
        }
        if configuration.execOnStudy != nil {
            studies.note(studyUID: values[.studyInstanceUID] ?? "", directory: directory, values: values, callingAETitle: callingAETitle,
                         deadline: .now + .seconds(configuration.studyTimeoutSeconds))
        }
        lock.withLock { lastActivity = .now }
    }

    private func runStudyHook(_ study: StudyTracker.Study) {
        guard let hook = configuration.execOnStudy else { return }
        let arguments = hook.arguments { piece in
            switch piece {
            case .named("dir"): return study.directory
            case .named("count"): return String(study.files)
            case .named: return study.callingAETitle
            case .attribute(_, let tag): return study.values[tag] ?? ""
            case .literal(let text): return text
            }
        }
        programs.start(arguments) { [events] outcome in
            events(.exec(hook: "study", arguments: outcome.arguments, status: outcome.status, error: outcome.error))
        }
    }

    /// Study end time-outs and the idle time-out, checked five times a second.
    private func keepHouse() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            for study in studies.takeDue(.now) { runStudyHook(study) }
            if let idle = configuration.idleTimeoutSeconds {
                let quiet = lock.withLock { active == 0 && ContinuousClock.now - lastActivity >= .seconds(idle) }
                if quiet { stop(reason: "no association for \(idle) s (--idle-timeout)") }
            }
        }
    }
}

/// Studies with instances filed and no end yet: each completes when no instance of it has arrived
/// for the study time-out.
final class StudyTracker: @unchecked Sendable {
    struct Study {
        var uid: String
        /// The deepest directory holding every file of the study.
        var directory: String
        var values: [Tag: String]
        var callingAETitle: String
        var files: Int
        var deadline: ContinuousClock.Instant
    }

    private let lock = Lock()
    private var open: [String: Study] = [:]

    func note(studyUID: String, directory: String, values: [Tag: String], callingAETitle: String, deadline: ContinuousClock.Instant) {
        lock.withLock {
            if var study = open[studyUID] {
                study.directory = Self.commonDirectory(study.directory, directory)
                study.values = values
                study.files += 1
                study.deadline = deadline
                open[studyUID] = study
            } else {
                open[studyUID] = Study(uid: studyUID, directory: directory, values: values, callingAETitle: callingAETitle, files: 1,
                                       deadline: deadline)
            }
        }
    }

    func takeDue(_ now: ContinuousClock.Instant) -> [Study] {
        lock.withLock {
            let due = open.values.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            for study in due { open.removeValue(forKey: study.uid) }
            return due
        }
    }

    func takeAll() -> [Study] {
        lock.withLock {
            defer { open.removeAll() }
            return open.values.sorted { $0.deadline < $1.deadline }
        }
    }

    static func commonDirectory(_ a: String, _ b: String) -> String {
        let x = a.split(separator: "/", omittingEmptySubsequences: false)
        let y = b.split(separator: "/", omittingEmptySubsequences: false)
        var common: [Substring] = []
        for (p, q) in zip(x, y) {
            guard p == q else { break }
            common.append(p)
        }
        let joined = common.joined(separator: "/")
        return joined.isEmpty ? (a.hasPrefix("/") ? "/" : ".") : joined
    }
}
