import DicomCore

/// A DA, TM or DT value, or one end of a range, as the span of instants it names at its precision
/// (PS3.5 6.2): `2019` is 2019-01-01 to 2019-12-31, TM `1200` is 12:00:00 to 12:00:59.999999.
/// Instants are integers that compare in time order: DA yyyymmdd, TM microseconds of the day, DT
/// microseconds since 1970-01-01 in UTC when the value carries an offset (`&ZZXX`), as written
/// otherwise (a DT without offset is local time, which nothing here can convert).
public struct TemporalSpan: Sendable, Equatable {
    public var lower: Int64
    public var upper: Int64

    /// The span of `text` in `vr` (DA, TM or DT); nil when it is not such a value. `partial` lets a
    /// DA name a year or a month (`2019`, `201902`), as range ends do here; a value read from a
    /// file is parsed with the VR's own rule. The legacy forms `yyyy.mm.dd` and `hh:mm:ss` (ACR-NEMA)
    /// are read too.
    public init?(_ text: String, vr: VR, partial: Bool = false) {
        switch vr {
        case .DA:
            let digits = text.count == 10 && text.filter({ $0 == "." }).count == 2 ? text.filter { $0 != "." } : text
            guard let fields = Self.fields(digits, widths: [4, 2, 2], minimum: partial ? 1 : 3),
                  let (lower, upper) = Self.dateSpan(fields) else { return nil }
            self.lower = lower.y * 10000 + lower.m * 100 + lower.d
            self.upper = upper.y * 10000 + upper.m * 100 + upper.d
        case .TM:
            let clean = text.contains(":") ? text.filter { $0 != ":" } : text
            guard let (lower, upper) = Self.timeSpan(clean) else { return nil }
            self.lower = lower
            self.upper = upper
        case .DT:
            guard let span = Self.dateTimeSpan(text) else { return nil }
            self = span
        default:
            return nil
        }
    }

    public init(lower: Int64, upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    // MARK: Parsing

    /// Fixed-width digit fields from the start of `text` (all of it): at least `minimum` of them.
    static func fields(_ text: String, widths: [Int], minimum: Int) -> [Int64]? {
        let bytes = Array(text.utf8)
        var out: [Int64] = []
        var pos = 0
        for width in widths where pos < bytes.count {
            guard pos + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[pos..<(pos + width)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int64(widening: byte - 0x30)
            }
            out.append(value)
            pos += width
        }
        guard pos == bytes.count, out.count >= minimum else { return nil }
        return out
    }

    typealias Day = (y: Int64, m: Int64, d: Int64)

    /// First and last day named by [year, month?, day?], checked.
    static func dateSpan(_ f: [Int64]) -> (Day, Day)? {
        let y = f[0]
        if f.count == 1 { return ((y, 1, 1), (y, 12, 31)) }
        let m = f[1]
        guard (1...12).contains(m) else { return nil }
        let last = daysInMonth(y, m)
        if f.count == 2 { return ((y, m, 1), (y, m, last)) }
        guard (1...last).contains(f[2]) else { return nil }
        return ((y, m, f[2]), (y, m, f[2]))
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static let second: Int64 = 1_000_000
    static let day: Int64 = 86_400 * second

    /// HH[MM[SS[.F{1,6}]]] as microseconds of the day, first and last instant.
    static func timeSpan(_ text: String) -> (Int64, Int64)? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let f = fields(String(parts[0]), widths: [2, 2, 2], minimum: 1) else { return nil }
        guard f[0] <= 23, f.count < 2 || f[1] <= 59, f.count < 3 || f[2] <= 60 else { return nil }
        let units: [Int64] = [3600 * second, 60 * second, second]
        var lower: Int64 = 0
        for (value, unit) in zip(f, units) { lower += value * unit }
        var upper = lower + units[f.count - 1] - 1
        if parts.count == 2 {
            let fraction = Array(parts[1].utf8)
            guard f.count == 3, (1...6).contains(fraction.count), fraction.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            var micro: Int64 = 0, scale: Int64 = 100_000
            for byte in fraction {
                micro += Int64(widening: byte - 0x30) * scale
                scale /= 10
            }
            lower += micro
            upper = lower + scale * 10 - 1
        }
        return (lower, upper)
    }

    /// YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX].
    static func dateTimeSpan(_ text: String) -> TemporalSpan? {
        var body = Substring(text)
        var offsetMinutes: Int64?
        if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = body[body.index(after: sign)...]
            guard let f = fields(String(zone), widths: [2, 2], minimum: 2), f[0] <= 14, f[1] <= 59 else { return nil }
            offsetMinutes = (f[0] * 60 + f[1]) * (body[sign] == "-" ? -1 : 1)
            body = body[..<sign]
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let datePart = parts[0].prefix(8), timePart = parts[0].dropFirst(8)
        guard let dateFields = fields(String(datePart), widths: [4, 2, 2], minimum: 1),
              let (first, last) = dateSpan(dateFields) else { return nil }
        var lower = daysSinceEpoch(first) * day, upper = daysSinceEpoch(last) * day + day - 1
        if !timePart.isEmpty || parts.count == 2 {
            guard dateFields.count == 3 else { return nil }
            let time = String(timePart) + (parts.count == 2 ? "." + parts[1] : "")
            guard let (t0, t1) = timeSpan(time) else { return nil }
            upper = lower + t1
            lower += t0
        }
        if let offsetMinutes {
            lower -= offsetMinutes * 60 * second
            upper -= offsetMinutes * 60 * second
        }
        return TemporalSpan(lower: lower, upper: upper)
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    static func daysSinceEpoch(_ date: Day) -> Int64 {
        let y = date.m <= 2 ? date.y - 1 : date.y
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = date.m > 2 ? date.m - 3 : date.m + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + date.d - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
