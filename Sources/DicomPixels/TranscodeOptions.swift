import DicomCodecs
import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// What `transcode` should produce.
public struct TranscodeOptions: Sendable {
    public enum OffsetTable: String, Sendable { case basic, extended, none }

    public var target: TransferSyntax
    public var encode = EncodeOptions()
    public var offsetTable: OffsetTable = .basic
    /// Split each frame's codestream into fragments of at most this many bytes (even).
    public var fragmentSize: Int?
    /// The encapsulation was asked for (--offset-table, --fragment-size): a source already in the
    /// target syntax is re-encapsulated frame by frame (frames copied, not decoded) instead of
    /// having its fragments and tables copied as they are.
    public var reencapsulate = false
    public var newSeries = false
    /// Decode what was encoded and compare: lossless must be bit-exact, lossy is measured.
    public var verify = false
    public var maxError: Int?
    public var minPSNR: Double?
    /// The output is a file that can be patched: lossless multi-frame encapsulated Pixel Data is
    /// then written frame by frame with its offset table filled in afterwards.
    public var streamToFile = false
    /// Frames of a multi-frame image decoded and encoded at once (1 or 2): a pair runs on two
    /// threads and is written in frame order, so the output bytes are the same either way.
    public var frameThreads = TranscodeOptions.defaultFrameThreads

    public init(target: TransferSyntax) { self.target = target }

    /// 2 on a machine with 2 or more cores; 1 when DICOMTOOL_FRAME_THREADS=1 asks for the sequential path.
    public static var defaultFrameThreads: Int {
        #if canImport(Glibc)
        if let value = getenv("DICOMTOOL_FRAME_THREADS"), String(cString: value) == "1" { return 1 }
        #endif
        return ProcessInfo.processInfo.activeProcessorCount >= 2 ? 2 : 1
    }
}

/// What a transcode did, for --plan, --verify and the JSON record.
public struct TranscodeReport: Sendable {
    public var source: TransferSyntax
    public var target: TransferSyntax
    public var frames = 0
    public var pixelsReencoded = false
    public var lossy = false
    public var ratio: Double?
    public var method: String?
    /// Attribute changes as text: "(0028,0004) PhotometricInterpretation: YBR_FULL_422 -> RGB".
    public var changes: [String] = []
    public var maxError: Int?
    public var rmse: Double?
    public var psnr: Double?
}
