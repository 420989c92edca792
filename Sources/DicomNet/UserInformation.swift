/// The User Information item (0x50) and its sub-items (PS3.8 Annex D, PS3.7 Annex D.3.3).
public struct UserInformation: Sendable, Equatable {
    /// Maximum length of a P-DATA-TF PDU's variable field the sender will receive; 0 means no limit.
    public var maxLength: UInt32?
    public var implementationClassUID: String?
    public var implementationVersionName: String?
    public var asyncOperationsWindow: AsyncOperationsWindow?
    public var roleSelections: [RoleSelection] = []
    public var extendedNegotiations: [ExtendedNegotiation] = []
    public var commonExtendedNegotiations: [CommonExtendedNegotiation] = []
    public var userIdentityRQ: UserIdentityRQ?
    public var userIdentityAC: UserIdentityAC?
    public var ignoredSubItems: [IgnoredItem] = []

    public init(maxLength: UInt32? = nil, implementationClassUID: String? = nil, implementationVersionName: String? = nil) {
        self.maxLength = maxLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }
}

/// Asynchronous Operations Window (0x53, PS3.7 D.3.3.3): 0 means unlimited; 1/1 is synchronous.
public struct AsyncOperationsWindow: Sendable, Equatable {
    public var maxInvoked: UInt16
    public var maxPerformed: UInt16

    public init(maxInvoked: UInt16, maxPerformed: UInt16) {
        self.maxInvoked = maxInvoked
        self.maxPerformed = maxPerformed
    }

    public static let synchronous = AsyncOperationsWindow(maxInvoked: 1, maxPerformed: 1)
}

/// SCP/SCU Role Selection (0x54, PS3.7 D.3.3.4).
public struct RoleSelection: Sendable, Equatable {
    public var sopClassUID: String
    public var scuRole: Bool
    public var scpRole: Bool

    public init(sopClassUID: String, scuRole: Bool, scpRole: Bool) {
        self.sopClassUID = sopClassUID
        self.scuRole = scuRole
        self.scpRole = scpRole
    }
}

/// SOP Class Extended Negotiation (0x56, PS3.7 D.3.3.5): service-class-specific bytes.
public struct ExtendedNegotiation: Sendable, Equatable {
    public var sopClassUID: String
    public var applicationInformation: [UInt8]

    public init(sopClassUID: String, applicationInformation: [UInt8]) {
        self.sopClassUID = sopClassUID
        self.applicationInformation = applicationInformation
    }
}

/// SOP Class Common Extended Negotiation (0x57, PS3.7 D.3.3.6), request only.
public struct CommonExtendedNegotiation: Sendable, Equatable {
    public var sopClassUID: String
    public var serviceClassUID: String
    public var relatedGeneralSOPClassUIDs: [String]

    public init(sopClassUID: String, serviceClassUID: String, relatedGeneralSOPClassUIDs: [String] = []) {
        self.sopClassUID = sopClassUID
        self.serviceClassUID = serviceClassUID
        self.relatedGeneralSOPClassUIDs = relatedGeneralSOPClassUIDs
    }
}

/// User Identity type (PS3.7 Table D.3-14); other values are kept as sent.
public struct UserIdentityType: RawRepresentable, Sendable, Equatable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let username = UserIdentityType(rawValue: 1)
    public static let usernameAndPasscode = UserIdentityType(rawValue: 2)
    public static let kerberos = UserIdentityType(rawValue: 3)
    public static let saml = UserIdentityType(rawValue: 4)
    public static let jwt = UserIdentityType(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 1: return "username"
        case 2: return "username and passcode"
        case 3: return "Kerberos service ticket"
        case 4: return "SAML assertion"
        case 5: return "JSON web token"
        default: return "reserved identity type \(rawValue)"
        }
    }
}

/// User Identity negotiation, request (0x58, PS3.7 D.3.3.7.1). Tokens are passed through as bytes.
public struct UserIdentityRQ: Sendable, Equatable {
    public var type: UserIdentityType
    public var positiveResponseRequested: Bool
    public var primaryField: [UInt8]
    /// The passcode, for `.usernameAndPasscode` only; empty otherwise.
    public var secondaryField: [UInt8]

    public init(type: UserIdentityType, positiveResponseRequested: Bool, primaryField: [UInt8], secondaryField: [UInt8] = []) {
        self.type = type
        self.positiveResponseRequested = positiveResponseRequested
        self.primaryField = primaryField
        self.secondaryField = secondaryField
    }
}

/// User Identity negotiation, acceptance (0x59, PS3.7 D.3.3.7.2).
public struct UserIdentityAC: Sendable, Equatable {
    public var serverResponse: [UInt8]
    public init(serverResponse: [UInt8]) { self.serverResponse = serverResponse }
}
