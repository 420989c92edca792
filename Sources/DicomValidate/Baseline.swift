import DicomCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Findings accepted earlier: `--baseline FILE` filters them out so that CI fails only on new ones.
/// A finding is identified by (file identity, rule, path); messages and offsets may change freely.
/// The file identity is the path relative to the input root (`FileFindings.relativePath`): a
/// baseline recorded over `checkout-a/scans` matches in `checkout-b/scans` or a copy of the tree.
/// Baselines recorded before keyed files on the path as given; those keys still match a run
/// that names the files the same way.
public struct Baseline: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Codable, Comparable {
        public var file: String
        public var rule: String
        public var path: String

        public init(file: String, rule: String, path: String) {
            self.file = file; self.rule = rule; self.path = path
        }

        public static func < (a: Key, b: Key) -> Bool { (a.file, a.rule, a.path) < (b.file, b.rule, b.path) }
    }

    public private(set) var keys: Set<Key>

    public init(keys: Set<Key> = []) { self.keys = keys }

    /// The baseline that accepts every finding given.
    public init(recording files: [FileFindings]) {
        keys = Set(files.filter { !$0.unreadable }.flatMap { file in
            file.findings.map { Key(file: file.relativePath ?? file.file, rule: $0.rule, path: $0.path) }
        })
    }

    private struct Document: Codable {
        var schema: String
        var findings: [Key]
    }

    static let schema = "dicomtool.validate.baseline/1"

    /// Reads a baseline written by `save`; a malformed file is `.invalidInput`, a missing one `.cannotRead`.
    public static func load(path: String) throws(DicomError) -> Baseline {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DicomError(.cannotRead, "cannot read baseline \(path): \(Self.reason(error))", file: path)
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String = "baseline") throws(DicomError) -> Baseline {
        do {
            let doc = try JSONDecoder().decode(Document.self, from: data)
            guard doc.schema == schema else {
                throw DicomError(.invalidInput, "baseline \(path): schema \"\(doc.schema)\", expected \"\(schema)\"", file: path)
            }
            return Baseline(keys: Set(doc.findings))
        } catch let e as DicomError {
            throw e
        } catch {
            throw DicomError(.invalidInput, "baseline \(path) is not a dicomtool baseline: \(error)", file: path)
        }
    }

    /// Stable JSON (keys sorted, entries sorted), so that a re-recorded baseline diffs cleanly.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Document(schema: Baseline.schema, findings: keys.sorted()))) ?? Data()
    }

    /// The system's reason for a failed file operation (`localizedDescription` needs full Foundation).
    private static func reason(_ error: any Error) -> String {
        if let posix = (error as? CocoaError)?.underlying as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        return "\(error)"
    }

    public func save(path: String) throws(DicomError) {
        do { try encoded().write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw DicomError(.cannotWrite, "cannot write baseline \(path): \(Self.reason(error))", file: path)
        }
    }

    public func contains(file: String, _ finding: Finding) -> Bool {
        keys.contains(Key(file: file, rule: finding.rule, path: finding.path))
    }

    /// The findings not recorded in the baseline (under the relative path, or the path as given).
    /// An input that could not be read is never filtered: its status does not depend on a baseline.
    public func filter(_ file: FileFindings) -> FileFindings {
        guard !file.unreadable else { return file }
        var kept = file
        kept.findings = file.findings.filter { f in
            !(file.relativePath.map { contains(file: $0, f) } ?? false) && !contains(file: file.file, f)
        }
        return kept
    }
}
