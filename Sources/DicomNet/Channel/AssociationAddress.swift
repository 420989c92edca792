/// `AET@host:port`, the address form of every network command (issue 16).
public struct AssociationAddress: Sendable, Equatable, CustomStringConvertible {
    public var aeTitle: String
    public var host: String
    public var port: Int

    public init(aeTitle: String, host: String, port: Int) {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
    }

    /// Parses `AET@host:port`; an IPv6 host is written in brackets, `AET@[::1]:104`.
    public init(parsing text: String) throws(NetError) {
        guard let at = text.lastIndex(of: "@") else {
            throw NetError(.invalidArgument, "address '\(text)' is not AET@host:port")
        }
        let title = String(text[..<at])
        var rest = Substring(text[text.index(after: at)...])
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
            throw NetError(.invalidArgument, "address '\(text)' has no port 1-65535 after the host (AET@host:port)")
        }
        rest = rest[..<colon]
        if rest.hasPrefix("["), rest.hasSuffix("]") { rest = rest.dropFirst().dropLast() }
        guard !rest.isEmpty else { throw NetError(.invalidArgument, "address '\(text)' has no host") }
        _ = try PDUEncoder.aeTitleField(title, "AE title of '\(text)'")
        self.init(aeTitle: title, host: String(rest), port: port)
    }

    /// Checks an AE title as the A-ASSOCIATE PDUs carry it (1 to 16 characters, PS3.5 AE).
    public static func checkAETitle(_ title: String, what: String) throws(NetError) {
        _ = try PDUEncoder.aeTitleField(title, what)
    }

    public var description: String { host.contains(":") ? "\(aeTitle)@[\(host)]:\(port)" : "\(aeTitle)@\(host):\(port)" }
}
