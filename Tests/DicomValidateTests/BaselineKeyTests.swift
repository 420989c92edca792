import DicomCore
import Foundation
import Testing
@testable import DicomValidate

/// Baseline keys are the paths relative to the input root (issue 14, item 6); keys recorded by
/// earlier versions (the path as given) still match; unreadable inputs are never baselined.
@Suite struct BaselineKeyTests {
    static let finding = Finding(.error, "iod.type1.missing", path: "PatientID", tag: "(0010,0020)", message: "m", reference: "PS3.3 C.7.1.1")

    @Test func recordsRelativePathsAndMatchesThemUnderAnyRoot() throws {
        let here = FileFindings(file: "/ci/run-1/scans/sub/a.dcm", relativePath: "sub/a.dcm", findings: [Self.finding])
        let baseline = try Baseline.decode(Baseline(recording: [here]).encoded())
        #expect(baseline.keys.map(\.file) == ["sub/a.dcm"])
        let there = FileFindings(file: "/ci/run-2/copy/scans/sub/a.dcm", relativePath: "sub/a.dcm", findings: [Self.finding])
        #expect(baseline.filter(there).findings.isEmpty)
        let other = FileFindings(file: "/ci/run-2/copy/scans/a.dcm", relativePath: "a.dcm", findings: [Self.finding])
        #expect(baseline.filter(other).findings.count == 1, "another relative path is another file")
    }

    @Test func keysRecordedAsGivenStillMatch() {
        let legacy = Baseline(keys: [.init(file: "scans/sub/a.dcm", rule: "iod.type1.missing", path: "PatientID")])
        let same = FileFindings(file: "scans/sub/a.dcm", relativePath: "sub/a.dcm", findings: [Self.finding])
        #expect(legacy.filter(same).findings.isEmpty)
    }

    @Test func unreadableInputsAreNeitherRecordedNorFiltered() {
        let error = DicomError(.invalidInput, "not a DICOM file", offset: 0)
        let entry = FileFindings.unreadable(file: "scans/readme.txt", relativePath: "readme.txt", error: error)
        #expect(entry.findings.map(\.rule) == ["input.invalid"] && entry.unreadable)
        #expect(Baseline(recording: [entry]).keys.isEmpty)
        let accepting = Baseline(keys: [.init(file: "readme.txt", rule: "input.invalid", path: "")])
        #expect(accepting.filter(entry).findings.count == 1, "the input's status does not depend on a baseline")
        #expect(FileFindings.unreadable(file: "x", relativePath: nil, error: DicomError(.cannotRead, "gone")).findings.first?.rule
                == "input.unreadable")
    }
}
