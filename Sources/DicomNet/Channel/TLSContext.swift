import NIOCore
import NIOSSL

/// A TLS configuration made ready once per run (certificates, key and trust roots loaded, the
/// profile applied) and shared by every connection of that run. Made only by network commands
/// that asked for TLS, so the other commands never load BoringSSL's trust store.
public final class TLSContext: Sendable {
    public enum Role: Sendable { case requestor, acceptor }

    public let settings: TLSSettings
    public let role: Role
    let context: NIOSSLContext

    /// Loads the files the settings name and builds the context; a file that cannot be read or is
    /// not PEM, or a key that does not match the certificate, is an `.invalidArgument` naming it.
    public static func make(_ settings: TLSSettings, role: Role) throws(NetError) -> TLSContext {
        var configuration: TLSConfiguration
        let chain = try settings.certificateFile.map { path throws(NetError) in try loadCertificates(path, what: "certificate") }
        let key = try settings.privateKeyFile.map { path throws(NetError) in try loadKey(path) }
        if (chain == nil) != (key == nil) {
            throw NetError(.invalidArgument, "a TLS certificate needs its private key, and a key its certificate: give both")
        }
        switch role {
        case .requestor:
            configuration = .makeClientConfiguration()
            configuration.certificateVerification = settings.verifyPeer ? .fullVerification : .none
        case .acceptor:
            guard let chain, let key else {
                throw NetError(.invalidArgument, "a TLS acceptor needs its certificate and private key")
            }
            configuration = .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            // A client certificate is asked for only when there is something to check it against.
            if !settings.verifyPeer {
                configuration.certificateVerification = .none
            } else if settings.requireClientCertificate {
                configuration.certificateVerification = .noHostnameVerification
            } else if !settings.trustedCertificateFiles.isEmpty {
                configuration.certificateVerification = .optionalVerification
            } else {
                configuration.certificateVerification = .none
            }
            configuration.sendCANameList = !settings.trustedCertificateFiles.isEmpty
        }
        if role == .requestor, let chain, let key {
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        }
        if !settings.trustedCertificateFiles.isEmpty {
            var roots: [NIOSSLCertificate] = []
            for path in settings.trustedCertificateFiles { roots += try loadCertificates(path, what: "CA certificate") }
            configuration.trustRoots = .certificates(roots)
        }
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.cipherSuites = settings.profile.tls12CipherSuites.joined(separator: ":")
        // Our side closes after A-RELEASE-RP or A-ABORT; the peer's close_notify is not worth a long wait.
        configuration.shutdownTimeout = .seconds(2)
        do {
            return TLSContext(settings: settings, role: role, context: try NIOSSLContext(configuration: configuration))
        } catch {
            throw NetError(.invalidArgument, "cannot set up TLS (\(settings.profile.rawValue)): \(Self.describe(error))"
                           + (chain != nil ? " (does the private key belong to the certificate?)" : ""))
        }
    }

    private init(settings: TLSSettings, role: Role, context: NIOSSLContext) {
        self.settings = settings
        self.role = role
        self.context = context
    }

    static func loadCertificates(_ path: String, what: String) throws(NetError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw NetError(.invalidArgument, "\(what) file '\(path)': cannot read a PEM certificate from it (\(describe(error)))")
        }
        guard !certificates.isEmpty else {
            throw NetError(.invalidArgument, "\(what) file '\(path)' holds no PEM certificate")
        }
        return certificates
    }

    static func loadKey(_ path: String) throws(NetError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw NetError(.invalidArgument, "private key file '\(path)': cannot read an unencrypted PEM key from it (\(describe(error)))")
        }
    }

    /// NIOSSL's errors in one line: BoringSSL's reason codes without their source paths.
    static func describe(_ error: any Error) -> String {
        if case NIOSSLError.failedToLoadCertificate = error { return "not a certificate, or not readable" }
        if case NIOSSLError.failedToLoadPrivateKey = error { return "not a key, or not readable, or encrypted" }
        if case NIOSSLError.noSuchFilesystemObject = error { return "no such file" }
        return TLSFailure.reasonCodes(in: "\(error)").joined(separator: ", ").nonEmpty ?? "\(error)"
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
