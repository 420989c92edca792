import DicomCore
import DicomIO
#if canImport(Glibc)
import Glibc
#endif

/// The grayscale pipeline of PS3.4 N.2.1 (PS3.3 C.11): stored value -> Modality LUT (rescale or
/// Modality LUT Sequence) -> VOI (window of a VOI LUT Function, VOI LUT, or a range found in the
/// values) -> Presentation LUT Shape / MONOCHROME1 inversion -> output level, for one frame's
/// attributes. Pure: what it needs of the data set is read once by `init`.
public struct GreyPipeline: Sendable {
    public enum Modality: Sendable, Equatable {
        case rescale(slope: Double, intercept: Double)
        case lut(LookupTable)
    }

    /// The VOI step once resolved for a frame.
    public enum ResolvedVOI: Sendable, Equatable {
        case window(center: Double, width: Double, function: RenderOptions.VOIFunction)
        case lut(LookupTable)
        /// `low` becomes black and `high` white, linearly between (min-max and percentile windows).
        case range(low: Double, high: Double)
    }

    public let modality: Modality
    /// Whether the output is inverted: MONOCHROME1, Presentation LUT Shape INVERSE, or --invert (once each).
    public let invert: Bool
    public let signed: Bool
    public let bitsStored: Int

    let windows: [(center: Double, width: Double)]
    let fileFunction: RenderOptions.VOIFunction?
    let voiLUTs: [Dataset]
    let options: RenderOptions

    /// `signed`/`bitsStored`: of the decoded frame (a codestream's precision may differ from the header's).
    public init(_ ds: Dataset, photometric: String, signed: Bool, bitsStored: Int, options: RenderOptions) throws(DicomError) {
        self.signed = signed
        self.bitsStored = bitsStored
        self.options = options
        // An item whose descriptor is empty (some writers leave an empty template) describes no LUT:
        // the rescale applies, as dcmtk and pydicom read it.
        if let item = ds.items(.modalityLUTSequence)?.first, item.numbers(.lutDescriptor)?.isEmpty == false {
            modality = .lut(try LookupTable.item(item, signedInput: signed, what: "Modality LUT Sequence item 1"))
        } else {
            let slope = ds.double(.rescaleSlope) ?? 1, intercept = ds.double(.rescaleIntercept) ?? 0
            guard slope.isFinite, intercept.isFinite, slope != 0 else {
                throw DicomError(.invalidInput, "Rescale Slope \(slope) / Intercept \(intercept) cannot map stored values",
                                 offset: ds[.rescaleSlope]?.offset, tag: .rescaleSlope)
            }
            modality = .rescale(slope: slope, intercept: intercept)
        }
        let centers = ds.numbers(.windowCenter) ?? [], widths = ds.numbers(.windowWidth) ?? []
        windows = zip(centers, widths).map { (center: $0, width: $1) }
        fileFunction = ds.string(.voilutFunction).flatMap { RenderOptions.VOIFunction(rawValue: $0.trimmingWhitespace()) }
        voiLUTs = (ds.items(.voilutSequence) ?? []).filter { $0.numbers(.lutDescriptor)?.isEmpty == false }
        let shapeInverse = ds.string(.presentationLUTShape)?.trimmingWhitespace() == "INVERSE"
        // MONOCHROME1 is shown inverted; Presentation LUT Shape INVERSE is how DX/MG MONOCHROME1
        // images say the same thing (PS3.3 C.8.11.6.1.2): one inversion, not two.
        invert = (photometric == "MONOCHROME1" || shapeInverse) != options.invert
    }

    /// Modality value of a stored value.
    @inline(__always)
    public func modalityValue(_ stored: Int) -> Double {
        switch modality {
        case .rescale(let slope, let intercept): return Double(stored) * slope + intercept
        case .lut(let lut): return Double(lut.value(stored))
        }
    }

    /// The VOI step for a frame whose stored values span `storedRange` (and whose modality values,
    /// when a range or percentile is asked for, come from `sortedModality`).
    public func resolve(minModality: Double, maxModality: Double,
                        percentile: (Double) -> Double) throws(DicomError) -> ResolvedVOI {
        func window(_ index: Int) throws(DicomError) -> ResolvedVOI {
            guard index >= 1, index <= windows.count else {
                throw DicomError(.usage, "--window-index \(index): the image has \(windows.count) window\(windows.count == 1 ? "" : "s")",
                                 tag: .windowCenter)
            }
            let w = windows[index - 1]
            return try checked(center: w.center, width: w.width, function: options.voiFunction ?? fileFunction ?? .linear)
        }
        switch options.voi {
        case .automatic:
            if !windows.isEmpty, let w = windows.first, w.center.isFinite, w.width.isFinite, w.width >= 1 { return try window(1) }
            if !voiLUTs.isEmpty { return .lut(try voiLUT(1)) }
            return .range(low: minModality, high: maxModality)
        case .fileWindow(let n): return try window(n)
        case .window(let c, let w): return try checked(center: c, width: w, function: options.voiFunction ?? .linear)
        case .lut(let n): return .lut(try voiLUT(n))
        case .minMax: return .range(low: minModality, high: maxModality)
        case .percentile(let lo, let hi): return .range(low: percentile(lo), high: percentile(hi))
        }
    }

    private func checked(center: Double, width: Double, function: RenderOptions.VOIFunction) throws(DicomError) -> ResolvedVOI {
        // PS3.3 C.11.2.1.2.1: width >= 1 for LINEAR, > 0 for LINEAR_EXACT and SIGMOID.
        guard center.isFinite, width.isFinite, function == .linear ? width >= 1 : width > 0 else {
            throw DicomError(.invalidInput, "window \(center)/\(width) is not usable with VOI LUT Function \(function.rawValue)",
                             tag: .windowWidth)
        }
        return .window(center: center, width: width, function: function)
    }

    private func voiLUT(_ index: Int) throws(DicomError) -> LookupTable {
        guard index >= 1, index <= voiLUTs.count else {
            throw DicomError(.usage, "--voi-lut \(index): the image has \(voiLUTs.count) VOI LUT\(voiLUTs.count == 1 ? "" : "s")",
                             tag: .voilutSequence)
        }
        // The VOI LUT's input is the modality output: signed when the rescale can make it negative.
        let signedInput: Bool
        switch modality {
        case .rescale(let slope, let intercept): signedInput = signed || intercept < 0 || slope < 0
        case .lut: signedInput = false
        }
        return try LookupTable.item(voiLUTs[index - 1], signedInput: signedInput, what: "VOI LUT Sequence item \(index)")
    }

    /// The fraction of the output range (0 black ... 1 white, before inversion) of a modality value.
    @inline(__always)
    public static func fraction(_ x: Double, _ voi: ResolvedVOI) -> Double {
        switch voi {
        case .window(let c, let w, .linear):
            // PS3.3 C.11.2.1.2.1
            if x <= c - 0.5 - (w - 1) / 2 { return 0 }
            if x > c - 0.5 + (w - 1) / 2 { return 1 }
            return w > 1 ? (x - (c - 0.5)) / (w - 1) + 0.5 : 1
        case .window(let c, let w, .linearExact):
            // PS3.3 C.11.2.1.3.2
            if x <= c - w / 2 { return 0 }
            if x > c + w / 2 { return 1 }
            return (x - c) / w + 0.5
        case .window(let c, let w, .sigmoid):
            // PS3.3 C.11.2.1.3.1
            return 1 / (1 + exp(-4 * (x - c) / w))
        case .lut(let lut):
            return Double(lut.value(x)) / Double(lut.maximum)
        case .range(let lo, let hi):
            guard hi > lo else { return x >= hi ? 1 : 0 }
            return max(0, min(1, (x - lo) / (hi - lo)))
        }
    }

    /// The output level (0 ... 2^bits - 1) of a modality value.
    @inline(__always)
    public func level(_ x: Double, _ voi: ResolvedVOI, maximum: Int) -> Int {
        let f = Self.fraction(x, voi)
        let y = f.isNaN ? 0 : Int((f * Double(maximum)).rounded())  // conversion: f is within 0...1
        return invert ? maximum - y : y
    }
}
