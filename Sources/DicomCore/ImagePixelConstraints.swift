/// How modules and IODs narrow the Image Pixel attributes (PS3.3 C.7.6.3): Photometric
/// Interpretation by transfer syntax in the US Image module (C.8.5.6.1.2), Planar Configuration by
/// Photometric Interpretation (C.8.5.6.1.16), Bits Allocated 16 in CT (C.8.2.1.1.4), the content
/// constraints of the multi-frame Secondary Capture IODs (A.8.2.4-A.8.5.4) and the like. The rules
/// are the project's own table (scripts/tables/image-pixel-constraints.tsv), generated into
/// Generated/ImagePixelConstraints+Table.swift with each scope expanded into SOP Class UIDs, so
/// that the validator and the transcoder ask the same question of the same rows.
public enum ImagePixelConstraints {
    /// The transfer syntax classes the table distinguishes.
    public enum SyntaxClass: String, Sendable, CaseIterable {
        case native, rle, jpegLossy = "jpeg-lossy", jpegLossless = "jpeg-lossless",
             jpegLSLossless = "jpegls-lossless", jpegLSNear = "jpegls-near",
             j2kLossless = "j2k-lossless", j2kLossy = "j2k-lossy", mpeg

        /// The class of a syntax, nil for those no row speaks of (JPEG XL, JPIP, retired JPEG processes).
        public init?(_ ts: TransferSyntax) {
            switch ts.family {
            case .native, .encapsulatedUncompressed, .deflatedImageFrame: self = .native
            case .rle: self = .rle
            case .jpegBaseline, .jpegExtended: self = .jpegLossy
            case .jpegLossless: self = .jpegLossless
            case .jpegLS: self = ts.isLosslessOnly ? .jpegLSLossless : .jpegLSNear
            case .jpeg2000, .jpeg2000Part2, .htj2k: self = ts.isLosslessOnly ? .j2kLossless : .j2kLossy
            case .video: self = .mpeg
            default: return nil
            }
        }
    }

    /// The Image Pixel values a rule looks at; nil when absent (or not a number).
    public struct Values: Sendable, Equatable {
        public var photometricInterpretation: String?
        public var samplesPerPixel: Int?
        public var planarConfiguration: Int?
        public var bitsAllocated: Int?
        public var bitsStored: Int?
        public var highBit: Int?
        public var pixelRepresentation: Int?

        public init(photometricInterpretation: String? = nil, samplesPerPixel: Int? = nil, planarConfiguration: Int? = nil,
                    bitsAllocated: Int? = nil, bitsStored: Int? = nil, highBit: Int? = nil, pixelRepresentation: Int? = nil) {
            self.photometricInterpretation = photometricInterpretation
            self.samplesPerPixel = samplesPerPixel
            self.planarConfiguration = planarConfiguration
            self.bitsAllocated = bitsAllocated
            self.bitsStored = bitsStored
            self.highBit = highBit
            self.pixelRepresentation = pixelRepresentation
        }

        /// The values a description states (Planar Configuration only for more than one sample).
        public init(_ d: PixelDescription) {
            self.init(photometricInterpretation: d.photometricInterpretation, samplesPerPixel: d.samplesPerPixel,
                      planarConfiguration: d.samplesPerPixel > 1 ? d.planarConfiguration : nil,
                      bitsAllocated: d.bitsAllocated, bitsStored: d.bitsStored, highBit: d.highBit,
                      pixelRepresentation: d.pixelRepresentation)
        }

        func number(_ tag: Tag) -> Int? {
            switch tag {
            case .samplesPerPixel: return samplesPerPixel
            case .planarConfiguration: return planarConfiguration
            case .bitsAllocated: return bitsAllocated
            case .bitsStored: return bitsStored
            case .highBit: return highBit
            case .pixelRepresentation: return pixelRepresentation
            default: return nil
            }
        }
    }

    public enum Allowed: Sendable, Equatable {
        case texts([String])
        /// Whole numbers, compared as numbers (ranges are expanded).
        case numbers([Int])
        /// High Bit one less than Bits Stored.
        case bitsStoredMinusOne
    }

    public struct Rule: Sendable {
        /// The module or IOD the rule comes from ("US Image module").
        public let scope: String
        public let sopClasses: Set<String>
        public let tag: Tag
        public let keyword: String
        /// The rule applies only when Photometric Interpretation is one of these (nil: always).
        public let photometric: Set<String>?
        /// The rule applies only in these transfer syntax classes (nil: in every syntax).
        public let syntaxes: Set<SyntaxClass>?
        public let allowed: Allowed
        /// The PS3.3 section that states it ("C.8.5.6.1.2").
        public let section: String

        /// The allowed values in words: "MONOCHROME2, YBR_FULL_422", "12 to 16", "BitsStored - 1".
        public var allowedText: String {
            switch allowed {
            case .texts(let t): return t.joined(separator: ", ")
            case .numbers(let n):
                if n.count > 2, let lo = n.first, let hi = n.last, hi - lo + 1 == n.count { return "\(lo) to \(hi)" }
                return n.map(String.init).joined(separator: ", ")
            case .bitsStoredMinusOne: return "BitsStored - 1"
            }
        }
    }

    /// A value outside a rule's allowed set.
    public struct Violation: Sendable {
        public let rule: Rule
        /// The value as found ("YBR_FULL", "0").
        public let value: String
        /// One line: "PlanarConfiguration 0 is not permitted with PhotometricInterpretation YBR_FULL by the US Image module (allowed: 1)".
        public let message: String
    }

    public static let rules: [Rule] = parse()

    /// The rules for one SOP class, in table order.
    public static func rules(forSOPClass uid: String) -> [Rule] {
        rulesBySOPClass[uid] ?? []
    }

    private static let rulesBySOPClass: [String: [Rule]] = {
        var out: [String: [Rule]] = [:]
        for r in rules { for uid in r.sopClasses { out[uid, default: []].append(r) } }
        return out
    }()

    /// Every rule of the SOP class whose condition holds and whose attribute is present with a value outside the allowed set.
    public static func violations(sopClass: String, syntax: TransferSyntax, values: Values) -> [Violation] {
        let rules = rules(forSOPClass: sopClass)
        guard !rules.isEmpty else { return [] }
        let syntaxClass = SyntaxClass(syntax)
        let pi = values.photometricInterpretation
        var out: [Violation] = []
        for rule in rules {
            if let p = rule.photometric { guard let pi, p.contains(pi) else { continue } }
            if let s = rule.syntaxes { guard let syntaxClass, s.contains(syntaxClass) else { continue } }
            let found: String
            switch rule.allowed {
            case .texts(let allowed):
                guard rule.tag == Tag.photometricInterpretation, let pi, !pi.isEmpty, !allowed.contains(pi) else { continue }
                found = pi
            case .numbers(let allowed):
                guard let v = values.number(rule.tag), !allowed.contains(v) else { continue }
                found = String(v)
            case .bitsStoredMinusOne:
                guard let v = values.highBit, let stored = values.bitsStored, v != stored - 1 else { continue }
                found = String(v)
            }
            var when: [String] = []
            if rule.photometric != nil, let pi { when.append("with PhotometricInterpretation \(pi)") }
            if rule.syntaxes != nil { when.append("in \(syntax.name)") }
            let condition = when.isEmpty ? "" : " " + when.joined(separator: " ")
            let allowedText = rule.allowed == .bitsStoredMinusOne ? "BitsStored - 1 = \((values.bitsStored ?? 0) - 1)" : rule.allowedText
            out.append(Violation(rule: rule, value: found,
                                 message: "\(rule.keyword) \(found) is not permitted\(condition) by the \(rule.scope) (allowed: \(allowedText))"))
        }
        return out
    }

    static func parse() -> [Rule] {
        var scopes: [Int: (name: String, uids: Set<String>)] = [:]
        for line in scopeTable.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard c.count == 3, let i = Int(c[0]) else { continue }
            scopes[i] = (String(c[1]), Set(c[2].split(separator: ",").map(String.init)))
        }
        var out: [Rule] = []
        for line in ruleTable.split(separator: "\n") {
            let c = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard c.count == 6, let i = Int(c[0]), let scope = scopes[i], let raw = UInt32(c[1], radix: 16) else { continue }
            var photometric: Set<String>?
            var syntaxes: Set<SyntaxClass>?
            for part in c[3].split(separator: " & ") {
                let kv = part.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let values = kv[1].split(separator: "|").map(String.init)
                if kv[0] == "pi" { photometric = Set(values) }
                if kv[0] == "ts" { syntaxes = Set(values.compactMap(SyntaxClass.init(rawValue:))) }
            }
            let tag = Tag(rawValue: raw)
            let allowed: Allowed
            if c[4] == "BitsStored-1" {
                allowed = .bitsStoredMinusOne
            } else if tag == Tag.photometricInterpretation {
                allowed = .texts(c[4].split(separator: "|").map(String.init))
            } else {
                var numbers: [Int] = []
                for v in c[4].split(separator: "|") {
                    let ends = v.split(separator: "-").compactMap { Int($0) }  // conversion: parses text, nil when not a number
                    if ends.count == 2, ends[0] <= ends[1] { numbers += Array(ends[0]...ends[1]) } else if ends.count == 1 { numbers.append(ends[0]) }
                }
                allowed = .numbers(numbers.sorted())
            }
            out.append(Rule(scope: scope.name, sopClasses: scope.uids, tag: tag, keyword: String(c[2]),
                            photometric: photometric, syntaxes: syntaxes, allowed: allowed, section: String(c[5])))
        }
        return out
    }
}
