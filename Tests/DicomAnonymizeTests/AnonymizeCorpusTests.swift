import DicomCore
import DicomIO
import DicomTestSupport
import Foundation
import Testing
@testable import DicomAnonymize

/// pydicom reads every output and walks every element (nested and private included).
private let pydicomRead = #"""
import sys, pydicom
bad = 0
total = 0
for path in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(path)
        for el in ds.iterall():
            _ = el.value
        _ = ds.file_meta.get("MediaStorageSOPInstanceUID")
        if ds.get("PatientIdentityRemoved") != "YES":
            raise ValueError("PatientIdentityRemoved is not YES")
        if "PixelData" in ds:
            _ = len(ds.PixelData)
        total += 1
    except Exception as e:
        bad += 1
        print(f"{path}: {type(e).__name__}: {e}")
print(f"read {total}", file=sys.stderr)
"""#

@Suite struct AnonymizeCorpusTests {
    @Test func corpusImagesAnonymizeAndReadBackInPydicomDcmtkAndGDCM() throws {
        let corpus = CorpusIndex.available
        let rows = corpus.rows.filter { row in
            !(row["transfer_syntax_uid"] ?? "").isEmpty && !(row["expect"] ?? "").hasPrefix("error")
                && !(row["expect"] ?? "").hasPrefix("not DICOM")
        }
        guard !rows.isEmpty else {
            print("AnonymizeCorpusTests: no corpus at \(corpus.dir.path); skipped")
            return
        }
        let dir = try tempDir("corpus")
        // DICOMTOOL_KEEP_OUTPUTS=1 keeps the outputs for inspection.
        defer { if ProcessInfo.processInfo.environment["DICOMTOOL_KEEP_OUTPUTS"] == nil { try? FileManager.default.removeItem(at: dir) } }
        var options = AnonymizeOptions(secret: testSecret)
        options.burnedIn = .allow
        let anonymizer = Anonymizer(options: options)
        var outputs: [(input: String, output: String)] = []
        var unreadable = 0, residualFiles: [String] = [], writeFailures: [String] = [], fileIDResiduals: [String] = []
        var changed = 0
        var anonymizeSeconds = 0.0
        for (i, row) in rows.enumerated() {
            guard let rel = row["path"] else { continue }
            let input = corpus.dir.appendingPathComponent(rel).path
            guard let file = try? Part10Reader.read(path: input, options: .init()) else { unreadable += 1; continue }
            do {
                let start = Date()
                // Unchecked: the test runs the check itself, to tell file-ID residuals from others.
                let result = try anonymizer.anonymizeUnchecked(file)
                let hits = IdentityScanner.residuals(original: file, anonymized: result.dataset, options: options)
                anonymizeSeconds += Date().timeIntervalSince(start)
                // The corpus's DICOMDIRs name the patient's folder by its Patient ID (77654033\...):
                // those file IDs are residuals by design (the tree's names carry the ID too).
                if !hits.isEmpty, hits.allSatisfy({ $0.contains(".(0004,1500): contains '") }) {
                    fileIDResiduals.append(rel)
                } else if !hits.isEmpty {
                    residualFiles.append("\(rel): \(hits.prefix(3))")
                }
                var sink = MemorySink()
                try DatasetWriter(syntax: result.report.outputSyntax ?? file.transferSyntax).writeFile(meta: result.meta, dataset: result.dataset, to: &sink)
                let out = dir.appendingPathComponent("\(i).dcm").path
                try Data(sink.bytes).write(to: URL(fileURLWithPath: out))
                outputs.append((input, out))
                if !result.report.changes.isEmpty { changed += 1 }
                // Pixel data untouched: the same bytes (native) or fragments (encapsulated).
                let before = file.dataset[.pixelData], after = result.dataset[.pixelData]
                #expect(before?.valueBytes?.bytes == after?.valueBytes?.bytes, "\(rel)")
                #expect(before?.fragments?.fragments.map(\.bytes) == after?.fragments?.fragments.map(\.bytes), "\(rel)")
            } catch {
                writeFailures.append("\(rel): \(error)")
            }
        }
        print("AnonymizeCorpusTests: \(rows.count) DICOM rows, \(unreadable) unreadable by our reader, "
              + "\(outputs.count) anonymized (\(changed) changed), \(residualFiles.count) with residuals "
              + "(and \(fileIDResiduals.count) DICOMDIRs whose file IDs hold the Patient ID), "
              + "\(writeFailures.count) failures; anonymize + self-check \(String(format: "%.1f", anonymizeSeconds * 1000)) ms in all (debug build)")
        #expect(residualFiles.isEmpty, "\(residualFiles)")
        #expect(fileIDResiduals.allSatisfy { $0.hasPrefix("dicomdir/") }, "\(fileIDResiduals)")
        #expect(writeFailures.isEmpty, "\(writeFailures)")
        #expect(outputs.count >= rows.count * 9 / 10)

        let script = dir.appendingPathComponent("read.py")
        try pydicomRead.write(to: script, atomically: true, encoding: .utf8)
        let (status, out, err) = try run("python3", [script.path] + outputs.map(\.output))
        #expect(status == 0 && out.isEmpty, "pydicom:\n\(out)\(err)")
        #expect(err.contains("read \(outputs.count)"), "\(err)")

        // dcmtk and GDCM: an output may fail only where its input fails too.
        var dcmtkOK = 0, gdcmOK = 0, peerFailures: [String] = []
        for (input, output) in outputs {
            for (tool, args) in [("dcmdump", ["-q"]), ("gdcmdump", [String]())] {
                let (s, _, e) = try run(tool, args + [output])
                let failed = s != 0 || (tool == "dcmdump" && e.contains("E: "))
                if !failed {
                    if tool == "dcmdump" { dcmtkOK += 1 } else { gdcmOK += 1 }
                    continue
                }
                let (si, _, ei) = try run(tool, args + [input])
                if si == 0 && !(tool == "dcmdump" && ei.contains("E: ")) {
                    peerFailures.append("\(tool) \(input): \(e.prefix(200))")
                }
            }
        }
        print("AnonymizeCorpusTests: dcmdump read \(dcmtkOK)/\(outputs.count), gdcmdump \(gdcmOK)/\(outputs.count)")
        #expect(peerFailures.isEmpty, "\(peerFailures)")

        // dciodvfy (dicom3tools): no error on an output that it did not report on the input.
        func errors(_ path: String) throws -> Set<String> {
            let (_, out, err) = try run("dciodvfy", [path])
            // UIDs in messages differ by design ("X has same value as Y <uid>"): compare without them.
            let uid = try NSRegularExpression(pattern: "[0-9]+(\\.[0-9]+){2,}")
            return Set((out + err).split(separator: "\n").filter { $0.hasPrefix("Error") }.map { line in
                let s = String(line)
                return uid.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "#")
            })
        }
        // Inputs dciodvfy cannot check, so that their outputs show findings the inputs hid:
        // reportsi*: every reference is the invalid UID "0", which dciodvfy skips (mapped, it
        // checks the evidence and finds none, as the input has none); nested_priv_SQ: group 0001
        // elements stop dciodvfy before the pixel data on the input.
        let uncheckableInputs = ["reportsi.dcm", "reportsi_with_empty_number_tags.dcm", "nested_priv_SQ.dcm"]
        var newErrors: [String] = []
        for (input, output) in outputs where !uncheckableInputs.contains(URL(fileURLWithPath: input).lastPathComponent) {
            let added = try errors(output).subtracting(try errors(input))
            if !added.isEmpty { newErrors.append("\(input) -> \(output): \(added.sorted().prefix(3))") }
        }
        let checked = outputs.filter { !uncheckableInputs.contains(URL(fileURLWithPath: $0.input).lastPathComponent) }.count
        print("AnonymizeCorpusTests: dciodvfy: \(checked - newErrors.count)/\(checked) outputs without new errors "
              + "(\(outputs.count - checked) inputs it cannot check left out)")
        #expect(newErrors.isEmpty, "\(newErrors.joined(separator: "\n"))")
    }
}

@Suite struct AnonymizeDicomdirTests {
    /// Records of an anonymized DICOMDIR still point at the anonymized files: the Referenced
    /// SOP Instance UID in File and the Study Instance UID of the records are mapped the same way
    /// as the instances' own UIDs.
    @Test func directoryRecordsReferenceTheAnonymizedInstances() throws {
        guard let root = CorpusIndex.root else {
            print("AnonymizeDicomdirTests: no full corpus; skipped")
            return
        }
        let dir = root.appendingPathComponent("dicomdir")
        var options = AnonymizeOptions(secret: testSecret)
        options.burnedIn = .allow
        let anonymizer = Anonymizer(options: options)
        // Unchecked: the corpus's file IDs hold the Patient ID, which the self-check refuses.
        let dicomdir = try anonymizer.anonymizeUnchecked(try Part10Reader.read(path: dir.appendingPathComponent("DICOMDIR").path))
        let records = try #require(dicomdir.dataset.items(DicomCore.Tag(0x0004, 0x1220)))
        var matched = 0
        for record in records {
            guard let ids = record.strings(DicomCore.Tag(0x0004, 0x1500)), !ids.isEmpty,
                  let referenced = record.string(DicomCore.Tag(0x0004, 0x1511)) else { continue }
            let path = dir.appendingPathComponent(ids.joined(separator: "/")).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let image = try anonymizer.anonymize(try Part10Reader.read(path: path))
            #expect(image.dataset.string(DicomCore.Tag(0x0008, 0x0018)) == referenced, "\(ids)")
            #expect(image.meta.string(DicomCore.Tag(0x0002, 0x0003)) == referenced, "\(ids)")
            matched += 1
        }
        #expect(matched >= 3)
        let studies = records.compactMap { $0.string(DicomCore.Tag(0x0020, 0x000D)) }
        #expect(!studies.isEmpty && studies.allSatisfy { $0.hasPrefix("2.25.") })
        #expect(records.allSatisfy { ($0.string(DicomCore.Tag(0x0004, 0x1430)) ?? "") != "STUDY" || !($0.string(DicomCore.Tag(0x0008, 0x0020)) ?? "").isEmpty })
        print("AnonymizeDicomdirTests: \(matched) records matched their anonymized files")

        // Record links (byte offsets) are recomputed: pydicom's File-set reader follows them.
        let out = try tempDir("dicomdir")
        defer { try? FileManager.default.removeItem(at: out) }
        let path = out.appendingPathComponent("DICOMDIR")
        var sink = MemorySink()
        try DatasetWriter(syntax: dicomdir.report.outputSyntax ?? .explicitVRLittleEndian)
            .writeFile(meta: dicomdir.meta, dataset: dicomdir.dataset, to: &sink)
        try Data(sink.bytes).write(to: path)
        #expect(dicomdir.report.warnings.isEmpty, "\(dicomdir.report.warnings)")
        let script = "import sys, pydicom\nfrom pydicom.fileset import FileSet\n"
            + "fs = FileSet(pydicom.dcmread(sys.argv[1]))\n"
            + "def n(node): return 1 + sum(n(c) for c in node.children)\n"
            + "print(len(fs._tree.children), n(fs._tree))"
        let (status, stdout, err) = try run("python3", ["-c", script, path.path])
        let original = try run("python3", ["-c", script, dir.appendingPathComponent("DICOMDIR").path])
        #expect(status == 0, "\(err)")
        #expect(!stdout.isEmpty && stdout == original.1, "anonymized \(stdout) vs original \(original.1)")
    }
}
