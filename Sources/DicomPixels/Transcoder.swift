import DicomCodecs
import DicomCore
import DicomIO
import Foundation

/// What `transcode` should produce.
public struct TranscodeOptions: Sendable {
    public enum OffsetTable: String, Sendable { case basic, extended, none }

    public var target: TransferSyntax
    public var encode = EncodeOptions()
    public var offsetTable: OffsetTable = .basic
    /// Split each frame's codestream into fragments of at most this many bytes (even).
    public var fragmentSize: Int?
    public var newSeries = false
    /// Decode what was encoded and compare: lossless must be bit-exact, lossy is measured.
    public var verify = false
    public var maxError: Int?
    public var minPSNR: Double?

    public init(target: TransferSyntax) { self.target = target }
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

/// Reads frames, decodes, encodes and records history: the data flow of ARCHITECTURE.md steps 3-7.
/// Codecs see only a PixelDescription and bytes; the data set is edited here and in LossyBookkeeping.
public struct Transcoder {
    public let options: TranscodeOptions

    public init(_ options: TranscodeOptions) { self.options = options }

    /// A transcoded instance ready to write: meta, data set, and the Pixel Data writer when the
    /// pixels are produced frame by frame.
    public struct Output {
        public var meta: Dataset
        public var dataset: Dataset
        public var streamed: [Tag: any StreamedElement]
        public var report: TranscodeReport
    }

    public func transcode(_ file: DicomFile) throws(DicomError) -> Output {
        let target = options.target
        var ds = file.dataset
        var report = TranscodeReport(source: file.transferSyntax, target: target)
        var streamed: [Tag: any StreamedElement] = [:]
        if target.family == .other || target.family == .video || target.family == .jpip || target.family == .jpegXL
            || target.family == .jpegRetired || target.family == .jpeg2000Part2 {
            throw DicomError(.unsupported, "writing \(target.name) is not supported")
        }

        if let frames = try FrameSource(dataset: ds, syntax: file.transferSyntax) {
            report.frames = frames.frameCount
            let sourceEncapsulated = frames.isEncapsulated
            if sourceEncapsulated && file.transferSyntax == target && !options.verify {
                // Same compressed syntax: fragments are copied as they are.
            } else if !sourceEncapsulated && !target.isEncapsulated {
                // Native to native: the writer re-orders bytes by VR; nothing is decoded.
            } else if !target.isEncapsulated {
                let plan = try nativePlan(frames, &ds, &report)
                streamed[.pixelData] = plan
            } else {
                try encodeAll(frames, &ds, &report)
            }
        } else if ds[.pixelData] == nil, target.isEncapsulated {
            // No pixels: any syntax holds the data set; the encapsulated UID only says how pixels would be stored.
        }

        if report.lossy, let ratio = report.ratio, let method = report.method {
            let before = ds
            LossyBookkeeping.recordLossyStep(&ds, ratio: ratio, method: method,
                                             description: "Lossy compression with \(target.name), ratio \(LossyBookkeeping.formatDS(ratio)):1",
                                             newSeries: options.newSeries)
            report.changes += Self.describeChanges(from: before, to: ds)
        }
        let meta = DatasetWriter.makeMeta(for: ds, syntax: target, previous: file.meta)
        return Output(meta: meta, dataset: ds, streamed: streamed, report: report)
    }

    // MARK: Encapsulated source, native target

    /// Pixel Data written frame by frame from the decoder, so memory holds one decoded frame.
    struct NativePixelWriter: StreamedElement {
        let frames: FrameSource
        let decoder: any PixelDecoder
        let frameDescription: PixelDescription
        let vr: VR

        func write<S: OutputSink>(to sink: inout S, encoding: DatasetEncoding) throws(DicomError) {
            let frameBytes = frameDescription.frameByteCount
            let total = frameBytes * frames.frameCount
            let writer = DatasetWriter(syntax: .explicitVRLittleEndian)
            try sink.write(writer.elementHeader(.pixelData, vr, length: UInt32(total + total % 2), encoding))
            for k in 0..<frames.frameCount {
                var bytes = try decodeFrame(frames, decoder, k, expecting: frameDescription).bytes
                if encoding.bigEndian && vr == .OW { swapInPlace(&bytes, unit: 2) }
                try sink.write(bytes)
            }
            if total % 2 == 1 { try sink.write([0]) }
        }
    }

    private func nativePlan(_ frames: FrameSource, _ ds: inout Dataset, _ report: inout TranscodeReport) throws(DicomError) -> NativePixelWriter {
        guard let decoder = CodecRegistry.decoder(for: frames.syntax) else {
            throw DicomError(.unsupported, "no decoder for \(frames.syntax.name)")
        }
        // Decode frame 1 first: the decoder tells what the pixels really are (e.g. RGB from YBR_FULL_422).
        let first = try Self.decodeFrame(frames, decoder, 0, expecting: nil)
        var d = first.description
        d.numberOfFrames = frames.frameCount
        let before = ds
        apply(d, to: &ds)
        report.changes += Self.describeChanges(from: before, to: ds)
        report.pixelsReencoded = true
        let vr: VR = d.bitsAllocated > 8 ? .OW : .OB
        ds.set(Element(tag: .pixelData, vr: vr, value: .bytes(ValueBytes([]))))  // placeholder: the writer streams it
        return NativePixelWriter(frames: frames, decoder: decoder, frameDescription: d, vr: vr)
    }

    static func decodeFrame(_ frames: FrameSource, _ decoder: any PixelDecoder, _ k: Int,
                            expecting: PixelDescription?) throws(DicomError) -> DecodedFrame {
        let codestream = try frames.frame(k)
        var frameDescription = frames.description
        frameDescription.numberOfFrames = 1
        var decoded: DecodedFrame
        do {
            decoded = try decoder.decode(codestream, description: frameDescription)
        } catch {
            var e = error
            if e.code != .unsupported { e.code = .decodeFailed }
            e.message = "frame \(k + 1): " + e.message
            e.tag = e.tag ?? .pixelData
            throw e
        }
        decoded = normalized(interleaved(decoded))
        if let expecting, decoded.bytes.count != expecting.frameByteCount {
            throw DicomError(.decodeFailed, "frame \(k + 1) decoded to \(decoded.bytes.count) bytes, frame 1 to \(expecting.frameByteCount)",
                             tag: .pixelData)
        }
        return decoded
    }

    /// Samples reduced to their Bits Stored and sign-extended when Pixel Representation is 1: what
    /// the codecs encode and decode (a codestream holds Bits Stored bits), so lossless really
    /// compares values, and unused high bits from any source come out the same (0, or the sign).
    static func normalized(_ f: DecodedFrame) -> DecodedFrame {
        let d = f.description
        guard d.bitsStored < d.bitsAllocated, d.bitsAllocated == 16 || d.bitsAllocated == 32 else { return f }
        var bytes = f.bytes
        let mask: UInt32 = d.bitsStored >= 32 ? .max : (1 << UInt32(d.bitsStored)) - 1
        let sign: UInt32 = 1 << UInt32(d.bitsStored - 1)
        bytes.withUnsafeMutableBytes { raw in
            if d.bitsAllocated == 16 {
                let p = raw.bindMemory(to: UInt16.self)
                for i in 0..<p.count {
                    var v = UInt32(UInt16(littleEndian: p[i])) & mask
                    if d.isSigned && v & sign != 0 { v |= ~mask }
                    p[i] = UInt16(truncatingIfNeeded: v).littleEndian
                }
            } else {
                let p = raw.bindMemory(to: UInt32.self)
                for i in 0..<p.count {
                    var v = UInt32(littleEndian: p[i]) & mask
                    if d.isSigned && v & sign != 0 { v |= ~mask }
                    p[i] = v.littleEndian
                }
            }
        }
        return DecodedFrame(bytes: bytes, description: d)
    }

    /// Colour-by-plane frames made colour-by-pixel (what every encoder and the hash convention expect).
    static func interleaved(_ f: DecodedFrame) -> DecodedFrame {
        let d = f.description
        guard d.samplesPerPixel > 1, d.planarConfiguration == 1 else { return f }
        let n = d.rows * d.columns, bps = d.bytesPerSample, spp = d.samplesPerPixel
        guard f.bytes.count >= n * spp * bps else { return f }
        var out = [UInt8](repeating: 0, count: n * spp * bps)
        f.bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for s in 0..<spp {
                    for i in 0..<n {
                        for b in 0..<bps { dst[(i * spp + s) * bps + b] = src[(s * n + i) * bps + b] }
                    }
                }
            }
        }
        var nd = d
        nd.planarConfiguration = 0
        return DecodedFrame(bytes: out, description: nd)
    }

    // MARK: Encapsulated target

    private func encodeAll(_ frames: FrameSource, _ ds: inout Dataset, _ report: inout TranscodeReport) throws(DicomError) {
        let target = options.target
        guard let encoder = CodecRegistry.encoder(for: target) else {
            throw DicomError(.unsupported, "\(target.name) can be read but not written (no encoder)")
        }
        let decoder: (any PixelDecoder)? = frames.isEncapsulated ? CodecRegistry.decoder(for: frames.syntax) : nil
        if frames.isEncapsulated && decoder == nil {
            throw DicomError(.unsupported, "no decoder for \(frames.syntax.name)")
        }
        if !frames.isEncapsulated && frames.description.photometricInterpretation == "YBR_FULL_422" {
            throw DicomError(.unsupported, "encoding native YBR_FULL_422 (2 samples per pixel pair) is not supported; "
                             + "transcode to RGB first is not available either", tag: PixelModule.photometric)
        }
        var fragments: [ValueBytes] = []
        var frameStarts: [Int] = []   // fragment index where each frame starts
        var frameLengths: [Int] = []
        var encodedDescription: PixelDescription?
        var compressedTotal = 0, uncompressedTotal = 0
        var lossy = false
        var method: String?
        var maxErr = 0, sumSq = 0.0, samples = 0
        for k in 0..<frames.frameCount {
            let source: DecodedFrame
            if let decoder {
                source = try Self.decodeFrame(frames, decoder, k, expecting: nil)
            } else {
                var d = frames.description
                d.numberOfFrames = 1
                source = Self.normalized(Self.interleaved(DecodedFrame(bytes: try frames.frame(k), description: d)))
            }
            let encoded: EncodedFrame
            do {
                encoded = try encoder.encode(source, options: options.encode)
            } catch {
                var e = error
                if e.code != .unsupported && e.code != .usage { e.code = .encodeFailed }
                e.message = "frame \(k + 1): " + e.message
                throw e
            }
            if options.verify {
                guard let check = CodecRegistry.decoder(for: target) else {
                    throw DicomError(.unsupported, "--verify: no decoder for \(target.name)")
                }
                var d = encoded.description
                d.numberOfFrames = 1
                let back = Self.interleaved(try check.decode(encoded.bytes, description: d))
                let cmp = try Self.compare(source, back, lossy: encoded.outcome.isLossy, frame: k)
                maxErr = max(maxErr, cmp.maxError)
                sumSq += cmp.sumSquares
                samples += cmp.samples
            }
            lossy = lossy || encoded.outcome.isLossy
            method = method ?? encoded.outcome.method
            encodedDescription = encodedDescription ?? encoded.description
            uncompressedTotal += source.description.frameByteCount
            compressedTotal += encoded.bytes.count
            frameStarts.append(fragments.count)
            frameLengths.append(encoded.bytes.count + encoded.bytes.count % 2)
            var bytes = encoded.bytes
            if bytes.count % 2 == 1 { bytes.append(0) }  // fragments have even length (PS3.5 A.4)
            if let size = options.fragmentSize, size >= 2, bytes.count > size {
                var start = 0
                while start < bytes.count {
                    fragments.append(ValueBytes(Array(bytes[start..<min(bytes.count, start + size)])))
                    start += size
                }
            } else {
                fragments.append(ValueBytes(bytes))
            }
        }
        // Offsets of each frame's first fragment item, from the first fragment's item tag.
        var itemOffsets: [Int] = []
        var acc = 0
        for f in fragments { itemOffsets.append(acc); acc += 8 + f.count }
        let frameOffsets = frameStarts.map { itemOffsets[$0] }
        var table = ValueBytes([])
        ds.remove(.extendedOffsetTable)
        ds.remove(.extendedOffsetTableLengths)
        switch options.offsetTable {
        case .basic:
            guard acc <= Int(UInt32.max) else {
                throw DicomError(.encodeFailed, "encapsulated Pixel Data exceeds 4 GiB: use --offset-table extended")
            }
            table = ValueBytes(frameOffsets.flatMap { le32(UInt32($0)) })
        case .extended:
            ds.set(Element(tag: .extendedOffsetTable, vr: .OV, value: .bytes(ValueBytes(frameOffsets.flatMap { le64(UInt64($0)) }))))
            ds.set(Element(tag: .extendedOffsetTableLengths, vr: .OV, value: .bytes(ValueBytes(frameLengths.flatMap { le64(UInt64($0)) }))))
        case .none:
            break
        }
        let before = ds
        if var d = encodedDescription {
            d.numberOfFrames = frames.frameCount
            apply(d, to: &ds)
        }
        ds.set(Element(tag: .pixelData, vr: .OB, value: .fragments(Fragments(offsetTable: table, fragments: fragments)),
                       hadUndefinedLength: true))
        report.changes += Self.describeChanges(from: before, to: ds)
        report.pixelsReencoded = true
        report.lossy = lossy
        report.method = method
        report.ratio = compressedTotal > 0 ? Double(uncompressedTotal) / Double(compressedTotal) : nil
        if options.verify {
            report.maxError = maxErr
            report.rmse = samples > 0 ? (sumSq / Double(samples)).squareRoot() : 0
            let peak = Double((1 << (encodedDescription?.bitsStored ?? 8)) - 1)
            report.psnr = (report.rmse ?? 0) > 0 ? 20 * log10(peak / report.rmse!) : .infinity
            if let limit = options.maxError, maxErr > limit {
                throw DicomError(.encodeFailed, "--verify: maximum error \(maxErr) exceeds --max-error \(limit)")
            }
            if let limit = options.minPSNR, let psnr = report.psnr, psnr < limit {
                throw DicomError(.encodeFailed, "--verify: PSNR \(String(format: "%.2f", psnr)) dB is below --min-psnr \(limit)")
            }
        }
    }

    /// Sample-wise comparison of two decoded frames; lossless encodings must match bit for bit.
    static func compare(_ a: DecodedFrame, _ b: DecodedFrame, lossy: Bool, frame k: Int) throws(DicomError)
        -> (maxError: Int, sumSquares: Double, samples: Int) {
        guard a.bytes.count == b.bytes.count else {
            throw DicomError(.encodeFailed, "--verify: frame \(k + 1) decodes to \(b.bytes.count) bytes, expected \(a.bytes.count)")
        }
        if !lossy {
            guard a.bytes == b.bytes else {
                throw DicomError(.encodeFailed, "--verify: frame \(k + 1) is not bit-exact after a lossless encoding; nothing written")
            }
            return (0, 0, a.bytes.count)
        }
        let d = a.description
        let bps = d.bytesPerSample
        let n = a.bytes.count / bps
        var maxE = 0, sum = 0.0
        let bits = d.bitsStored, signed = d.isSigned
        func sample(_ x: [UInt8], _ i: Int) -> Int {
            var v = 0
            for k in 0..<bps { v |= Int(x[i * bps + k]) << (8 * k) }
            v &= (1 << bits) - 1
            if signed && v & (1 << (bits - 1)) != 0 { v -= 1 << bits }
            return v
        }
        for i in 0..<n {
            let e = abs(sample(a.bytes, i) - sample(b.bytes, i))
            maxE = max(maxE, e)
            sum += Double(e * e)
        }
        return (maxE, sum, n)
    }

    /// Writes the Image Pixel attributes a description changes (photometric, planar, bits).
    private func apply(_ d: PixelDescription, to ds: inout Dataset) {
        ds.setString(PixelModule.photometric, .CS, d.photometricInterpretation)
        if d.samplesPerPixel > 1 { ds.setUInt16(PixelModule.planarConfiguration, UInt16(d.planarConfiguration)) }
        ds.setUInt16(PixelModule.samplesPerPixel, UInt16(d.samplesPerPixel))
        ds.setUInt16(PixelModule.bitsAllocated, UInt16(d.bitsAllocated))
        ds.setUInt16(PixelModule.bitsStored, UInt16(d.bitsStored))
        ds.setUInt16(PixelModule.highBit, UInt16(d.highBit))
        ds.setUInt16(PixelModule.pixelRepresentation, UInt16(d.pixelRepresentation))
    }

    /// "(gggg,eeee) Keyword: old -> new" for every top-level element that changed (not Pixel Data).
    static func describeChanges(from a: Dataset, to b: Dataset) -> [String] {
        var out: [String] = []
        var tags = Set(a.elements.map(\.tag))
        tags.formUnion(b.elements.map(\.tag))
        for tag in tags.sorted() where tag != .pixelData {
            let old = a[tag].map { render($0, a) }, new = b[tag].map { render($0, b) }
            if old != new {
                let kw = DataDictionary.entry(for: tag)?.keyword ?? ""
                out.append("\(tag) \(kw): \(old ?? "(absent)") -> \(new ?? "(removed)")")
            }
        }
        return out
    }

    private static func render(_ e: Element, _ ds: Dataset) -> String {
        switch e.value {
        case .sequence(let items): return "(\(items.count) item\(items.count == 1 ? "" : "s"))"
        case .fragments(let f): return "(\(f.fragments.count) fragments)"
        case .bytes(let b):
            if e.vr.isBinaryNumber { return binaryNumbers(b, vr: e.vr).map { Int(exactly: $0).map(String.init) ?? String($0) }.joined(separator: "\\") }
            if e.vr.isBulkBinary { return "(\(b.count) bytes)" }
            return ds.decodeText(b, vr: e.vr)
        }
    }
}

private func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(v >> (8 * UInt64($0)) & 0xFF) } }
