import DicomCodecs
import DicomCore
import DicomPixels

/// `dicomtool derive`, checked: each operation parsed, combinations that mean nothing refused.
public struct DeriveArgs: CommandArgs, Equatable {
    /// `--lossy CODEC[:PARAMS]` resolved to a target syntax and encoder settings.
    public struct Lossy: Sendable, Equatable {
        public var codec: String
        public var target: TransferSyntax
        public var encode: EncodeOptions
    }

    public var frames: [Int]?
    public var splitFrames = false
    public var crop: PixelTransforms.Rect?
    public var resample: DeriveOptions.Resample?
    public var window: PixelTransforms.Window?
    public var to8Bit = false
    public var lossy: Lossy?
    public var primary = false
    public var newSeries = false
    public var plan = false
    /// File, directory or `-`; nil only with `plan`.
    public var output: String?
    public var sync = false

    /// The codecs `--lossy` accepts.
    public static let codecs = ["jpeg", "jpeg2000", "htj2k", "jpegls"]

    public init(_ low: LowArgs) throws(DicomError) {
        if let text = low.text(.frames) {
            frames = try PixelTransforms.parseFrameList(text)
        }
        splitFrames = low.isOn(.splitFrames)
        if let text = low.text(.crop) {
            let parts = Self.integers(text)
            guard let parts, parts.count == 4, parts[0] >= 0, parts[1] >= 0, parts[2] >= 1, parts[3] >= 1 else {
                throw DicomError(.usage, "\(low.spelling(.crop)) expects X,Y,W,H (X, Y from 0; W, H at least 1), not '\(text)'")
            }
            crop = PixelTransforms.Rect(x: parts[0], y: parts[1], width: parts[2], height: parts[3])
        }
        if low.isGiven(.downsample), low.isGiven(.resize) {
            throw DicomError(.usage, "--downsample and --resize cannot be combined: choose one resampling")
        }
        if let n = try low.integer(.downsample, in: 2...65535) { resample = .downsample(n) }
        if let text = low.text(.resize) {
            // conversion: parses text: nil when not a number
            let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 2, let w = parts[0], let h = parts[1], (1...65535).contains(w), (1...65535).contains(h) else {
                throw DicomError(.usage, "\(low.spelling(.resize)) expects WxH, e.g. 256x256 (1 to 65535 each), not '\(text)'")
            }
            resample = .resize(columns: w, rows: h)
        }
        to8Bit = low.isOn(.to8Bit)
        if let text = low.text(.window) {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingWhitespace()) }
            guard parts.count == 2, let c = parts[0], let w = parts[1], c.isFinite, w.isFinite, w >= 1 else {
                throw DicomError(.usage, "\(low.spelling(.window)) expects CENTER,WIDTH with WIDTH at least 1, e.g. 40,400, not '\(text)'")
            }
            guard to8Bit else {
                throw DicomError(.usage, "\(low.spelling(.window)) is the window of --to-8bit: give --to-8bit too")
            }
            window = PixelTransforms.Window(center: c, width: w)
        }
        if let text = low.text(.lossy) { lossy = try Self.parseLossy(text, spelling: low.spelling(.lossy)) }
        primary = low.isOn(.primary)
        newSeries = low.isOn(.newSeries)
        if frames == nil, !splitFrames, crop == nil, resample == nil, !to8Bit, lossy == nil {
            throw DicomError(.usage, "nothing to derive: give at least one of --frames, --split-frames, --crop, "
                             + "--downsample, --resize, --to-8bit, --lossy")
        }

        plan = low.isOn(.plan)
        output = low.text(.output)
        sync = low.isOn(.sync)
        if output == nil, !plan {
            throw DicomError(.usage, "an output is required: -o FILE, -o DIRECTORY or -o - (or --plan to write nothing)")
        }
        if output != nil, plan {
            throw DicomError(.usage, "--plan writes nothing, so -o/--output cannot be given with it")
        }
        if splitFrames, output == "-" {
            throw DicomError(.usage, "--split-frames writes several files: -o FILE or -o DIRECTORY, not '-'")
        }
    }

    /// The options for the Deriver.
    public var options: DeriveOptions {
        var o = DeriveOptions()
        o.frames = frames
        o.splitFrames = splitFrames
        o.crop = crop
        o.resample = resample
        o.window = window
        o.to8Bit = to8Bit
        o.lossy = lossy.map { DeriveOptions.Lossy(target: $0.target, encode: $0.encode) }
        o.primary = primary
        o.newSeries = newSeries
        return o
    }

    /// `jpeg:quality=80`, `jpeg2000:ratio=10`, `jpegls:near=3`; parameters separated by commas.
    static func parseLossy(_ text: String, spelling: String) throws(DicomError) -> Lossy {
        let codecEnd = text.firstIndex(of: ":") ?? text.endIndex
        let codec = text[..<codecEnd].lowercased()
        var params: [(String, String)] = []
        if codecEnd < text.endIndex {
            for part in text[text.index(after: codecEnd)...].split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace().lowercased() }
                guard kv.count == 2, !kv[0].isEmpty, !kv[1].isEmpty else {
                    throw DicomError(.usage, "\(spelling) \(text): parameters are NAME=VALUE separated by commas, not '\(part)'")
                }
                params.append((kv[0], kv[1]))
            }
        }
        var encode = EncodeOptions()
        let target: TransferSyntax
        func allow(_ names: [String]) throws(DicomError) {
            if let bad = params.first(where: { !names.contains($0.0) }) {
                throw DicomError(.usage, "\(spelling) \(codec): unknown parameter '\(bad.0)'; \(codec) takes "
                                 + names.joined(separator: ", "))
            }
        }
        func value(_ name: String) -> String? { params.last { $0.0 == name }?.1 }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(DicomError) -> Int? {
            guard let raw = value(name) else { return nil }
            guard let v = Int(raw), range.contains(v) else {
                throw DicomError(.usage, "\(spelling) \(codec): \(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(raw)'")
            }
            return v
        }
        func decimal(_ name: String, above minimum: Double) throws(DicomError) -> Double? {
            guard let raw = value(name) else { return nil }
            guard let v = Double(raw), v.isFinite, v > minimum else {
                // conversion: minimum is a small constant of this file
                throw DicomError(.usage, "\(spelling) \(codec): \(name) must be a number above \(Int(minimum)), not '\(raw)'")
            }
            return v
        }
        switch codec {
        case "jpeg":
            try allow(["quality", "subsampling"])
            target = .jpegBaseline
            encode.quality = try integer("quality", 1...100) ?? 90
            if let s = value("subsampling") {
                guard let mode = EncodeOptions.Subsampling(rawValue: s) else {
                    throw DicomError(.usage, "\(spelling) jpeg: subsampling must be 444, 422 or 420, not '\(s)'")
                }
                encode.subsampling = mode
            }
        case "jpeg2000", "htj2k":
            try allow(["ratio", "psnr"])
            target = codec == "jpeg2000" ? .jpeg2000 : .htj2k
            let ratio = try decimal("ratio", above: 1), psnr = try decimal("psnr", above: 0)
            if ratio != nil, psnr != nil {
                throw DicomError(.usage, "\(spelling) \(codec): ratio and psnr cannot be combined: choose one rate control")
            }
            encode.j2k = psnr.map { .psnr($0) } ?? .ratio(ratio ?? 10)
        case "jpegls":
            try allow(["near"])
            target = .jpegLSNearLossless
            encode.near = try integer("near", 1...255) ?? 2
        default:
            var message = "\(spelling) '\(codec)': not a lossy codec; choose " + codecs.joined(separator: ", ")
            if let hint = Suggestions.didYouMean(String(codec), among: codecs) { message += "; " + hint }
            throw DicomError(.usage, message)
        }
        return Lossy(codec: String(codec), target: target, encode: encode)
    }

    private static func integers(_ text: String) -> [Int]? {
        // conversion: parses text: nil when not a number
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingWhitespace()) }
        return parts.contains(where: { $0 == nil }) ? nil : parts.compactMap { $0 }
    }

    public func run(global: GlobalArgs) -> ExitStatus { DeriveCommand.run(self, global: global) }
}
