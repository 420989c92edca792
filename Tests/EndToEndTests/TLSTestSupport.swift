import DicomTestSupport
import Foundation
import Testing

/// Certificates for the TLS tests, made once per test process by /usr/bin/openssl in a temporary
/// directory: a CA, a server certificate (localhost, 127.0.0.1), a client certificate, a
/// certificate of another CA, and an expired one (`x509 -days -1`: valid until a day before it was
/// issued, which OpenSSL 3.0 accepts), each with its unencrypted key.
final class TLSCertificates: Sendable {
    let directory: URL

    static let shared: Result<TLSCertificates, any Error> = Result { try TLSCertificates() }

    struct TLSSetupError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// The shared set, or the error saying why it could not be made.
    static func get() throws -> TLSCertificates { try shared.get() }

    private init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw TLSSetupError("/usr/bin/openssl is missing (Debian package openssl): the TLS tests make their certificates with it")
        }
        directory = Receiver.temporaryDirectory("tls-certs")
        try ca("ca", "dicomtool test CA")
        try ca("otherca", "another test CA")
        try leaf("server", signedBy: "ca", days: 30)
        try leaf("client", signedBy: "ca", days: 30)
        try leaf("rogue", signedBy: "otherca", days: 30)
        try leaf("expired", signedBy: "ca", days: -1)
    }

    /// `name.pem` (or `name.key`) in the directory.
    func pem(_ name: String) -> String { directory.appendingPathComponent("\(name).pem").path }
    func key(_ name: String) -> String { directory.appendingPathComponent("\(name).key").path }

    /// dicomtool's flags to present `name` and trust `ca`.
    func flags(_ name: String?, ca: String? = "ca") -> [String] {
        var out = ["--tls"]
        if let name { out += ["--tls-cert", pem(name), "--tls-key", key(name)] }
        if let ca { out += ["--tls-ca", pem(ca)] }
        return out
    }

    private func openssl(_ arguments: [String]) throws {
        let r = try ReceivePeers.run("/usr/bin/openssl", arguments, workingDirectory: directory)
        guard r.status == 0 else { throw TLSSetupError("openssl \(arguments.joined(separator: " ")): \(r.output)") }
    }

    private func ca(_ name: String, _ commonName: String) throws {
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).pem",
                     "-days", "30", "-subj", "/CN=\(commonName)"])
    }

    private func leaf(_ name: String, signedBy ca: String, days: Int) throws {
        let extensions = directory.appendingPathComponent("\(name).ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(to: extensions, atomically: true, encoding: .utf8)
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
        try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
                     "-out", "\(name).pem", "-days", String(days), "-extfile", extensions.path])
    }
}
