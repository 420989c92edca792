import DicomCodecs
import DicomCore

/// What `derive` should do. The operations always run in this order, whatever the order of the
/// flags: frame selection, crop, downsample or resize, window to 8 bits, then the lossy copy.
public struct DeriveOptions: Sendable {
    public enum Resample: Sendable, Equatable {
        /// Box filter over N x N blocks (`PixelTransforms.downsample`).
        case downsample(Int)
        /// Area averaging to a new size (`PixelTransforms.resize`).
        case resize(columns: Int, rows: Int)
    }

    /// A lossy copy made by the transcode core after the other operations.
    public struct Lossy: Sendable {
        public var target: TransferSyntax
        public var encode: EncodeOptions
        public init(target: TransferSyntax, encode: EncodeOptions) {
            self.target = target
            self.encode = encode
        }
    }

    /// 1-based frame numbers to keep, in output order; nil keeps every frame.
    public var frames: [Int]?
    /// One output instance per kept frame.
    public var splitFrames = false
    public var crop: PixelTransforms.Rect?
    public var resample: Resample?
    /// The VOI window for `to8Bit`; nil takes the data set's first window, else the value range.
    public var window: PixelTransforms.Window?
    public var to8Bit = false
    public var lossy: Lossy?
    /// Image Type value 2 PRIMARY instead of SECONDARY.
    public var primary = false
    public var newSeries = false

    public init() {}

    /// Whether anything but the lossy copy changes the pixels or the frames.
    var transformsPixels: Bool { frames != nil || splitFrames || crop != nil || resample != nil || to8Bit }
}

/// What one derived instance is, for --plan and the JSON record.
public struct DeriveReport: Sendable {
    /// 1-based source frames in this output (nil: all of them).
    public var frames: [Int]?
    public var operations: [String] = []
    public var syntax: TransferSyntax
    public var lossy = false
    public var ratio: Double?
    /// "(gggg,eeee) Keyword: old -> new" for every top-level attribute that changed.
    public var changes: [String] = []
}
