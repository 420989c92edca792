import DicomCore
import NIOCore
import NIOSSL
import NIOTLS
#if canImport(Glibc)
import Glibc
#endif

/// The first handlers of an association channel (requestor's and acceptor's): with TLS, NIOSSL's
/// handler and `TLSFailureHandler`, which turns a failed handshake into one `NetError.tlsFailed`
/// naming the peer and the reason; without it, `PlainPeerCheck`, which recognises a peer that
/// speaks TLS to a plain port.
enum TLSChannel {
    /// `peer`: how messages name the other end (`AE@host:port` for a requestor, `host:port` for an
    /// acceptor). `host`: the requestor's target, the name checked in the server's certificate.
    /// `record`: where the failure is also kept, for a requestor whose pending write fails (the
    /// channel closed) before the error is read.
    static func install(_ tls: TLSContext?, role: TLSContext.Role, on channel: any Channel, peer: String, host: String?,
                        record: TLSFailureRecord? = nil) throws {
        let pipeline = channel.pipeline.syncOperations
        guard let tls else {
            try pipeline.addHandler(PlainPeerCheck(peer: peer, acceptor: role == .acceptor, record: record))
            return
        }
        let diagnosis = TLSDiagnosis(role: tls.role)
        let verify: NIOSSLVerificationCallback = { result, certificate in
            if case .failed = result, diagnosis.rejection == nil { diagnosis.rejection = TLSFailure.problem(with: certificate, role: tls.role) }
            return result
        }
        switch tls.role {
        case .requestor:
            try pipeline.addHandler(try makeHandler(NIOSSLClientHandler.self, context: tls.context,
                                                    serverHostname: serverName(tls.settings, host: host), verify: verify))
        case .acceptor:
            try pipeline.addHandler(try makeHandler(NIOSSLServerHandler.self, context: tls.context, verify: verify))
        }
        try pipeline.addHandler(TLSFailureHandler(peer: peer, diagnosis: diagnosis, profile: tls.settings.profile, record: record))
    }

    /// The name sent as SNI and expected in the server's certificate: --tls-server-name, else the
    /// host typed; nil for an IP address (SNI cannot carry one; NIOSSL then checks the
    /// certificate's IP addresses against the address connected to).
    static func serverName(_ settings: TLSSettings, host: String?) -> String? {
        guard let name = settings.serverName ?? host, (try? SocketAddress(ipAddress: name, port: 0)) == nil else { return nil }
        return name
    }

    // NIOSSL's per-certificate verification callback is the one way to learn why BoringSSL refused
    // a certificate (expired, unknown issuer): its initialisers are reached through these
    // protocols, whose requirements they satisfy.
    static func makeHandler<H: VerifyingClientHandler>(_: H.Type, context: NIOSSLContext, serverHostname: String?,
                                                      verify: @escaping NIOSSLVerificationCallback) throws -> H {
        try H(context: context, serverHostname: serverHostname, verificationCallback: verify)
    }

    static func makeHandler<H: VerifyingServerHandler>(_: H.Type, context: NIOSSLContext,
                                                      verify: @escaping NIOSSLVerificationCallback) throws -> H {
        try H(context: context, verificationCallback: verify)
    }
}

protocol VerifyingClientHandler: ChannelHandler {
    init(context: NIOSSLContext, serverHostname: String?, verificationCallback: NIOSSLVerificationCallback?) throws
}

protocol VerifyingServerHandler: ChannelHandler {
    init(context: NIOSSLContext, verificationCallback: NIOSSLVerificationCallback?) throws
}

extension NIOSSLClientHandler: VerifyingClientHandler {}
extension NIOSSLServerHandler: VerifyingServerHandler {}

/// What the verification callback learnt about a refused certificate, for the error message.
/// Used on the connection's event loop only.
final class TLSDiagnosis: @unchecked Sendable {
    let role: TLSContext.Role
    var rejection: String?
    init(role: TLSContext.Role) { self.role = role }
}

/// The first TLS failure of a connection, kept for its requestor (any thread).
final class TLSFailureRecord: @unchecked Sendable {
    private let lock = Lock()
    private var first: NetError?

    var error: NetError? { lock.withLock { first } }

    func keep(_ error: NetError) { lock.withLock { if first == nil { first = error } } }
}

/// After NIOSSL's handler: a handshake error, or a TLS alert after it (TLS 1.3 tells a client that
/// its certificate was refused only after the client's side of the handshake is done), becomes
/// `NetError.tlsFailed` with the reason in words, then the channel closes. A close without TLS
/// close_notify after the handshake is not reported: the DICOM layer knows whether the association
/// was released.
final class TLSFailureHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let peer: String
    let diagnosis: TLSDiagnosis
    let profile: TLSProfile
    let record: TLSFailureRecord?
    private var handshakeCompleted = false

    init(peer: String, diagnosis: TLSDiagnosis, profile: TLSProfile, record: TLSFailureRecord?) {
        self.peer = peer
        self.diagnosis = diagnosis
        self.profile = profile
        self.record = record
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { handshakeCompleted = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if handshakeCompleted {
            if case NIOSSLError.uncleanShutdown = error { return }
            // Errors of ours (time-outs) and of the socket pass; BoringSSL's are TLS's.
            guard !TLSFailure.reasonCodes(in: "\(error)").isEmpty else {
                context.fireErrorCaught(error)
                return
            }
        }
        let reason = TLSFailure.reason(error, diagnosis: diagnosis, profile: profile)
        // The acceptor's report names the peer itself (the refused-connection event).
        let with = diagnosis.role == .requestor ? " with \(peer)" : ""
        let failure = NetError(.tlsFailed, "TLS handshake\(with) failed: \(reason)")
        record?.keep(failure)
        context.fireErrorCaught(failure)
        context.close(promise: nil)
    }
}

/// On a plain connection, the peer's first bytes: a TLS record (handshake 0x16 or alert 0x15, then
/// version 3.x) is no PDU (types 1-7), so it means TLS on one side only. Removed after the first read.
final class PlainPeerCheck: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let peer: String
    let acceptor: Bool
    let record: TLSFailureRecord?

    init(peer: String, acceptor: Bool, record: TLSFailureRecord?) {
        self.peer = peer
        self.acceptor = acceptor
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)
        let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
        if let first, first == 0x15 || first == 0x16, second == nil || second == 0x03 {
            let message = acceptor ? "the client speaks TLS to this plain DICOM port"
                                   : "association with \(peer): the peer answered in TLS (its port expects TLS)"
            record?.keep(NetError(.tlsFailed, message))
            context.fireErrorCaught(NetError(.tlsFailed, message))
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Reasons in words for what NIOSSL and BoringSSL report.
enum TLSFailure {
    static func reason(_ error: any Error, diagnosis: TLSDiagnosis, profile: TLSProfile) -> String {
        let ours = diagnosis.role == .requestor ? "the server's" : "the client's"
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "\(ours) certificate is not issued for the name connected to (\(error))"
        }
        let text = "\(error)"
        let codes = Set(reasonCodes(in: text))
        func any(_ names: String...) -> Bool { names.contains(where: codes.contains) }
        if any("CERTIFICATE_VERIFY_FAILED") {
            return diagnosis.rejection ?? "\(ours) certificate failed verification"
        }
        if any("TLSV1_ALERT_CERTIFICATE_REQUIRED", "TLSV13_ALERT_CERTIFICATE_REQUIRED", "PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            return diagnosis.role == .requestor ? "the server requires a client certificate, and we sent none"
                                                : "the client presented no certificate, and one is required"
        }
        if any("TLSV1_ALERT_UNKNOWN_CA") { return "the peer does not trust the CA that issued our certificate" }
        if any("SSLV3_ALERT_CERTIFICATE_EXPIRED") { return "the peer refused our certificate as expired" }
        if any("SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_UNKNOWN", "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
               "SSLV3_ALERT_CERTIFICATE_REVOKED", "TLSV1_ALERT_ACCESS_DENIED") {
            return "the peer refused our certificate (\(codes.sorted().joined(separator: ", ")))"
        }
        if any("NO_SHARED_CIPHER", "SSLV3_ALERT_HANDSHAKE_FAILURE", "TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL",
               "TLSV1_ALERT_INSUFFICIENT_SECURITY", "NO_SHARED_GROUP") {
            return "no TLS version or cipher suite in common with the \(profile.rawValue) profile (\(codes.sorted().joined(separator: ", ")))"
        }
        if any("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST", "UNEXPECTED_RECORD", "RECORD_TOO_LARGE",
               "WRONG_SSL_VERSION", "UNKNOWN_PROTOCOL", "PACKET_LENGTH_TOO_LONG", "ENCRYPTED_LENGTH_TOO_LONG") {
            return "the peer does not speak TLS (plain DICOM on that port?)"
        }
        // OpenSSL 3.0 sends its refusal of our TLS 1.3 certificate as a record BoringSSL cannot open.
        if any("DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "BAD_PACKET_LENGTH") {
            return "the peer broke off the handshake with an unreadable alert (does it trust the CA of our certificate?)"
        }
        if text.contains("EOF during") {
            return "the peer closed the connection during the handshake (a plain DICOM port, or it refused us)"
        }
        return codes.isEmpty ? text : codes.sorted().joined(separator: ", ")
    }

    /// BoringSSL's reason codes (`CERTIFICATE_VERIFY_FAILED`) in an error's description, in order.
    static func reasonCodes(in text: String) -> [String] {
        var codes: [String] = []
        var rest = Substring(text)
        while let marker = rest.firstRange(of: "OPENSSL_internal:") {
            let code = rest[marker.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if !code.isEmpty, !codes.contains(String(code)) { codes.append(String(code)) }
            rest = rest[marker.upperBound...]
        }
        return codes
    }

    /// Why BoringSSL refused `certificate` (its own dates tell expiry; otherwise the issuer is unknown).
    static func problem(with certificate: NIOSSLCertificate, role: TLSContext.Role) -> String {
        let whose = role == .requestor ? "the server's" : "the client's"
        let now = time(nil)
        if certificate.notValidAfter < now {
            return "\(whose) certificate expired on \(utcDate(certificate.notValidAfter))"
        }
        if certificate.notValidBefore > now {
            return "\(whose) certificate is not valid before \(utcDate(certificate.notValidBefore))"
        }
        return "\(whose) certificate is not issued by a CA we trust"
    }

    static func utcDate(_ seconds: time_t) -> String {
        var value = seconds
        var parts = tm()
        guard gmtime_r(&value, &parts) != nil else { return "\(seconds) s after 1970" }
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }
}
