import DicomCore
import DicomNet

/// The TLS flags of a network command (FlagTable+TLS.swift), read into DicomNet's `TLSSettings`.
/// Every network command holds one and reads it with `TLSArgs(low)`: a new command (query,
/// retrieve, commit) adds itself to `FlagTable.tlsCommands` (and, as a requestor, to
/// `tlsRequestorCommands`) and gets the same flags, checks and warning.
public struct TLSArgs: Sendable, Equatable {
    /// --tls given.
    public var enabled = false
    public var settings = TLSSettings()

    public init() {}

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&self)
        if !enabled, let stray = FlagTable.tlsDetailFlags.first(where: low.isGiven) {
            throw DicomError(.usage, "\(low.spelling(stray)) applies to TLS, which is off: add --tls")
        }
        guard enabled else { return }
        if low.command == .receive, settings.certificateFile == nil || settings.privateKeyFile == nil {
            throw DicomError(.usage, "receive --tls needs its certificate and private key: --tls-cert FILE --tls-key FILE (PEM)")
        }
        if (settings.certificateFile == nil) != (settings.privateKeyFile == nil) {
            throw DicomError(.usage, settings.certificateFile == nil ? "--tls-key needs its certificate: --tls-cert FILE"
                                                                     : "--tls-cert needs its private key: --tls-key FILE")
        }
        if !settings.verifyPeer, settings.requireClientCertificate {
            throw DicomError(.usage, "--tls-require-client-cert and --tls-no-verify contradict each other: a certificate demanded must be checked")
        }
    }

    /// The settings when TLS is on, nil otherwise.
    public var active: TLSSettings? { enabled ? settings : nil }

    /// A requestor command's TLS context (nil without --tls), its --tls-no-verify warning said
    /// first; a certificate, key or CA file that cannot be loaded is a usage error naming it.
    public func requestorContext(_ reporter: Reporter) throws(DicomError) -> TLSContext? {
        if let warning = noVerifyWarning { reporter.warning(warning) }
        guard let settings = active else { return nil }
        do throws(NetError) {
            return try TLSContext.make(settings, role: .requestor)
        } catch {
            throw DicomError(.usage, error.message)
        }
    }

    /// The context of a listener a requestor command opens for the peer's own associations
    /// (commit's and move's --receive-port), when TLS is on: our certificate, the acceptor role.
    public func listenerContext() throws(DicomError) -> TLSContext? {
        guard let settings = active else { return nil }
        do throws(NetError) {
            return try TLSContext.make(settings, role: .acceptor)
        } catch {
            throw DicomError(.usage, error.message)
        }
    }

    /// Said once per run, as a warning, when the peer's certificate goes unchecked.
    public var noVerifyWarning: String? {
        guard enabled, !settings.verifyPeer else { return nil }
        return "--tls-no-verify: the peer's certificate is not checked; the link is encrypted, but anyone can pose as the peer"
    }
}
