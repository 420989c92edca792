import DicomCodecs
import DicomCore
import DicomIO
import FoundationEssentials

extension Deriver {
    // MARK: Frames

    /// Frame-dependent attributes cut down to the kept frames, and the extraction recorded (C.12.3).
    func selectFrames(_ ds: inout EditingDataset, selection: [Int], total: Int, originalUID: String) throws(DicomError) {
        let source = ds.current
        // Per-frame functional groups of enhanced multi-frame objects (C.7.6.16).
        if let items = source.items(Tag.perFrameFunctionalGroupsSequence), items.count == total {
            ds.setSequence(Tag.perFrameFunctionalGroupsSequence, selection.map { items[$0 - 1] })
        }
        // RT Dose grids: the first kept plane becomes the first frame (C.8.8.3.2).
        if let offsets = source.numbers(Tag.gridFrameOffsetVector), offsets.count == total {
            let k0 = selection[0] - 1
            let delta = offsets[k0] - offsets[0]
            if delta != 0, let ipp = source.numbers(Tag.imagePositionPatient), ipp.count == 3,
               let iop = source.numbers(Tag.imageOrientationPatient), iop.count == 6 {
                let n = Self.cross(Array(iop[0..<3]), Array(iop[3..<6]))
                ds.setStrings(Tag.imagePositionPatient, .DS, (0..<3).map { DecimalString.format(ipp[$0] + delta * n[$0], .measurement) })
            }
            let relative = offsets[0] == 0
            ds.setStrings(Tag.gridFrameOffsetVector, .DS, selection.map { DecimalString.format(relative ? offsets[$0 - 1] - offsets[k0] : offsets[$0 - 1], .measurement) })
        }
        // Other vectors the Frame Increment Pointer names, with one value per frame.
        // The kept values are copied as the file gave them (text as written, numbers byte for
        // byte): no detour through Double, which rounds 64-bit values and cannot hold IS "1e20" as Int.
        for tag in Self.incrementPointers(source) where tag != Tag.gridFrameOffsetVector {
            guard let e = source[tag] else { continue }
            switch e.vr {
            case .DS, .IS:
                guard let values = source.strings(tag), values.count == total else { continue }
                ds.setStrings(tag, e.vr, selection.map { values[$0 - 1] })
            case .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV:
                let unit = e.vr.byteSwapUnit
                guard let b = e.valueBytes, b.count == total * unit else { continue }
                let bytes = b.littleEndianBytes(swapUnit: unit)
                ds.set(Element(tag: tag, vr: e.vr, value: .bytes(ValueBytes(selection.flatMap { bytes[($0 - 1) * unit..<$0 * unit] }))))
            default: continue
            }
        }
        var item = Dataset(characterSet: ds.characterSet)
        item.setString(Tag.multiFrameSourceSOPInstanceUID, .UI, originalUID)
        // Frame numbers are at most the frame count, itself a count of values or fragments held in the file.
        var frameList: [UInt8] = []
        for n in selection {
            guard let v = UInt32(exactly: n) else {
                throw DicomError(.unsupported, "frame number \(n) does not fit Simple Frame List (UL)", tag: Tag.simpleFrameList)
            }
            withUnsafeBytes(of: v.littleEndian) { frameList.append(contentsOf: $0) }
        }
        item.set(Element(tag: Tag.simpleFrameList, vr: .UL, value: .bytes(ValueBytes(frameList))))
        ds.setSequence(Tag.frameExtractionSequence, (source.items(Tag.frameExtractionSequence) ?? []) + [item])
    }

    static func incrementPointers(_ ds: Dataset) -> [Tag] {
        guard let e = ds[Tag.frameIncrementPointer], e.vr == .AT, let b = e.valueBytes else { return [] }
        let bytes = b.littleEndianBytes(swapUnit: 2)
        var tags: [Tag] = []
        var i = 0
        while i + 3 < bytes.count {
            let group = UInt16(widening: bytes[i]) | UInt16(widening: bytes[i + 1]) << 8
            let element = UInt16(widening: bytes[i + 2]) | UInt16(widening: bytes[i + 3]) << 8
            tags.append(Tag(group, element))
            i += 4
        }
        return tags
    }

    // MARK: Geometry

    /// One spatial operation: where the new first pixel's centre lies, in pixels of the step's
    /// input (dx along a row, dy down a column), and how much larger the new pixels are.
    struct SpatialStep {
        var dx: Double, dy: Double, rowScale: Double, columnScale: Double
    }

    /// Pixel Spacing (row spacing \ column spacing), Imager and Nominal Scanned Pixel Spacing scaled,
    /// Pixel Aspect Ratio kept true, Image Position (Patient) moved along Image Orientation
    /// (Patient) (C.7.6.2.1.1), at the top level and in the functional groups.
    static func applyGeometry(_ ds: inout EditingDataset, _ steps: [SpatialStep]) {
        let rowScale = steps.reduce(1.0) { $0 * $1.rowScale }, columnScale = steps.reduce(1.0) { $0 * $1.columnScale }
        for tag in [Tag.imagerPixelSpacing, Tag.nominalScannedPixelSpacing] {
            if let s = ds.numbers(tag), s.count == 2 {
                ds.setStrings(tag, .DS, [DecimalString.format(s[0] * rowScale, .measurement), DecimalString.format(s[1] * columnScale, .measurement)])
            }
        }
        if let ratio = ds.numbers(Tag.pixelAspectRatio), ratio.count == 2 {
            // Vertical : horizontal, both scaled; kept as the smallest integers of that ratio when exact.
            let v = ratio[0] * rowScale, h = ratio[1] * columnScale
            if let (a, b) = smallIntegerRatio(v, h) { ds.setStrings(Tag.pixelAspectRatio, .IS, [String(a), String(b)]) } else {
                ds.remove(Tag.pixelAspectRatio)
            }
        }
        movePlane(&ds, orientationFrom: ds.current, spacingFrom: ds.current, steps)

        // Enhanced multi-frame: the shared group, then each frame's (whose values win over shared ones).
        let shared = ds.items(Tag.sharedFunctionalGroupsSequence)?.first
        if var s = shared {
            let orientation = s.items(Tag.planeOrientationSequence)?.first
            let measures = s.items(Tag.pixelMeasuresSequence)?.first
            updateGroup(&s, orientation: orientation, measures: measures, steps)
            ds.setSequence(Tag.sharedFunctionalGroupsSequence, [s])
        }
        if let items = ds.items(Tag.perFrameFunctionalGroupsSequence) {
            var updated: [Dataset] = []
            for var item in items {
                let orientation = item.items(Tag.planeOrientationSequence)?.first ?? shared?.items(Tag.planeOrientationSequence)?.first
                let measures = item.items(Tag.pixelMeasuresSequence)?.first ?? shared?.items(Tag.pixelMeasuresSequence)?.first
                updateGroup(&item, orientation: orientation, measures: measures, steps)
                updated.append(item)
            }
            ds.setSequence(Tag.perFrameFunctionalGroupsSequence, updated)
        }
    }

    /// One functional group item: its Plane Position moved and its Pixel Measures scaled.
    private static func updateGroup(_ group: inout Dataset, orientation: Dataset?, measures: Dataset?, _ steps: [SpatialStep]) {
        if var position = group.items(Tag.planePositionSequence)?.first, let orientation, let measures {
            movePlane(&position, orientationFrom: orientation, spacingFrom: measures, steps)
            group.setSequence(Tag.planePositionSequence, [position])
        }
        if var own = group.items(Tag.pixelMeasuresSequence)?.first {
            scaleSpacing(&own, steps)
            group.setSequence(Tag.pixelMeasuresSequence, [own])
        }
    }

    /// Moves `target`'s Image Position (Patient) and scales its Pixel Spacing, step by step.
    private static func movePlane<D: DatasetEditing>(_ target: inout D, orientationFrom: Dataset, spacingFrom: Dataset, _ steps: [SpatialStep]) {
        guard var spacing = spacingFrom.numbers(Tag.pixelSpacing), spacing.count == 2 else { return }
        if var ipp = target.numbers(Tag.imagePositionPatient), ipp.count == 3,
           let iop = orientationFrom.numbers(Tag.imageOrientationPatient), iop.count == 6 {
            var s = spacing
            for step in steps {
                for i in 0..<3 { ipp[i] += step.dx * s[1] * iop[i] + step.dy * s[0] * iop[3 + i] }
                s[0] *= step.rowScale
                s[1] *= step.columnScale
            }
            target.setStrings(Tag.imagePositionPatient, .DS, ipp.map { DecimalString.format($0, .measurement) })
        }
        if target[Tag.pixelSpacing] != nil {
            for step in steps {
                spacing[0] *= step.rowScale
                spacing[1] *= step.columnScale
            }
            target.setStrings(Tag.pixelSpacing, .DS, spacing.map { DecimalString.format($0, .measurement) })
        }
    }

    private static func scaleSpacing(_ item: inout Dataset, _ steps: [SpatialStep]) {
        guard var spacing = item.numbers(Tag.pixelSpacing), spacing.count == 2 else { return }
        for step in steps {
            spacing[0] *= step.rowScale
            spacing[1] *= step.columnScale
        }
        item.setStrings(Tag.pixelSpacing, .DS, spacing.map { DecimalString.format($0, .measurement) })
    }

    /// Patient Orientation from Image Orientation (Patient) (C.7.6.1.1.1): for the row and the
    /// column direction, the letters of the axes they point along (L/R, P/A, H/F), strongest
    /// first, components under 0.25 ignored. Empty (type 2) when the orientation is unknown.
    static func patientOrientation(_ iop: [Double]?) -> [String] {
        guard let iop, iop.count == 6 else { return [] }
        func letters(_ v: ArraySlice<Double>) -> String {
            let axes = [("L", "R"), ("P", "A"), ("H", "F")]
            let order = (0..<3).sorted { abs(v[v.startIndex + $0]) > abs(v[v.startIndex + $1]) }
            return order.filter { abs(v[v.startIndex + $0]) >= 0.25 }.map { v[v.startIndex + $0] > 0 ? axes[$0].0 : axes[$0].1 }.joined()
        }
        return [letters(iop[0..<3]), letters(iop[3..<6])]
    }

    static func cross(_ a: [Double], _ b: [Double]) -> [Double] {
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    }

    static func smallIntegerRatio(_ a: Double, _ b: Double) -> (Int, Int)? {
        for denominator in 1...1000 {
            let numerator = a / b * Double(denominator)
            if abs(numerator - numerator.rounded()) < 1e-9, numerator >= 1, numerator < 1e9 {
                return (Int(numerator.rounded()), denominator)  // conversion: 1 <= numerator < 1e9 (checked above)
            }
        }
        return nil
    }
}
