/// PDUs to bytes (PS3.8 9.3, all numbers big endian). Pure: no I/O, no state. Everything the
/// standard bounds is checked before it is written, so an encoded PDU always decodes.
public enum PDUEncoder {
    public static func encode(_ pdu: PDU) throws(NetError) -> [UInt8] {
        var w = ByteWriter()
        w.u8(pdu.type.rawValue)
        w.u8(0)
        try w.length32 { (w: inout ByteWriter) throws(NetError) in
            switch pdu {
            case .associateRQ(let rq):
                try associateHeader(&w, version: rq.protocolVersion, called: rq.calledAETitle, calling: rq.callingAETitle)
                try uidItem(&w, type: 0x10, rq.applicationContextName)
                for pc in rq.presentationContexts { try contextRQ(&w, pc) }
                try userInformation(&w, rq.userInformation)
            case .associateAC(let ac):
                try associateHeader(&w, version: ac.protocolVersion, called: ac.calledAETitle, calling: ac.callingAETitle)
                try uidItem(&w, type: 0x10, ac.applicationContextName)
                for pc in ac.presentationContexts { try contextAC(&w, pc) }
                try userInformation(&w, ac.userInformation)
            case .associateRJ(let rj):
                w.u8(0); w.u8(rj.result); w.u8(rj.reason.source); w.u8(rj.reason.reason)
            case .dataTF(let tf):
                guard !tf.values.isEmpty else { throw NetError(.invalidArgument, "a P-DATA-TF PDU needs at least one PDV") }
                for pdv in tf.values {
                    // Length covers the context ID and the message control header (PS3.8 9.3.5.1).
                    guard let length = UInt32(exactly: pdv.data.count + 2) else {
                        throw NetError(.invalidArgument, "PDV of \(pdv.data.count) bytes is longer than a PDV length can say")
                    }
                    w.u32(length)
                    w.u8(pdv.contextID)
                    w.u8(pdv.messageControlHeader)
                    pdv.data.withUnsafeBytes { w.bytes.append(contentsOf: $0) }
                }
            case .releaseRQ, .releaseRP:
                w.u32(0)
            case .abort(let reason):
                w.u8(0); w.u8(0); w.u8(reason.source); w.u8(reason.reason)
            }
        }
        return w.bytes
    }

    private static func associateHeader(_ w: inout ByteWriter, version: UInt16, called: String, calling: String) throws(NetError) {
        w.u16(version)
        w.u16(0)
        try w.append(aeTitleField(called, "called AE title"))
        try w.append(aeTitleField(calling, "calling AE title"))
        w.append([UInt8](repeating: 0, count: 32))
    }

    /// An AE title as its 16-byte field: 1 to 16 characters of the default repertoire without
    /// backslash or control characters (PS3.5 Table 6.2-1, AE), padded with spaces.
    static func aeTitleField(_ title: String, _ what: String) throws(NetError) -> [UInt8] {
        let bytes = Array(title.utf8)
        guard !bytes.isEmpty, bytes.count <= 16 else {
            throw NetError(.invalidArgument, "\(what) '\(title)' must have 1 to 16 characters")
        }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }), bytes.contains(where: { $0 != 0x20 }) else {
            throw NetError(.invalidArgument, "\(what) '\(title)' may hold only printable ASCII characters other than backslash")
        }
        return bytes + [UInt8](repeating: 0x20, count: 16 - bytes.count)
    }

    private static func uidItem(_ w: inout ByteWriter, type: UInt8, _ uid: String) throws(NetError) {
        try w.item16(type) { (w: inout ByteWriter) throws(NetError) in w.append(Array(uid.utf8)) }
    }

    private static func contextRQ(_ w: inout ByteWriter, _ pc: PresentationContextRQ) throws(NetError) {
        try w.item16(0x20) { (w: inout ByteWriter) throws(NetError) in
            w.u8(pc.id); w.u8(0); w.u8(0); w.u8(0)
            try uidItem(&w, type: 0x30, pc.abstractSyntax)
            for ts in pc.transferSyntaxes { try uidItem(&w, type: 0x40, ts) }
        }
    }

    private static func contextAC(_ w: inout ByteWriter, _ pc: PresentationContextAC) throws(NetError) {
        try w.item16(0x21) { (w: inout ByteWriter) throws(NetError) in
            w.u8(pc.id); w.u8(0); w.u8(pc.result.rawValue); w.u8(0)
            // One transfer syntax sub-item always; empty when the context was not accepted.
            try uidItem(&w, type: 0x40, pc.result.isAccepted ? (pc.transferSyntax ?? "") : "")
        }
    }

    private static func userInformation(_ w: inout ByteWriter, _ info: UserInformation) throws(NetError) {
        try w.item16(0x50) { (w: inout ByteWriter) throws(NetError) in
            if let max = info.maxLength {
                try w.item16(0x51) { (w: inout ByteWriter) throws(NetError) in w.u32(max) }
            }
            if let uid = info.implementationClassUID { try uidItem(&w, type: 0x52, uid) }
            if let window = info.asyncOperationsWindow {
                try w.item16(0x53) { (w: inout ByteWriter) throws(NetError) in
                    w.u16(window.maxInvoked); w.u16(window.maxPerformed)
                }
            }
            for role in info.roleSelections {
                try w.item16(0x54) { (w: inout ByteWriter) throws(NetError) in
                    try w.field16(Array(role.sopClassUID.utf8), "SOP class UID")
                    w.u8(role.scuRole ? 1 : 0); w.u8(role.scpRole ? 1 : 0)
                }
            }
            if let name = info.implementationVersionName {
                guard (1...16).contains(name.utf8.count) else {
                    throw NetError(.invalidArgument, "implementation version name '\(name)' must have 1 to 16 characters")
                }
                try uidItem(&w, type: 0x55, name)
            }
            for ext in info.extendedNegotiations {
                try w.item16(0x56) { (w: inout ByteWriter) throws(NetError) in
                    try w.field16(Array(ext.sopClassUID.utf8), "SOP class UID")
                    w.append(ext.applicationInformation)
                }
            }
            for common in info.commonExtendedNegotiations {
                // Byte 1 is the sub-item version, 0 (PS3.7 Table D.3-12).
                try w.item16(0x57) { (w: inout ByteWriter) throws(NetError) in
                    try w.field16(Array(common.sopClassUID.utf8), "SOP class UID")
                    try w.field16(Array(common.serviceClassUID.utf8), "service class UID")
                    var related = ByteWriter()
                    for uid in common.relatedGeneralSOPClassUIDs { try related.field16(Array(uid.utf8), "related SOP class UID") }
                    try w.field16(related.bytes, "related general SOP class identification")
                }
            }
            if let identity = info.userIdentityRQ {
                try w.item16(0x58) { (w: inout ByteWriter) throws(NetError) in
                    w.u8(identity.type.rawValue)
                    w.u8(identity.positiveResponseRequested ? 1 : 0)
                    try w.field16(identity.primaryField, "user identity primary field")
                    try w.field16(identity.secondaryField, "user identity secondary field")
                }
            }
            if let identity = info.userIdentityAC {
                try w.item16(0x59) { (w: inout ByteWriter) throws(NetError) in
                    try w.field16(identity.serverResponse, "user identity server response")
                }
            }
        }
    }
}

/// Big-endian output with length fields patched in after their content.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v))
    }
    mutating func u32(_ v: UInt32) {
        u16(UInt16(truncatingIfNeeded: v >> 16)); u16(UInt16(truncatingIfNeeded: v))
    }
    mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// A 2-byte length then the bytes (the UID and field lengths inside items).
    mutating func field16(_ b: [UInt8], _ what: String) throws(NetError) {
        guard let n = UInt16(exactly: b.count) else {
            throw NetError(.invalidArgument, "\(what) of \(b.count) bytes is longer than its 2-byte length can say")
        }
        u16(n)
        append(b)
    }

    /// An item: type, a reserved byte, a 2-byte length, then what `body` writes.
    mutating func item16(_ type: UInt8, _ body: (inout ByteWriter) throws(NetError) -> Void) throws(NetError) {
        u8(type); u8(0)
        let at = bytes.count
        u16(0)
        try body(&self)
        guard let n = UInt16(exactly: bytes.count - at - 2) else {
            throw NetError(.invalidArgument, "item 0x\(String(type, radix: 16)) of \(bytes.count - at - 2) bytes is longer than an item length can say")
        }
        bytes[at] = UInt8(truncatingIfNeeded: n >> 8)
        bytes[at + 1] = UInt8(truncatingIfNeeded: n)
    }

    /// The PDU length (4 bytes) then what `body` writes.
    mutating func length32(_ body: (inout ByteWriter) throws(NetError) -> Void) throws(NetError) {
        let at = bytes.count
        u32(0)
        try body(&self)
        guard let n = UInt32(exactly: bytes.count - at - 4) else {
            throw NetError(.invalidArgument, "PDU of \(bytes.count - at - 4) bytes is longer than a PDU length can say")
        }
        bytes[at] = UInt8(truncatingIfNeeded: n >> 24)
        bytes[at + 1] = UInt8(truncatingIfNeeded: n >> 16)
        bytes[at + 2] = UInt8(truncatingIfNeeded: n >> 8)
        bytes[at + 3] = UInt8(truncatingIfNeeded: n)
    }
}
