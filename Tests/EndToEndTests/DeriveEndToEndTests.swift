import DicomTestSupport
import Foundation
import Testing

/// `dicomtool derive` over corpus images, checked by Scripts/derive_check.py: pixels of every
/// operation against numpy, every provenance and geometry attribute, readback in dcmtk, GDCM and
/// pydicom, no new dciodvfy error, and a crop -> lossy -> frames chain whose Source Image Sequence
/// holds the whole history.
@Suite struct DeriveEndToEndTests {
    @Test func derivedImagesMatchNumpyAndReadEverywhere() throws {
        guard let corpus = CorpusIndex.root, FileManager.default.fileExists(atPath: corpus.appendingPathComponent("native/CT_small.dcm").path) else {
            print("skipped: the corpus (DICOMTOOL_CORPUS or ../shared/corpus) is not available")
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-derive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("derive_check.py", [CorpusIndex.binary.path, corpus.path, work.path])
        let summary = text.split(separator: "\n").last.map(String.init) ?? ""
        print("derive_check: \(summary)")
        #expect(status == 0, "\(text)")
        #expect(summary.hasSuffix(" 0 failed") && !summary.hasPrefix("0 passed"), "\(summary)")
    }

    /// Keeping every frame of an image with no transform used to index an empty list of
    /// derivation codes (SIGILL, ending the batch); it is one clear refusal per file now.
    @Test func selectingEveryFrameWithNothingElseIsRefusedNotATrap() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-derive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = CorpusIndex.fixtures.appendingPathComponent("native/MR_small.dcm").path
        for args in [["--frames", "1"], ["--split-frames"]] {
            let r = try Tool.run(["derive"] + args + [input, "-o", dir.appendingPathComponent("x.dcm").path])
            #expect(r.status == 80, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("nothing to derive"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.dcm").path))
    }
}
