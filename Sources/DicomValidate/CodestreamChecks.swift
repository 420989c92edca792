import DicomCodecs
import DicomCore
import DicomIO
import DicomPixels

/// Checks no peer makes: the first frame's codestream against the header that describes it
/// (JPEG SOF, JPEG-LS SOF55 and SOS NEAR, JPEG 2000 SIZ and COD) and against the transfer syntax,
/// and the lossy flag against what the codestream really is (PS3.5 8.2, A.4; PS3.3 C.7.6.1.1.5).
enum CodestreamChecks {
    /// What a codestream header says about the image.
    struct Facts {
        var rows: Int, columns: Int, components: Int, precision: Int
        var signed: Bool?
        /// True when the coding discards information (DCT, NEAR > 0, 9/7 wavelet).
        var lossy: Bool
        var what: String
    }

    static func run(_ file: DicomFile, into out: inout Findings) {
        let syntax = file.transferSyntax
        guard syntax.isEncapsulated, let frames = try? FrameSource(dataset: file.dataset, syntax: syntax),
              frames.isEncapsulated, let stream = try? frames.frame(0), !stream.isEmpty else { return }
        let d = frames.description
        let facts: Facts?
        switch syntax.family {
        case .jpegBaseline, .jpegExtended, .jpegLossless, .jpegRetired: facts = jpeg(stream, syntax, into: &out)
        case .jpegLS: facts = jpegLS(stream, syntax, into: &out)
        case .jpeg2000, .htj2k: facts = j2k(stream, syntax, into: &out)
        default: facts = nil
        }
        guard let f = facts else { return }
        let ref = "PS3.5 8.2"
        if f.rows != d.rows || f.columns != d.columns {
            out.add(.error, "codestream.geometry", "PixelData", Tag.pixelData,
                    "\(f.what) is \(f.columns)x\(f.rows), the header says Columns \(d.columns) and Rows \(d.rows)", ref)
        }
        if f.components != d.samplesPerPixel {
            out.add(.error, "codestream.components", "SamplesPerPixel", Tag.samplesPerPixel,
                    "\(f.what) has \(f.components) component(s), Samples per Pixel is \(d.samplesPerPixel)", ref)
        }
        if f.precision < d.bitsStored {
            // A warning: readers decode such files (the values fit the codestream's precision), but
            // the header claims bits the codestream cannot hold.
            out.add(.warning, "codestream.precision", "BitsStored", Tag.bitsStored,
                    "\(f.what) precision is \(f.precision) bits, Bits Stored is \(d.bitsStored): the stored bits cannot all be coded", ref)
        } else if f.precision > d.bitsStored {
            // Bits Stored <= 8 below Bits Allocated at P = Bits Allocated (JPEG-LS, JPEG lossless)
            // is how dcmcjpls, gdcmconv and dicomtool write it: dcmdjpls decodes no JPEG-LS P below
            // 8, GDCM no lossless JPEG P below 8, and decoders return 16-bit samples only for
            // P > 8. Not a warning.
            let wideContainer = (syntax.family == .jpegLS || syntax.family == .jpegLossless) && f.precision == codedPrecision(d)
            out.add(f.lossy || wideContainer ? .info : .warning, "codestream.precision", "BitsStored", Tag.bitsStored,
                    "\(f.what) precision is \(f.precision) bits, Bits Stored is \(d.bitsStored)"
                    + (wideContainer ? " (the precision dcmtk and GDCM decode for this container)" : ""), ref)
        }
        if let signed = f.signed, signed != d.isSigned {
            out.add(.warning, "codestream.signedness", "PixelRepresentation", Tag.pixelRepresentation,
                    "\(f.what) samples are \(signed ? "signed" : "unsigned"), Pixel Representation is \(d.pixelRepresentation)", ref)
        }
        if f.lossy && LossyChecks.flagValue(file.dataset) != "01" && !syntax.isLossyOnly {
            out.add(.error, "lossy.flag.codestream", "LossyImageCompression", Tag.lossyImageCompression,
                    "\(f.what) is lossy but Lossy Image Compression is not \"01\"", "PS3.3 C.7.6.1.1.5")
        }
    }

    private static func be16(_ b: [UInt8], _ i: Int) -> Int { Int(widening: b[i]) << 8 | Int(widening: b[i + 1]) }
    private static func be32(_ b: [UInt8], _ i: Int) -> Int { be16(b, i) << 16 | be16(b, i + 2) }

    static func jpeg(_ s: [UInt8], _ syntax: TransferSyntax, into out: inout Findings) -> Facts? {
        guard let h = try? JPEGFrameHeader.parse(s) else {
            out.add(.error, "codestream.unreadable", "PixelData", Tag.pixelData, "the JPEG frame header cannot be read", "PS3.5 A.4.1")
            return nil
        }
        // Which SOF processes each syntax allows (PS3.5 A.4.1, 10.x): baseline is SOF0, extended
        // adds SOF1, lossless is SOF3 (process 14).
        let allowed: [String: Set<Int>] = [TransferSyntax.jpegBaseline.uid: [0], TransferSyntax.jpegExtended.uid: [0, 1],
                                           TransferSyntax.jpegLossless.uid: [3], TransferSyntax.jpegLosslessSV1.uid: [3]]
        if let set = allowed[syntax.uid], !set.contains(h.process) {
            out.add(.error, "codestream.process", "PixelData", Tag.pixelData,
                    "JPEG SOF\(h.process) is not allowed in \(syntax.name) (expects SOF\(set.sorted().map(String.init).joined(separator: "/SOF")))",
                    "PS3.5 A.4.1")
        }
        return Facts(rows: h.rows, columns: h.columns, components: h.components.count, precision: h.precision,
                     signed: nil, lossy: !h.isLossless, what: "the JPEG SOF\(h.process) header")
    }

    static func jpegLS(_ s: [UInt8], _ syntax: TransferSyntax, into out: inout Findings) -> Facts? {
        var i = 2
        var facts: Facts?
        var near = 0
        while i + 4 <= s.count {
            guard s[i] == 0xFF else { i += 1; continue }
            let marker = s[i + 1]
            if marker == 0xFF || marker == 0xD8 || (0xD0...0xD7).contains(marker) { i += 1; continue }
            let length = be16(s, i + 2)
            if marker == 0xF7, i + 9 < s.count {  // SOF55: P, Y, X, Nf
                facts = Facts(rows: be16(s, i + 5), columns: be16(s, i + 7), components: Int(widening: s[i + 9]),
                              precision: Int(widening: s[i + 4]), signed: nil, lossy: false, what: "the JPEG-LS SOF55 header")
            } else if marker == 0xDA, i + 4 < s.count {  // SOS: Ns, (Ci, Tm) x Ns, NEAR, ILV, Al/Ah
                let ns = Int(widening: s[i + 4])
                let nearAt = i + 5 + 2 * ns
                if nearAt < s.count { near = Int(widening: s[nearAt]) }
                break
            }
            i += 2 + length
        }
        guard var f = facts else {
            out.add(.error, "codestream.unreadable", "PixelData", Tag.pixelData, "no JPEG-LS SOF55 header in the first frame", "PS3.5 A.4.3")
            return nil
        }
        f.lossy = near > 0
        f.what = "the JPEG-LS stream (NEAR \(near))"
        if near > 0 && syntax.family == .jpegLS && syntax.isLosslessOnly {
            out.add(.error, "codestream.near", "PixelData", Tag.pixelData,
                    "JPEG-LS NEAR is \(near) under JPEG-LS Lossless (\(syntax.uid)), which requires NEAR 0", "PS3.5 A.4.3")
        }
        return f
    }

    static func j2k(_ s: [UInt8], _ syntax: TransferSyntax, into out: inout Findings) -> Facts? {
        // A JP2 file inside the fragment (non-conformant but common): look for the codestream in it.
        var start = 0
        if s.count > 12, s[4] == 0x6A, s[5] == 0x50 {
            var k = 0
            while k + 1 < s.count, !(s[k] == 0xFF && s[k + 1] == 0x4F && k + 3 < s.count && s[k + 2] == 0xFF && s[k + 3] == 0x51) { k += 1 }
            start = k
            out.add(.warning, "codestream.jp2", "PixelData", Tag.pixelData,
                    "the fragment holds a JP2 file, not a raw JPEG 2000 codestream", "PS3.5 A.4.4")
        }
        guard start + 4 < s.count, s[start] == 0xFF, s[start + 1] == 0x4F else {
            out.add(.error, "codestream.unreadable", "PixelData", Tag.pixelData, "the first frame does not start with a JPEG 2000 SOC marker", "PS3.5 A.4.4")
            return nil
        }
        var i = start + 2
        var facts: Facts?
        var reversible: Bool?
        var isHT = false
        while i + 4 <= s.count {
            guard s[i] == 0xFF else { break }
            let marker = s[i + 1], length = be16(s, i + 2)
            if marker == 0x90 { break }  // SOT: the main header is over
            if marker == 0x51, i + 42 <= s.count {  // SIZ
                let xs = be32(s, i + 6), ys = be32(s, i + 10), xo = be32(s, i + 14), yo = be32(s, i + 18)
                let c = be16(s, i + 38)
                if c >= 1, i + 40 + 3 * c <= s.count {
                    let ssiz = Int(widening: s[i + 40])
                    facts = Facts(rows: ys - yo, columns: xs - xo, components: c, precision: (ssiz & 0x7F) + 1,
                                  signed: ssiz & 0x80 != 0, lossy: false, what: "the JPEG 2000 SIZ")
                }
            } else if marker == 0x50 {
                isHT = true  // CAP: Part 15 capabilities (HTJ2K)
            } else if marker == 0x52, i + 13 < s.count {  // COD: Scod, SGcod (4), SPcod: levels, cbw, cbh, style, transform
                reversible = s[i + 13] == 1
            }
            i += 2 + length
        }
        guard var f = facts else {
            out.add(.error, "codestream.unreadable", "PixelData", Tag.pixelData, "no SIZ marker in the JPEG 2000 main header", "PS3.5 A.4.4")
            return nil
        }
        f.lossy = reversible == false
        if reversible == false, syntax.isLosslessOnly, syntax.family == .jpeg2000 || syntax.family == .htj2k {
            out.add(.error, "codestream.wavelet", "PixelData", Tag.pixelData,
                    "the codestream uses the irreversible 9/7 wavelet under \(syntax.name), a lossless-only syntax", "PS3.5 A.4.4")
        }
        if syntax.family == .htj2k && !isHT {
            out.add(.warning, "codestream.htj2k", "PixelData", Tag.pixelData,
                    "no CAP marker: the codestream is plain JPEG 2000 under an HTJ2K transfer syntax", "PS3.5 A.4.9")
        }
        return f
    }
}
