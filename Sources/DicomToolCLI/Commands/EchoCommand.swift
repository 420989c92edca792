import DicomCore
import DicomNet

/// `dicomtool echo AET@host:port` (or `--to AET@host:port`): C-ECHO (Verification) to a peer, with the round-trip time.
public struct EchoArgs: CommandArgs {
    public var peer = PeerArgs()
    public var count = 1
    public var tls = TLSArgs()

    public init(_ low: LowArgs) throws(DicomError) {
        // The address as echoscu takes it (the one argument) or as the other network commands do (--to).
        let given = low.positionals.count + (low.isGiven(.to) ? 1 : 0)
        guard given == 1 else {
            throw DicomError(.usage, "echo expects one address AET@host:port (as its argument or --to), \(given) given")
        }
        try low.update(&self)
        try low.update(&peer)
        if let text = low.positionals.first { peer.address = try PeerArgs.address(text) }
        tls = try TLSArgs(low)
    }

    public func run(global: GlobalArgs) -> ExitStatus {
        var options = peer.requestorOptions
        options.dimseTimeoutSeconds = peer.timeoutSeconds  // echo has one time-out for every wait
        if let warning = tls.noVerifyWarning { global.reporter(command: "echo").warning(warning) }
        let address = peer.address
        let results: [EchoResult]
        do {
            if let settings = tls.active { options.tls = try TLSContext.make(settings, role: .requestor) }
            let count = self.count, requestor = options
            results = try NetworkRuntime.runBlocking { try await Association.echo(address, count: count, options: requestor) }
        } catch {
            let net = error as? NetError ?? NetError(.aborted, "\(error)")
            global.reporter(command: "echo").error(DicomError(.internalError, net.description), input: address.description)
            return net.code.exitStatus
        }
        var worst = ExitStatus.ok
        for result in results {
            let kind = DIMSEStatus.kind(result.status)
            let ms = Double(result.roundTrip.components.seconds) * 1000 + Double(result.roundTrip.components.attoseconds) / 1e15
            let words = kind == .success ? "success" : "\(kind)"
            if global.format == .json {
                // A record of the dicomtool/1 schema, rendered by ReporterJSON: an AE title may hold a quote.
                StandardOutput.write(ReporterJSON.record("echo", "echo", [
                    ("address", .string(address.description)), ("status", .int(Int(widening: result.status))),
                    ("result", .string(words)), ("roundTripMs", .raw(formatMs(ms)))]) + "\n")
            } else {
                StandardOutput.write("\(address): C-ECHO \(words) (0x\(hex4(result.status))) in \(formatMs(ms)) ms\n")
            }
            if kind == .failure { worst = .peerFailure }
        }
        return worst
    }

    private func formatMs(_ ms: Double) -> String {
        let hundredths = (ms * 100).rounded()
        guard hundredths.isFinite, hundredths < 1e12 else { return "0" }
        let n = Int(hundredths)  // conversion: finite and below 1e12, checked above
        let fraction = n % 100
        return "\(n / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension FlagTable {
    private static let echoScope: FlagScope = .commands([.echo])
    /// Flags every requestor command shares.
    private static let requestorScope: FlagScope = .commands([.echo, .send, .find, .get, .commit, .move])

    static let echo: [Flag] = [
        Flag(.callingAET, value: "AET", category: .network, scope: requestorScope,
             summary: "our AE title in the association request",
             details: "The calling AE title sent to the peer: 1 to 16 printable ASCII characters other than backslash.",
             defaultValue: "DICOMTOOL",
             updates: [FlagUpdate.aeTitle(\PeerArgs.callingAETitle)]),
        Flag(.repeat, value: "N", category: .network, scope: echoScope,
             summary: "send N C-ECHO requests on one association",
             details: "Send N C-ECHO requests one after the other on the same association, printing the round-trip time of each.",
             defaultValue: "1",
             updates: [FlagUpdate.integer(\EchoArgs.count, in: 1...1_000_000)]),
        Flag(.timeout, value: "SECONDS", category: .network, scope: requestorScope,
             summary: "time-out for connecting and for each answer",
             details: """
             Give up when the connection is not made, or the peer sends nothing, for this many seconds. \
             For send and find it bounds the connection and the association's opening and release \
             (ARTIM); --dimse-timeout bounds the wait for each response.
             """,
             defaultValue: "30",
             updates: [FlagUpdate.seconds(\PeerArgs.timeoutSeconds)]),
    ]
}

extension FlagUpdate {
    /// An AE title (PS3.5: 1 to 16 printable ASCII characters other than backslash), checked
    /// before it is stored: the calling title of echo and send, the title receive answers to.
    static func aeTitle(_ field: WritableKeyPath<Root, String> & Sendable) -> FlagUpdate {
        .custom { args, title, spelling throws(DicomError) in
            do throws(NetError) {
                try AssociationAddress.checkAETitle(title, what: spelling)
            } catch {
                throw DicomError(.usage, error.message)
            }
            args[keyPath: field] = title
        }
    }
}
