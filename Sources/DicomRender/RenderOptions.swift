import DicomCore

/// What a picture of an image is made with: the VOI choice, the output depth, the frames, the size,
/// overlays and the picture format. Filled by the command's flags; every field has the default
/// a viewer would use.
public struct RenderOptions: Sendable, Equatable {
    /// Which values of interest become the output range (PS3.3 C.11.2, PS3.4 N.2.1.1).
    public enum VOI: Sendable, Equatable {
        /// The file's first window, else its first VOI LUT, else the range of the values (min-max).
        case automatic
        /// Window N (from 1) of Window Center / Window Width.
        case fileWindow(Int)
        /// A window given in modality units.
        case window(center: Double, width: Double)
        /// VOI LUT N (from 1) of the VOI LUT Sequence.
        case lut(Int)
        /// The smallest and the largest modality value of the frame become black and white.
        case minMax
        /// The values at these percentiles (0...100) of the frame become black and white.
        case percentile(low: Double, high: Double)
    }

    /// PS3.3 C.11.2.1.3: how a window maps values (the file's VOI LUT Function unless given).
    public enum VOIFunction: String, Sendable, CaseIterable {
        case linear = "LINEAR", linearExact = "LINEAR_EXACT", sigmoid = "SIGMOID"
    }

    /// How frames become pictures.
    public enum Frames: Sendable, Equatable {
        /// One frame (from 1).
        case one(Int)
        /// Every frame, a picture each.
        case all
        /// The listed frames (from 1), a picture each.
        case list([Int])
        /// A contact sheet of COLS x ROWS tiles, frames spread evenly over the file.
        case montage(columns: Int, rows: Int)
    }

    public enum Size: Sendable, Equatable {
        /// Exactly W x H.
        case exact(columns: Int, rows: Int)
        /// The longer side N pixels, the aspect ratio kept (never enlarged).
        case fit(Int)
    }

    public enum Format: String, Sendable, CaseIterable {
        case png, jpeg

        public var fileExtension: String { self == .png ? "png" : "jpg" }
    }

    public var voi: VOI = .automatic
    public var voiFunction: VOIFunction?
    /// 8 or 16 (16: grey PNG only).
    public var bits = 8
    public var frames: Frames = .one(1)
    public var size: Size?
    public var overlays = false
    /// Colour images made grey (luminance, as dcmj2pnm +G).
    public var grey = false
    /// Inverts the output (after MONOCHROME1 and Presentation LUT Shape).
    public var invert = false
    public var format: Format = .png
    /// JPEG quality 1...100.
    public var quality = 90

    public init() {}
}
