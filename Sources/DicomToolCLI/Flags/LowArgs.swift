import DicomCore

/// Stage one of parsing: what was typed, in order, with no interpretation beyond the flag table's
/// arity and scope, and no I/O. Stage two (`GlobalArgs`, each command's args) reads it.
public struct LowArgs: Sendable {
    /// One flag as given.
    public struct Occurrence: Sendable, Equatable {
        public let flag: FlagID
        /// How it was spelled (`-j`, `--jobs`, `--no-progress`), for error messages.
        public let spelling: String
        public let value: Value
    }

    public enum Value: Sendable, Equatable {
        /// A switch: true when given, false when given as `--no-x`.
        case toggle(Bool)
        case text(String)
    }

    /// Modes that end parsing early: they need no inputs and no valid combination of flags.
    public enum SpecialMode: Sendable, Equatable {
        case shortHelp, longHelp, version
        case generate(String)
    }

    public var command: CommandID?
    /// The subcommand of a command that has them (`create` of `dicomdir create`).
    public var subcommand: String?
    public var occurrences: [Occurrence] = []
    public var positionals: [String] = []
    public var special: SpecialMode?

    public init() {}

    // MARK: Reading, for stage two

    /// The last occurrence of a flag: scalars are last-wins.
    public func last(_ id: FlagID) -> Occurrence? { occurrences.last { $0.flag == id } }

    public func isGiven(_ id: FlagID) -> Bool { occurrences.contains { $0.flag == id } }

    /// The state of a switch: its last occurrence, or nil when never given.
    public func toggle(_ id: FlagID) -> Bool? {
        guard case .toggle(let on)? = last(id)?.value else { return nil }
        return on
    }

    /// Whether the switch is on at the end of the command line (`--x --no-x` is off).
    public func isOn(_ id: FlagID) -> Bool { toggle(id) ?? false }

    /// The value of the last occurrence of a valued flag.
    public func text(_ id: FlagID) -> String? {
        guard case .text(let value)? = last(id)?.value else { return nil }
        return value
    }

    /// Every value of a repeatable flag, in order.
    public func texts(_ id: FlagID) -> [String] {
        occurrences.compactMap { occurrence in
            guard occurrence.flag == id, case .text(let value) = occurrence.value else { return nil }
            return value
        }
    }

    /// An integer value in `range`, or nil when the flag was not given.
    public func integer(_ id: FlagID, in range: ClosedRange<Int>) throws(DicomError) -> Int? {
        guard let occurrence = last(id), case .text(let raw) = occurrence.value else { return nil }
        return try Self.integer(raw, spelling: occurrence.spelling, in: range)
    }

    /// A finite decimal value above `minimum` (exclusive), or nil when the flag was not given.
    public func decimal(_ id: FlagID, above minimum: Double) throws(DicomError) -> Double? {
        guard let occurrence = last(id), case .text(let raw) = occurrence.value else { return nil }
        return try Self.decimal(raw, spelling: occurrence.spelling, above: minimum)
    }

    /// The value `raw` of the flag typed as `spelling`, as an integer in `range`.
    static func integer(_ raw: String, spelling: String, in range: ClosedRange<Int>) throws(DicomError) -> Int {
        guard let value = Int(raw) else {
            throw DicomError(.usage, "\(spelling) expects an integer, not '\(raw)'")
        }
        guard range.contains(value) else {
            throw DicomError(.usage, "\(spelling) must be \(Self.describe(range)), not \(value)")
        }
        return value
    }

    /// The value `raw` of the flag typed as `spelling`, as a finite number above `minimum`.
    static func decimal(_ raw: String, spelling: String, above minimum: Double) throws(DicomError) -> Double {
        guard let value = Double(raw), value.isFinite else {
            throw DicomError(.usage, "\(spelling) expects a number, not '\(raw)'")
        }
        guard value > minimum else {
            throw DicomError(.usage, "\(spelling) must be greater than \(Self.format(minimum)), not \(raw)")
        }
        return value
    }

    /// The spelling used for `id` (for messages), or its long form when it was not given.
    public func spelling(_ id: FlagID) -> String { last(id)?.spelling ?? "--" + id.rawValue }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        return "from \(range.lowerBound) to \(range.upperBound)"
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)  // conversion: bounds of flag ranges, small constants
    }
}
