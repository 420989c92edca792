import DicomCore
import DicomIO
import FoundationEssentials

/// Cross-file checks over one run (like dicom3tools' dcentvfy): duplicate SOP Instance UIDs, and
/// patient/study/series attributes that disagree within a study or a series. Fed file by file from
/// any thread; `finish()` reports in file-name order, so `-j N` gives the same result as `-j 1`.
public final class ConsistencyTracker: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `lock`.
    private let lock = Lock()
    /// Per file: the values as stored (for messages) and their comparable forms (`comparable`).
    private var records: [(file: String, values: [Tag: String], keys: [Tag: String])] = []

    static let sopInstanceUID = Tag.sopInstanceUID
    static let studyInstanceUID = Tag.studyInstanceUID
    static let seriesInstanceUID = Tag.seriesInstanceUID

    /// Attributes that must agree among the files of one study (PS3.3 C.7.1.1 Patient, C.7.2.1 General Study).
    static let studyLevel: [(Tag, Finding.Severity)] = [
        (Tag.patientID, .error), (Tag.patientName, .warning), (Tag.patientBirthDate, .warning),
        (Tag.patientSex, .warning), (Tag.studyDate, .warning), (Tag.studyTime, .warning),
        (Tag.studyID, .warning), (Tag.accessionNumber, .warning), (Tag.referringPhysicianName, .warning),
        (Tag.studyDescription, .warning),
    ]
    /// Attributes that must agree among the files of one series (PS3.3 C.7.3.1 General Series).
    static let seriesLevel: [(Tag, Finding.Severity)] = [
        (studyInstanceUID, .error), (Tag.modality, .error), (Tag.seriesNumber, .warning),
        (Tag.seriesDescription, .warning), (Tag.bodyPartExamined, .warning), (Tag.frameOfReferenceUID, .warning),
    ]

    public init() {}

    /// Records one file's identifying attributes. Cheap: copies a dozen strings.
    public func add(file: String, dataset: Dataset) {
        var values: [Tag: String] = [:]
        var keys: [Tag: String] = [:]
        for tag in [Self.sopInstanceUID, Self.seriesInstanceUID] + (Self.studyLevel + Self.seriesLevel).map(\.0) {
            if let s = dataset.string(tag) { values[tag] = s }
            if let e = dataset[tag] { keys[tag] = Self.comparable(e, in: dataset) }
        }
        lock.lock(); records.append((file, values, keys)); lock.unlock()
    }

    /// What two files must agree on: the typed values (Series Number IS " 1" and "01" are the
    /// same number; text without the padding its VR allows), joined as the element holds them.
    static func comparable(_ e: Element, in dataset: Dataset) -> String {
        TypedValue.values(of: e, in: dataset).map(\.description).joined(separator: "\\")
    }

    /// Findings per file (only files with findings), in file-name order.
    public func finishByFile() -> [FileFindings] {
        lock.lock()
        let sorted = records.sorted { $0.file < $1.file }
        lock.unlock()
        var byFile: [String: [Finding]] = [:]
        var firstSOP: [String: String] = [:]
        var firstStudy: [String: (file: String, values: [Tag: String], keys: [Tag: String])] = [:]
        var firstSeries: [String: (file: String, values: [Tag: String], keys: [Tag: String])] = [:]
        for r in sorted {
            if let uid = r.values[Self.sopInstanceUID], !uid.isEmpty {
                if let other = firstSOP[uid] {
                    byFile[r.file, default: []].append(Finding(
                        .error, "consistency.sop-instance.duplicate", path: "SOPInstanceUID", tag: Self.sopInstanceUID.description,
                        message: "SOP Instance UID \(uid) is also used by \(other)", reference: "PS3.3 C.12.1.1.1"))
                } else { firstSOP[uid] = r.file }
            }
            func compare(_ key: Tag, _ level: String, _ attrs: [(Tag, Finding.Severity)], _ clause: String,
                         _ firsts: inout [String: (file: String, values: [Tag: String], keys: [Tag: String])]) {
                guard let id = r.values[key], !id.isEmpty else { return }
                guard let first = firsts[id] else { firsts[id] = (r.file, r.values, r.keys); return }
                for (tag, severity) in attrs where first.keys[tag] != r.keys[tag] {
                    let keyword = DataDictionary.entry(for: tag)?.keyword ?? tag.description
                    byFile[r.file, default: []].append(Finding(
                        severity, "consistency.\(level).mismatch", path: keyword, tag: tag.description,
                        message: "\(keyword) \"\(r.values[tag] ?? "(absent)")\" differs from \"\(first.values[tag] ?? "(absent)")\" in \(first.file) of the same \(level)",
                        reference: clause))
                }
            }
            compare(Self.studyInstanceUID, "study", Self.studyLevel, "PS3.3 C.7.2.1", &firstStudy)
            compare(Self.seriesInstanceUID, "series", Self.seriesLevel, "PS3.3 C.7.3.1", &firstSeries)
        }
        return byFile.keys.sorted().map { FileFindings(file: $0, findings: byFile[$0] ?? []) }
    }

    /// All cross-file findings; each message starts with the file it is about and names the other file.
    public func finish() -> [Finding] {
        finishByFile().flatMap { file in
            file.findings.map { f in
                var g = f
                g.message = "\(file.file): \(f.message)"
                return g
            }
        }
    }
}
