import DicomCore
import FoundationEssentials

/// One number of a binary VR exactly as stored: integers keep their width and sign (64-bit ones
/// never pass through a Double, which holds only 53 bits), floats keep their bits.
public enum BinaryNumber: Sendable, Equatable {
    case signed(Int64)
    case unsigned(UInt64)
    case single(Float)
    case double(Double)

    /// Exact text: integers in decimal; floats in the shortest form that reads back to the same
    /// bits (Swift's description), with NaN, Infinity and -Infinity spelled out.
    public var text: String {
        switch self {
        case .signed(let v): return String(v)
        case .unsigned(let v): return String(v)
        case .single(let v): return Self.floatText(v)
        case .double(let v): return Self.floatText(v)
        }
    }

    /// False for NaN and the infinities, which have no JSON number (PS3.18 F.2.3).
    public var isFinite: Bool {
        switch self {
        case .signed, .unsigned: return true
        case .single(let v): return v.isFinite
        case .double(let v): return v.isFinite
        }
    }

    /// The value as a Double, for arithmetic (rounded above 2^53 for 64-bit integers).
    public var double: Double {
        switch self {
        case .signed(let v): return Double(v)
        case .unsigned(let v): return Double(v)
        case .single(let v): return Double(v)
        case .double(let v): return v
        }
    }

    /// The value as an Int when it is an integer that fits; nil otherwise (never traps).
    public var int: Int? {
        switch self {
        case .signed(let v): return Int(exactly: v)
        case .unsigned(let v): return Int(exactly: v)
        case .single(let v): return Int(exactly: v)
        case .double(let v): return Int(exactly: v)
        }
    }

    static func floatText<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        return v.description
    }
}

/// Calls `body` with each `unit`-byte number of `b` as an unsigned integer, honouring the value's
/// byte order; a trailing partial unit is ignored. The one place that assembles binary numbers.
@inline(__always)
func forEachBinaryUnit(_ b: ValueBytes, unit: Int, _ body: (UInt64) -> Void) {
    guard unit > 0 else { return }
    b.withUnsafeBytes { raw in
        let n = raw.count / unit
        for i in 0..<n {
            var u: UInt64 = 0
            for k in 0..<unit {
                let byte = UInt64(raw[i * unit + (b.isBigEndian ? unit - 1 - k : k)])
                u |= byte << (8 * UInt64(k))
            }
            body(u)
        }
    }
}

/// The numbers of a binary VR (US, SS, UL, SL, SV, UV, FL, FD and the O* VRs), exactly.
public func binaryValues(_ b: ValueBytes, vr: VR) -> [BinaryNumber] {
    var out: [BinaryNumber] = []
    let unit = vr.byteSwapUnit
    guard unit > 1 else { return out }
    out.reserveCapacity(b.count / unit)
    forEachBinaryUnit(b, unit: unit) { u in
        switch vr {
        case .US, .OW, .UL, .OL, .UV, .OV: out.append(.unsigned(u))
        case .SS: out.append(.signed(Int64(Int16(truncatingIfNeeded: u))))
        case .SL: out.append(.signed(Int64(Int32(truncatingIfNeeded: u))))
        case .SV: out.append(.signed(Int64(bitPattern: u)))
        case .FL, .OF: out.append(.single(Float(bitPattern: UInt32(truncatingIfNeeded: u))))
        case .FD, .OD: out.append(.double(Double(bitPattern: u)))
        default: break
        }
    }
    return out
}
