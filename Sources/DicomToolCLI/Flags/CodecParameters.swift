import DicomCodecs
import DicomCore

/// The encoder parameters a command line can set, declared once: each one's name (the long name of
/// transcode's flag and the NAME of derive's `--lossy CODEC:NAME=VALUE`), the codec families it
/// applies to, and the `EncodeOptions` field it sets. `CodecParameters.read` is the one reading of
/// both spellings: `--jpeg2000 --ratio 8` and `--lossy jpeg2000:ratio=8` go through the same code.
enum CodecParameter: String, CaseIterable, Sendable {
    case quality, subsampling, predictor, near, lossless, ratio, psnr

    var flag: FlagID {
        switch self {
        case .quality: return .quality
        case .subsampling: return .subsampling
        case .predictor: return .predictor
        case .near: return .near
        case .lossless: return .lossless
        case .ratio: return .ratio
        case .psnr: return .psnr
        }
    }

    static let jpeg: [TransferSyntax.Family] = [.jpegBaseline, .jpegExtended]
    static let j2k: [TransferSyntax.Family] = [.jpeg2000, .jpeg2000Part2, .htj2k]

    /// The families of targets whose encoder reads it.
    var families: [TransferSyntax.Family] {
        switch self {
        case .quality, .subsampling: return Self.jpeg
        case .predictor: return [.jpegLossless]
        case .near: return [.jpegLS]
        case .lossless, .ratio, .psnr: return Self.j2k
        }
    }

    /// Those families as a usage error names them.
    var familiesName: String {
        switch self {
        case .quality, .subsampling: return "JPEG (--jpeg)"
        case .predictor: return "JPEG Lossless (--jpeg-lossless)"
        case .near: return "JPEG-LS (--jpegls)"
        case .lossless, .ratio, .psnr: return "JPEG 2000 (--jpeg2000, --htj2k)"
        }
    }
}

/// Codec parameters as typed, in order, and where they were typed (for the wording of errors).
struct CodecParameters {
    /// One parameter: its value (nil for the switch `--lossless`) and its spelling (`--ratio`).
    struct Given {
        let parameter: CodecParameter
        let value: String?
        let spelling: String
    }

    enum Source {
        /// transcode's flags: `--quality 0`.
        case flags
        /// derive's `--lossy CODEC:PARAMS`: the flag's spelling and the codec named.
        case lossySpec(spelling: String, codec: String)
    }

    let given: [Given]
    let source: Source

    /// The parameters given as flags (the last occurrence of each).
    init(flags low: LowArgs) {
        given = CodecParameter.allCases.compactMap { parameter in
            guard let occurrence = low.last(parameter.flag) else { return nil }
            if case .text(let value) = occurrence.value {
                return Given(parameter: parameter, value: value, spelling: occurrence.spelling)
            }
            return Given(parameter: parameter, value: nil, spelling: occurrence.spelling)
        }
        source = .flags
    }

    init(_ given: [Given], source: Source) {
        self.given = given
        self.source = source
    }

    func last(_ parameter: CodecParameter) -> Given? { given.last { $0.parameter == parameter } }

    /// A parameter given for a target whose encoder does not read it is a usage error.
    func checkApplies(to target: TransferSyntax) throws(DicomError) {
        for parameter in CodecParameter.allCases {
            guard let given = last(parameter), !parameter.families.contains(target.family) else { continue }
            throw DicomError(.usage, "\(given.spelling) applies to \(parameter.familiesName) targets, not to \(target.name)")
        }
    }

    /// Sets the `EncodeOptions` fields the encoders of `family` read, from the parameters given or
    /// their defaults. `lossyOnly` (derive's --lossy): the encoding must be lossy, so JPEG-LS NEAR
    /// starts at 1 (2 by default) and JPEG 2000 takes a ratio (10 by default) unless a PSNR is given.
    func read(family: TransferSyntax.Family, lossyOnly: Bool, into encode: inout EncodeOptions) throws(DicomError) {
        if CodecParameter.jpeg.contains(family) {
            encode.quality = try integer(.quality, in: 1...100) ?? 90
            encode.subsampling = try subsampling() ?? .s422
        }
        if family == .jpegLossless {
            encode.predictor = try integer(.predictor, in: 1...7) ?? 1
        }
        if family == .jpegLS {
            encode.near = try integer(.near, in: lossyOnly ? 1...255 : 0...255) ?? (lossyOnly ? 2 : 0)
        }
        if CodecParameter.j2k.contains(family) {
            // Two rate controls are refused: as flags before either value is read, in a --lossy
            // spec after both are (the order each has always reported them in).
            let modes = given.filter { [.lossless, .ratio, .psnr].contains($0.parameter) }
            func refuseTwoModes() throws(DicomError) {
                guard modes.count > 1 else { return }
                throw error(modes.map { name($0) }.joined(separator: " and ") + " cannot be combined: choose one rate control")
            }
            if case .flags = source { try refuseTwoModes() }
            let ratio = try decimal(.ratio, above: 1), psnr = try decimal(.psnr, above: 0)
            try refuseTwoModes()
            encode.j2k = ratio.map { .ratio($0) } ?? psnr.map { .psnr($0) } ?? (lossyOnly ? .ratio(10) : .lossless)
        }
    }

    // MARK: Values, worded for where they were typed

    private func name(_ given: Given) -> String {
        if case .flags = source { return given.spelling }
        return given.parameter.rawValue
    }

    private func error(_ message: String) -> DicomError {
        switch source {
        case .flags: return DicomError(.usage, message)
        case .lossySpec(let spelling, let codec): return DicomError(.usage, "\(spelling) \(codec): " + message)
        }
    }

    private func integer(_ parameter: CodecParameter, in range: ClosedRange<Int>) throws(DicomError) -> Int? {
        guard let given = last(parameter), let raw = given.value else { return nil }
        switch source {
        case .flags:
            return try LowArgs.integer(raw, spelling: given.spelling, in: range)
        case .lossySpec:
            guard let value = Int(raw), range.contains(value) else {
                throw error("\(parameter.rawValue) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(raw)'")
            }
            return value
        }
    }

    private func decimal(_ parameter: CodecParameter, above minimum: Double) throws(DicomError) -> Double? {
        guard let given = last(parameter), let raw = given.value else { return nil }
        switch source {
        case .flags:
            return try LowArgs.decimal(raw, spelling: given.spelling, above: minimum)
        case .lossySpec:
            guard let value = Double(raw), value.isFinite, value > minimum else {
                // conversion: minimum is a small constant of this file
                throw error("\(parameter.rawValue) must be a number above \(Int(minimum)), not '\(raw)'")
            }
            return value
        }
    }

    private func subsampling() throws(DicomError) -> EncodeOptions.Subsampling? {
        guard let given = last(.subsampling), let raw = given.value else { return nil }
        let choices = FlagTable.flag(.subsampling).choices
        if choices.contains(raw), let value = EncodeOptions.Subsampling(rawValue: raw) { return value }
        switch source {
        case .flags:
            throw GlobalArgs.badChoice(raw, for: .subsampling, spelling: given.spelling)
        case .lossySpec:
            throw error("subsampling must be \(choices.dropLast().joined(separator: ", ")) or \(choices.last ?? ""), not '\(raw)'")
        }
    }
}

/// derive's `--lossy CODEC[:NAME=VALUE,...]`: the codec names a lossy target, the parameters are
/// read by `CodecParameters` as transcode's flags are.
enum LossySpec {
    /// The codecs `--lossy` accepts and the target each gives.
    static let codecs: [(name: String, target: TransferSyntax)] = [
        ("jpeg", .jpegBaseline), ("jpeg2000", .jpeg2000), ("htj2k", .htj2k), ("jpegls", .jpegLSNearLossless),
    ]

    /// `jpeg:quality=80`, `jpeg2000:ratio=10`, `jpegls:near=3`; parameters separated by commas.
    static func parse(_ text: String, spelling: String) throws(DicomError) -> (target: TransferSyntax, encode: EncodeOptions) {
        let codecEnd = text.firstIndex(of: ":") ?? text.endIndex
        let codec = text[..<codecEnd].lowercased()
        var params: [(name: String, value: String)] = []
        if codecEnd < text.endIndex {
            for part in text[text.index(after: codecEnd)...].split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace().lowercased() }
                guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                    throw DicomError(.usage, "\(spelling) \(text): parameters are NAME=VALUE separated by commas, not '\(part)'")
                }
                params.append((kv[0], kv[1]))
            }
        }
        guard let target = codecs.first(where: { $0.name == codec })?.target else {
            let names = codecs.map(\.name)
            var message = "\(spelling) '\(codec)': not a lossy codec; choose " + names.joined(separator: ", ")
            if let hint = Suggestions.didYouMean(codec, among: names) { message += "; " + hint }
            throw DicomError(.usage, message)
        }
        // The parameters of the target's encoder, but not the switch that makes it lossless.
        let accepted = CodecParameter.allCases.filter { $0.families.contains(target.family) && $0 != .lossless }
        var given: [CodecParameters.Given] = []
        for (name, value) in params {
            guard let parameter = accepted.first(where: { $0.rawValue == name }) else {
                throw DicomError(.usage, "\(spelling) \(codec): unknown parameter '\(name)'; \(codec) takes "
                                 + accepted.map(\.rawValue).joined(separator: ", "))
            }
            given.append(.init(parameter: parameter, value: value, spelling: spelling))
        }
        var encode = EncodeOptions()
        try CodecParameters(given, source: .lossySpec(spelling: spelling, codec: codec))
            .read(family: target.family, lossyOnly: true, into: &encode)
        return (target, encode)
    }
}
