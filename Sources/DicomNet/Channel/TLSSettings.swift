/// The TLS secure transport connection profiles of PS3.15 Annex B that dicomtool offers, all read
/// with BCP 195 as it stands (RFC 8996: never TLS 1.0 or 1.1; RFC 9325: forward-secret AEAD suites
/// first). TLS 1.3 is offered by every profile (its suites are all AEAD and BoringSSL fixes them:
/// AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305); the profiles differ in their TLS 1.2 suites.
/// The names are dcmtk's (`+px`, `+py`, `+pz`), so one profile name means the same on both ends.
/// The DHE_RSA suites the profiles also list are not offered: BoringSSL has no finite-field DHE.
public enum TLSProfile: String, Sendable, CaseIterable {
    /// B.9, BCP 195 TLS Secure Transport Connection Profile: the ECDHE suites with AES-GCM or
    /// ChaCha20-Poly1305 (RSA and ECDSA certificates), then TLS_RSA_WITH_AES_128_CBC_SHA, the
    /// profile's fall-back for older peers.
    case bcp195
    /// B.10, Non-Downgrading BCP 195 TLS Profile: only the profile's required suites,
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 and TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.
    case nonDowngrading = "bcp195-nd"
    /// B.11, Extended BCP 195 TLS Profile: its listed suites only, ECDHE with AES-GCM and RSA or
    /// ECDSA certificates (dcmtk's +pz offers them over TLS 1.2 only; a TLS 1.3 offer still
    /// settles on TLS 1.2 with it).
    case extended = "bcp195-ex"

    /// The TLS 1.2 suites offered, strongest first, in OpenSSL's names (BoringSSL reads these).
    var tls12CipherSuites: [String] {
        let ecdheGCM = ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
                        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"]
        switch self {
        case .bcp195:
            return ecdheGCM + ["ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", "AES128-SHA"]
        case .nonDowngrading:
            return ["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"]
        case .extended:
            return ecdheGCM
        }
    }

    /// The profile's name in PS3.15.
    public var title: String {
        switch self {
        case .bcp195: return "BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.9)"
        case .nonDowngrading: return "Non-Downgrading BCP 195 TLS Profile (PS3.15 B.10)"
        case .extended: return "Extended BCP 195 TLS Profile (PS3.15 B.11)"
        }
    }
}

/// What a network command was asked for: TLS on or off, our certificate, whom to trust, and how
/// strictly to check the peer. Plain values (no NIOSSL type), so the command line fills them in
/// and `TLSContext.make` turns them into a context once per run.
public struct TLSSettings: Sendable, Equatable {
    public var profile = TLSProfile.bcp195
    /// Our certificate (chain) and its private key, PEM. Required of an acceptor; a requestor sends
    /// them when the acceptor asks for a client certificate.
    public var certificateFile: String?
    public var privateKeyFile: String?
    /// PEM files of the certificates to trust as roots; empty: the system's trust store.
    public var trustedCertificateFiles: [String] = []
    /// Verify the peer's certificate: a requestor always checks the acceptor's (chain, validity
    /// and name); an acceptor checks a client certificate when one is presented and roots were
    /// given, and demands one with `requireClientCertificate`. false: no check at all (said once,
    /// as a warning, by the command).
    public var verifyPeer = true
    /// Acceptor: refuse a client that presents no certificate (mutual TLS).
    public var requireClientCertificate = false
    /// Requestor: the name to expect in the acceptor's certificate and to send as SNI; nil: the
    /// host of the address (an IP address is checked against the certificate's IP addresses).
    public var serverName: String?

    public init() {}
}
