import DicomCore
import DicomNet

/// The acceptor a commit run opens for reports sent on a new association (role reversal: the peer,
/// SCP of storage commitment, is the requestor and invokes N-EVENT-REPORT). It accepts the Storage
/// Commitment Push Model with the roles the peer proposes (SCP role for the peer, PS3.4 J.3.3 and
/// PS3.7 D.3.3.4) and Verification, and serves nothing else.
final class CommitmentListener: Sendable {
    private let acceptor: AssociationAcceptor
    private let serving: Task<Void, Never>

    private init(acceptor: AssociationAcceptor, serving: Task<Void, Never>) {
        self.acceptor = acceptor
        self.serving = serving
    }

    static func start(host: String, port: Int, aeTitle: String, tls: TLSContext?, inbox: CommitmentInbox,
                      events: @escaping @Sendable (CommitmentEvent) -> Void) async throws -> CommitmentListener {
        var policy = Negotiation.AcceptorPolicy(aeTitle: aeTitle, transferSyntaxPreference: StorageCommitment.transferSyntaxes,
                                                implementationClassUID: Implementation.classUID)
        policy.implementationVersionName = Implementation.versionName
        policy.abstractSyntaxes = [StorageCommitment.sopClassUID, verificationSOPClassUID]
        // The peer proposes itself as SCP (it invokes N-EVENT-REPORT); we take the SCU role it leaves us.
        policy.scuRoleSOPClasses = [StorageCommitment.sopClassUID]
        var acceptor = AssociationAcceptor(policy: policy)
        acceptor.tls = tls
        acceptor.service = { info in CommitmentReportService(inbox: inbox, info: info) }
        acceptor.onEvent = { event in
            switch event {
            case .rejected(let calling, _, let peer, let reason):
                events(.notice("refused an association from \(calling) at \(peer): \(reason)"))
            case .failed(let peer, let reason):
                events(.notice("a connection from \(peer) failed: \(reason)"))
            case .tlsRefused(let peer, let reason):
                events(.notice("refused a TLS connection from \(peer): \(reason)"))
            }
        }
        let server = try await acceptor.bind(host: host, port: port)
        events(.listening(host: host, port: server.channel.localAddress?.port ?? port, aeTitle: aeTitle))
        let serving = Task { [acceptor] in _ = try? await acceptor.serve(server) }
        return CommitmentListener(acceptor: acceptor, serving: serving)
    }

    /// Stops listening and waits for the associations in progress to end. A peer that just had
    /// its report answered is given a moment to release (stopping aborts what is still open, and
    /// the peer would count its delivered report as failed).
    func stop() async {
        let clock = ContinuousClock()
        let grace = clock.now + .seconds(2)
        while acceptor.activeAssociations > 0, clock.now < grace {
            try? await Task.sleep(for: .milliseconds(10))
        }
        acceptor.stop()
        await serving.value
    }
}
