import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomAnonymize

/// What a library caller of the anonymizer gets (issue 15 item 4): the self-check has run on
/// what `anonymize(_:)` returns, `--check` and the output layout are the domain's too.
@Suite struct CheckedAnonymizationTests {
    /// A clean file: the checked result is the unchecked one, byte for byte, and the check finds
    /// nothing in it.
    @Test func aCleanFileComesBackAsTheUncheckedStepMadeIt() throws {
        let file = try part10File(plantedDataset())
        let anonymizer = Anonymizer(options: AnonymizeOptions(secret: testSecret))
        let checked = try anonymizer.anonymize(file)
        let unchecked = try anonymizer.anonymizeUnchecked(file)
        #expect(try written(checked) == written(unchecked))
        #expect(checked.report.changes.count == unchecked.report.changes.count)
        #expect(checked.report.auditLines == unchecked.report.auditLines)
        #expect(checked.dataset.string(Tag.patientIdentityRemoved) == "YES")
        #expect(IdentityScanner.residuals(original: file.dataset, anonymizedMeta: checked.meta, anonymized: checked.dataset,
                                          anonymizer: anonymizer).isEmpty)
    }

    /// A residual fails the file with exit status 83 and the command's message (the DICOMDIR
    /// hint when the hit is in a file ID); the unchecked step would have returned it.
    @Test func aResidualThrowsNonconformantNamingIt() throws {
        let file = try part10File(directory(patientID: "PID12345X", name: "Doe^Jane", fileID: ["DICOM", "PID12345X", "IM1"]))
        let anonymizer = Anonymizer(options: AnonymizeOptions(secret: testSecret))
        #expect(try !written(anonymizer.anonymizeUnchecked(file)).isEmpty)
        do {
            _ = try anonymizer.anonymize(file)
            Issue.record("a Patient ID left in a Referenced File ID was not refused")
        } catch {
            #expect(error.code == .nonconformant)
            #expect(error.code.exitStatus.rawValue == 83)
            #expect(error.message == "identifying values remain after de-identification: (0004,1220)[1].(0004,1500): contains "
                    + "'PID12345X' from the original's (0004,1220)[0].(0010,0020); nothing written (the DICOMDIR's file IDs, "
                    + "and so the tree's folder and file names, hold identifying values: rename the tree first, or accept "
                    + "them with --keep ReferencedFileID)")
        }
        // More than three hits: the first three, then "...".
        #expect(Anonymizer.residualError(["a", "b", "c", "d"]).message
                == "identifying values remain after de-identification: a, b, c, ...; nothing written")
        #expect(Anonymizer.residualError(["a"]).message == "identifying values remain after de-identification: a; nothing written")
    }

    /// A DICOMDIR comes back without the Patient module's de-identification attributes (its IOD
    /// has no Patient module); an image keeps them.
    @Test func aBasicDirectoryLosesThePatientModuleBookkeeping() throws {
        var file = try part10File(directory(patientID: "PID12345X", name: "Doe^Jane", fileID: ["DICOM", "P0001", "IM1"]))
        file.meta.setString(Tag.mediaStorageSOPClassUID, .UI, BasicDirectory.sopClassUID)
        #expect(BasicDirectory.isBasicDirectory(file))
        let anonymizer = Anonymizer(options: AnonymizeOptions(secret: testSecret))
        let bookkeeping = [Tag.patientIdentityRemoved, Tag.deidentificationMethod, Tag.deidentificationMethodCodeSequence]
        let unchecked = try anonymizer.anonymizeUnchecked(file)
        #expect(bookkeeping.allSatisfy { unchecked.dataset.contains($0) })
        let checked = try anonymizer.anonymize(file)
        #expect(!bookkeeping.contains { checked.dataset.contains($0) })
        #expect(checked.dataset.items(Tag.directoryRecordSequence)?.count == 2)
        let image = try anonymizer.anonymize(try part10File(plantedDataset()))
        #expect(bookkeeping.allSatisfy { image.dataset.contains($0) })
    }

    /// `--check`: a file made with Retain Device Identity is checked with the options it
    /// declares, so its kept station name is no residual; without them it would be.
    @Test func checkOfAWrittenFileUsesTheOptionsItDeclares() throws {
        let file = try part10File(plantedDataset())
        var made = AnonymizeOptions(secret: testSecret)
        made.retainDeviceIdentity = true
        let output = try Anonymizer(options: made).anonymize(file)
        let reread = try Part10Reader.read(source: ByteSource(ownedBytes: try written(output), name: "anonymized"))
        let plain = AnonymizeOptions(secret: testSecret)
        #expect(IdentityScanner.residuals(of: reread, from: file, options: plain) == [])
        let undeclared = IdentityScanner.residuals(original: file.dataset, anonymizedMeta: reread.meta, anonymized: reread.dataset,
                                                   anonymizer: Anonymizer(options: plain))
        #expect(undeclared.contains { $0.contains("STN-PLANT") }, "\(undeclared)")
    }

    /// `--layout uid`: patient (the written Patient ID), study, series, instance; each one path
    /// component, "unknown" when empty; the root joined as given.
    @Test func uidLayoutNamesByWhatWasWritten() throws {
        var ds = Dataset()
        ds.setString(Tag.patientID, .LO, "ANON0123456789AB")
        ds.setString(Tag.studyInstanceUID, .UI, "2.25.1")
        ds.setString(Tag.seriesInstanceUID, .UI, "2.25.2")
        ds.setString(Tag.sopInstanceUID, .UI, "2.25.3")
        #expect(AnonymizeLayout.uid.path(of: ds, under: "out") == "out/ANON0123456789AB/2.25.1/2.25.2/2.25.3.dcm")
        #expect(AnonymizeLayout.uid.path(of: ds, under: "out/") == "out//ANON0123456789AB/2.25.1/2.25.2/2.25.3.dcm")
        #expect(AnonymizeLayout.mirror.path(of: ds, under: "out") == nil)
        var odd = Dataset()
        odd.setString(Tag.patientID, .LO, "a/b c^d")
        odd.setString(Tag.sopInstanceUID, .UI, "1.2")
        #expect(AnonymizeLayout.uid.path(of: odd, under: "o") == "o/a_b_c_d/unknown/unknown/1.2.dcm")
        // The patient folder is the keyed pseudonym the anonymizer wrote.
        let anonymizer = Anonymizer(options: AnonymizeOptions(secret: testSecret))
        let written = try anonymizer.anonymize(try part10File(plantedDataset()))
        let patient = try #require(written.dataset.string(Tag.patientID))
        #expect(patient.hasPrefix("ANON"))
        #expect(AnonymizeLayout.uid.path(of: written.dataset, under: "o")?.split(separator: "/")[1] == Substring(patient))
        #expect(AnonymizeLayout(rawValue: "uid") == .uid && AnonymizeLayout(rawValue: "mirror") == .mirror)
    }

    /// A DICOMDIR's records name its files: the uid layout, which renames them, refuses it.
    @Test func uidLayoutRefusesABasicDirectory() throws {
        try AnonymizeLayout.mirror.checkHoldsBasicDirectory()
        do {
            try AnonymizeLayout.uid.checkHoldsBasicDirectory()
            Issue.record("the uid layout accepted a DICOMDIR")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.hasPrefix("--layout uid gives the files new names"))
        }
    }
}
