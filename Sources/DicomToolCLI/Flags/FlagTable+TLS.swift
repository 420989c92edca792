import DicomCore
import DicomNet

extension FlagTable {
    /// The network commands that speak TLS (PS3.15 B.9). A new network command adds itself here.
    static let tlsCommands: [CommandID] = [.echo, .send, .receive, .find, .get, .commit, .move]
    /// Those that open associations (the server name is theirs).
    static let tlsRequestorCommands: [CommandID] = [.echo, .send, .find, .get, .commit, .move]
    /// The TLS flags that mean nothing without --tls.
    static let tlsDetailFlags: [FlagID] = [.tlsCert, .tlsKey, .tlsCA, .tlsNoVerify, .tlsRequireClientCert, .tlsProfile, .tlsServerName]

    static let tls: [Flag] = [
        Flag(.tls, category: .tls, scope: .commands(tlsCommands),
             summary: "encrypt the associations with TLS (PS3.15 B.9, BCP 195)",
             details: """
             Run the DICOM upper layer over TLS, as the Secure Transport Connection Profiles of \
             PS3.15 Annex B describe (TLS 1.2 or 1.3; see --tls-profile). A requestor (echo, send, find, get) \
             checks the peer's certificate: its chain up to a trusted root (--tls-ca, else the \
             system's), its dates, and its name (the address's host, or --tls-server-name). receive \
             --tls needs --tls-cert and --tls-key, and checks client certificates when --tls-ca or \
             --tls-require-client-cert is given. A failed handshake, a refused certificate, or TLS on \
             one side only is one line naming the peer and the reason, exit status 65; receive reports \
             the refused connection (event tls-refused) and goes on serving. The port is the peer's \
             TLS port (by convention 2762); TLS and plain DICOM never share a port.
             """,
             updates: [FlagUpdate.toggle(\TLSArgs.enabled)]),
        Flag(.tlsCert, value: "FILE", category: .tls, scope: .commands(tlsCommands),
             summary: "our certificate (chain), PEM",
             details: """
             Our certificate in PEM, optionally followed by the intermediate certificates of its \
             chain. receive presents it to every client (required with --tls); a requestor presents \
             it when the peer asks for a client certificate (mutual TLS).
             """,
             path: true,
             updates: [FlagUpdate.text(\TLSArgs.settings.certificateFile)]),
        Flag(.tlsKey, value: "FILE", category: .tls, scope: .commands(tlsCommands),
             summary: "the private key of --tls-cert, PEM, unencrypted",
             details: "The private key of --tls-cert, in PEM and not encrypted (keep the file readable by its owner only).",
             path: true,
             updates: [FlagUpdate.text(\TLSArgs.settings.privateKeyFile)]),
        Flag(.tlsCA, value: "FILE", category: .tls, scope: .commands(tlsCommands),
             summary: "trust the CA certificates in FILE, PEM (repeatable)",
             details: """
             Trust the certificates in FILE (PEM, one or more) as roots when checking the peer's \
             certificate; repeat the flag for several files. Without it the system's trust store is \
             used (a requestor), and receive asks no client certificate unless \
             --tls-require-client-cert. With it, receive asks each client for a certificate and \
             refuses one that is not issued by these CAs (a client presenting none is let in unless \
             --tls-require-client-cert).
             """,
             repeatable: true, path: true,
             updates: [FlagUpdate.texts(\TLSArgs.settings.trustedCertificateFiles)]),
        Flag(.tlsRequireClientCert, category: .tls, scope: .commands([.receive]),
             summary: "refuse clients without a valid certificate (mutual TLS)",
             details: """
             Demand a certificate of every client and refuse the connection when it presents none or \
             one that is not issued by a trusted CA (--tls-ca, else the system's).
             """,
             updates: [FlagUpdate.toggle(\TLSArgs.settings.requireClientCertificate)]),
        Flag(.tlsNoVerify, category: .tls, scope: .commands(tlsCommands),
             summary: "do not check the peer's certificate (warned about)",
             details: """
             Accept any certificate from the peer, and ask none of clients: the association is \
             encrypted but the peer is not authenticated, so anyone on the path can pose as it. For \
             tests with throw-away certificates; a warning says so on every run.
             """,
             updates: [FlagUpdate<TLSArgs> { args, low, id in args.settings.verifyPeer = !low.isOn(id) }]),
        Flag(.tlsProfile, value: "PROFILE", category: .tls, scope: .commands(tlsCommands),
             summary: "TLS profile: bcp195, bcp195-nd, bcp195-ex",
             details: """
             The Secure Transport Connection Profile of PS3.15 Annex B, by dcmtk's names. Every \
             profile offers TLS 1.3 and TLS 1.2, never older (RFC 8996); they differ in the TLS 1.2 \
             cipher suites. 'bcp195' (B.9): ECDHE with AES-GCM or ChaCha20-Poly1305, then the \
             profile's fall-back TLS_RSA_WITH_AES_128_CBC_SHA for older peers. 'bcp195-nd' (B.10, \
             Non-Downgrading): only TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 and \
             TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384. 'bcp195-ex' (B.11, Extended): ECDHE with AES-GCM \
             for RSA and ECDSA certificates. The profiles' DHE suites are not offered (BoringSSL has \
             no finite-field Diffie-Hellman); TLS 1.3's suites are AES-GCM and ChaCha20-Poly1305.
             """,
             defaultValue: "bcp195", choices: TLSProfile.allCases.map(\.rawValue),
             updates: [FlagUpdate.choice(\TLSArgs.settings.profile)]),
        Flag(.tlsServerName, value: "NAME", category: .tls, scope: .commands(tlsRequestorCommands),
             summary: "the name the peer's certificate must carry (and SNI)",
             details: """
             Check the peer's certificate against NAME instead of the address's host, and send NAME \
             as the TLS server name (SNI): for a peer reached by an IP address or through a tunnel \
             whose certificate names its DNS name. A certificate that lists the IP address connected \
             to passes as well (NIOSSL's rule); without the flag an address given by IP is checked \
             against the certificate's IP addresses only.
             """,
             updates: [FlagUpdate.text(\TLSArgs.settings.serverName)]),
    ]
}
