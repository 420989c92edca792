import DicomCore

/// `dicomtool transcode`, checked: one target syntax, and only the options its family uses.
/// Options that do not apply to the target are nil; those that apply carry their default.
public struct TranscodeArgs: CommandArgs, Equatable {
    public enum Subsampling: String, Sendable, CaseIterable {
        case s444 = "444", s422 = "422", s420 = "420"
    }

    /// JPEG 2000 and HTJ2K rate control.
    public enum J2KMode: Sendable, Equatable {
        case lossless
        case ratio(Double)
        case psnr(Double)
    }

    public enum OffsetTable: String, Sendable, CaseIterable {
        case basic, extended, none
    }

    public var target: TransferSyntax
    /// JPEG Baseline/Extended: 1...100.
    public var quality: Int?
    public var subsampling: Subsampling?
    /// JPEG Lossless selection value 1...7.
    public var predictor: Int?
    /// JPEG-LS NEAR 0...255.
    public var near: Int?
    /// JPEG 2000 and HTJ2K targets.
    public var j2k: J2KMode?
    /// Encapsulated targets only.
    public var offsetTable: OffsetTable?
    public var fragmentSize: Int?
    /// --offset-table or --fragment-size was given: a source in the target syntax is re-encapsulated.
    public var reencapsulate = false
    public var verify: Bool
    public var maxError: Int?
    public var minPSNR: Double?
    public var plan: Bool
    public var newSeries: Bool
    /// File, directory or `-`; nil only with `plan`.
    public var output: String?
    public var sync: Bool

    public static let defaultQuality = 90

    /// The switches that name a target, with the syntax each gives before its options refine it.
    static let targetSwitches: [(flag: FlagID, syntax: TransferSyntax)] = [
        (.explicit, .explicitVRLittleEndian), (.decompress, .explicitVRLittleEndian), (.implicit, .implicitVRLittleEndian),
        (.bigEndian, .explicitVRBigEndian), (.deflate, .deflatedExplicitVRLittleEndian),
        (.jpeg, .jpegBaseline), (.jpegLossless, .jpegLosslessSV1), (.jpegls, .jpegLSLossless),
        (.jpeg2000, .jpeg2000Lossless), (.htj2k, .htj2kLossless), (.rle, .rleLossless),
        (.encapsulatedUncompressed, .encapsulatedUncompressed), (.deflateFrames, .deflatedImageFrame),
    ]

    public init(_ low: LowArgs) throws(DicomError) {
        var target = try Self.target(low)
        let family = target.family

        // Codec options: each belongs to one family of targets.
        func require(_ id: FlagID, _ families: [TransferSyntax.Family], _ what: String) throws(DicomError) {
            guard low.isGiven(id), !families.contains(family) else { return }
            throw DicomError(.usage, "\(low.spelling(id)) applies to \(what) targets, not to \(target.name)")
        }
        let jpeg: [TransferSyntax.Family] = [.jpegBaseline, .jpegExtended]
        let j2kFamilies: [TransferSyntax.Family] = [.jpeg2000, .jpeg2000Part2, .htj2k]
        try require(.quality, jpeg, "JPEG (--jpeg)")
        try require(.subsampling, jpeg, "JPEG (--jpeg)")
        try require(.predictor, [.jpegLossless], "JPEG Lossless (--jpeg-lossless)")
        try require(.near, [.jpegLS], "JPEG-LS (--jpegls)")
        for id in [FlagID.lossless, .ratio, .psnr] { try require(id, j2kFamilies, "JPEG 2000 (--jpeg2000, --htj2k)") }

        if jpeg.contains(family) {
            quality = try low.integer(.quality, in: 1...100) ?? Self.defaultQuality
            if let text = low.text(.subsampling) {
                guard let value = Subsampling(rawValue: text) else {
                    throw GlobalArgs.badChoice(text, for: .subsampling, spelling: low.spelling(.subsampling))
                }
                subsampling = value
            } else {
                subsampling = .s422
            }
        }
        if family == .jpegLossless {
            let value = try low.integer(.predictor, in: 1...7) ?? 1
            predictor = value
            // Selection value 1 has its own syntax; the others need Process 14.
            if low.isOn(.jpegLossless) { target = value == 1 ? .jpegLosslessSV1 : .jpegLossless }
            if target == .jpegLosslessSV1, value != 1 {
                throw DicomError(.usage, "\(low.spelling(.predictor)) \(value): \(target.name) allows only predictor 1")
            }
        }
        if family == .jpegLS {
            let value = try low.integer(.near, in: 0...255) ?? 0
            near = value
            if low.isOn(.jpegls) { target = value == 0 ? .jpegLSLossless : .jpegLSNearLossless }
        }
        if j2kFamilies.contains(family) {
            let modes = [FlagID.lossless, .ratio, .psnr].filter(low.isGiven)
            if modes.count > 1 {
                throw DicomError(.usage, modes.map { low.spelling($0) }.joined(separator: " and ")
                                 + " cannot be combined: choose one rate control")
            }
            if let ratio = try low.decimal(.ratio, above: 1) {
                j2k = .ratio(ratio)
            } else if let psnr = try low.decimal(.psnr, above: 0) {
                j2k = .psnr(psnr)
            } else {
                j2k = .lossless
            }
            if j2k != .lossless {
                if low.isOn(.jpeg2000) { target = .jpeg2000 }
                if low.isOn(.htj2k) { target = .htj2k }
            }
        }
        // A lossy setting asks for something a lossless-only syntax (named by --ts) cannot hold.
        let isLossy = (near ?? 0) > 0 || (j2k.map { $0 != .lossless } ?? false)
        if isLossy, target.isLosslessOnly {
            throw DicomError(.usage, "\(target.name) is lossless only; the lossy setting asked for needs another target")
        }

        if low.isGiven(.offsetTable) || low.isGiven(.fragmentSize), !target.isEncapsulated {
            let id: FlagID = low.isGiven(.offsetTable) ? .offsetTable : .fragmentSize
            throw DicomError(.usage, "\(low.spelling(id)) applies to encapsulated targets, not to \(target.name)")
        }
        if target.isEncapsulated {
            reencapsulate = low.isGiven(.offsetTable) || low.isGiven(.fragmentSize)
            if let text = low.text(.offsetTable) {
                guard let value = OffsetTable(rawValue: text) else {
                    throw GlobalArgs.badChoice(text, for: .offsetTable, spelling: low.spelling(.offsetTable))
                }
                offsetTable = value
            } else {
                offsetTable = .basic
            }
            fragmentSize = try low.integer(.fragmentSize, in: 2...Int(UInt32.max - 1))
            if let size = fragmentSize, size % 2 == 1 {
                throw DicomError(.usage, "\(low.spelling(.fragmentSize)) must be even (fragments have even lengths), not \(size)")
            }
            if fragmentSize != nil, target.holdsOneFragmentPerFrame {
                throw DicomError(.usage, "\(low.spelling(.fragmentSize)) does not apply to \(target.name): "
                                 + "each of its frames is one fragment (PS3.5 A.4)")
            }
            // The Extended Offset Table gives whole frames (offsets and lengths): it requires each
            // frame in one fragment (PS3.3 C.7.6.3.1.8), and pydicom misreads it otherwise.
            if fragmentSize != nil, offsetTable == .extended {
                throw DicomError(.usage, "\(low.spelling(.fragmentSize)) cannot be combined with --offset-table extended: "
                                 + "the Extended Offset Table requires each frame in one fragment (PS3.3 C.7.6.3.1.8)")
            }
        }

        verify = low.isOn(.verify)
        maxError = try low.integer(.maxError, in: 0...Int(UInt32.max))
        minPSNR = try low.decimal(.minPSNR, above: 0)
        for id in [FlagID.maxError, .minPSNR] where low.isGiven(id) && !verify {
            throw DicomError(.usage, "\(low.spelling(id)) applies only with --verify")
        }
        if maxError != nil, minPSNR != nil {
            throw DicomError(.usage, "--max-error and --min-psnr cannot be combined: choose one criterion")
        }

        plan = low.isOn(.plan)
        newSeries = low.isOn(.newSeries)
        output = low.text(.output)
        sync = low.isOn(.sync)
        if output == nil, !plan {
            throw DicomError(.usage, "an output is required: -o FILE, -o DIRECTORY or -o - (or --plan to write nothing)")
        }
        if output != nil, plan {
            throw DicomError(.usage, "--plan writes nothing, so -o/--output cannot be given with it")
        }
        self.target = target
    }

    /// The one target: every target flag given must name the same syntax.
    private static func target(_ low: LowArgs) throws(DicomError) -> TransferSyntax {
        var given: [(spelling: String, syntax: TransferSyntax)] = []
        for (flag, syntax) in targetSwitches where low.isOn(flag) {
            given.append((low.spelling(flag), syntax))
        }
        if let text = low.text(.ts) {
            given.append((low.spelling(.ts) + " " + text, try resolveTransferSyntax(text)))
        }
        guard let first = given.first else {
            throw DicomError(.usage, "no target given: choose one of "
                             + FlagTable.all.filter { $0.category == .target }.map { "--" + $0.long }.joined(separator: ", "))
        }
        if let other = given.dropFirst().first(where: { $0.syntax != first.syntax }) {
            throw DicomError(.usage, "\(first.spelling) and \(other.spelling) are both targets: choose one")
        }
        return first.syntax
    }

    /// A transfer syntax by UID or PS3.6 keyword (any case).
    public static func resolveTransferSyntax(_ text: String) throws(DicomError) -> TransferSyntax {
        if let syntax = TransferSyntax(uid: text) { return syntax }
        let all = TransferSyntax.all
        if let syntax = all.first(where: { $0.keyword.lowercased() == text.lowercased() }) { return syntax }
        if UIDDictionary.entry(for: text) != nil {
            throw DicomError(.usage, "--ts \(text): this UID is registered, but not as a transfer syntax")
        }
        var message = "--ts \(text): not a transfer syntax UID or keyword"
        if let hint = Suggestions.didYouMean(text, among: all.map(\.keyword).filter { !$0.isEmpty }) {
            message += "; " + hint
        }
        throw DicomError(.usage, message)
    }

    public func run(global: GlobalArgs) -> ExitStatus { TranscodeCommand.run(self, global: global) }
}
