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
}
