import DicomCore
import DicomRender

/// `dicomtool render`, checked: the flags' updates fill the renderer's options, then the
/// combinations that mean nothing are refused.
public struct RenderArgs: CommandArgs {
    public var options = RenderOptions()
    public var write = WriteArgs()

    public init(_ low: LowArgs) throws(DicomError) {
        try low.update(&options)
        write = try WriteArgs(low)
        guard let output = write.output else {
            throw DicomError(.usage, "an output is required: -o FILE.png, -o DIRECTORY or -o -")
        }
        let voiFlags: [FlagID] = [.window, .windowIndex, .voiLUT, .minmax, .percentile]
        let givenVOI = voiFlags.filter { low.isGiven($0) }
        if givenVOI.count > 1 {
            throw DicomError(.usage, givenVOI.map { "--" + $0.rawValue }.joined(separator: ", ") + ": choose one VOI")
        }
        let frameFlags: [FlagID] = [.frame, .frames, .montage]
        let givenFrames = frameFlags.filter { low.isGiven($0) }
        if givenFrames.count > 1 {
            throw DicomError(.usage, givenFrames.map { "--" + $0.rawValue }.joined(separator: ", ") + ": choose one frame selection")
        }
        if low.isGiven(.voiFunction), low.isGiven(.voiLUT) || low.isGiven(.minmax) || low.isGiven(.percentile) {
            throw DicomError(.usage, "--voi-function applies to a window (--window, --window-index or the file's), not to a VOI LUT or range")
        }
        if !low.isGiven(.type) {
            let lower = output.lowercased()
            if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { options.format = .jpeg }
        }
        if options.bits == 16 && options.format == .jpeg {
            throw DicomError(.usage, "--bits 16 needs PNG: JPEG pictures are 8-bit")
        }
        if let q = try low.integer(.quality, in: 1...100) {
            guard options.format == .jpeg else { throw DicomError(.usage, "--quality applies to JPEG pictures (--type jpeg)") }
            options.quality = q
        }
        if output == "-", options.frames == .all || { if case .list(let l) = options.frames { return l.count > 1 } else { return false } }() {
            throw DicomError(.usage, "several pictures cannot go to standard output: -o FILE or -o DIRECTORY")
        }
    }

    /// `COLSxROWS` / `WxH`: two whole numbers from 1 to `limit`.
    static func dimensions(_ text: String, spelling: String, example: String, limit: Int = 1024) throws(DicomError) -> (Int, Int) {
        // conversion: parses text: nil when not a number
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], (1...limit).contains(a), (1...limit).contains(b) else {
            throw DicomError(.usage, "\(spelling) expects \(example) (1 to \(limit) each), not '\(text)'")
        }
        return (a, b)
    }

    public func run(global: GlobalArgs) -> ExitStatus { RenderCommand.run(self, global: global) }
}
