import DicomTestSupport
import Foundation
import Testing

/// Lossless targets decode in pydicom, dcmtk and GDCM to the source's golden pixels (and --verify
/// passes); two lossy generations carry the full bookkeeping and add no dciodvfy error.
@Suite struct TranscodeTests {
    @Test func losslessTargetsReadBackAndLossyBookkeepingHolds() throws {
        let (dir, _, isFull) = CorpusIndex.available
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-transcode-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("transcode_check.py", [CorpusIndex.binary.path, dir.path, work.path])
        let lines = text.split(separator: "\n")
        print("transcode over \(isFull ? "the corpus" : "the bundled subset"): \(lines.suffix(2).joined(separator: "; "))")
        #expect(status == 0, "\(text)")
    }

    /// Bits Stored <= 8 below Bits Allocated (8 and 16) to JPEG-LS: dcmtk, GDCM and both of
    /// pydicom's JPEG-LS plugins read the lossless output (unsigned and signed) to the source's
    /// values, validate reports no codestream warning, and near-lossless is refused (see the script).
    @Test func narrowSamplesInSixteenBitsToJPEGLSReadEverywhere() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-jls16-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("jpegls_container_check.py", [CorpusIndex.binary.path, work.path], withStandardError: true)
        #expect(status == 0, "\(text)")
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == 12, "\(text)")
    }

    /// Every lossless target over grey images of Bits Allocated 8 and 16 and Bits Stored from 2
    /// up (signed and unsigned), and over RGB, YBR_FULL, palette and multi-frame images of several
    /// depths: dcmtk, GDCM and pydicom read the source values back, and validate finds no
    /// codestream warning (see the script for GDCM's own limits).
    @Test func bitDepthsReadBackInEveryPeer() throws {
        try expectSweepPasses("bitdepth_readback.py", label: "bit depths")
    }

    /// Every lossy target over grey, RGB, YBR_FULL and multi-frame images: dcmtk, GDCM and
    /// pydicom decode what dicomtool writes to what dicomtool decodes (within the decoders'
    /// rounding), near-lossless stays within NEAR, and what a profile does not allow is refused
    /// with exit status 80 (see the script; GDCM 3.0 reads no HTJ2K).
    @Test func lossyOutputsReadBackInEveryPeer() throws {
        try expectSweepPasses("lossy_readback.py", label: "lossy readback")
    }

    /// --offset-table basic, extended and none and --fragment-size over every encapsulated lossless
    /// target: dcmtk, GDCM and pydicom read the source values back, and the combinations the
    /// standard forbids (split RLE frames, an Extended Offset Table over split frames) are usage
    /// errors (see the script for GDCM's limit with split multi-frame JPEG-LS and JPEG 2000).
    @Test func encapsulationOptionsReadBackInEveryPeer() throws {
        try expectSweepPasses("fragments_readback.py", label: "encapsulation options")
    }

    /// The other direction: images of many kinds encoded by dcmcrle, dcmcjpeg, dcmcjpls, gdcmconv
    /// and dcmconv decode in dicomtool to the source values (lossless writers) or to what pydicom
    /// decodes (lossy ones); see the script for the one dcmcjpls dialect only dcmtk reads.
    @Test func peerEncodedImagesDecode() throws {
        try expectSweepPasses("peer_inputs_check.py", label: "peer-encoded inputs")
    }

    /// More than 4 GiB of encapsulated pixels (a sparse file) has no native form: transcode
    /// --explicit refuses it in one line, exit 80, writing nothing (it once trapped on the length).
    @Test func hugeEncapsulatedToNativeIsRefused() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-huge-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("huge_native_refusal.py", [CorpusIndex.binary.path, work.path], withStandardError: true)
        #expect(status == 0, "\(text)")
        #expect(text.hasSuffix("ok\n"), "\(text)")
    }

    /// Runs a readback script (Scripts/NAME, with the binary and a fresh work directory): it must
    /// exit 0 and end with "N ..., 0 failed"; its last line is printed.
    /// Lossy output in what its IOD permits (issue 14 item 4): JPEG of the RGB Ultrasound image is
    /// YBR_FULL_422 by pixel, which validate and dciodvfy accept; --subsampling 444 there (and on
    /// a multi-frame True Color SC image) is refused with exit status 80 naming the IOD and section;
    /// validate reports the YBR_FULL / Planar Configuration 0 that dicomtool used to write.
    @Test func lossyOutputIsWhatItsIODPermits() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-iod-pixel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("iod_pixel_check.py", [CorpusIndex.binary.path, work.path], withStandardError: true)
        #expect(status == 0, "\(text)")
        #expect(text.contains("9 checks, 0 failed"), "\(text)")
    }

    private func expectSweepPasses(_ script: String, label: String) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-\(label.replacingOccurrences(of: " ", with: "-"))-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script(script, [CorpusIndex.binary.path, work.path], withStandardError: true)
        print("\(label): \(text.split(separator: "\n").last ?? "")")
        #expect(status == 0, "\(text)")
        #expect(text.contains(" 0 failed"), "\(text)")
    }
}
