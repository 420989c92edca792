import DicomCore
import DicomNet
import DicomServices

/// `dicomtool receive --port N -o DIR`: what was typed, checked and turned into the receiver's
/// configuration (templates parsed here, so a bad one is a usage error before anything listens).
public struct ReceiveArgs: CommandArgs {
    public var port: Int?
    public var output: String?
    public var aeTitle = "DICOMTOOL"
    public var bind = "0.0.0.0"
    public var layout: String?
    public var onDuplicate = StorageSCPConfiguration.DuplicatePolicy.keep
    public var execOnFile: String?
    public var execOnStudy: String?
    public var studyTimeout = 60
    public var maxAssociations = 32
    public var acceptUnknown = false
    /// Comma-separated transfer syntaxes (UIDs or keywords), or "requestor".
    public var prefer: String?
    /// Comma-separated transfer syntaxes accepted (UIDs or keywords); nil: all.
    public var acceptSyntaxes: String?
    public var idleTimeout: Int?
    /// ARTIM and DIMSE time-outs (--acse-timeout, --dimse-timeout), dcmtk's defaults.
    public var acseTimeout: Int64 = 30
    public var dimseTimeout: Int64 = 60
    public var once = false
    public var sync = false
    public var tls = TLSArgs()
    public var commitment = false
    public var commitmentPeer: AssociationAddress?
    public private(set) var configuration: StorageSCPConfiguration

    public init(_ low: LowArgs) throws(DicomError) {
        configuration = StorageSCPConfiguration(outputDirectory: ".", layout: try StorageLayout())
        guard low.positionals.isEmpty else {
            throw DicomError(.usage, "receive takes no arguments, \(low.positionals.count) given: the port is --port N, the directory -o DIR")
        }
        try low.update(&self)
        tls = try TLSArgs(low)
        guard let port else { throw DicomError(.usage, "receive needs --port N (0: any free port, reported when listening)") }
        guard let output, !output.isEmpty, output != "-" else {
            throw DicomError(.usage, "receive needs -o DIR, the directory to file received instances under")
        }
        var c = StorageSCPConfiguration(outputDirectory: output.count > 1 && output.hasSuffix("/") ? String(output.dropLast()) : output,
                                        layout: try StorageLayout(layout ?? StorageLayout.defaultTemplate))
        c.aeTitle = aeTitle
        c.host = bind
        c.port = port
        c.onDuplicate = onDuplicate
        c.execOnFile = try execOnFile.map { text throws(DicomError) in try ExecHook(text, names: StorageSCPConfiguration.fileHookNames) }
        c.execOnStudy = try execOnStudy.map { text throws(DicomError) in try ExecHook(text, names: StorageSCPConfiguration.studyHookNames) }
        c.studyTimeoutSeconds = studyTimeout
        c.maxAssociations = maxAssociations
        c.acceptUnknown = acceptUnknown
        c.preferredSyntaxes = try prefer.flatMap { text throws(DicomError) in try Self.syntaxes(text, flag: "--prefer") }
        c.acceptedSyntaxes = try acceptSyntaxes.map { text throws(DicomError) in
            guard let list = try Self.syntaxes(text, flag: "--accept-syntaxes") else {
                throw DicomError(.usage, "--accept-syntaxes expects a list of transfer syntaxes, not 'requestor'")
            }
            return list
        }
        if let accepted = c.acceptedSyntaxes, let preferred = c.preferredSyntaxes, let stray = preferred.first(where: { !accepted.contains($0) }) {
            throw DicomError(.usage, "--prefer names \(stray), which --accept-syntaxes leaves out")
        }
        c.idleTimeoutSeconds = idleTimeout
        c.artimSeconds = acseTimeout
        c.dimseSeconds = dimseTimeout
        c.once = once
        c.sync = sync
        c.tls = tls.active
        if commitmentPeer != nil, !commitment {
            throw DicomError(.usage, "\(low.spelling(.commitmentPeer)) applies to --commitment, which was not given")
        }
        c.commitment = commitment
        c.commitmentPeer = commitmentPeer
        configuration = c
    }

    /// `--prefer` read: "requestor" (nil), or transfer syntaxes by UID or PS3.6 keyword.
    static func syntaxes(_ text: String, flag: String) throws(DicomError) -> [String]? {
        if text == "requestor" { return nil }
        var out: [String] = []
        for word in text.split(separator: ",") {
            let name = word.trimmingWhitespace()
            guard let syntax = TransferSyntax(uid: name) ?? TransferSyntax(keyword: name) else {
                throw DicomError(.usage, "\(flag): '\(name)' is not a transfer syntax UID or keyword (e.g. ExplicitVRLittleEndian)")
            }
            out.append(syntax.uid)
        }
        guard !out.isEmpty else { throw DicomError(.usage, "\(flag) expects a list of transfer syntaxes") }
        return out
    }

    public func run(global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "receive")
        if let warning = tls.noVerifyWarning { reporter.warning(warning) }
        return ReceiveCommand(configuration: configuration, format: global.format, reporter: reporter).run()
    }
}
