/// Value Representation (PS3.5 6.2). `raw` is the two ASCII bytes as they appear in explicit VR.
public enum VR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS,
         ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV

    public init?(bytes b0: UInt8, _ b1: UInt8) {
        guard b0 >= 0x41, b0 <= 0x5A, b1 >= 0x41, b1 <= 0x5A,
              let vr = VR.byLetters[Int(widening: b0 - 0x41) * 26 + Int(widening: b1 - 0x41)] else { return nil }
        self = vr
    }

    /// Every VR at (first letter - "A") * 26 + (second letter - "A"): the reader looks up each
    /// explicit VR here (making a String of the two bytes and matching it was ~2% of a dump).
    private static let byLetters: [VR?] = {
        var table = [VR?](repeating: nil, count: 26 * 26)
        for vr in VR.allCases {
            let letters = Array(vr.rawValue.utf8)
            table[Int(widening: letters[0] - 0x41) * 26 + Int(widening: letters[1] - 0x41)] = vr
        }
        return table
    }()

    /// VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
    public var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .UC, .UN, .UR, .UT, .SV, .UV: return true
        default: return false
        }
    }

    /// Text VRs whose values are decoded through the Specific Character Set.
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .SH, .LO, .ST, .LT, .UC, .UT, .PN: return true
        default: return false
        }
    }

    /// String VRs (values are bytes of text, padded to even length).
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: return true
        default: return false
        }
    }

    /// Padding byte for odd-length values: NUL for UI and binary, space for text (PS3.5 6.2).
    public var paddingByte: UInt8 {
        if self == .UI || !isString { return 0 }
        return 0x20
    }

    /// Size in bytes of one binary number for fixed-width numeric VRs, used for byte swapping.
    public var byteSwapUnit: Int {
        switch self {
        case .US, .SS, .OW, .AT: return 2
        case .UL, .SL, .FL, .OF, .OL: return 4
        case .FD, .OD, .SV, .UV, .OV: return 8
        default: return 1
        }
    }

    /// Whether values may be multi-valued with backslash separators.
    public var isBinaryNumber: Bool {
        switch self {
        case .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV, .AT: return true
        default: return false
        }
    }

    /// Values that are bulk data in DICOM JSON (InlineBinary / BulkDataURI).
    public var isBulkBinary: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return true
        default: return false
        }
    }
}
