/// The User Information item's sub-items (PS3.7 Annex D.3.3, PS3.8 Annex D.1), each checked against
/// the layout the standard fixes for it.
extension PDUDecoder {
    static func decodeUserInformation(_ r: inout ByteReader) throws(NetError) -> UserInformation {
        var info = UserInformation()
        while r.remaining > 0 {
            let start = r.pos
            var (type, body) = try r.item("user information sub-item")
            func exact(_ n: Int, _ what: String) throws(NetError) {
                guard body.remaining == n else {
                    throw r.error(at: start, "\(what) sub-item length \(body.remaining), the standard fixes it at \(n)",
                                  .invalidPDUParameterValue)
                }
            }
            func flag(_ what: String) throws(NetError) -> Bool {
                let at = body.pos
                let v = try body.u8(what)
                guard v <= 1 else { throw r.error(at: at, "\(what) \(v), only 0 or 1 are defined", .invalidPDUParameterValue) }
                return v == 1
            }
            func trailing(_ what: String) throws(NetError) {
                guard body.remaining == 0 else {
                    throw r.error(at: body.pos, "\(body.remaining) bytes after the fields of the \(what) sub-item", .invalidPDUParameterValue)
                }
            }
            switch type {
            case 0x51:
                try exact(4, "maximum length")
                info.maxLength = try body.u32("maximum length")
            case 0x52:
                info.implementationClassUID = uid(body.rest())
            case 0x53:
                try exact(4, "asynchronous operations window")
                let invoked = try body.u16("maximum number of operations invoked")
                let performed = try body.u16("maximum number of operations performed")
                info.asyncOperationsWindow = AsyncOperationsWindow(maxInvoked: invoked, maxPerformed: performed)
            case 0x54:
                var uidField = try body.field16("SOP class UID")
                let sopClass = uid(uidField.rest())
                let scu = try flag("SCU role")
                let scp = try flag("SCP role")
                try trailing("SCP/SCU role selection")
                info.roleSelections.append(RoleSelection(sopClassUID: sopClass, scuRole: scu, scpRole: scp))
            case 0x55:
                info.implementationVersionName = aeTitle(body.rest())
            case 0x56:
                var uidField = try body.field16("SOP class UID")
                let sopClass = uid(uidField.rest())
                info.extendedNegotiations.append(ExtendedNegotiation(sopClassUID: sopClass, applicationInformation: Array(body.rest())))
            case 0x57:
                var sopField = try body.field16("SOP class UID")
                var serviceField = try body.field16("service class UID")
                var relatedField = try body.field16("related general SOP class identification")
                var related: [String] = []
                while relatedField.remaining > 0 {
                    var one = try relatedField.field16("related general SOP class UID")
                    related.append(uid(one.rest()))
                }
                try trailing("SOP class common extended negotiation")
                info.commonExtendedNegotiations.append(CommonExtendedNegotiation(
                    sopClassUID: uid(sopField.rest()), serviceClassUID: uid(serviceField.rest()), relatedGeneralSOPClassUIDs: related))
            case 0x58:
                let identityType = UserIdentityType(rawValue: try body.u8("user identity type"))
                let positive = try flag("positive-response-requested")
                var primary = try body.field16("user identity primary field")
                var secondary = try body.field16("user identity secondary field")
                try trailing("user identity")
                info.userIdentityRQ = UserIdentityRQ(type: identityType, positiveResponseRequested: positive,
                                                     primaryField: Array(primary.rest()), secondaryField: Array(secondary.rest()))
            case 0x59:
                var response = try body.field16("server response")
                try trailing("user identity")
                info.userIdentityAC = UserIdentityAC(serverResponse: Array(response.rest()))
            default:
                // PS3.7 D.3.3: sub-items of unrecognized types are ignored.
                info.ignoredSubItems.append(IgnoredItem(type: type, offset: start, length: body.remaining))
            }
        }
        return info
    }
}
