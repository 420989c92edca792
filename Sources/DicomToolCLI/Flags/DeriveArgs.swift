import DicomCodecs
import DicomCore
import DicomPixels

/// `dicomtool derive`, checked: each operation read by its flag's update straight into the
/// Deriver's options (`FlagTable.derive`), then the combinations that mean nothing refused.
public struct DeriveArgs: CommandArgs {
    public var options = DeriveOptions()
    public var write = WriteArgs()

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&options)
        let o = options
        if o.frames == nil, !o.splitFrames, o.crop == nil, o.resample == nil, !o.to8Bit, o.lossy == nil {
            throw DicomError(.usage, "nothing to derive: give at least one of --frames, --split-frames, --crop, "
                             + "--downsample, --resize, --to-8bit, --lossy")
        }
        write = try WriteArgs(low)
        try write.requireOutputOrPlan()
        if options.splitFrames, write.output == "-" {
            throw DicomError(.usage, "--split-frames writes several files: -o FILE or -o DIRECTORY, not '-'")
        }
    }

    /// `--crop X,Y,W,H`.
    static func crop(_ text: String, spelling: String) throws(DicomError) -> PixelTransforms.Rect {
        // conversion: parses text: nil when not a number
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingWhitespace()) }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
              x >= 0, y >= 0, w >= 1, h >= 1 else {
            throw DicomError(.usage, "\(spelling) expects X,Y,W,H (X, Y from 0; W, H at least 1), not '\(text)'")
        }
        return PixelTransforms.Rect(x: x, y: y, width: w, height: h)
    }

    /// `--resize WxH`.
    static func resize(_ text: String, spelling: String) throws(DicomError) -> DeriveOptions.Resample {
        // conversion: parses text: nil when not a number
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], (1...65535).contains(w), (1...65535).contains(h) else {
            throw DicomError(.usage, "\(spelling) expects WxH, e.g. 256x256 (1 to 65535 each), not '\(text)'")
        }
        return .resize(columns: w, rows: h)
    }

    /// `--window CENTER,WIDTH`.
    static func window(_ text: String, spelling: String) throws(DicomError) -> PixelTransforms.Window {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingWhitespace()) }
        guard parts.count == 2, let c = parts[0], let w = parts[1], c.isFinite, w.isFinite, w >= 1 else {
            throw DicomError(.usage, "\(spelling) expects CENTER,WIDTH with WIDTH at least 1, e.g. 40,400, not '\(text)'")
        }
        return PixelTransforms.Window(center: c, width: w)
    }

    public func run(global: GlobalArgs) -> ExitStatus { DeriveCommand.run(self, global: global) }
}
