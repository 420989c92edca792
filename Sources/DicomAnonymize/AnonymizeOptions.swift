import Crypto
import DicomCore
import DicomIO

/// What to do with a file whose pixels may carry burned-in identifying text.
public enum BurnedInPolicy: String, Sendable, CaseIterable {
    /// Do not anonymize: `Anonymizer.anonymize` throws (`.unsupported`, exit status 80).
    case refuse
    /// Anonymize and add a warning to the report.
    case warn
    /// Anonymize silently.
    case allow
}

/// The options of `dicomtool anonymize`: the PS3.15 options, explicit keep/remove/set edits,
/// the secret that keys the UID and date mapping, and the burned-in annotation policy.
public struct AnonymizeOptions: Sendable {
    public var retainSafePrivate = false
    public var retainUIDs = false
    public var retainDeviceIdentity = false
    public var retainInstitutionIdentity = false
    public var retainPatientCharacteristics = false
    public var retainLongFullDates = false
    /// Dates (DA, and the date part of DT) are shifted by a per-patient keyed offset; TM is kept.
    public var retainLongModifiedDates = false
    public var cleanDescriptors = false
    public var cleanStructuredContent = false
    public var cleanGraphics = false
    /// Attributes kept verbatim whatever the profile says (private ones included): a lone name at
    /// any depth, a longer path from the top level.
    public var keep: [EditPath] = []
    /// Attributes removed whatever the profile says (matched as `keep` is).
    public var remove: [EditPath] = []
    /// Values set after the profile ran, in order: (path, value). Multiple values joined by `\`.
    public var set: [(EditPath, String)] = []
    /// The HMAC key of the UID and date mapping: the same secret gives the same output.
    public var secret: [UInt8]
    public var burnedIn: BurnedInPolicy = .refuse

    public init(secret: [UInt8]) { self.secret = secret }

    /// 32 random bytes, for runs without `--secret-file` (runs then do not agree with each other).
    public static func randomSecret() -> [UInt8] {
        RandomSource.isSeeded ? RandomSource.bytes(32) : SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Turns `options` on.
    public mutating func enable(_ options: [DeidentificationProfile.Option]) {
        for o in options {
            switch o {
            case .retainSafePrivate: retainSafePrivate = true
            case .retainUIDs: retainUIDs = true
            case .retainDeviceIdentity: retainDeviceIdentity = true
            case .retainInstitutionIdentity: retainInstitutionIdentity = true
            case .retainPatientCharacteristics: retainPatientCharacteristics = true
            case .retainLongFullDates: retainLongFullDates = true
            case .retainLongModifiedDates: retainLongModifiedDates = true
            case .cleanDescriptors: cleanDescriptors = true
            case .cleanStructuredContent: cleanStructuredContent = true
            case .cleanGraphics: cleanGraphics = true
            }
        }
        // Full dates and modified dates exclude each other: full dates keep more.
        if retainLongFullDates { retainLongModifiedDates = false }
    }

    /// The options a de-identified data set declares in De-identification Method Code Sequence
    /// (0012,0064), by their CID 7050 codes.
    public static func declaredOptions(in dataset: Dataset) -> [DeidentificationProfile.Option] {
        let codes = Set((dataset.items(Tag.deidentificationMethodCodeSequence) ?? []).compactMap { $0.string(Tag.codeValue)?.trimmingWhitespace() })
        return DeidentificationProfile.methods.compactMap { m in codes.contains(m.value) ? m.option : nil }
    }

    /// The options in force, in Table E.1-1 column order.
    public var enabledOptions: [DeidentificationProfile.Option] {
        var out: [DeidentificationProfile.Option] = []
        if retainSafePrivate { out.append(.retainSafePrivate) }
        if retainUIDs { out.append(.retainUIDs) }
        if retainDeviceIdentity { out.append(.retainDeviceIdentity) }
        if retainInstitutionIdentity { out.append(.retainInstitutionIdentity) }
        if retainPatientCharacteristics { out.append(.retainPatientCharacteristics) }
        if retainLongFullDates { out.append(.retainLongFullDates) }
        if retainLongModifiedDates { out.append(.retainLongModifiedDates) }
        if cleanDescriptors { out.append(.cleanDescriptors) }
        if cleanStructuredContent { out.append(.cleanStructuredContent) }
        if cleanGraphics { out.append(.cleanGraphics) }
        return out
    }
}

/// UIDs and date offsets derived from HMAC-SHA256 keyed with the secret, so that shards on
/// different machines agree without a shared mapping table.
public struct KeyedMapping: Sendable {
    let secret: [UInt8]
    /// HMAC-SHA256 with the key already absorbed (the inner and outer padded key blocks): each
    /// message copies it (copy on write) instead of setting the key up again.
    private let keyed: HMAC<SHA256>
    /// UIDs already mapped with this key: the files of a series share their study, series and
    /// frame of reference UIDs, and each mapping is an HMAC and a 128-bit decimal.
    private let mapped = MappedUIDs()

    public init(secret: [UInt8]) {
        self.secret = secret
        keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
    }

    /// original -> mapped UID, shared by the workers of a run, emptied when it grows past
    /// `limit` entries so that memory stays bounded over any number of files.
    private final class MappedUIDs: @unchecked Sendable {
        private let lock = Lock()
        private var table: [String: String] = [:]
        private let limit = 200_000

        func value(for original: String) -> String? { lock.withLock { table[original] } }

        func insert(_ mapped: String, for original: String) {
            lock.withLock {
                if table.count >= limit { table.removeAll(keepingCapacity: true) }
                table[original] = mapped
            }
        }
    }

    private func mac(_ message: String) -> [UInt8] {
        var h = keyed
        h.update(data: Array(message.utf8))
        return Array(h.finalize())
    }

    /// `2.25.` + the decimal of a 128-bit integer taken from HMAC-SHA256(secret, uid), shaped as
    /// a version 8 (custom) UUID so that the `2.25` arc's UUID rule (PS3.5 B.2) holds.
    /// At most 44 characters.
    public func uid(for original: String) -> String {
        if let known = mapped.value(for: original) { return known }
        let new = computeUID(for: original)
        mapped.insert(new, for: original)
        return new
    }

    private func computeUID(for original: String) -> String {
        let digest = mac(original)
        var b = Array(digest.prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80   // version 8
        b[8] = (b[8] & 0x3F) | 0x80   // RFC 9562 variant
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<8 { hi = hi << 8 | UInt64(widening: b[i]) }
        for i in 8..<16 { lo = lo << 8 | UInt64(widening: b[i]) }
        return "2.25." + UInt128Decimal.string(hi: hi, lo: lo)
    }

    /// A shift of 1 to 3650 days into the past, the same for every file of a patient.
    public func dayOffset(forPatient patientID: String) -> Int {
        let digest = mac("date-shift:" + patientID)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(widening: digest[i]) }
        return -Int(1 + v % 3650)  // conversion: 1...3650
    }

    /// The keyed pseudonym of one patient: "ANON" + 12 hex digits of HMAC-SHA256(secret,
    /// "patient:" + Patient ID + NUL + Patient's Name), from the values without their padding (a
    /// name also without empty trailing components). The same original patient gives the same
    /// pseudonym in every file, shard and run with the secret; two patients sharing an ID under
    /// different names get two. Nil when both are empty: there is no identity to keep apart.
    public func patientPseudonym(id: String, name: String) -> String? {
        func trimmed(_ s: String, _ extra: Set<Character>) -> Substring {
            var v = Substring(s)
            while let c = v.first, c == " " || c == "\0" { v = v.dropFirst() }
            while let c = v.last, c == " " || c == "\0" || extra.contains(c) { v = v.dropLast() }
            return v
        }
        let i = trimmed(id, []), n = trimmed(name, ["^", "="])
        if i.isEmpty && n.isEmpty { return nil }
        let digest = mac("patient:" + i + "\u{0}" + n)
        return "ANON" + digest.prefix(6).map { b in
            let h = String(b, radix: 16, uppercase: true)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }

    /// A pseudonym for identifiers that must stay non-empty (Patient ID under D): "ANON" +
    /// 12 hex digits, the same for the same input and secret.
    public func pseudonym(for original: String) -> String {
        let digest = mac("id:" + original)
        return "ANON" + digest.prefix(6).map { b in
            let h = String(b, radix: 16, uppercase: true)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }
}

/// Civil-date arithmetic for date shifting (proleptic Gregorian, no Foundation calendar).
enum CivilDate {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func date(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Shifts "YYYYMMDD" (and the date part of a DT) by `offset` days; nil when not a valid date.
    static func shift(_ text: String, by offset: Int) -> String? {
        let chars = Array(text.utf8)
        guard chars.count >= 8, chars[0..<8].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let y = Int(String(decoding: chars[0..<4], as: UTF8.self)),  // conversion: parses 4 digits (checked above)
              let m = Int(String(decoding: chars[4..<6], as: UTF8.self)),  // conversion: parses 2 digits
              let d = Int(String(decoding: chars[6..<8], as: UTF8.self)),  // conversion: parses 2 digits
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let (ny, nm, nd) = date(fromDays: days(year: y, month: m, day: d) + offset)
        guard (1...9999).contains(ny) else { return nil }
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return pad(ny, 4) + pad(nm, 2) + pad(nd, 2) + String(decoding: chars[8...], as: UTF8.self)
    }
}
