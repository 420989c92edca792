import DicomCore

/// The codestream checks made before OpenJPEG sees a byte: the marker walk and the JP2 box walk.
extension JPEG2000Codec {
    /// Walks the marker segments and tile-parts and refuses a codestream cut short inside one,
    /// with the byte offset where it stops (OpenJPEG only says "Stream too short"). Fuzzing
    /// found these aborting OpenJPEG: the cause was MemoryStream's end-of-stream value (fixed),
    /// the check stays for its precise error. Tile-part data is skipped with Psot (0: to the end).
    /// CAP SIZ COD COC TLM PLM PLT CPF QCD QCC RGN POC PPM PPT CRG COM, Part 2 DCO..ATK, SOT SOP EPH SOD.
    static let knownMarkers: Set<Int> = Set([0xFF50, 0xFF51, 0xFF52, 0xFF53, 0xFF55, 0xFF57, 0xFF58, 0xFF59,
                                                     0xFF5C, 0xFF5D, 0xFF5E, 0xFF5F, 0xFF60, 0xFF61, 0xFF63, 0xFF64,
                                                     0xFF90, 0xFF91, 0xFF92, 0xFF93]).union(0xFF70...0xFF79)

    static let notGivenToOpenJPEG = "refused by the marker check before decoding"

    /// What the marker walk found out about a codestream.
    struct CodestreamLayout {
        /// False when the tile-parts end at the end of the data without an EOC marker.
        var endsWithEOC = false
        /// A CAP marker (Part 15), or a COD/COC whose code-block style selects HT (bit 6), in the
        /// main header or a tile-part header: OpenJPEG then runs its HT block decoder.
        var hasHighThroughputBlocks = false
    }

    func checkMarkerSegments(_ bytes: [UInt8]) throws(DicomError) -> CodestreamLayout {
        func be16(_ at: Int) -> Int { Int(widening: bytes[at]) << 8 | Int(widening: bytes[at + 1]) }
        var layout = CodestreamLayout()
        var componentCount = 0
        /// Whether the COD or COC segment at `at` (length checked) selects HT code-blocks.
        func selectsHighThroughput(_ marker: Int, at: Int, length: Int) -> Bool {
            // COD: Scod, SGcod (4), then levels, xcb, ycb, code-block style. COC: Ccoc (1 byte,
            // 2 when Csiz > 256), Scoc, then the same four.
            let style = marker == 0xFF52 ? at + 12 : at + 8 + (componentCount > 256 ? 2 : 1)
            return style < at + 2 + length && bytes[style] & 0x40 != 0
        }
        var at = 2  // after SOC
        while at < bytes.count {
            guard at + 2 <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream truncated: 1 byte left where a marker starts", offset: at, cause: Self.notGivenToOpenJPEG)
            }
            let marker = be16(at)
            if marker == 0xFFD9 { layout.endsWithEOC = true; return layout }  // EOC
            guard marker >= 0xFF30 else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream: 0x\(NumberText.hex(marker, width: 4, uppercase: true)) at byte \(at) is not a marker",
                                 offset: at, cause: Self.notGivenToOpenJPEG)
            }
            if marker <= 0xFF3F { at += 2; continue }  // markers without a segment
            // Only Part 1, 2 and 15 markers pass: a codestream with others is not one DICOM
            // allows, and fuzzing reached OpenJPEG's unknown-marker scan only through garbage.
            guard Self.knownMarkers.contains(marker) else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream: unknown marker 0x\(NumberText.hex(marker, width: 4, uppercase: true)) at byte \(at)",
                                 offset: at, cause: Self.notGivenToOpenJPEG)
            }
            guard at + 4 <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG 2000 codestream truncated in a marker segment header", offset: at, cause: Self.notGivenToOpenJPEG)
            }
            let length = be16(at + 2)
            guard length >= 2, at + 2 + length <= bytes.count else {
                throw DicomError(.decodeFailed, "JPEG 2000 marker 0x\(NumberText.hex(marker, width: 4, uppercase: true)) at byte \(at) declares \(length) bytes, \(bytes.count - at - 2) remain", offset: at, cause: Self.notGivenToOpenJPEG)
            }
            if marker == 0xFF90 {  // SOT: Lsot Isot Psot TPsot TNsot; Psot counts from the SOT marker
                guard length == 10 else {
                    throw DicomError(.decodeFailed, "JPEG 2000 SOT at byte \(at) has length \(length), not 10", offset: at, cause: Self.notGivenToOpenJPEG)
                }
                let psot = Int(widening: bytes[at + 6]) << 24 | Int(widening: bytes[at + 7]) << 16 | Int(widening: bytes[at + 8]) << 8 | Int(widening: bytes[at + 9])
                let tilePartEnd = psot == 0 ? bytes.count : at + psot
                guard psot == 0 || psot >= 14 && psot <= bytes.count - at else {
                    throw DicomError(.decodeFailed, "JPEG 2000 tile-part at byte \(at) declares \(psot) bytes, "
                                     + "\(bytes.count - at) remain", offset: at, cause: Self.notGivenToOpenJPEG)
                }
                // The tile-part header, up to SOD, may switch code-blocks to HT. A header that
                // cannot be walked is left to OpenJPEG, but in the child, as if it did.
                var header = at + 12
                while !layout.hasHighThroughputBlocks {
                    guard header + 2 <= tilePartEnd else { layout.hasHighThroughputBlocks = true; break }
                    let headerMarker = be16(header)
                    if headerMarker == 0xFF93 { break }  // SOD
                    guard header + 4 <= tilePartEnd else { layout.hasHighThroughputBlocks = true; break }
                    let headerLength = be16(header + 2)
                    guard headerLength >= 2, header + 2 + headerLength <= tilePartEnd else {
                        layout.hasHighThroughputBlocks = true
                        break
                    }
                    if headerMarker == 0xFF52 || headerMarker == 0xFF53,
                       selectsHighThroughput(headerMarker, at: header, length: headerLength) {
                        layout.hasHighThroughputBlocks = true
                    }
                    header += 2 + headerLength
                }
                if psot == 0 { layout.endsWithEOC = true; return layout }
                at += psot
                continue
            }
            switch marker {
            case 0xFF50: layout.hasHighThroughputBlocks = true  // CAP
            case 0xFF51 where length >= 38: componentCount = be16(at + 38)  // SIZ: Csiz
            case 0xFF52, 0xFF53: if selectsHighThroughput(marker, at: at, length: length) { layout.hasHighThroughputBlocks = true }
            default: break
            }
            at += 2 + length
        }
        return layout
    }

    /// The payload of the first 'jp2c' box of a JP2 file (ISO/IEC 15444-1 Annex I box layout:
    /// 32-bit length, type, 64-bit length when the first is 1, to the end when it is 0).
    func contiguousCodestream(inJP2 bytes: [UInt8]) throws(DicomError) -> [UInt8] {
        var at = 0
        while at + 8 <= bytes.count {
            func be(_ start: Int, _ count: Int) -> UInt64 {
                bytes[start..<(start + count)].reduce(0) { $0 << 8 | UInt64(widening: $1) }
            }
            var length = Int(be(at, 4))  // conversion: a 4-byte big-endian value: below 2^32
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            var header = 8
            if length == 1 {
                guard at + 16 <= bytes.count, be(at + 8, 8) <= UInt64(Int.max) else {  // conversion: Int.max is positive
                    throw DicomError(.decodeFailed, "JP2 box '\(type)' has a truncated 64-bit length", offset: at)
                }
                length = Int(be(at + 8, 8))  // conversion: <= Int.max (checked above)
                header = 16
            } else if length == 0 {
                length = bytes.count - at
            }
            guard length >= header, length <= bytes.count - at else {
                throw DicomError(.decodeFailed, "JP2 box '\(type)' length \(length) exceeds the \(bytes.count - at) bytes left", offset: at)
            }
            if type == "jp2c" { return Array(bytes[(at + header)..<(at + length)]) }
            at += length
        }
        throw DicomError(.decodeFailed, "JP2 file has no contiguous codestream box ('jp2c')", offset: at)
    }
}
