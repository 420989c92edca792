import DicomCodecs
import DicomCore
import DicomIO
import FoundationEssentials

extension Deriver {
    // MARK: Values

    /// The first value of a stored number that --to-8bit computes with; nil when absent or empty.
    /// A value that is not a finite number (NaN, Inf, or not a number at all) is refused: computed
    /// with, it made every pixel black (NaN compares false with every bound) with exit status 0.
    static func finiteNumber(_ d: Dataset, _ tag: Tag, _ name: String, _ consequence: String) throws(DicomError) -> Double? {
        guard let text = d.strings(tag)?.first, !text.isEmpty else { return nil }
        guard let v = Double(text), v.isFinite else {
            throw DicomError(.invalidInput, "--to-8bit: \(name) \"\(text)\" is not a finite number: \(consequence)", tag: tag)
        }
        return v
    }

    /// Rescale slope and intercept for a frame: top level, else its functional group, else shared.
    static func rescale(_ ds: Dataset, frame: Int) throws(DicomError) -> (slope: Double, intercept: Double) {
        func read(_ d: Dataset) throws(DicomError) -> (Double, Double)? {
            let undefined = "the modality values are undefined"
            let i = try finiteNumber(d, Tag.rescaleIntercept, "Rescale Intercept", undefined)
            let s = try finiteNumber(d, Tag.rescaleSlope, "Rescale Slope", undefined)
            guard let i, let s else { return nil }
            return (s, i)
        }
        if let r = try read(ds) { return r }
        let perFrame = ds.items(Tag.perFrameFunctionalGroupsSequence).flatMap { $0.indices.contains(frame - 1) ? $0[frame - 1] : nil }
        for group in [perFrame, ds.items(Tag.sharedFunctionalGroupsSequence)?.first] {
            if let item = group?.items(Tag.pixelValueTransformationSequence)?.first, let r = try read(item) { return r }
        }
        return (1, 0)
    }

    /// The first stored window: top level, else the frame's or the shared Frame VOI LUT. A stored
    /// window that is not finite, or whose width is below 1 (PS3.3 C.11.2.1.2.1: "Window Width
    /// (0028,1051) shall always be greater than or equal to 1"), is refused, not skipped.
    static func storedWindow(_ ds: Dataset, frame: Int) throws(DicomError) -> PixelTransforms.Window? {
        func read(_ d: Dataset) throws(DicomError) -> PixelTransforms.Window? {
            let replace = "give --window CENTER,WIDTH to use another window"
            let c = try finiteNumber(d, Tag.windowCenter, "Window Center", replace)
            let w = try finiteNumber(d, Tag.windowWidth, "Window Width", replace)
            guard let c, let w else { return nil }
            guard w >= 1 else {
                throw DicomError(.invalidInput, "--to-8bit: Window Width \(DecimalString.format(w, .measurement)) is below 1 (PS3.3 C.11.2.1.2.1); "
                                 + "give --window CENTER,WIDTH to replace it", tag: Tag.windowWidth)
            }
            return PixelTransforms.Window(center: c, width: w)
        }
        if let w = try read(ds) { return w }
        let perFrame = ds.items(Tag.perFrameFunctionalGroupsSequence).flatMap { $0.indices.contains(frame - 1) ? $0[frame - 1] : nil }
        for group in [perFrame, ds.items(Tag.sharedFunctionalGroupsSequence)?.first] {
            if let item = group?.items(Tag.frameVOILUTSequence)?.first, let w = try read(item) { return w }
        }
        return nil
    }

    /// No window given or stored: the whole range of modality values maps onto 0...255.
    static func fullRangeWindow(_ frames: [DecodedFrame], _ transforms: [(slope: Double, intercept: Double)]) throws(DicomError)
        -> PixelTransforms.Window {
        var lo = Double.infinity, hi = -Double.infinity
        for (i, f) in frames.enumerated() {
            guard let r = try PixelTransforms.range(f) else { continue }
            let a = Double(r.lowerBound) * transforms[i].slope + transforms[i].intercept
            let b = Double(r.upperBound) * transforms[i].slope + transforms[i].intercept
            lo = min(lo, a, b)
            hi = max(hi, a, b)
        }
        guard lo.isFinite, hi.isFinite else { return PixelTransforms.Window(center: 128, width: 256) }
        let width = max(1, hi - lo + 1)
        return PixelTransforms.Window(center: lo + width / 2, width: width)
    }

    /// The values now are display values 0...255: the modality transform is the identity (its
    /// type unspecified, as CT's HU no longer holds), the window covers 0...255, padding is gone.
    static func applyTo8Bit(_ ds: inout EditingDataset) {
        func identity<D: DatasetEditing>(_ d: inout D, always: Bool) {
            if always || d[Tag.rescaleSlope] != nil || d[Tag.rescaleIntercept] != nil {
                d.setString(Tag.rescaleIntercept, .DS, "0")
                d.setString(Tag.rescaleSlope, .DS, "1")
                d.setString(Tag.rescaleType, .LO, "US")
            }
        }
        func window<D: DatasetEditing>(_ d: inout D, always: Bool) {
            if always || d[Tag.windowCenter] != nil {
                d.setString(Tag.windowCenter, .DS, "128")
                d.setString(Tag.windowWidth, .DS, "256")
            }
            d.removeElement(Tag.windowCenterWidthExplanation)
            d.removeElement(Tag.voilutFunction)
            d.removeElement(Tag.voilutSequence)
        }
        identity(&ds, always: false)
        window(&ds, always: ds.items(Tag.sharedFunctionalGroupsSequence) == nil)
        ds.remove(Tag.pixelPaddingValue)
        ds.remove(Tag.pixelPaddingRangeLimit)
        for groupsTag in [Tag.sharedFunctionalGroupsSequence, Tag.perFrameFunctionalGroupsSequence] {
            guard let items = ds.items(groupsTag) else { continue }
            ds.setSequence(groupsTag, items.map { group in
                var g = group
                if var t = g.items(Tag.pixelValueTransformationSequence)?.first {
                    identity(&t, always: true)
                    g.setSequence(Tag.pixelValueTransformationSequence, [t])
                }
                if var v = g.items(Tag.frameVOILUTSequence)?.first {
                    window(&v, always: true)
                    g.setSequence(Tag.frameVOILUTSequence, [v])
                }
                return g
            })
        }
    }

    /// Smallest/Largest Image Pixel Value recomputed where the source had them; series-wide values
    /// cannot be known from one instance and are removed.
    static func updatePixelValueRange(_ ds: inout EditingDataset, source: Dataset, frames: [DecodedFrame]) throws(DicomError) {
        ds.remove(Tag.smallestPixelValueInSeries)
        ds.remove(Tag.largestPixelValueInSeries)
        guard source[Tag.smallestImagePixelValue] != nil || source[Tag.largestImagePixelValue] != nil else { return }
        var lo = Int.max, hi = Int.min
        for f in frames {
            guard let r = try PixelTransforms.range(f) else { continue }
            lo = min(lo, r.lowerBound)
            hi = max(hi, r.upperBound)
        }
        let signed = frames.first?.description.isSigned ?? false
        let bits = frames.first?.description.bitsAllocated ?? 8
        guard lo <= hi, bits <= 16 else {
            ds.remove(Tag.smallestImagePixelValue)
            ds.remove(Tag.largestImagePixelValue)
            return
        }
        let vr: VR = signed ? .SS : .US
        ds.setUInt16(Tag.smallestImagePixelValue, UInt16(truncatingIfNeeded: lo), vr: vr)
        ds.setUInt16(Tag.largestImagePixelValue, UInt16(truncatingIfNeeded: hi), vr: vr)
    }

    /// Photometric interpretation, bits, rows, columns and frame count as the output pixels are.
    static func applyDescription(_ d: PixelDescription, to ds: inout EditingDataset, hadFrameCount: Bool) throws(DicomError) {
        ds.apply(try PixelModule.edits(for: d))
        if d.samplesPerPixel == 1 { ds.remove(PixelModule.planarConfiguration) }
        ds.setUInt16(PixelModule.rows, UInt16(clamping: d.rows))
        ds.setUInt16(PixelModule.columns, UInt16(clamping: d.columns))
        if hadFrameCount || d.numberOfFrames > 1 { ds.setString(PixelModule.numberOfFrames, .IS, String(d.numberOfFrames)) }
        if d.photometricInterpretation != "PALETTE COLOR" {
            // Palette descriptors and data belong to PALETTE COLOR only.
            ds.removeAll { $0.tag.group == 0x0028 && (0x1101...0x1223).contains($0.tag.element) }
        }
    }

    /// The IODs whose Image Pixel constraints exclude 8-bit grayscale (CT, MR and PET Image
    /// modules enumerate Bits Allocated 16): a windowed 8-bit rendition of them is a secondary
    /// capture (PS3.3 A.8), single-frame or Multi-frame Grayscale Byte.
    static let sixteenBitOnlyClasses: Set<String> = [
        "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1",   // CT, Enhanced CT
        "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.4.1",   // MR, Enhanced MR
        "1.2.840.10008.5.1.4.1.1.128", "1.2.840.10008.5.1.4.1.1.130", // PET, Enhanced PET
    ]

    static func secondaryCaptureClass(for source: Dataset, frames: Int) -> String? {
        guard let cls = source.string(LossyBookkeeping.sopClassUID), sixteenBitOnlyClasses.contains(cls) else { return nil }
        return frames > 1 || source.items(Tag.perFrameFunctionalGroupsSequence) != nil ? "1.2.840.10008.5.1.4.1.1.7.2" : "1.2.840.10008.5.1.4.1.1.7"
    }
}
