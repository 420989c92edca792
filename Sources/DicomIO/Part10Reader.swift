import DicomCodecs
import DicomCore
import FoundationEssentials

/// A parsed DICOM input: the File Meta Information (empty for a bare data set), the data set, and
/// the transfer syntax its elements are encoded in.
public struct DicomFile: Sendable {
    /// The 128-byte preamble, when the file has one.
    public var preamble: [UInt8]?
    public var meta: Dataset
    public var dataset: Dataset
    /// The syntax the data set is encoded in (as detected when the meta is missing or wrong).
    public var transferSyntax: TransferSyntax
    public var warnings: [ReadWarning]
    /// The input, and the bytes the data set's values live in (different when deflated).
    public var source: ByteSource
    public var datasetSource: ByteSource
    /// Where the data set starts in `datasetSource`.
    public var datasetOffset: Int
    /// How the data set's elements were actually encoded (may differ from `transferSyntax`, e.g.
    /// implicit VR data under an explicit JPEG syntax).
    public var datasetEncoding: DatasetEncoding

    public init(meta: Dataset, dataset: Dataset, transferSyntax: TransferSyntax, source: ByteSource) {
        self.meta = meta
        self.dataset = dataset
        self.transferSyntax = transferSyntax
        self.warnings = []
        self.source = source
        self.datasetSource = source
        self.datasetOffset = 0
        self.datasetEncoding = DatasetEncoding(explicitVR: transferSyntax.isExplicitVR, bigEndian: transferSyntax.isBigEndian)
    }
}

public enum Part10Reader {
    /// Inflated data sets larger than this are refused: a decompression-bomb guard. Overridable
    /// with DICOMTOOL_MAX_INFLATED_BYTES.
    public static let inflateLimit: Int = {
        if let s = ProcessInfo.processInfo.environment["DICOMTOOL_MAX_INFLATED_BYTES"], let v = Int(s), v > 0 { return v }
        return 1 << 30
    }()

    public struct Options: Sendable {
        /// Read the File Meta Information only.
        public var metaOnly = false
        /// Stop indexing the top level of the data set at the first tag at or above this one: a
        /// header read (`--where`) stops before (7FE0,0010) Pixel Data, so an encapsulated image's
        /// fragments are never walked. Elements below it are read as usual (nested ones in full).
        public var stopBefore: Tag?
        public init() {}
    }

    /// Reads a file (`-` is standard input).
    public static func read(path: String, options: Options = Options()) throws(DicomError) -> DicomFile {
        do {
            let source = path == "-" ? try ByteSource.standardInput() : try ByteSource(contentsOfFile: path)
            return try read(source: source, options: options)
        } catch {
            throw error.inFile(path)
        }
    }

    /// Bytes `looksLikeDicom` needs: the preamble, the DICM prefix and the first element header.
    public static let recognitionPrefixLength = 140

    /// Whether a file starting with `prefix` is DICOM by what `read` accepts as a start: the DICM
    /// prefix at byte 128, File Meta Information at byte 0, or a bare data set whose first element
    /// is of a low group (see `detectEncoding`). For leaving README, .zip and other files of a
    /// directory out of a walk; a file that passes may still turn out to be broken DICOM.
    public static func looksLikeDicom(_ prefix: ArraySlice<UInt8>) -> Bool {
        let b = Array(prefix)
        if b.count >= 132, b[128] == 0x44, b[129] == 0x49, b[130] == 0x43, b[131] == 0x4D { return true }
        if b.count >= 8, b[0] == 0x02, b[1] == 0x00, VR(bytes: b[4], b[5]) != nil { return true }
        if b.count >= 2, b[0] == 0x1F, b[1] == 0x8B { return false }
        return detectEncoding(ByteSource(ownedBytes: b, name: "prefix"), at: 0) != nil
    }

    public static func read(source: ByteSource, options: Options = Options()) throws(DicomError) -> DicomFile {
        let n = source.count
        var parser = DatasetParser(source: source)
        var preamble: [UInt8]?
        var metaStart: Int?
        if n >= 132, source[128] == 0x44, source[129] == 0x49, source[130] == 0x43, source[131] == 0x4D {
            preamble = source.bytes(0..<128)
            metaStart = 132
        } else if n >= 8, source[0] == 0x02, source[1] == 0x00, VR(bytes: source[4], source[5]) != nil {
            // File Meta without preamble: written by some old tools.
            parser.warn("no preamble and DICM prefix; File Meta Information starts at byte 0", offset: 0)
            metaStart = 0
        }

        var meta = Dataset()
        var pos = 0
        if let start = metaStart {
            guard n - start >= 8 else {
                throw DicomError(.invalidInput, "truncated: no File Meta Information after the DICM prefix", offset: start)
            }
            (meta, pos) = try readMeta(&parser, from: start)
        } else {
            if n >= 2, source[0] == 0x1F, source[1] == 0x8B {
                throw DicomError(.invalidInput, "not a DICOM file (gzip stream: decompress it first)", offset: 0)
            }
            parser.warn("no preamble and no File Meta Information: bare data set", offset: 0)
        }

        // The transfer syntax: declared, else detected from the first element.
        var syntax: TransferSyntax
        if let uid = meta.string(.transferSyntaxUID), !uid.isEmpty {
            guard let ts = TransferSyntax(uid: uid) else {
                throw DicomError(.unsupported, "unknown Transfer Syntax UID '\(uid)'", offset: meta[.transferSyntaxUID]?.offset,
                                 tag: .transferSyntaxUID)
            }
            syntax = ts
            if uid.hasSuffix(" ") { parser.warn("Transfer Syntax UID padded with spaces", offset: nil, tag: .transferSyntaxUID) }
        } else {
            guard let detected = detectEncoding(source, at: pos) else {
                throw DicomError(.invalidInput, "not a DICOM file: no DICM prefix and no recognisable data set", offset: pos)
            }
            if metaStart != nil {
                parser.warn("File Meta Information has no Transfer Syntax UID; detected \(detected.name)", offset: pos,
                            tag: .transferSyntaxUID)
            }
            syntax = detected
        }

        var file = DicomFile(meta: meta, dataset: Dataset(), transferSyntax: syntax, source: source)
        file.preamble = preamble
        if options.metaOnly {
            file.warnings = parser.warnings
            return file
        }

        var dataSource = source
        var dataStart = pos
        if syntax.isDeflated {
            let compressed = source.bytes(pos..<n)
            let inflated: [UInt8]
            do {
                inflated = try Deflate.inflateRaw(compressed, limit: inflateLimit)
            } catch {
                var e = error
                e.offset = e.offset ?? pos
                e.message = "deflated data set: " + e.message
                throw e
            }
            dataSource = ByteSource(ownedBytes: inflated, name: "\(source.name) (inflated data set)")
            dataStart = 0
            parser = DatasetParser(source: dataSource)
            parser.warnings = file.warnings
        }

        parser.stopBefore = options.stopBefore
        var encoding = DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian)
        // A data set encoded otherwise than its meta says (implicit VR under an explicit syntax is
        // common): trust the bytes of the first element, as pydicom and GDCM do.
        if dataSource.count - dataStart >= 8 {
            let vrValid = VR(bytes: dataSource[dataStart + 4], dataSource[dataStart + 5]) != nil
            if encoding.explicitVR && !vrValid {
                parser.warn("Transfer Syntax is explicit VR but the data set is implicit VR; reading it as implicit",
                            offset: dataStart)
                encoding.explicitVR = false
            } else if !encoding.explicitVR && vrValid && plausibleExplicitLength(dataSource, at: dataStart) {
                parser.warn("Transfer Syntax is implicit VR but the data set is explicit VR; reading it as explicit",
                            offset: dataStart)
                encoding.explicitVR = true
            }
        }
        let warningsBefore = parser.warnings
        parser.stopBefore = options.stopBefore
        var dataset: Dataset
        do {
            (dataset, _) = try parser.parseDataset(from: dataStart, to: dataSource.count, encoding: encoding, undefinedItem: false,
                                                   characterSet: .default, depth: 0)
        } catch {
            if syntax.isDeflated { var e = error; e.message += " (offset in the inflated data set)"; throw e }
            throw error
        }
        _ = warningsBefore
        if syntax.isDeflated {
            parser.warnings = parser.warnings.map { var w = $0; w.message += " (offset in the inflated data set)"; return w }
        }
        // A native syntax whose VR encoding was wrong is corrected; an encapsulated one is kept,
        // because it still says how the pixels are compressed (`datasetEncoding` says how the
        // elements were read).
        if encoding.explicitVR != syntax.isExplicitVR && !syntax.isEncapsulated {
            syntax = encoding.explicitVR ? .explicitVRLittleEndian : .implicitVRLittleEndian
        }
        file.datasetEncoding = encoding
        dataset.offset = dataStart
        file.dataset = dataset
        file.transferSyntax = syntax
        file.datasetSource = dataSource
        file.datasetOffset = dataStart
        file.warnings = parser.warnings
        return file
    }

    /// Group 0002, always Explicit VR Little Endian (PS3.10 7.1), read while the group is 0002
    /// (the group length is checked, not trusted: many writers get it wrong).
    private static func readMeta(_ parser: inout DatasetParser, from start: Int) throws(DicomError) -> (Dataset, Int) {
        let source = parser.source
        // Find the end of group 0002 by walking headers; tolerate an implicit-VR meta.
        var explicit = true
        if VR(bytes: source[start + 4], source[start + 5]) == nil {
            parser.warn("File Meta Information is implicit VR (it must be explicit VR little endian)", offset: start)
            explicit = false
        }
        var pos = start
        while source.count - pos >= 8, source.uint16(at: pos, bigEndian: false) == 0x0002 {
            let vrOK = VR(bytes: source[pos + 4], source[pos + 5])
            var next: Int
            if explicit, let vr = vrOK {
                if vr.hasLongLength {
                    guard source.count - pos >= 12 else { break }
                    next = pos + 12 + Int(widening: source.uint32(at: pos + 8, bigEndian: false))
                } else {
                    next = pos + 8 + Int(widening: source.uint16(at: pos + 6, bigEndian: false))
                }
            } else {
                next = pos + 8 + Int(widening: source.uint32(at: pos + 4, bigEndian: false))
            }
            guard next <= source.count else {
                let tag = Tag(0x0002, source.uint16(at: pos + 2, bigEndian: false))
                throw DicomError(.invalidInput, "truncated: File Meta element declares \(next - pos) bytes, \(source.count - pos) remain",
                                 offset: pos, tag: tag)
            }
            pos = next
        }
        var (meta, _) = try parser.parseDataset(from: start, to: pos, encoding: DatasetEncoding(explicitVR: explicit, bigEndian: false),
                                                undefinedItem: false, characterSet: .default, depth: 0)
        meta.offset = start
        if let groupLength = meta.int(.fileMetaInformationGroupLength) {
            let firstAfterLength = (meta[.fileMetaInformationGroupLength]?.offset ?? start) + 12
            if firstAfterLength + groupLength != pos {
                parser.warn("File Meta Information Group Length is \(groupLength), the group has \(pos - firstAfterLength) bytes",
                            offset: start, tag: .fileMetaInformationGroupLength)
            }
        } else {
            parser.warn("File Meta Information lacks (0002,0000) group length", offset: start, tag: .fileMetaInformationGroupLength)
        }
        return (meta, pos)
    }

    /// Guesses the encoding of a data set from its first element, as dcmtk and pydicom do: the
    /// byte order that gives the smaller (plausible) group, explicit VR when two letters follow.
    static func detectEncoding(_ source: ByteSource, at pos: Int) -> TransferSyntax? {
        guard source.count - pos >= 8 else { return nil }
        let le = source.uint16(at: pos, bigEndian: false)
        let be = source.uint16(at: pos, bigEndian: true)
        let bigEndian = be < le
        let group = bigEndian ? be : le
        // A data set starts with a low group (0008 usually; 0001 to 0010 seen in the wild).
        guard group >= 0x0001, group <= 0x0010 else { return nil }
        let explicit = VR(bytes: source[pos + 4], source[pos + 5]) != nil
        if bigEndian { return explicit ? .explicitVRBigEndian : nil }
        return explicit ? .explicitVRLittleEndian : .implicitVRLittleEndian
    }

    /// For an element whose bytes 4-5 spell a VR: does the explicit reading give a length that fits?
    private static func plausibleExplicitLength(_ source: ByteSource, at pos: Int) -> Bool {
        guard let vr = VR(bytes: source[pos + 4], source[pos + 5]) else { return false }
        if vr.hasLongLength {
            return source.count - pos >= 12 && source[pos + 6] == 0 && source[pos + 7] == 0
        }
        return Int(widening: source.uint16(at: pos + 6, bigEndian: false)) <= source.count - pos - 8
    }
}
