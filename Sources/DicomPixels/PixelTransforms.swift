import DicomCodecs
import DicomCore
import FoundationEssentials

/// The pixel operations of `derive` (ARCHITECTURE.md data flow step 5): pure functions from one
/// decoded frame to another. Input frames are colour-by-pixel, little endian, with samples reduced
/// to Bits Stored and sign-extended (what `Transcoder.decodeFrame` returns); outputs are the same.
/// Only integer samples in 8-, 16- or 32-bit containers are handled; nothing here sees a data set.
public enum PixelTransforms {
    /// A rectangle of pixels: `x` is the first column, `y` the first row (0-based).
    public struct Rect: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    /// A linear VOI window (PS3.3 C.11.2.1.2.1), in modality values.
    public struct Window: Sendable, Equatable {
        public var center: Double, width: Double
        public init(center: Double, width: Double) {
            self.center = center
            self.width = width
        }
    }

    // MARK: Frame lists

    /// "1,3,5-7" as 1-based frame numbers in the order given, checked against `frameCount`.
    public static func parseFrameList(_ text: String, frameCount: Int? = nil) throws(DicomError) -> [Int] {
        var frames: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = part.trimmingWhitespace()
            let bounds = piece.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard bounds.count == 1 || bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[bounds.count - 1]),
                  first >= 1, last >= first else {
                throw DicomError(.usage, "frame list '\(text)': '\(piece)' is not a frame number (from 1) or a range A-B with A <= B")
            }
            guard last - first < 1_000_000 else { throw DicomError(.usage, "frame list '\(text)': range \(piece) is too long") }
            frames += Array(first...last)
        }
        if let count = frameCount, let bad = frames.first(where: { $0 > count }) {
            throw DicomError(.usage, "frame \(bad) requested, the image has \(count) frame\(count == 1 ? "" : "s")")
        }
        if Set(frames).count != frames.count {
            throw DicomError(.usage, "frame list '\(text)' names a frame twice")
        }
        return frames
    }

    // MARK: Samples

    /// The samples of a frame as integers (signed when Pixel Representation is 1).
    static func samples(_ f: DecodedFrame) throws(DicomError) -> [Int] {
        let d = f.description
        try checkSupported(d)
        let bps = d.bytesPerSample
        let n = d.rows * d.columns * d.samplesPerPixel
        guard f.bytes.count >= n * bps else {
            throw DicomError(.decodeFailed, "frame has \(f.bytes.count) bytes, \(n * bps) expected for \(d)", tag: .pixelData)
        }
        let bits = d.bitsStored, signed = d.isSigned
        var out = [Int](repeating: 0, count: n)
        f.bytes.withUnsafeBufferPointer { b in
            for i in 0..<n {
                var v = 0
                for k in 0..<bps { v |= Int(widening: b[i * bps + k]) << (8 * k) }
                v &= (1 << bits) - 1
                if signed && v & (1 << (bits - 1)) != 0 { v -= 1 << bits }
                out[i] = v
            }
        }
        return out
    }

    /// A frame made from integer samples in the container of `d` (two's complement when signed).
    static func frame(_ values: [Int], _ d: PixelDescription) -> DecodedFrame {
        let bps = d.bytesPerSample
        var bytes = [UInt8](repeating: 0, count: values.count * bps)
        bytes.withUnsafeMutableBufferPointer { b in
            for (i, v) in values.enumerated() {
                let u = UInt64(bitPattern: Int64(v))  // conversion: Int and Int64 have the same width
                for k in 0..<bps { b[i * bps + k] = UInt8(truncatingIfNeeded: u >> (8 * UInt64(k))) }  // conversion: k < 8
            }
        }
        return DecodedFrame(bytes: bytes, description: d)
    }

    static func checkSupported(_ d: PixelDescription) throws(DicomError) {
        guard [8, 16, 32].contains(d.bitsAllocated) else {
            throw DicomError(.unsupported, "derive handles 8-, 16- and 32-bit samples, not Bits Allocated \(d.bitsAllocated)",
                             tag: PixelModule.bitsAllocated)
        }
        guard d.planarConfiguration == 0 || d.samplesPerPixel == 1 else {
            throw DicomError(.unsupported, "frames must be colour-by-pixel before a transform", tag: PixelModule.planarConfiguration)
        }
        if d.photometricInterpretation == "YBR_FULL_422" {
            throw DicomError(.unsupported, "native YBR_FULL_422 (two samples per pixel pair) cannot be transformed",
                             tag: PixelModule.photometric)
        }
    }

    /// Integer division rounded half up (towards +infinity), for any sign: floor(n/d + 1/2).
    @inline(__always)
    static func roundedDivision(_ n: Int, _ d: Int) -> Int {
        let num = 2 * n + d, den = 2 * d
        let q = num / den
        return (num % den != 0 && (num < 0) != (den < 0)) ? q - 1 : q
    }

    // MARK: Operations

    /// The pixels inside `rect`, which must lie within the frame.
    public static func crop(_ f: DecodedFrame, _ rect: Rect) throws(DicomError) -> DecodedFrame {
        let d = f.description
        try checkSupported(d)
        guard rect.x >= 0, rect.y >= 0, rect.width >= 1, rect.height >= 1,
              rect.x + rect.width <= d.columns, rect.y + rect.height <= d.rows else {
            throw DicomError(.usage, "crop \(rect.x),\(rect.y),\(rect.width),\(rect.height) does not lie within the "
                             + "\(d.columns)x\(d.rows) image")
        }
        let pixelBytes = d.samplesPerPixel * d.bytesPerSample
        guard f.bytes.count >= d.rows * d.columns * pixelBytes else {
            throw DicomError(.decodeFailed, "frame has \(f.bytes.count) bytes, \(d.rows * d.columns * pixelBytes) expected", tag: .pixelData)
        }
        var out: [UInt8] = []
        out.reserveCapacity(rect.width * rect.height * pixelBytes)
        for row in rect.y..<(rect.y + rect.height) {
            let start = (row * d.columns + rect.x) * pixelBytes
            out.append(contentsOf: f.bytes[start..<(start + rect.width * pixelBytes)])
        }
        var nd = d
        nd.rows = rect.height
        nd.columns = rect.width
        return DecodedFrame(bytes: out, description: nd)
    }

    /// Box filter: each output pixel is the mean of an N x N block, rounded half up. Columns and
    /// rows are divided by N rounding down: a last partial block of columns or rows is dropped.
    public static func downsample(_ f: DecodedFrame, by n: Int) throws(DicomError) -> DecodedFrame {
        let d = f.description
        guard n >= 1 else { throw DicomError(.usage, "downsample factor must be at least 1, not \(n)") }
        guard d.columns / n >= 1, d.rows / n >= 1 else {
            throw DicomError(.usage, "downsample \(n) leaves no pixel of the \(d.columns)x\(d.rows) image")
        }
        try checkPaletteFree(d, "downsample")
        let v = try samples(f)
        let spp = d.samplesPerPixel
        let newC = d.columns / n, newR = d.rows / n
        var out = [Int](repeating: 0, count: newC * newR * spp)
        for r in 0..<newR {
            for c in 0..<newC {
                for s in 0..<spp {
                    var sum = 0
                    for y in (r * n)..<(r * n + n) {
                        let base = y * d.columns
                        for x in (c * n)..<(c * n + n) { sum += v[(base + x) * spp + s] }
                    }
                    out[(r * newC + c) * spp + s] = roundedDivision(sum, n * n)
                }
            }
        }
        var nd = d
        nd.rows = newR
        nd.columns = newC
        return frame(out, nd)
    }

    /// Area averaging: each output pixel is the mean of the input area it covers, each input pixel
    /// weighted by the part of it inside that area, rounded half up. Computed in integers (the
    /// overlap of [j*W', (j+1)*W') with [i*W, (i+1)*W) on a grid of W*W' units per image width), so
    /// the result is exact and reproducible. Enlarging repeats pixels (nearest neighbour on the
    /// pixel areas); reducing by an integer factor equals `downsample`.
    public static func resize(_ f: DecodedFrame, columns newC: Int, rows newR: Int) throws(DicomError) -> DecodedFrame {
        let d = f.description
        guard newC >= 1, newR >= 1, newC <= 65535, newR <= 65535 else {
            throw DicomError(.usage, "resize to \(newC)x\(newR): columns and rows must be 1 to 65535")
        }
        try checkPaletteFree(d, "resize")
        let v = try samples(f)
        let spp = d.samplesPerPixel
        let colWeights = overlaps(from: d.columns, to: newC)
        let rowWeights = overlaps(from: d.rows, to: newR)
        let denominator = d.columns * d.rows
        var out = [Int](repeating: 0, count: newC * newR * spp)
        var rowSums = [Int](repeating: 0, count: d.columns * spp)
        for r in 0..<newR {
            // Rows first: weighted sum of the input rows this output row covers.
            for i in rowSums.indices { rowSums[i] = 0 }
            for (y, wy) in rowWeights[r] {
                let base = y * d.columns * spp
                for i in 0..<(d.columns * spp) { rowSums[i] += wy * v[base + i] }
            }
            for c in 0..<newC {
                for s in 0..<spp {
                    var sum = 0
                    for (x, wx) in colWeights[c] { sum += wx * rowSums[x * spp + s] }
                    out[(r * newC + c) * spp + s] = roundedDivision(sum, denominator)
                }
            }
        }
        var nd = d
        nd.rows = newR
        nd.columns = newC
        return frame(out, nd)
    }

    /// For each output index, the input indices it overlaps and the overlap length, in units where
    /// an input pixel is `new` long and an output pixel `old` long. Weights of one output sum to `old`.
    static func overlaps(from old: Int, to new: Int) -> [[(Int, Int)]] {
        (0..<new).map { i in
            let lo = i * old, hi = (i + 1) * old
            var list: [(Int, Int)] = []
            var j = lo / new
            while j < old && j * new < hi {
                let w = min(hi, (j + 1) * new) - max(lo, j * new)
                if w > 0 { list.append((j, w)) }
                j += 1
            }
            return list
        }
    }

    private static func checkPaletteFree(_ d: PixelDescription, _ what: String) throws(DicomError) {
        if d.photometricInterpretation == "PALETTE COLOR" {
            throw DicomError(.unsupported, "\(what) would average palette indices; PALETTE COLOR images can be cropped only",
                             tag: PixelModule.photometric)
        }
    }

    /// Grayscale to 8-bit MONOCHROME2 for display: the modality transform (value * slope +
    /// intercept, PS3.3 C.11.1.1.2), then the linear VOI window (C.11.2.1.2.1) onto 0...255,
    /// rounded half up. MONOCHROME1 is inverted afterwards so the output looks the same as
    /// MONOCHROME2. A width of 1 is a threshold at center - 0.5.
    public static func windowTo8Bit(_ f: DecodedFrame, window: Window, slope: Double = 1, intercept: Double = 0)
        throws(DicomError) -> DecodedFrame {
        let d = f.description
        guard d.samplesPerPixel == 1, d.photometricInterpretation.hasPrefix("MONOCHROME") else {
            throw DicomError(.unsupported, "--to-8bit applies to grayscale (MONOCHROME1/2) images, not \(d.photometricInterpretation)",
                             tag: PixelModule.photometric)
        }
        guard window.width >= 1 else {
            throw DicomError(.usage, "window width must be at least 1, not \(window.width)")
        }
        let v = try samples(f)
        let invert = d.photometricInterpretation == "MONOCHROME1"
        let c = window.center, w = window.width
        let low = c - 0.5 - (w - 1) / 2, high = c - 0.5 + (w - 1) / 2
        var out = [UInt8](repeating: 0, count: v.count)
        for (i, stored) in v.enumerated() {
            let x = Double(stored) * slope + intercept
            var y: Double
            if x <= low {
                y = 0
            } else if x > high {
                y = 255
            } else {
                y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255
            }
            y = min(255, max(0, (y + 0.5).rounded(.down)))
            let byte = UInt8(exactly: y) ?? 0  // y is a whole number in 0...255; NaN (a NaN window or rescale) is 0
            out[i] = invert ? 255 - byte : byte
        }
        let nd = PixelDescription(rows: d.rows, columns: d.columns, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8,
                                  highBit: 7, pixelRepresentation: 0, photometricInterpretation: "MONOCHROME2")
        return DecodedFrame(bytes: out, description: nd)
    }

    /// YBR_FULL to RGB (PS3.3 C.7.6.3.1.2, the JFIF equations), rounded and clamped to 0...255:
    /// what a decoder's YBR_FULL output from a YBR_FULL_422 JPEG becomes when stored natively, as
    /// the IODs that allow YBR_FULL_422 in JPEG do not allow YBR_FULL in native pixel data.
    public static func ybrFullToRGB(_ f: DecodedFrame) throws(DicomError) -> DecodedFrame {
        let d = f.description
        guard d.photometricInterpretation == "YBR_FULL", d.samplesPerPixel == 3, d.bitsAllocated == 8,
              d.planarConfiguration == 0, f.bytes.count >= d.rows * d.columns * 3 else {
            throw DicomError(.unsupported, "YBR_FULL to RGB needs 8-bit colour-by-pixel YBR_FULL, not \(d)", tag: PixelModule.photometric)
        }
        var out = [UInt8](repeating: 0, count: d.rows * d.columns * 3)
        func clamp(_ v: Double) -> UInt8 { UInt8(exactly: min(255, max(0, (v + 0.5).rounded(.down)))) ?? 0 }
        for i in 0..<(d.rows * d.columns) {
            let y = Double(f.bytes[3 * i]), cb = Double(f.bytes[3 * i + 1]) - 128, cr = Double(f.bytes[3 * i + 2]) - 128
            out[3 * i] = clamp(y + 1.402 * cr)
            out[3 * i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr)
            out[3 * i + 2] = clamp(y + 1.772 * cb)
        }
        var nd = d
        nd.photometricInterpretation = "RGB"
        return DecodedFrame(bytes: out, description: nd)
    }

    /// Smallest and largest sample of a frame (for Smallest/Largest Image Pixel Value).
    public static func range(_ f: DecodedFrame) throws(DicomError) -> ClosedRange<Int>? {
        let v = try samples(f)
        guard let lo = v.min(), let hi = v.max() else { return nil }
        return lo...hi
    }
}
