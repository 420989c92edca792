import DicomCore
import DicomNet
import Testing
@testable import DicomToolCLI

/// The TLS flags (FlagTable+TLS.swift) reach the TLSArgs of every network command, in every
/// spelling, and their combinations are checked before anything connects.
enum TLSFlagChecks {
    /// The TLS arguments of `command` run with `arguments` (plus what the command needs besides).
    static func tls(_ command: CommandID, _ arguments: [String]) throws -> TLSArgs {
        switch try CLI.invocation(base(command) + arguments) {
        case .run(.echo, let args as EchoArgs, _): return args.tls
        case .run(.send, let args as SendArgs, _): return args.tls
        case .run(.find, let args as FindArgs, _): return args.tls
        case .run(.get, let args as GetArgs, _): return args.tls
        case .run(.receive, let args as ReceiveArgs, _):
            #expect(args.configuration.tls == args.tls.active)
            return args.tls
        default: throw CLI.NotARun()
        }
    }

    static func base(_ command: CommandID) -> [String] {
        switch command {
        case .send: return ["send", "--to", "SCP@h:1", "x.dcm"]
        case .find: return ["find", "--to", "PACS@h:104"]
        case .get: return ["get", "--from", "PACS@h:104", "-o", "d", "-k", "PatientID=1"]
        case .receive: return ["receive", "--port", "0", "-o", "in", "--tls-cert", "c.pem", "--tls-key", "k.pem"]
        default: return ["echo", "PACS@h:104"]
        }
    }

    static func check(_ id: FlagID) throws {
        // The server name is the requestors', the client-certificate demand receive's, the rest every network command's.
        let commands: [CommandID] = id == .tlsServerName ? FlagTable.tlsRequestorCommands : id == .tlsRequireClientCert ? [.receive]
                                                                                                                       : FlagTable.tlsCommands
        for command in CommandID.allCases {
            #expect(FlagTable.flag(id).applies(to: command) == commands.contains(command), "\(id) for \(command)")
        }
        for command in commands {
            let values: [FlagID: String] = [.tlsCert: "c.pem", .tlsKey: "k.pem", .tlsCA: "ca.pem", .tlsProfile: "bcp195-nd",
                                            .tlsServerName: "pacs.example.org"]
            for s in CLI.spellings(id, values[id]) {
                // A certificate needs its key and the other way round.
                let pair = id == .tlsCert ? ["--tls-key", "k.pem"] : id == .tlsKey ? ["--tls-cert", "c.pem"] : []
                let t = try tls(command, ["--tls"] + s + pair)
                #expect(t.enabled)
                switch id {
                case .tls: #expect(t.active == t.settings)
                case .tlsCert: #expect(t.settings.certificateFile == "c.pem")
                case .tlsKey: #expect(t.settings.privateKeyFile == "k.pem")
                case .tlsCA: #expect(t.settings.trustedCertificateFiles == ["ca.pem"])
                case .tlsRequireClientCert: #expect(t.settings.requireClientCertificate)
                case .tlsNoVerify: #expect(!t.settings.verifyPeer && t.noVerifyWarning != nil)
                case .tlsProfile: #expect(t.settings.profile == .nonDowngrading)
                case .tlsServerName: #expect(t.settings.serverName == "pacs.example.org")
                default: Issue.record("\(id) is not a TLS flag")
                }
                // Without --tls a detail flag is refused (receive's base carries --tls-cert: refused too).
                if id != .tls { #expect(CLI.usageError(base(command) + s + pair) != nil, "\(s) without --tls") }
            }
            // Defaults: verification on, profile bcp195, system trust store.
            let defaults = try tls(command, ["--tls"])
            #expect(defaults.settings.verifyPeer && defaults.settings.profile == .bcp195 && defaults.settings.trustedCertificateFiles.isEmpty)
            #expect(defaults.noVerifyWarning == nil)
        }
        switch id {
        case .tls:
            #expect(try !tls(.echo, []).enabled && tls(.echo, []).active == nil)
            #expect(CLI.usageError(["receive", "--port", "0", "-o", "in", "--tls"]) != nil, "receive --tls needs a certificate")
            #expect(CLI.usageError(["echo", "P@h:1", "--tls", "--tls-cert", "c.pem"]) != nil, "a certificate without its key")
        case .tlsCA:
            #expect(try tls(.send, ["--tls", "--tls-ca", "a.pem", "--tls-ca=b.pem"]).settings.trustedCertificateFiles == ["a.pem", "b.pem"])
        case .tlsRequireClientCert:
            #expect(CLI.usageError(base(.receive) + ["--tls", "--tls-require-client-cert", "--tls-no-verify"]) != nil)
            #expect(CLI.usageError(["echo", "P@h:1", "--tls", "--tls-require-client-cert"]) != nil, "receive's only")
        case .tlsProfile:
            #expect(CLI.usageError(["echo", "P@h:1", "--tls", "--tls-profile", "tls13"]) != nil)
            #expect(try tls(.echo, ["--tls", "--tls-profile", "bcp195-ex"]).settings.profile == .extended)
        default: break
        }
    }
}
