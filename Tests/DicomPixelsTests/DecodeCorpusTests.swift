import DicomCodecs
import DicomCore
import DicomIO
import DicomTestSupport
import Foundation
import Testing
@testable import DicomPixels

/// Every corpus image with a golden hash decodes, through FrameSource and the codec registry, to
/// `native_pixels_md5` (or `values_md5` after masking to Bits Stored, or `alt_pixels_md5`, as the
/// corpus README allows). Images without a golden hash give a clean error or a result, never a crash.
@Suite struct DecodeCorpusTests {
    /// Decoded pixels of every frame, concatenated, as the corpus hashes them (colour-by-pixel for
    /// encapsulated images, stored layout for native ones).
    static func decodeAll(_ file: DicomFile) throws(DicomError) -> [UInt8]? {
        guard let frames = try FrameSource(dataset: file.dataset, syntax: file.transferSyntax) else { return nil }
        if frames.description.bitsAllocated == 1, !frames.isEncapsulated {
            return file.dataset[.pixelData]?.valueBytes?.bytes
        }
        var all: [UInt8] = []
        if !frames.isEncapsulated {
            for k in 0..<frames.frameCount { all += try frames.frame(k) }
            return all
        }
        let reader = try FrameReader(frames)
        for k in 0..<frames.frameCount { all += try reader.decoded(k).bytes }
        return all
    }

    /// Samples masked to `bitsStored` and sign-extended when signed: the corpus's values_md5 form.
    static func masked(_ bytes: [UInt8], bitsAllocated: Int, bitsStored: Int, signed: Bool) -> [UInt8] {
        guard bitsStored < bitsAllocated, bitsAllocated == 16 || bitsAllocated == 32 else { return bytes }
        let unit = bitsAllocated / 8
        var out = bytes
        let mask: UInt64 = (1 << UInt64(bitsStored)) - 1
        var i = 0
        while i + unit <= out.count {
            var v: UInt64 = 0
            for k in 0..<unit { v |= UInt64(out[i + k]) << (8 * UInt64(k)) }
            v &= mask
            if signed, v & (1 << UInt64(bitsStored - 1)) != 0 { v |= ~mask }
            for k in 0..<unit { out[i + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
            i += unit
        }
        return out
    }

    @Test func everyGoldenHashIsReproduced() throws {
        let (dir, rows, isFull) = CorpusIndex.available
        var passed = 0, cleanErrors = 0, failures: [String] = []
        var perSyntax: [String: (Int, Int)] = [:]
        for row in rows where !(row["path"] ?? "").hasPrefix("codestreams/") && !(row["rows"] ?? "").isEmpty {
            let path = row["path"]!
            let golden = row["native_pixels_md5"] ?? ""
            let syntax = row["transfer_syntax_name"] ?? ""
            do {
                let file = try Part10Reader.read(path: dir.appendingPathComponent(path).path)
                guard let pixels = try Self.decodeAll(file) else { continue }
                guard !golden.isEmpty else { cleanErrors += 1; continue }  // decoded something; nothing to compare
                let n = Int(row["hash_bytes"] ?? "") ?? pixels.count
                let cut = Array(pixels.prefix(n))
                let hash = CorpusIndex.md5(cut)
                let maskedHash = CorpusIndex.md5(Self.masked(cut, bitsAllocated: Int(row["bits_allocated"] ?? "") ?? 8,
                                                            bitsStored: Int(row["bits_stored"] ?? "") ?? 8,
                                                            signed: row["pixel_representation"] == "1"))
                let ok = hash == golden || hash == row["alt_pixels_md5"] || maskedHash == row["values_md5"]
                var s = perSyntax[syntax] ?? (0, 0)
                s.1 += 1
                if ok { passed += 1; s.0 += 1 } else { failures.append("\(path): md5 \(hash) (masked \(maskedHash)), golden \(golden)") }
                perSyntax[syntax] = s
            } catch {
                if golden.isEmpty { cleanErrors += 1 } else { failures.append("\(path): \(error)") }
            }
        }
        for (k, v) in perSyntax.sorted(by: { $0.key < $1.key }) { print("decode \(k): \(v.0)/\(v.1)") }
        print("decode: \(passed) golden hashes reproduced, \(failures.count) failed, \(cleanErrors) without a hash handled cleanly (\(isFull ? "full corpus" : "bundled subset"))")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
