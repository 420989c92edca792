import DicomCore
import DicomIO
import DicomNet

/// What `find` asks of the association beyond the address.
public struct FindOptions: Sendable {
    public var requestor = RequestorOptions()
    /// Matches wanted at most: after this many a C-CANCEL-RQ goes out (nil: all of them).
    public var limit: Int?
    /// The longest identifier a response may carry: a worklist item with its sequences is a few
    /// KiB; a peer sending more is refused (A-ABORT), so memory stays bounded.
    public var maxIdentifierLength = 4 << 20
    /// Options asked in SOP Class Extended Negotiation for the query's SOP class (none: no item).
    public var negotiation: QueryNegotiationOptions = []
    /// Why the query needs relational matching (`QueryRequest.relationalReason`), when it does:
    /// with `.relational` asked and not accepted, the query is refused before it is sent.
    public var relationalReason: String?

    public init() {}
}

/// One match as it arrives, numbered from 1, decoded from the character set it announces.
public struct FindMatch: Sendable {
    public var index: Int
    public var dataset: Dataset
    /// The pending status: 0xFF01 says the peer did not support some optional keys.
    public var status: UInt16
    /// Values whose bytes are not characters of the set the identifier announces, one line each.
    public var characterSetProblems: [String]
}

/// How a query ended.
public struct FindResult: Sendable {
    /// The final status (0x0000 success, 0xFE00 cancelled, a failure).
    public var status: UInt16
    public var errorComment: String?
    public var matches: Int
    public var cancelled: Bool
    public var droppedAfterCancel: Int
    /// Whether the socket had TCP_NODELAY.
    public var tcpNoDelay: Bool

    /// A failure status as the error the command reports (exit status 63), nil on success or cancel.
    public var failure: NetError? {
        guard DIMSEStatus.kind(status) == .failure else { return nil }
        return NetError(.failureStatus, "C-FIND failed: status 0x\(hex4(status)) (\(QueryStatus.describe(status)))"
                        + (errorComment.map { ": \($0)" } ?? ""))
    }
}

/// C-FIND status meanings (PS3.4 C.4.1.1.4, K.4.1.1.4; PS3.7 C).
public enum QueryStatus {
    public static func describe(_ status: UInt16) -> String {
        switch status {
        case 0x0000: return "success"
        case 0xFE00: return "cancelled"
        case 0xFF00: return "pending"
        case 0xFF01: return "pending, optional keys not supported"
        case 0xA700: return "refused: out of resources"
        case 0xA900: return "identifier does not match SOP class"
        case 0x0122: return "SOP class not supported"
        case 0x0211: return "unrecognized operation"
        case 0xC000...0xCFFF: return "unable to process"
        default: return DIMSEStatus.kind(status) == .warning ? "warning" : "failure"
        }
    }
}

/// The C-FIND SCU: one association, the identifier sent, matches handed over as they arrive.
public enum FindSCU {
    /// Transfer syntaxes proposed for the query context (the identifier is small: no compression).
    static let syntaxes = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

    /// Runs `identifier`'s query against `address`, calling `onMatch` for each match in order.
    /// Errors: `NetError` (cannot connect, rejected, aborted, timed out, a malformed identifier);
    /// a failure status is a result (`FindResult.failure`), not an error.
    /// With extended negotiation asked (`options.negotiation`), `onNegotiated` hears what the peer
    /// accepted before the query goes out; a relational query the peer did not accept relational
    /// matching for is refused then (`.rejected`), the association released, nothing sent.
    public static func find(_ identifier: QueryIdentifier, at address: AssociationAddress, options: FindOptions,
                            onNegotiated: @Sendable (QueryNegotiation) -> Void = { _ in },
                            onMatch: @Sendable (FindMatch) throws -> Void) async throws -> FindResult {
        let contexts = [(abstractSyntax: identifier.sopClassUID, transferSyntaxes: syntaxes)]
        var requestor = options.requestor
        if !options.negotiation.isEmpty {
            requestor.extendedNegotiations.append(ExtendedNegotiation(sopClassUID: identifier.sopClassUID,
                                                                      applicationInformation: options.negotiation.applicationInformation))
        }
        let result = try await Association.withAssociation(to: address, contexts: contexts, options: requestor) { session -> FindResult? in
            if !options.negotiation.isEmpty, session.negotiated?.context(abstractSyntax: identifier.sopClassUID) != nil {
                let answer = QueryNegotiation.answer(options.negotiation, sopClassUID: identifier.sopClassUID, in: session)
                onNegotiated(answer)
                if answer.requested.contains(.relational), !answer.accepted.contains(.relational), options.relationalReason != nil {
                    return nil
                }
            }
            return try await query(identifier, in: &session, options: options, onMatch: onMatch)
        }
        guard let result else {
            throw NetError(.rejected, "the peer did not accept relational queries (extended negotiation) and this query is relational: "
                           + "\(options.relationalReason ?? "?"); nothing was sent. Name each level above with its unique key, or leave "
                           + "out --relational to send the query as it is (many archives match such queries without negotiating)")
        }
        return result
    }

    /// One C-FIND on an open association that proposed `identifier.sopClassUID` (several queries
    /// may share one association: get resolves its keys level by level this way).
    public static func query(_ identifier: QueryIdentifier, in session: inout AssociationSession, options: FindOptions,
                             onMatch: @Sendable (FindMatch) throws -> Void) async throws -> FindResult {
        guard let accepted = session.negotiated?.context(abstractSyntax: identifier.sopClassUID),
              let uid = accepted.transferSyntax, let syntax = TransferSyntax(uid: uid) else {
            let why = session.negotiated?.contexts.first { $0.abstractSyntax == identifier.sopClassUID }.map { $0.result.description } ?? "not answered"
            throw NetError(.rejected, "the peer refused the \(UIDDictionary.entry(for: identifier.sopClassUID)?.name ?? identifier.sopClassUID) context (\(why))")
        }
        let bytes: [UInt8]
        do throws(DicomError) { bytes = try identifier.encoded(in: syntax) } catch { throw NetError(.invalidArgument, "the identifier: \(error.description)") }
        let encoding = DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian)
        var count = 0
        let limit = options.limit
        let end = try await session.find(sopClassUID: identifier.sopClassUID, identifier: bytes,
                                         maxIdentifierLength: options.maxIdentifierLength) { response, data in
            guard let data else {
                throw NetError(.malformedPDU, "a pending C-FIND-RSP (match \(count + 1)) without an identifier",
                               abortReason: .invalidPDUParameterValue)
            }
            count += 1
            let dataset: Dataset
            do throws(DicomError) {
                dataset = try BareDatasetReader.read(data, encoding: encoding, name: "match \(count)")
            } catch {
                throw NetError(.malformedPDU, "the identifier of match \(count) is malformed: \(error.description)",
                               abortReason: .invalidPDUParameterValue)
            }
            try onMatch(FindMatch(index: count, dataset: dataset, status: response.status ?? DIMSEStatus.pending,
                                  characterSetProblems: CharacterSetCheck.problems(in: dataset)))
            return limit.map { count < $0 } ?? true
        }
        return FindResult(status: end.response.status ?? DIMSEStatus.cannotUnderstand, errorComment: end.response.errorComment,
                          matches: count, cancelled: end.cancelled, droppedAfterCancel: end.droppedAfterCancel,
                          tcpNoDelay: session.tcpNoDelay)
    }
}

/// Values a peer sent in another character set than its identifier announces: bytes the announced
/// set has no character for (decoded as U+FFFD), bytes above 0x7F under the default repertoire
/// (which is ASCII; they are shown as ISO 8859-1), and terms this implementation does not know.
enum CharacterSetCheck {
    static func problems(in ds: Dataset, at prefix: String = "") -> [String] {
        var out: [String] = []
        let set = ds.characterSet
        let named = set.terms.isEmpty || set.terms == [""] ? "the default repertoire" : set.terms.joined(separator: "\\")
        if prefix.isEmpty, !set.unknownTerms.isEmpty {
            out.append("Specific Character Set \(set.unknownTerms.joined(separator: "\\")) is unknown: values read as the default repertoire")
        }
        let defaultRepertoire = set.terms.allSatisfy { $0.isEmpty || $0 == "ISO_IR 6" || $0 == "ISO 2022 IR 6" }
        for e in ds.elements {
            if let items = e.items {
                for (i, item) in items.enumerated() { out += problems(in: item, at: prefix + "\(e.tag)[\(i)].") }
                continue
            }
            guard e.vr.usesSpecificCharacterSet, let bytes = e.valueBytes else { continue }
            let name = prefix + e.tag.description + (DataDictionary.entry(for: e.tag).map { " " + $0.keyword } ?? "")
            if defaultRepertoire, bytes.bytes.contains(where: { $0 >= 0x80 }) {
                out.append("\(name): bytes above 0x7F, which \(named) does not have (shown as ISO 8859-1)")
            } else if ds.decodeText(bytes, vr: e.vr).unicodeScalars.contains("\u{FFFD}"),
                      !bytes.bytes.containsReplacementCharacter {
                out.append("\(name): bytes that are not characters of \(named) (shown as U+FFFD)")
            }
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Whether the bytes hold U+FFFD in UTF-8 (a value may hold the character itself).
    var containsReplacementCharacter: Bool {
        guard count >= 3 else { return false }
        for i in 0..<(count - 2) where self[i] == 0xEF && self[i + 1] == 0xBF && self[i + 2] == 0xBD { return true }
        return false
    }
}
