import DicomCore
import DicomIO
import FoundationEssentials

/// The one place that records lossy history (PS3.3 C.7.6.1.1.5 Lossy Image Compression,
/// C.7.6.1.1.2 Image Type, C.12.4.1.2 Source Image Sequence, C.7.6.1.1.3 Derivation). Transcode and
/// derive both call it whenever output pixels differ from the input's; nothing else touches these
/// attributes.
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
    public static let seriesInstanceUID = Tag.seriesInstanceUID
    public static let seriesNumber = Tag.seriesNumber
    public static let seriesDescription = Tag.seriesDescription

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

        func item() -> Dataset {
            var d = Dataset()
            d.setString(Tag.codeValue, .SH, value)
            d.setString(Tag.codingSchemeDesignator, .SH, scheme)
            d.setString(Tag.codeMeaning, .LO, meaning)
            return d
        }
    }

    /// Whether the data set already records lossy compression ("01" is never reset).
    public static func wasLossy(_ ds: Dataset) -> Bool {
        ds.string(lossyImageCompression)?.trimmingWhitespace() == "01"
    }

    /// Output streamed before its ratio is known (multi-frame lossy written frame by frame): the
    /// step is recorded with this placeholder, as wide as any DS value, and the two attributes that
    /// show the ratio are patched in place once the last frame is written (`patchedValue`).
    public static let pendingRatioPlaceholder = "9999999999999999"
    /// The attributes whose values hold the ratio text: Derivation Description and the ratio itself.
    public static let ratioBearingTags: [Tag] = [derivationDescription, lossyImageCompressionRatio]

    /// The value bytes of a ratio-bearing attribute recorded with `pendingRatioPlaceholder`, with the
    /// placeholder (its last occurrence: this step's value comes last) replaced by `ratio` and
    /// padded with trailing spaces (insignificant in DS and ST) to the reserved length. Nil when
    /// the placeholder is absent or the result would not fit.
    public static func patchedValue(_ reserved: [UInt8], ratio: Double) -> [UInt8]? {
        let placeholder = Array(pendingRatioPlaceholder.utf8)
        guard reserved.count >= placeholder.count else { return nil }
        var at: Int?
        for i in stride(from: reserved.count - placeholder.count, through: 0, by: -1)
            where reserved[i..<(i + placeholder.count)].elementsEqual(placeholder) {
            at = i
            break
        }
        guard let at else { return nil }
        var out = Array(reserved[..<at]) + Array(formatDS(ratio).utf8) + Array(reserved[(at + placeholder.count)...])
        guard out.count <= reserved.count else { return nil }
        out += [UInt8](repeating: 0x20, count: reserved.count - out.count)
        return out
    }

    /// `text` (a report line) with the placeholder replaced by the measured ratio.
    public static func resolvingPlaceholder(_ text: String, ratio: Double) -> String {
        text.replacing(pendingRatioPlaceholder, with: formatDS(ratio))
    }

    /// Records one lossy step: ratio and method appended (VMs kept aligned), Lossy Image
    /// Compression "01", Image Type DERIVED, a new SOP Instance UID (returned, for the meta), the
    /// predecessor in Source Image Sequence, Derivation Description and Code Sequence.
    @discardableResult
    public static func recordLossyStep(_ ds: inout Dataset, ratio: Double, method: String, description: String,
                                       predecessorMethod: String? = nil, newSeries: Bool = false) -> String {
        recordLossyStep(&ds, ratioText: formatDS(ratio), method: method, description: description,
                        predecessorMethod: predecessorMethod, newSeries: newSeries)
    }

    /// As above with the ratio already as DS text: `pendingRatioPlaceholder` when it is not known yet.
    @discardableResult
    public static func recordLossyStep(_ ds: inout Dataset, ratioText: String, method: String, description: String,
                                       predecessorMethod: String? = nil, newSeries: Bool = false) -> String {
        let predecessorLossy = wasLossy(ds)
        // Ratio and method: keep the two lists the same length before appending, so value k of
        // each always describes step k (PS3.3 C.7.6.1.1.5). A predecessor that recorded ratios
        // without methods gets the method its own transfer syntax implies, when it implies one;
        // a missing ratio cannot be known and is not invented.
        var ratios = ds.strings(lossyImageCompressionRatio) ?? []
        var methods = ds.strings(lossyImageCompressionMethod) ?? []
        ratios = ratios.filter { !$0.isEmpty }
        methods = methods.filter { !$0.isEmpty }
        if let predecessorMethod, methods.count < ratios.count {
            methods += Array(repeating: predecessorMethod, count: ratios.count - methods.count)
        }
        ds.setString(lossyImageCompression, .CS, "01")
        ds.setStrings(lossyImageCompressionRatio, .DS, ratios + [ratioText])
        ds.setStrings(lossyImageCompressionMethod, .CS, methods + [method])
        let code: Code = predecessorLossy ? .lossyCompressedPredecessor : .uncompressedPredecessor
        let newUID = markDerived(&ds, purpose: code, derivation: .lossyCompression, description: description,
                                 newSeries: newSeries)
        return newUID
    }

    /// The provenance every derived instance carries (also used by derive): Image Type value 1
    /// DERIVED, a new SOP Instance UID, the predecessor referenced with `purpose`, the derivation
    /// description appended and its code added. Returns the new SOP Instance UID.
    @discardableResult
    public static func markDerived(_ ds: inout Dataset, purpose: Code, derivation: Code, description: String,
                                   secondary: Bool = true, referencedFrames: [Int]? = nil, newSeries: Bool = false) -> String {
        var types = ds.strings(imageType) ?? []
        if types.isEmpty {
            types = ["DERIVED", secondary ? "SECONDARY" : "PRIMARY"]
        } else {
            types[0] = "DERIVED"
            if types.count == 1 { types.append(secondary ? "SECONDARY" : "PRIMARY") }
        }
        ds.setStrings(imageType, .CS, types)

        let oldInstance = ds.string(sopInstanceUID) ?? ""
        let sopClass = ds.string(sopClassUID) ?? ""
        let newInstance = Implementation.newUID()
        ds.setString(sopInstanceUID, .UI, newInstance)

        var source = Dataset()
        source.setString(referencedSOPClassUID, .UI, sopClass)
        source.setString(referencedSOPInstanceUID, .UI, oldInstance)
        if let frames = referencedFrames, !frames.isEmpty {
            source.setStrings(Tag.referencedFrameNumber, .IS, frames.map(String.init))
        }
        source.setSequence(purposeOfReferenceCodeSequence, [purpose.item()])
        ds.setSequence(sourceImageSequence, (ds.items(sourceImageSequence) ?? []) + [source])

        var text = ds.string(derivationDescription) ?? ""
        text = text.isEmpty ? description : text + "; " + description
        if text.utf8.count > 1024 { text = String(decoding: Array(text.utf8.suffix(1024)), as: UTF8.self) }  // ST limit
        ds.setString(derivationDescription, .ST, text)
        var codes = ds.items(derivationCodeSequence) ?? []
        if !codes.contains(where: { $0.string(Tag.codeValue) == derivation.value && $0.string(Tag.codingSchemeDesignator) == derivation.scheme }) {
            codes.append(derivation.item())
        }
        ds.setSequence(derivationCodeSequence, codes)

        if newSeries {
            ds.setString(seriesInstanceUID, .UI, Implementation.newUID())
            let number = (ds.int(seriesNumber) ?? 0) + 1000
            ds.setString(seriesNumber, .IS, String(number))
            let desc = ds.string(seriesDescription) ?? ""
            let label = derivation == .lossyCompression ? "lossy copy" : "derived"
            ds.setString(seriesDescription, .LO, String((desc.isEmpty ? label : "\(desc) (\(label))").prefix(64)))
        }
        return newInstance
    }

    /// The Lossy Image Compression Method term a transfer syntax implies when it holds lossy pixels:
    /// its row's term, or for a lossless-only syntax that of its lossy variant (the same codestream).
    public static func method(of syntax: TransferSyntax) -> String? {
        (syntax.lossyMethod ?? syntax.lossyVariant?.lossyMethod)?.rawValue
    }

    /// A ratio as a valid DS (at most 16 characters, no exponent).
    public static func formatDS(_ v: Double) -> String {
        for digits in stride(from: 3, through: 0, by: -1) {
            let s = NumberText.fixed(v, digits: digits)
            if s.count <= 16 { return s }
        }
        return NumberText.general(v, significant: 10)  // 1e16 and more (not a measured ratio): exponent form, still a DS
    }
}
