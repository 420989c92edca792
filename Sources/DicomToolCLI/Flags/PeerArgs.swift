import DicomCore
import DicomNet

/// The peer and the requestor settings every requestor command shares (echo, send, find, commit):
/// the shared flags (--to, --calling-aet, --timeout, --dimse-timeout) update this one struct, so
/// each is declared with one update whatever the number of commands that take it.
public struct PeerArgs: Sendable {
    public var address = AssociationAddress(aeTitle: "", host: "", port: 0)
    public var callingAETitle = "DICOMTOOL"
    /// Connecting, and the association's opening and release (ARTIM).
    public var timeoutSeconds: Int64 = 30
    /// Each wait of a request: the peer taking our data, its response.
    public var dimseTimeoutSeconds: Int64 = 60

    public init() {}

    /// The requestor options these settings make.
    public var requestorOptions: RequestorOptions {
        var options = RequestorOptions()
        options.callingAETitle = callingAETitle
        options.connectTimeoutSeconds = timeoutSeconds
        options.artimTimeoutSeconds = timeoutSeconds
        options.dimseTimeoutSeconds = dimseTimeoutSeconds
        return options
    }

    /// A peer address typed as AET@HOST:PORT, or the usage error saying what is wrong with it.
    static func address(_ text: String) throws(DicomError) -> AssociationAddress {
        do throws(NetError) {
            return try AssociationAddress(parsing: text)
        } catch {
            throw DicomError(.usage, error.message)
        }
    }
}

extension FlagUpdate {
    /// A number of seconds for a time-out: 1 s to a day (every network command's time-outs).
    static func seconds(_ field: WritableKeyPath<Root, Int64> & Sendable) -> FlagUpdate {
        .custom { args, text, spelling throws(DicomError) in
            args[keyPath: field] = Int64(try LowArgs.integer(text, spelling: spelling, in: 1...86_400))  // conversion: Int within 1...86400
        }
    }
}
