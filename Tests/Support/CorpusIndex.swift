import Crypto
import Foundation

/// Test support shared by the suites that run over the corpus: where it is, its manifest, hashes,
/// and the package's own paths (fixtures, the built binary).
public enum CorpusIndex {
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// $DICOMTOOL_CORPUS, else ../shared/corpus beside the package; nil when neither exists.
    public static let root: URL? = {
        if let env = ProcessInfo.processInfo.environment["DICOMTOOL_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let sibling = packageRoot.appendingPathComponent("../shared/corpus").standardized
        return FileManager.default.fileExists(atPath: sibling.appendingPathComponent("MANIFEST.tsv").path) ? sibling : nil
    }()

    /// The bundled licensed subset, always present.
    public static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/corpus")

    /// Rows of a MANIFEST.tsv (column -> value), in file order.
    public static func manifest(at dir: URL) -> [[String: String]] {
        guard let text = try? String(contentsOf: dir.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, name) in header.enumerated() { row[name] = i < cells.count ? cells[i] : "" }
            return row
        }
    }

    /// The full corpus when present, else the bundled subset: (directory, rows).
    public static var available: (dir: URL, rows: [[String: String]], isFull: Bool) {
        if let root { return (root, manifest(at: root), true) }
        return (fixtures, manifest(at: fixtures), false)
    }

    public static func md5(_ bytes: [UInt8]) -> String {
        Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The debug or release binary built by `swift build` (tests run after a build).
    public static var binary: URL {
        for config in ["debug", "release"] {
            let u = packageRoot.appendingPathComponent(".build/\(config)/dicomtool")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return packageRoot.appendingPathComponent(".build/debug/dicomtool")
    }
}
