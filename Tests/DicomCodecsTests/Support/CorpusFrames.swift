import DicomCore
import DicomTestSupport
import Foundation

/// Test support shared by the codec suites: the corpus, its manifest, and the frames of a corpus
/// file as pydicom (an independent parser) splits them, so codec tests do not depend on our reader.
enum Corpus {
    static let packageRoot = CorpusIndex.packageRoot

    /// The full corpus (not the bundled subset: codec suites skip without it).
    static let root: URL? = CorpusIndex.root

    /// The native files the lossless encoder suites (JPEG 2000, HTJ2K, JPEG-LS) round-trip:
    /// signed CT and unsigned MR, RGB, palette colour, a 3x3 image of odd width.
    static let losslessSources = ["native/CT_small.dcm", "native/MR_small.dcm", "native/examples_overlay.dcm",
                                  "native/examples_rgb_color.dcm", "native/examples_palette.dcm",
                                  "native/SC_rgb_small_odd.dcm"]

    /// MANIFEST.tsv rows keyed by path, each a column -> value map.
    static let manifest: [String: [String: String]] = {
        guard let root else { return [:] }
        var rows: [String: [String: String]] = [:]
        for row in CorpusIndex.manifest(at: root) { rows[row["path"] ?? ""] = row }
        return rows
    }()

    /// Manifest rows whose transfer syntax is one of `uids`, sorted by path.
    static func rows(transferSyntaxes uids: Set<String>) -> [[String: String]] {
        manifest.values.filter { uids.contains($0["transfer_syntax_uid"] ?? "") }
            .sorted { ($0["path"] ?? "") < ($1["path"] ?? "") }
    }

    struct Frames {
        var transferSyntax: String
        var description: PixelDescription
        var codestreams: [[UInt8]]
    }

    /// Splits a corpus file into frames with pydicom. Throws when python or pydicom fails.
    static func frames(of relativePath: String) throws -> Frames {
        guard let root else { throw CocoaError(.fileNoSuchFile) }
        let script = packageRoot.appendingPathComponent("Tests/DicomCodecsTests/Support/extract_frames.py")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, root.appendingPathComponent(relativePath).path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        func int(_ key: String) -> Int { (json[key] as? Int) ?? 0 }
        let description = PixelDescription(
            rows: int("rows"), columns: int("columns"), samplesPerPixel: int("samples_per_pixel"),
            bitsAllocated: int("bits_allocated"), bitsStored: int("bits_stored"), highBit: int("high_bit"),
            pixelRepresentation: int("pixel_representation"),
            photometricInterpretation: (json["photometric"] as? String) ?? "",
            planarConfiguration: int("planar_configuration"), numberOfFrames: int("frames"))
        let streams = ((json["codestreams"] as? [String]) ?? []).map { [UInt8](Data(base64Encoded: $0) ?? Data()) }
        return Frames(transferSyntax: (json["transfer_syntax"] as? String) ?? "", description: description,
                      codestreams: streams)
    }

    /// Reads a raw file of the corpus (e.g. codestreams/...).
    static func bytes(of relativePath: String) throws -> [UInt8] {
        guard let root else { throw CocoaError(.fileNoSuchFile) }
        return [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }
}

/// MD5 of bytes as lower-case hex, to compare with the manifest's golden hashes.
func md5Hex(_ bytes: [UInt8]) -> String { CorpusIndex.md5(bytes) }
