import DicomCodecs
import DicomCore
import DicomPixels
import FoundationEssentials

/// `dicomtool transcode`, checked: one target syntax, the options its family uses (the others are
/// refused), read once into the Transcoder's own options.
public struct TranscodeArgs: CommandArgs {
    public var options: TranscodeOptions
    public var write: WriteArgs

    /// The switches that name a target, with the syntax each gives before its options refine it.
    static let targetSwitches: [(flag: FlagID, syntax: TransferSyntax)] = [
        (.explicit, .explicitVRLittleEndian), (.decompress, .explicitVRLittleEndian), (.implicit, .implicitVRLittleEndian),
        (.bigEndian, .explicitVRBigEndian), (.deflate, .deflatedExplicitVRLittleEndian),
        (.jpeg, .jpegBaseline), (.jpegLossless, .jpegLosslessSV1), (.jpegls, .jpegLSLossless),
        (.jpeg2000, .jpeg2000Lossless), (.htj2k, .htj2kLossless), (.rle, .rleLossless),
        (.encapsulatedUncompressed, .encapsulatedUncompressed), (.deflateFrames, .deflatedImageFrame),
    ]

    public init(_ low: LowArgs) throws(DicomError) {
        options = try Self.options(low, defaultTarget: nil)
        write = try WriteArgs(low)
        try write.requireOutputOrPlan()
    }

    /// The Transcoder's options from the target and codec flags (transcode's, and create's, which
    /// writes through the same transcoder): `defaultTarget` when no target flag is given, else one
    /// is required.
    static func options(_ low: LowArgs, defaultTarget: TransferSyntax?) throws(DicomError) -> TranscodeOptions {
        var target = try Self.target(low, default: defaultTarget)
        var options = TranscodeOptions(target: target)

        // Codec parameters: each belongs to one family of targets, and may refine the target.
        let parameters = CodecParameters(flags: low)
        try parameters.checkApplies(to: target)
        try parameters.read(family: target.family, lossyOnly: false, into: &options.encode)
        switch target.family {
        case .jpegLossless:
            let predictor = options.encode.predictor
            // Selection value 1 has its own syntax; the others need Process 14.
            if low.isOn(.jpegLossless) { target = predictor == 1 ? .jpegLosslessSV1 : .jpegLossless }
            if target == .jpegLosslessSV1, predictor != 1 {
                throw DicomError(.usage, "\(low.spelling(.predictor)) \(predictor): \(target.name) allows only predictor 1")
            }
        case .jpegLS:
            if low.isOn(.jpegls) { target = options.encode.near == 0 ? .jpegLSLossless : .jpegLSNearLossless }
        case .jpeg2000, .jpeg2000Part2, .htj2k:
            if options.encode.j2k != .lossless {
                if low.isOn(.jpeg2000) { target = .jpeg2000 }
                if low.isOn(.htj2k) { target = .htj2k }
            }
        default:
            break
        }
        // A lossy setting asks for something a lossless-only syntax (named by --ts) cannot hold.
        let isLossy = options.encode.near > 0 || options.encode.j2k != .lossless
        if isLossy, target.isLosslessOnly {
            throw DicomError(.usage, "\(target.name) is lossless only; the lossy setting asked for needs another target")
        }
        options.target = target
        options.encode.threads = max(1, ProcessInfo.processInfo.activeProcessorCount)

        if low.isGiven(.offsetTable) || low.isGiven(.fragmentSize), !target.isEncapsulated {
            let id: FlagID = low.isGiven(.offsetTable) ? .offsetTable : .fragmentSize
            throw DicomError(.usage, "\(low.spelling(id)) applies to encapsulated targets, not to \(target.name)")
        }
        options.reencapsulate = target.isEncapsulated && (low.isGiven(.offsetTable) || low.isGiven(.fragmentSize))
        try low.update(&options)

        for id in [FlagID.maxError, .minPSNR] where low.isGiven(id) && !options.verify {
            throw DicomError(.usage, "\(low.spelling(id)) applies only with --verify")
        }
        if options.maxError != nil, options.minPSNR != nil {
            throw DicomError(.usage, "--max-error and --min-psnr cannot be combined: choose one criterion")
        }
        return options
    }

    /// The one target: every target flag given must name the same syntax.
    private static func target(_ low: LowArgs, default defaultTarget: TransferSyntax?) throws(DicomError) -> TransferSyntax {
        var given: [(spelling: String, syntax: TransferSyntax)] = []
        for (flag, syntax) in targetSwitches where low.isOn(flag) {
            given.append((low.spelling(flag), syntax))
        }
        if let text = low.text(.ts) {
            given.append((low.spelling(.ts) + " " + text, try resolveTransferSyntax(text)))
        }
        guard let first = given.first else {
            if let defaultTarget { return defaultTarget }
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
        if let syntax = TransferSyntax(uid: text) ?? TransferSyntax(keyword: text) { return syntax }
        if UIDDictionary.entry(for: text) != nil {
            throw DicomError(.usage, "--ts \(text): this UID is registered, but not as a transfer syntax")
        }
        var message = "--ts \(text): not a transfer syntax UID or keyword"
        if let hint = Suggestions.didYouMean(text, among: TransferSyntax.all.map(\.keyword).filter { !$0.isEmpty }) {
            message += "; " + hint
        }
        throw DicomError(.usage, message)
    }

    public func run(global: GlobalArgs) -> ExitStatus { TranscodeCommand.run(self, global: global) }
}
