import DicomCore
import DicomIO
import FoundationEssentials

/// The one place that records lossy history and derivation (PS3.3 C.7.6.1.1.5 Lossy Image
/// Compression, C.7.6.1.1.2 Image Type, C.12.4.1.2 Source Image Sequence, C.7.6.1.1.3 Derivation).
/// Nothing else edits Image Type value 1, (0028,2110), (0028,2112), (0028,2114), SOP Instance UID
/// (and so (0002,0003), which the meta takes from it), Source Image Sequence, Derivation
/// Description or Derivation Code Sequence. Each function reads a data set and returns its edits
/// as a value; the new UIDs come in (`NewUIDs`), so the same step computed twice is the same.
public enum LossyBookkeeping {
    public static let imageType = Tag.imageType
    public static let sopClassUID = Tag.sopClassUID
    public static let sopInstanceUID = Tag.sopInstanceUID
    public static let derivationDescription = Tag.derivationDescription
    public static let sourceImageSequence = Tag.sourceImageSequence
    public static let derivationCodeSequence = Tag.derivationCodeSequence
    public static let lossyImageCompression = Tag.lossyImageCompression
    public static let lossyImageCompressionRatio = Tag.lossyImageCompressionRatio
    public static let lossyImageCompressionMethod = Tag.lossyImageCompressionMethod
    public static let referencedSOPClassUID = Tag.referencedSOPClassUID
    public static let referencedSOPInstanceUID = Tag.referencedSOPInstanceUID
    public static let purposeOfReferenceCodeSequence = Tag.purposeOfReferenceCodeSequence

    /// A coded concept (code value, scheme, meaning).
    public struct Code: Sendable, Equatable {
        public var value: String, scheme: String, meaning: String
        public init(_ value: String, _ scheme: String, _ meaning: String) {
            self.value = value
            self.scheme = scheme
            self.meaning = meaning
        }
        public static let uncompressedPredecessor = Code("121320", "DCM", "Uncompressed predecessor")
        public static let lossyCompressedPredecessor = Code("121330", "DCM", "Lossy compressed predecessor")
        public static let sourceForProcessing = Code("121322", "DCM", "Source image for image processing operation")
        public static let lossyCompression = Code("113040", "DCM", "Lossy Compression")

        func item(characterSet: SpecificCharacterSet = .default) -> Dataset {
            var d = Dataset(characterSet: characterSet)
            d.setString(Tag.codeValue, .SH, value)
            d.setString(Tag.codingSchemeDesignator, .SH, scheme)
            d.setString(Tag.codeMeaning, .LO, meaning)
            return d
        }

        func isCode(of item: Dataset) -> Bool {
            item.string(Tag.codeValue) == value && item.string(Tag.codingSchemeDesignator) == scheme
        }
    }

    /// The UIDs a new instance gets: made by the caller before the edits are computed, in this order.
    public struct NewUIDs: Sendable, Equatable {
        public var instance: String
        /// With --new-series: the new Series Instance UID.
        public var series: String?
        public init(instance: String, series: String? = nil) {
            self.instance = instance
            self.series = series
        }
        public static func generate(newSeries: Bool) -> NewUIDs {
            let instance = Implementation.newUID()
            return NewUIDs(instance: instance, series: newSeries ? Implementation.newUID() : nil)
        }
    }

    /// One lossy compression: what was written, and what the predecessor already held.
    public struct LossyStep: Sendable {
        /// The Lossy Image Compression Method term (ISO_10918_1, ...).
        public var method: String
        /// The target transfer syntax's name, quoted in Derivation Description.
        public var syntaxName: String
        /// The method the source's transfer syntax implies, for ratios recorded without one.
        public var predecessorMethod: String?
        public var uids: NewUIDs
        public init(method: String, syntaxName: String, predecessorMethod: String?, uids: NewUIDs) {
            self.method = method
            self.syntaxName = syntaxName
            self.predecessorMethod = predecessorMethod
            self.uids = uids
        }
    }

    /// Whether the data set already records lossy compression ("01" is never reset).
    public static func wasLossy(_ ds: Dataset) -> Bool {
        ds.string(lossyImageCompression)?.trimmingWhitespace() == "01"
    }

    /// The edits of one lossy step: ratio and method appended (VMs kept aligned), Lossy Image
    /// Compression "01", Image Type DERIVED, the new SOP Instance UID, the predecessor in Source
    /// Image Sequence, Derivation Description and Code Sequence.
    public static func lossyStep(_ ds: Dataset, _ step: LossyStep, ratio: Double) -> DatasetEdits {
        lossyStep(ds, step, ratioText: formatDS(ratio))
    }

    /// The attributes whose values quote the ratio: known only once every frame is encoded.
    public static let ratioBearingTags: [Tag] = [derivationDescription, lossyImageCompressionRatio]

    /// The edits of a step whose ratio is not measured yet (Pixel Data streamed frame by frame),
    /// written with the widest ratio a DS holds: its ratio-bearing values give the lengths to
    /// reserve, which `reservedValue` fills in once the ratio is measured.
    public static func reservedStep(_ ds: Dataset, _ step: LossyStep) -> DatasetEdits {
        lossyStep(ds, step, ratioText: String(repeating: "0", count: DecimalString.maximumLength))
    }

    /// A ratio-bearing value of the measured step, padded with trailing spaces (insignificant in DS
    /// and ST) to the length reserved for it; nil when it does not fit.
    public static func reservedValue(_ edits: DatasetEdits, _ tag: Tag, length: Int) -> [UInt8]? {
        guard let e = edits[tag] ?? nil, let b = e.valueBytes, b.count <= length else { return nil }
        return b.bytes + [UInt8](repeating: 0x20, count: length - b.count)
    }

    static func lossyStep(_ ds: Dataset, _ step: LossyStep, ratioText: String) -> DatasetEdits {
        var w = EditingDataset(ds)
        let predecessorLossy = wasLossy(ds)
        // Ratio and method: keep the two lists the same length before appending, so value k of
        // each always describes step k (PS3.3 C.7.6.1.1.5). A predecessor that recorded ratios
        // without methods gets the method its own transfer syntax implies, when it implies one;
        // a missing ratio cannot be known and is not invented.
        let ratios = (ds.strings(lossyImageCompressionRatio) ?? []).filter { !$0.isEmpty }
        var methods = (ds.strings(lossyImageCompressionMethod) ?? []).filter { !$0.isEmpty }
        if let predecessor = step.predecessorMethod, methods.count < ratios.count {
            methods += Array(repeating: predecessor, count: ratios.count - methods.count)
        }
        w.setString(lossyImageCompression, .CS, "01")
        w.setStrings(lossyImageCompressionRatio, .DS, ratios + [ratioText])
        w.setStrings(lossyImageCompressionMethod, .CS, methods + [step.method])
        markDerived(&w, purpose: predecessorLossy ? .lossyCompressedPredecessor : .uncompressedPredecessor,
                    codes: [.lossyCompression], description: "Lossy compression with \(step.syntaxName), ratio \(ratioText):1",
                    imageTypeValue2: nil, referencedFrames: nil, uids: step.uids)
        return w.edits
    }

    /// The edits of a derivation (derive's operations): Image Type DERIVED with value 2 as given,
    /// the new UIDs, the source referenced for `purpose` (with the frames taken), the description
    /// appended and one Derivation Code Sequence item per operation code.
    public static func derivation(_ ds: Dataset, purpose: Code, codes: [Code], description: String, imageTypeValue2: String,
                                  referencedFrames: [Int]?, uids: NewUIDs) -> DatasetEdits {
        var w = EditingDataset(ds)
        markDerived(&w, purpose: purpose, codes: codes, description: description, imageTypeValue2: imageTypeValue2,
                    referencedFrames: referencedFrames, uids: uids)
        return w.edits
    }

    /// A derived image's lossy copy as one instance: the lossy step named the derived pixels as its
    /// predecessor, but they are never stored, so its Source Image Sequence item names the stored
    /// source (`original`, with the frames taken) instead; Image Type value 2 as derive asked.
    public static func namingStoredPredecessor(_ ds: Dataset, unstored: String, original: String, frames: [Int]?,
                                               imageTypeValue2: String) -> DatasetEdits {
        var w = EditingDataset(ds)
        if let items = ds.items(sourceImageSequence) {
            w.setSequence(sourceImageSequence, items.map { item in
                guard item.string(referencedSOPInstanceUID) == unstored else { return item }
                var i = item
                i.setString(referencedSOPInstanceUID, .UI, original)
                if let frames { i.setStrings(Tag.referencedFrameNumber, .IS, frames.map(String.init)) }
                return i
            })
        }
        setImageTypeValue2(&w, imageTypeValue2)
        return w.edits
    }

    /// Image Type value 2 (PRIMARY or SECONDARY) as derive asks; value 1 stays what it is.
    public static func imageTypeValue2(_ ds: Dataset, _ value2: String) -> DatasetEdits {
        var w = EditingDataset(ds)
        setImageTypeValue2(&w, value2)
        return w.edits
    }

    private static func setImageTypeValue2(_ w: inout EditingDataset, _ value2: String) {
        var types = w.strings(imageType) ?? ["DERIVED"]
        if types.isEmpty { types = ["DERIVED"] }
        if types.count == 1 { types.append(value2) } else { types[1] = value2 }
        w.setStrings(imageType, .CS, types)
    }

    /// The provenance every derived instance carries: Image Type value 1 DERIVED (value 2
    /// SECONDARY when missing, or as given), the new SOP Instance UID, the predecessor referenced
    /// with `purpose`, the derivation description appended and its codes added (each once).
    private static func markDerived(_ w: inout EditingDataset, purpose: Code, codes: [Code], description: String,
                                    imageTypeValue2: String?, referencedFrames: [Int]?, uids: NewUIDs) {
        var types = w.strings(imageType) ?? []
        if types.isEmpty {
            types = ["DERIVED", imageTypeValue2 ?? "SECONDARY"]
        } else {
            types[0] = "DERIVED"
            if types.count == 1 { types.append(imageTypeValue2 ?? "SECONDARY") } else if let v = imageTypeValue2 { types[1] = v }
        }
        w.setStrings(imageType, .CS, types)

        let oldInstance = w.string(sopInstanceUID) ?? ""
        let sopClass = w.string(sopClassUID) ?? ""
        w.setString(sopInstanceUID, .UI, uids.instance)

        var source = Dataset()
        source.setString(referencedSOPClassUID, .UI, sopClass)
        source.setString(referencedSOPInstanceUID, .UI, oldInstance)
        if let frames = referencedFrames, !frames.isEmpty {
            source.setStrings(Tag.referencedFrameNumber, .IS, frames.map(String.init))
        }
        source.setSequence(purposeOfReferenceCodeSequence, [purpose.item()])
        w.setSequence(sourceImageSequence, (w.items(sourceImageSequence) ?? []) + [source])

        var text = w.string(derivationDescription) ?? ""
        text = text.isEmpty ? description : text + "; " + description
        if text.utf8.count > 1024 { text = String(decoding: Array(text.utf8.suffix(1024)), as: UTF8.self) }  // ST limit
        w.setString(derivationDescription, .ST, text)
        // The first code's item as the data set of its own; any further ones in the character set in force.
        var items = w.items(derivationCodeSequence) ?? []
        for (i, code) in codes.enumerated() where !items.contains(where: code.isCode(of:)) {
            items.append(code.item(characterSet: i == 0 ? .default : w.characterSet))
        }
        w.setSequence(derivationCodeSequence, items)

        if let series = uids.series {
            w.setString(Tag.seriesInstanceUID, .UI, series)
            let number = (w.int(Tag.seriesNumber) ?? 0) + 1000
            w.setString(Tag.seriesNumber, .IS, String(number))
            let desc = w.string(Tag.seriesDescription) ?? ""
            let label = codes.first == .lossyCompression ? "lossy copy" : "derived"
            w.setString(Tag.seriesDescription, .LO, String((desc.isEmpty ? label : "\(desc) (\(label))").prefix(64)))
        }
    }

    /// The Lossy Image Compression Method term a transfer syntax implies when it holds lossy pixels:
    /// its row's term, or for a lossless-only syntax that of its lossy variant (the same codestream).
    public static func method(of syntax: TransferSyntax) -> String? {
        (syntax.lossyMethod ?? syntax.lossyVariant?.lossyMethod)?.rawValue
    }

    /// A ratio as a valid DS (at most 16 characters, no exponent below 1e16).
    public static func formatDS(_ v: Double) -> String { DecimalString.format(v, .ratio) }
}
