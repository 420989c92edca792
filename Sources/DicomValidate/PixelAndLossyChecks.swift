import DicomCore
import DicomIO
import DicomPixels

// MARK: - Pixel Data length and encapsulation (PS3.5 8.1.1, 8.2, A.4)

enum PixelChecks {
    static func run(_ file: DicomFile, into out: inout Findings) {
        let ds = file.dataset
        guard let pixel = ds[Tag.pixelData] else { return }
        let rows = ds.int(Tag.rows) ?? 0, columns = ds.int(Tag.columns) ?? 0
        let samples = ds.int(Tag.samplesPerPixel) ?? 1, bits = ds.int(Tag.bitsAllocated) ?? 0
        let frames = max(1, ds.int(Tag.numberOfFrames) ?? 1)
        switch pixel.value {
        case .bytes(let vb):
            if file.transferSyntax.isEncapsulated {
                out.add(.error, "pixel.encapsulation.missing", "PixelData", pixel.tag,
                        "transfer syntax \(file.transferSyntax.uid) is encapsulated but Pixel Data has a defined length",
                        "PS3.5 A.4", offset: pixel.offset)
                return
            }
            guard rows > 0, columns > 0, bits > 0, samples > 0 else { return }
            // Each factor can be up to 9e15 (ds.int accepts any numeric VR, e.g. IS Number of Frames
            // "8999999999999999", Rows as SV), so every product is checked: an overflow is no finding here.
            var product = 1
            for factor in [rows, columns, frames, samples, bits] {
                let (p, overflow) = product.multipliedReportingOverflow(by: factor)
                guard !overflow else { return }
                product = p
            }
            let bitCount = product
            let expected = (bitCount + 7) / 8
            let padded = expected + (expected % 2)
            if vb.count != padded && vb.count != expected {
                out.add(.error, "pixel.length", "PixelData", pixel.tag,
                        "Pixel Data has \(vb.count) bytes; Rows \(rows) x Columns \(columns) x Frames \(frames) x Samples \(samples) x BitsAllocated \(bits) needs \(padded)",
                        "PS3.5 8.1.1", offset: pixel.offset)
            }
        case .fragments(let frags):
            checkFragments(frags, frames: frames, ds: ds, pixel: pixel, into: &out)
            // Decoders of these syntaxes index frames by fragment (pylibjpeg-rle panics on a
            // split RLE frame).
            if file.transferSyntax.holdsOneFragmentPerFrame, frags.fragments.count > frames {
                out.add(.error, "pixel.fragments.per-frame", "PixelData", pixel.tag,
                        "\(frags.fragments.count) fragments for \(frames) frame(s): \(file.transferSyntax.name) holds each frame "
                        + "in one fragment", "PS3.5 A.4", offset: pixel.offset)
            }
        case .sequence:
            out.add(.error, "pixel.encapsulation.sequence", "PixelData", pixel.tag, "Pixel Data is encoded as a sequence", "PS3.5 A.4")
        }
    }

    static func checkFragments(_ frags: Fragments, frames: Int, ds: Dataset, pixel: Element, into out: inout Findings) {
        // Fragment start offsets relative to the first fragment's item tag (as the offset tables count them).
        var starts: [Int] = []
        var position = 0
        for (i, f) in frags.fragments.enumerated() {
            starts.append(position)
            position += 8 + f.count
            if f.count % 2 != 0 {
                out.add(.error, "pixel.fragment.odd", "PixelData", pixel.tag, "fragment \(i) has odd length \(f.count)", "PS3.5 A.4",
                        offset: i < frags.itemOffsets.count ? frags.itemOffsets[i] : pixel.offset)
            }
        }
        if frags.fragments.count < frames {
            out.add(.error, "pixel.fragments.count", "PixelData", pixel.tag,
                    "\(frags.fragments.count) fragments for \(frames) frames: each frame needs at least one fragment", "PS3.5 A.4", offset: pixel.offset)
        }
        let startSet = Set(starts)
        let bot = frags.offsetTable
        if bot.count > 0 {
            let values = binaryNumbers(bot, vr: .UL).map { Int($0) }  // conversion: UL values are whole numbers below 2^32
            if bot.count % 4 != 0 || values.count != frames {
                out.add(.error, "pixel.offset-table.count", "PixelData", pixel.tag,
                        "Basic Offset Table has \(bot.count / 4) entries for \(frames) frames", "PS3.5 A.4", offset: pixel.offset)
            }
            for (i, v) in values.enumerated() where !startSet.contains(v) {
                out.add(.error, "pixel.offset-table.target", "PixelData", pixel.tag,
                        "Basic Offset Table entry \(i) (\(v)) is not the start of a fragment", "PS3.5 A.4", offset: pixel.offset)
                break
            }
            if values != values.sorted() {
                out.add(.error, "pixel.offset-table.order", "PixelData", pixel.tag, "Basic Offset Table entries are not increasing", "PS3.5 A.4")
            }
        }
        if let eot = ds[Tag.extendedOffsetTable]?.valueBytes {
            if bot.count > 0 {
                out.add(.error, "pixel.offset-table.both", "ExtendedOffsetTable", Tag.extendedOffsetTable,
                        "Extended Offset Table present with a non-empty Basic Offset Table", "PS3.3 C.7.6.3.1.8")
            }
            let values = binaryNumbers(eot, vr: .UV).map { Int(exactly: $0) ?? -1 }
            if values.count != frames {
                out.add(.error, "pixel.offset-table.count", "ExtendedOffsetTable", Tag.extendedOffsetTable,
                        "Extended Offset Table has \(values.count) entries for \(frames) frames", "PS3.3 C.7.6.3.1.8")
            }
            if let bad = values.firstIndex(where: { !startSet.contains($0) }) {
                out.add(.error, "pixel.offset-table.target", "ExtendedOffsetTable", Tag.extendedOffsetTable,
                        "Extended Offset Table entry \(bad) (\(values[bad])) is not the start of a fragment", "PS3.3 C.7.6.3.1.8")
            }
            // The table's lengths are whole frames: it is allowed only when each frame is one fragment.
            if frags.fragments.count > frames {
                out.add(.error, "pixel.offset-table.fragmented", "ExtendedOffsetTable", Tag.extendedOffsetTable,
                        "Extended Offset Table present with \(frags.fragments.count) fragments for \(frames) frame(s): "
                        + "it requires each frame in one fragment", "PS3.3 C.7.6.3.1.8")
            }
        }
    }
}

// MARK: - Lossy compression bookkeeping (PS3.3 C.7.6.1.1.5, C.7.6.1.1.2, C.7.6.1.1.3)

/// The rules of PS3.3 C.7.6.1.1.5 (Lossy Image Compression) that one file can show, each with its
/// rule id:
/// - Enumerated Values 00 and 01 of Lossy Image Compression (0028,2110): the IOD tables' rule
///   (iod.enum.value, IODChecks); values are compared trimmed, as CS allows (PS3.5 6.2).
/// - "The value ... in SOP Instances containing multiple frames in which one or more of the
///   frames have undergone lossy compression shall be 01": a lossy-only transfer syntax
///   (lossy.flag.missing) or a lossy codestream in another syntax (lossy.flag.codestream,
///   CodestreamChecks) needs "01".
/// - "Once this value has been set to 01 it shall not be reset": "00" next to evidence of an
///   earlier lossy step in the image's own history -- Lossy Image Compression Ratio (0028,2112) or
///   Method (0028,2114) recorded, or Derivation Code Sequence 113040 "Lossy Compression"
///   (lossy.flag.history) -- or in its source: a Source Image Sequence item whose purpose is
///   121330 "Lossy compressed predecessor" (lossy.flag.reset).
/// - C.7.6.1.1.5.1/.2: when both are present, the values of Ratio and Method correspond one to one
///   (their value order corresponds), so their VMs are equal (lossy.history.vm).
/// - Ratio and Method required when the flag is "01": a Type 1C condition of the Enhanced and
///   other module tables (iod.type1c.missing, IODChecks); in the General Image Module both are
///   Type 3 and nothing is reported when they are absent.
enum LossyChecks {
    static let lossyFlag = Tag.lossyImageCompression, ratio = Tag.lossyImageCompressionRatio, method = Tag.lossyImageCompressionMethod
    static let imageType = Tag.imageType, sourceImages = Tag.sourceImageSequence
    static let codeValue = Tag.codeValue, codingScheme = Tag.codingSchemeDesignator

    /// Lossy Image Compression as stored, trimmed.
    static func flagValue(_ ds: Dataset) -> String? { ds.string(lossyFlag)?.trimmingWhitespace() }

    /// Whether a code sequence holds the code (value and scheme).
    static func holds(_ items: [Dataset]?, _ code: LossyBookkeeping.Code) -> Bool {
        (items ?? []).contains { $0.string(codeValue)?.trimmingWhitespace() == code.value
            && $0.string(codingScheme)?.trimmingWhitespace() == code.scheme }
    }

    static func run(_ file: DicomFile, into out: inout Findings) {
        let ds = file.dataset
        guard ds.contains(Tag.pixelData) || ds.contains(lossyFlag) else { return }
        let flag = flagValue(ds)
        let ref = "PS3.3 C.7.6.1.1.5"
        var history: [String] = []
        if ds.contains(ratio) { history.append("LossyImageCompressionRatio") }
        if ds.contains(method) { history.append("LossyImageCompressionMethod") }
        if holds(ds.items(LossyBookkeeping.derivationCodeSequence), .lossyCompression) {
            history.append("DerivationCodeSequence 113040 (Lossy Compression)")
        }
        if file.transferSyntax.isLossyOnly && ds.contains(Tag.pixelData) && flag != "01" {
            out.add(.error, "lossy.flag.missing", "LossyImageCompression", lossyFlag,
                    "transfer syntax \(file.transferSyntax.uid) is lossy but LossyImageCompression is \(flag.map { "\"\($0)\"" } ?? "absent"), not \"01\"",
                    ref)
        } else if !history.isEmpty && flag == "00" {
            out.add(.error, "lossy.flag.history", "LossyImageCompression", lossyFlag,
                    "\(history.joined(separator: " and ")) record\(history.count == 1 ? "s" : "") a lossy compression but LossyImageCompression is \"00\"",
                    ref)
        }
        if flag == "00", let items = ds.items(sourceImages) {
            for (i, item) in items.enumerated() where holds(item.items(LossyBookkeeping.purposeOfReferenceCodeSequence), .lossyCompressedPredecessor) {
                out.add(.error, "lossy.flag.reset", "LossyImageCompression", lossyFlag,
                        "SourceImageSequence[\(i)] is a lossy compressed predecessor (121330) but LossyImageCompression is \"00\": once \"01\" it shall not be reset",
                        ref)
                break
            }
        }
        if flag == "01", let type = ds.strings(imageType), type.first == "ORIGINAL" {
            out.add(.info, "lossy.image-type.original", "ImageType", imageType,
                    "lossy compressed image with Image Type value 1 ORIGINAL: correct only if it was acquired lossy",
                    "PS3.3 C.7.6.1.1.2")
        }
        if let r = ds.strings(ratio), let m = ds.strings(method), !r.isEmpty, !m.isEmpty, r.count != m.count {
            out.add(.error, "lossy.history.vm", "LossyImageCompressionMethod", method,
                    "LossyImageCompressionRatio has \(r.count) values and LossyImageCompressionMethod \(m.count): each step needs both, in the same order",
                    "PS3.3 C.7.6.1.1.5.1, C.7.6.1.1.5.2")
        }
        if let own = ds.string(Tag.sopInstanceUID), let items = ds.items(sourceImages) {
            for (i, item) in items.enumerated() where item.string(Tag.referencedSOPInstanceUID) == own {
                out.add(.error, "lossy.source.self-reference", "SourceImageSequence[\(i)]>ReferencedSOPInstanceUID", Tag.referencedSOPInstanceUID,
                        "Source Image Sequence references this instance's own SOP Instance UID \(own): a derived image needs a new UID",
                        "PS3.3 C.7.6.1.1.3")
            }
        }
    }
}
