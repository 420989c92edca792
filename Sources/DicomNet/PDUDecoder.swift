/// Bytes to PDUs (PS3.8 9.3). Pure: every length is checked against what contains it and against
/// the caller's maximum before anything is copied, and every error names the byte offset within
/// the PDU and what was wrong, with the A-ABORT reason to answer it with.
public struct PDULimits: Sendable, Equatable {
    /// Largest P-DATA-TF variable field accepted: the Maximum Length we announced.
    public var maxDataTFLength: Int
    /// Largest A-ASSOCIATE-RQ/AC accepted (128 contexts with several syntaxes each stay well under).
    public var maxAssociateLength: Int

    public init(maxDataTFLength: Int, maxAssociateLength: Int = 1 << 20) {
        self.maxDataTFLength = maxDataTFLength
        self.maxAssociateLength = maxAssociateLength
    }
}

public enum PDUDecoder {
    /// Size of the PDU header: type, reserved, 4-byte length.
    public static let headerLength = 6

    /// The whole PDU's length (header included) from its first 6 bytes, after checking the type and
    /// the declared length against `limits`; nil when fewer than 6 bytes are given. For framing a
    /// stream: nothing is allocated for a PDU before this has accepted its length.
    public static func frameLength(_ header: some Collection<UInt8>, limits: PDULimits) throws(NetError) -> Int? {
        guard header.count >= headerLength else { return nil }
        let h = Array(header.prefix(headerLength))
        guard let type = PDUType(rawValue: h[0]) else {
            throw NetError(.unrecognizedPDU, "unknown PDU type 0x\(hex2(h[0]))", offset: 0, abortReason: .unrecognizedPDU)
        }
        let length = Int(widening: UInt32(widening: h[2]) << 24 | UInt32(widening: h[3]) << 16 | UInt32(widening: h[4]) << 8
            | UInt32(widening: h[5]))
        switch type {
        case .dataTF:
            guard length <= limits.maxDataTFLength else {
                throw NetError(.pduTooLarge, "P-DATA-TF length \(length) exceeds the maximum \(limits.maxDataTFLength)", offset: 2,
                               abortReason: .invalidPDUParameterValue)
            }
        case .associateRQ, .associateAC:
            guard length <= limits.maxAssociateLength else {
                throw NetError(.pduTooLarge, "\(type) length \(length) exceeds the maximum \(limits.maxAssociateLength)", offset: 2,
                               abortReason: .invalidPDUParameterValue)
            }
        case .associateRJ, .releaseRQ, .releaseRP, .abort:
            guard length == 4 else {
                throw NetError(.malformedPDU, "\(type) length \(length), the standard fixes it at 4", offset: 2,
                               abortReason: .invalidPDUParameterValue)
            }
        }
        return headerLength + length
    }

    /// Exactly one PDU from `bytes` (header included; nothing may follow it).
    public static func decode(_ bytes: [UInt8], limits: PDULimits) throws(NetError) -> PDU {
        guard let total = try frameLength(bytes, limits: limits) else {
            throw NetError(.malformedPDU, "truncated: \(bytes.count) bytes, fewer than a PDU header", offset: 0,
                           abortReason: .invalidPDUParameterValue)
        }
        guard bytes.count == total else {
            let what = bytes.count < total ? "truncated: the PDU length says \(total - headerLength) bytes, \(bytes.count - headerLength) follow"
                : "\(bytes.count - total) bytes after the end the PDU length gives"
            throw NetError(.malformedPDU, what, offset: min(bytes.count, total), abortReason: .invalidPDUParameterValue)
        }
        var r = ByteReader(bytes, from: headerLength, to: total)
        switch PDUType(rawValue: bytes[0]) {
        case .associateRQ?:
            let f = try decodeAssociate(&r, isRequest: true)
            var rq = AssociateRQ(calledAETitle: f.called, callingAETitle: f.calling, presentationContexts: f.requested,
                                 userInformation: f.info)
            rq.protocolVersion = f.version
            rq.applicationContextName = f.context
            rq.ignoredItems = f.ignored
            return .associateRQ(rq)
        case .associateAC?:
            let f = try decodeAssociate(&r, isRequest: false)
            var ac = AssociateAC(calledAETitle: f.called, callingAETitle: f.calling, presentationContexts: f.answered,
                                 userInformation: f.info)
            ac.protocolVersion = f.version
            ac.applicationContextName = f.context
            ac.ignoredItems = f.ignored
            return .associateAC(ac)
        case .associateRJ?:
            _ = try r.u8("reserved")
            let result = try r.u8("result")
            let source = try r.u8("source")
            let reason = try r.u8("reason")
            return .associateRJ(AssociateRJ(rawResult: result, reason: RejectReason(source: source, reason: reason)))
        case .dataTF?:
            return .dataTF(try decodeDataTF(&r))
        case .releaseRQ?:
            return .releaseRQ
        case .releaseRP?:
            return .releaseRP
        case .abort?:
            _ = try r.u8("reserved")
            _ = try r.u8("reserved")
            let source = try r.u8("source")
            let reason = try r.u8("reason")
            return .abort(AbortReason(source: source, reason: reason))
        case nil:
            // frameLength has already refused unknown types.
            throw NetError(.unrecognizedPDU, "unknown PDU type 0x\(hex2(bytes[0]))", offset: 0, abortReason: .unrecognizedPDU)
        }
    }

    // MARK: A-ASSOCIATE-RQ/AC

    /// What A-ASSOCIATE-RQ and -AC share: fixed fields, then items.
    private struct AssociateFields {
        var version: UInt16 = 0
        var called = "", calling = "", context = ""
        var requested: [PresentationContextRQ] = []
        var answered: [PresentationContextAC] = []
        var info = UserInformation()
        var ignored: [IgnoredItem] = []
    }

    private static func decodeAssociate(_ r: inout ByteReader, isRequest: Bool) throws(NetError) -> AssociateFields {
        var f = AssociateFields()
        f.version = try r.u16("protocol version")
        _ = try r.u16("reserved")
        f.called = aeTitle(try r.take(16, "called AE title"))
        f.calling = aeTitle(try r.take(16, "calling AE title"))
        _ = try r.take(32, "reserved")
        var context: String?
        var sawUserInformation = false
        while r.remaining > 0 {
            let start = r.pos
            var item = try r.item("variable item")
            switch item.type {
            case 0x10:
                guard context == nil else { throw r.error(at: start, "a second application context item", .unexpectedPDUParameter) }
                context = uid(item.body.rest())
            case 0x20 where isRequest:
                f.requested.append(try decodeContextRQ(&item.body, at: start))
            case 0x21 where !isRequest:
                f.answered.append(try decodeContextAC(&item.body, at: start))
            case 0x50:
                guard !sawUserInformation else { throw r.error(at: start, "a second user information item", .unexpectedPDUParameter) }
                sawUserInformation = true
                f.info = try decodeUserInformation(&item.body)
            default:
                // PS3.8 9.3.1: items of unrecognized types are ignored and skipped.
                f.ignored.append(IgnoredItem(type: item.type, offset: start, length: item.body.remaining))
            }
        }
        guard let context else { throw r.error(at: r.end, "no application context item", .invalidPDUParameterValue) }
        f.context = context
        return f
    }

    private static func decodeContextRQ(_ r: inout ByteReader, at start: Int) throws(NetError) -> PresentationContextRQ {
        let id = try r.u8("presentation context ID")
        _ = try r.take(3, "reserved")
        var abstract: String?
        var syntaxes: [String] = []
        while r.remaining > 0 {
            let subStart = r.pos
            var sub = try r.item("presentation context sub-item")
            switch sub.type {
            case 0x30:
                guard abstract == nil else { throw r.error(at: subStart, "a second abstract syntax sub-item", .unexpectedPDUParameter) }
                abstract = uid(sub.body.rest())
            case 0x40:
                syntaxes.append(uid(sub.body.rest()))
            default:
                continue  // ignored, PS3.8 9.3.1
            }
        }
        guard let abstract else { throw r.error(at: start, "presentation context \(id) has no abstract syntax", .invalidPDUParameterValue) }
        return PresentationContextRQ(id: id, abstractSyntax: abstract, transferSyntaxes: syntaxes)
    }

    private static func decodeContextAC(_ r: inout ByteReader, at start: Int) throws(NetError) -> PresentationContextAC {
        let id = try r.u8("presentation context ID")
        _ = try r.u8("reserved")
        let result = ContextResult(rawValue: try r.u8("result/reason"))
        _ = try r.u8("reserved")
        var syntax: String?
        while r.remaining > 0 {
            var sub = try r.item("presentation context sub-item")
            if sub.type == 0x40 { syntax = uid(sub.body.rest()) }
        }
        // Not significant unless accepted, and then it must be there (PS3.8 9.3.3.2).
        guard result.isAccepted else { return PresentationContextAC(id: id, result: result, transferSyntax: nil) }
        guard let syntax, !syntax.isEmpty else {
            throw r.error(at: start, "accepted presentation context \(id) names no transfer syntax", .invalidPDUParameterValue)
        }
        return PresentationContextAC(id: id, result: result, transferSyntax: syntax)
    }

    // MARK: P-DATA-TF

    private static func decodeDataTF(_ r: inout ByteReader) throws(NetError) -> DataTF {
        let bytes = r.bytes
        var found: Result<[PDVItem], NetError> = .success([])
        bytes.withUnsafeBytes { pdu in found = Result { () throws(NetError) -> [PDVItem] in try dataTFItems(pdu) } }
        let items = try found.get()
        return DataTF(values: items.map { PDV(contextID: $0.contextID, isCommand: $0.isCommand, isLast: $0.isLast, data: Array(bytes[$0.data])) })
    }

    /// A PDV item of a P-DATA-TF: its header, and where its data lie within the PDU.
    struct PDVItem {
        var contextID: UInt8
        var isCommand: Bool
        var isLast: Bool
        var data: Range<Int>
    }

    /// The PDV items of the P-DATA-TF `pdu` (its 6-byte header included, its length already
    /// checked by `frameLength`), each checked against what is left of the PDU. Where the data
    /// lie, not the data: the frame decoder slices them out of the socket's buffer, uncopied.
    static func dataTFItems(_ pdu: UnsafeRawBufferPointer) throws(NetError) -> [PDVItem] {
        func error(at offset: Int, _ message: String) -> NetError {
            NetError(.malformedPDU, message, offset: offset, abortReason: .invalidPDUParameterValue)
        }
        var items: [PDVItem] = []
        var pos = headerLength
        let end = pdu.count
        while pos < end {
            let start = pos
            guard end - pos >= 4 else {
                throw error(at: pos, "truncated: PDV item length needs 4 bytes, \(end - pos) remain in its container")
            }
            let length = Int(widening: UInt32(widening: pdu[pos]) << 24 | UInt32(widening: pdu[pos + 1]) << 16
                | UInt32(widening: pdu[pos + 2]) << 8 | UInt32(widening: pdu[pos + 3]))
            pos += 4
            guard length >= 2 else { throw error(at: start, "PDV item length \(length), less than its 2-byte header") }
            guard length <= end - pos else {
                throw error(at: start, "PDV item length \(length) exceeds the \(end - pos) bytes left in the PDU")
            }
            let contextID = pdu[pos]
            let header = pdu[pos + 1]
            guard header & 0xFC == 0 else {
                throw error(at: start + 5, "message control header 0x\(hex2(header)) sets reserved bits")
            }
            items.append(PDVItem(contextID: contextID, isCommand: header & 1 != 0, isLast: header & 2 != 0,
                                 data: (pos + 2)..<(pos + length)))
            pos += length
        }
        guard !items.isEmpty else { throw error(at: pos, "P-DATA-TF without a PDV") }
        return items
    }

    // MARK: Fields

    /// An AE title field: leading and trailing spaces are not significant (PS3.5 Table 6.2-1).
    static func aeTitle(_ b: ArraySlice<UInt8>) -> String {
        trimmedASCII(b, stripping: [0x20, 0x00])
    }

    /// A UID field: some implementations pad with a NUL or a space, which are not part of a UID.
    static func uid(_ b: ArraySlice<UInt8>) -> String {
        trimmedASCII(b, stripping: [0x00, 0x20])
    }

    private static func trimmedASCII(_ b: ArraySlice<UInt8>, stripping pad: Set<UInt8>) -> String {
        var lo = b.startIndex, hi = b.endIndex
        while lo < hi, pad.contains(b[lo]) { lo += 1 }
        while hi > lo, pad.contains(b[hi - 1]) { hi -= 1 }
        return String(decoding: b[lo..<hi], as: UTF8.self)
    }
}

func hex2(_ v: UInt8) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    return String(decoding: [digits[Int(widening: v >> 4)], digits[Int(widening: v & 0xF)]], as: UTF8.self)
}

/// A big-endian cursor over one PDU, bounded to [pos, end): reads past `end` are errors naming the
/// offset within the PDU, never traps.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var pos: Int
    let end: Int

    init(_ bytes: [UInt8], from: Int, to: Int) {
        self.bytes = bytes
        self.pos = from
        self.end = to
    }

    var remaining: Int { end - pos }

    func error(at offset: Int, _ message: String, _ reason: AbortReason) -> NetError {
        NetError(.malformedPDU, message, offset: offset, abortReason: reason)
    }

    private func need(_ n: Int, _ what: String) throws(NetError) {
        guard n <= remaining else {
            throw error(at: pos, "truncated: \(what) needs \(n) bytes, \(remaining) remain in its container", .invalidPDUParameterValue)
        }
    }

    mutating func u8(_ what: String) throws(NetError) -> UInt8 {
        try need(1, what)
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func u16(_ what: String) throws(NetError) -> UInt16 {
        try need(2, what)
        defer { pos += 2 }
        return UInt16(widening: bytes[pos]) << 8 | UInt16(widening: bytes[pos + 1])
    }

    mutating func u32(_ what: String) throws(NetError) -> UInt32 {
        try need(4, what)
        defer { pos += 4 }
        return UInt32(widening: bytes[pos]) << 24 | UInt32(widening: bytes[pos + 1]) << 16
            | UInt32(widening: bytes[pos + 2]) << 8 | UInt32(widening: bytes[pos + 3])
    }

    mutating func take(_ n: Int, _ what: String) throws(NetError) -> ArraySlice<UInt8> {
        try need(n, what)
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }

    /// All that is left.
    mutating func rest() -> ArraySlice<UInt8> {
        defer { pos = end }
        return bytes[pos..<end]
    }

    /// A 2-byte length then that many bytes, as a reader bounded to them.
    mutating func field16(_ what: String) throws(NetError) -> ByteReader {
        let start = pos
        let n = Int(widening: try u16("\(what) length"))
        guard n <= remaining else {
            throw error(at: start, "\(what) length \(n) exceeds the \(remaining) bytes left in its item", .invalidPDUParameterValue)
        }
        defer { pos += n }
        return ByteReader(bytes, from: pos, to: pos + n)
    }

    /// An item header (type, reserved, 2-byte length) and its body, bounded to the item.
    mutating func item(_ what: String) throws(NetError) -> (type: UInt8, body: ByteReader) {
        let start = pos
        guard remaining >= 4 else {
            throw error(at: start, "truncated: \(remaining) bytes left, too few for a \(what) header", .invalidPDUParameterValue)
        }
        let type = try u8("item type")
        _ = try u8("reserved")
        let n = Int(widening: try u16("item length"))
        guard n <= remaining else {
            throw error(at: start, "\(what) 0x\(hex2(type)) length \(n) exceeds the \(remaining) bytes left in its container",
                        .invalidPDUParameterValue)
        }
        defer { pos += n }
        return (type, ByteReader(bytes, from: pos, to: pos + n))
    }
}
