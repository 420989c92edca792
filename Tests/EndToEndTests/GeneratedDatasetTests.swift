import DicomTestSupport
import Foundation
import Testing

/// Generated edge-value datasets (Scripts/vr_edges_gen.py): every VR at its edges (integer
/// extremes of each width, 2^53 +- 1, 2^63 +- 1, 2^64 - 1, NaN payloads, infinities, -0.0,
/// subnormals, empty values, maximal VM, odd lengths), sequences of every encoding, private blocks
/// with and without creator, every character set, in Implicit VR LE, Explicit VR LE and BE and
/// Deflated Explicit VR LE. One dicomtool process per command over the tree (dump in every format,
/// validate, anonymize, derive, transcode to each uncompressed syntax and deflate, and dump of each
/// output tree): no process may end by a signal, and `dump --json` must equal pydicom's reading,
/// `dump --full` dcmdump's values, the XML and JSON Lines the JSON, each transcoded file its source,
/// apart from the differences listed with their reasons in vr_edges_known_differences.tsv.
/// `scripts/vr-sweep` runs the same check over more seeds and files.
@Suite struct GeneratedDatasetTests {
    static let seed = 1
    static let count = 500

    @Test func generatedEdgeDatasetsAgreeWithPydicomAndDcmdump() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-vr-edges-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let (status, text) = try Tool.script("vr_edges.py", ["check", CorpusIndex.binary.path, work.path,
                                                             "--seed", String(Self.seed), "--count", String(Self.count)],
                                             withStandardError: true)
        let summary = text.split(separator: "\n").last { $0.hasPrefix("vr_edges:") } ?? ""
        print(summary)
        #expect(status == 0, "\(text)")
        #expect(summary.contains(" 0 signals, 0 differences"), "\(text)")
    }
}
