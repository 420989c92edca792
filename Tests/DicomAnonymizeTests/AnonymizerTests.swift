import DicomCore
import DicomIO
import DicomTestSupport
import Foundation
import Testing
@testable import DicomAnonymize

// Swift Testing also exports a `Tag` (test tags); this module means the DICOM one.
typealias Tag = DicomCore.Tag

// MARK: - A test data set with planted identifiers

/// Strings planted in the test data set; none may survive anonymization anywhere in the file.
let plantedIdentifiers = [
    "Plantagenet", "Richard", "PID-5550123", "19520721", "20190314", "101530", "ACC7781234",
    "Saint Planted", "Identifier Road", "Whodunit", "STN-PLANT", "Gloucester", "OTHERPID-88",
    "HospitalIssuerX", "STUDY-PLANT-9", "RPID-PLANT-77", "Olga", "Secretia", "Hidden^Deep",
    "1.2.826.0.1.3680043.99.", "PLANTED PRIVATE", "Dr Whodunit", "EXAM ROOM SEVEN",
]

private func t(_ g: UInt16, _ e: UInt16) -> DicomCore.Tag { DicomCore.Tag(g, e) }

private func item(_ build: (inout Dataset) -> Void) -> Dataset {
    var ds = Dataset()
    build(&ds)
    return ds
}

/// A CT image with identifiers in person names, text, IDs, DA/DT/TM, addresses, free text,
/// references, private elements and a private sequence, at depths 0 to 3.
func plantedDataset(sopInstance: String = "1.2.826.0.1.3680043.99.1.1",
                    referencing: String = "1.2.826.0.1.3680043.99.1.2",
                    extra: (inout Dataset) -> Void = { _ in }) -> Dataset {
    var ds = Dataset()
    ds.setStrings(t(0x0008, 0x0008), .CS, ["ORIGINAL", "PRIMARY", "AXIAL"])
    ds.setString(t(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.2")
    ds.setString(t(0x0008, 0x0018), .UI, sopInstance)
    ds.setString(t(0x0008, 0x0020), .DA, "20190314")
    ds.setString(t(0x0008, 0x0021), .DA, "20190314")
    ds.setString(t(0x0008, 0x002A), .DT, "20190314101545.5")
    ds.setString(t(0x0008, 0x0030), .TM, "101530.123")
    ds.setString(t(0x0008, 0x0050), .SH, "ACC7781234")
    ds.setString(t(0x0008, 0x0060), .CS, "CT")
    ds.setString(t(0x0008, 0x0070), .LO, "ACME Scanners")
    ds.setString(t(0x0008, 0x0080), .LO, "Saint Planted Hospital")
    ds.setString(t(0x0008, 0x0081), .ST, "42 Identifier Road, Springfield")
    ds.setString(t(0x0008, 0x0090), .PN, "Whodunit^Gregory")
    ds.setString(t(0x0008, 0x1010), .SH, "STN-PLANT-01")
    ds.setString(t(0x0008, 0x1030), .LO, "CT HEAD for Plantagenet")
    ds.setString(t(0x0008, 0x1040), .LO, "EXAM ROOM SEVEN")
    ds.setSequence(t(0x0008, 0x1140), [item { i in
        i.setString(t(0x0008, 0x1150), .UI, "1.2.840.10008.5.1.4.1.1.2")
        i.setString(t(0x0008, 0x1155), .UI, referencing)
    }])
    ds.setString(t(0x0010, 0x0010), .PN, "Plantagenet^Richard^Middle")
    ds.setString(t(0x0010, 0x0020), .LO, "PID-5550123")
    ds.setString(t(0x0010, 0x0030), .DA, "19520721")
    ds.setString(t(0x0010, 0x0040), .CS, "M")
    ds.setSequence(t(0x0010, 0x1002), [item { i in
        i.setString(t(0x0010, 0x0020), .LO, "OTHERPID-88")
        i.setString(t(0x0010, 0x0021), .LO, "HospitalIssuerX")
    }])
    ds.setString(t(0x0010, 0x1040), .LO, "7 Secret Lane, Gloucester")
    ds.setString(t(0x0010, 0x4000), .LT, "Richard Plantagenet says hello; born 19520721")
    ds.setString(t(0x0018, 0x0050), .DS, "2.5")
    ds.setString(t(0x0020, 0x000D), .UI, "1.2.826.0.1.3680043.99.2")
    ds.setString(t(0x0020, 0x000E), .UI, "1.2.826.0.1.3680043.99.3")
    ds.setString(t(0x0020, 0x0010), .SH, "STUDY-PLANT-9")
    ds.setString(t(0x0020, 0x0013), .IS, "7")
    ds.setString(t(0x0020, 0x0052), .UI, "1.2.826.0.1.3680043.99.4")
    ds.setUInt16(t(0x0028, 0x0002), 1)
    ds.setString(t(0x0028, 0x0004), .CS, "MONOCHROME2")
    ds.setUInt16(t(0x0028, 0x0010), 2)
    ds.setUInt16(t(0x0028, 0x0011), 2)
    ds.setUInt16(t(0x0028, 0x0100), 16)
    ds.setUInt16(t(0x0028, 0x0101), 12)
    ds.setUInt16(t(0x0028, 0x0102), 11)
    ds.setUInt16(t(0x0028, 0x0103), 0)
    // Depth 1-3: request attributes, content with observer names, text, date-times and UIDs.
    ds.setSequence(t(0x0040, 0x0275), [item { i in
        i.setString(t(0x0040, 0x1001), .SH, "RPID-PLANT-77")
        i.setSequence(t(0x0008, 0x1110), [item { r in
            r.setString(t(0x0008, 0x1150), .UI, "1.2.840.10008.3.1.2.3.1")
            r.setString(t(0x0008, 0x1155), .UI, "1.2.826.0.1.3680043.99.5")
        }])
    }])
    ds.setSequence(t(0x0040, 0xA730), [item { i in
        i.setString(t(0x0040, 0xA040), .CS, "PNAME")
        i.setString(t(0x0040, 0xA123), .PN, "Observer^Olga")
        i.setSequence(t(0x0040, 0xA730), [item { j in
            j.setString(t(0x0040, 0xA040), .CS, "TEXT")
            j.setString(t(0x0040, 0xA160), .UT, "Seen by Dr Whodunit at Saint Planted Hospital on 20190314")
            j.setSequence(t(0x0040, 0xA730), [item { k in
                k.setString(t(0x0040, 0xA040), .CS, "DATETIME")
                k.setString(t(0x0040, 0xA120), .DT, "20190314111111")
                k.setString(t(0x0040, 0xA124), .UI, "1.2.826.0.1.3680043.99.9.9")
            }])
        }])
    }])
    // Private: a creator, text, binary text, a private sequence with a nested private block
    // and a standard person name inside; a safe private PET factor.
    ds.setString(t(0x0009, 0x0010), .LO, "PLANTED PRIVATE")
    ds.setString(t(0x0009, 0x1001), .LO, "Richard Plantagenet private")
    ds.set(Element(tag: t(0x0009, 0x1002), vr: .OB, value: .bytes(ValueBytes(Array("id=PID-5550123\0".utf8)))))
    ds.setSequence(t(0x0009, 0x1003), [item { i in
        i.setString(t(0x0009, 0x0010), .LO, "PLANTED PRIVATE")
        i.setString(t(0x0009, 0x1001), .LO, "Secretia Nested")
        i.setString(t(0x0040, 0xA123), .PN, "Hidden^Deep")
    }])
    ds.setString(t(0x7053, 0x0010), .LO, "Philips PET Private Group")
    ds.setString(t(0x7053, 0x1000), .DS, "1.234")
    ds.set(Element(tag: .pixelData, vr: .OW, value: .bytes(ValueBytes([1, 0, 2, 0, 3, 0, 4, 0]))))
    extra(&ds)
    return ds
}

/// Writes `dataset` as a Part 10 file and reads it back, as the runner would get it.
func part10File(_ dataset: Dataset, syntax: TransferSyntax = .explicitVRLittleEndian) throws -> DicomFile {
    let meta = DatasetWriter.makeMeta(for: dataset, syntax: syntax, previous: Dataset())
    var sink = MemorySink()
    try DatasetWriter(syntax: syntax).writeFile(meta: meta, dataset: dataset, to: &sink)
    return try Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "planted"))
}

func written(_ result: (meta: Dataset, dataset: Dataset, report: AnonymizeReport), syntax: TransferSyntax = .explicitVRLittleEndian) throws -> [UInt8] {
    var sink = MemorySink()
    try DatasetWriter(syntax: syntax).writeFile(meta: result.meta, dataset: result.dataset, to: &sink)
    return sink.bytes
}

func written(_ result: AnonymizedFile, syntax: TransferSyntax = .explicitVRLittleEndian) throws -> [UInt8] {
    try written((result.meta, result.dataset, result.report), syntax: syntax)
}

let testSecret = Array("a test secret of 32 bytes or so!!".utf8)

func tempDir(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-anonymize-\(name)-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs a program, returning (status, stdout, stderr).
func run(_ program: String, _ args: [String]) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The independent scan: pydicom walks every element (file meta, nested items, private
/// elements) and compares each value's text and raw bytes with the planted strings; the whole
/// file's bytes are searched too. Prints one line per hit.
let pydicomScan = #"""
import sys, pydicom
planted = [p.encode() for p in sys.argv[1].split("|")]
hits = []
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    for p in planted:
        if p in raw:
            hits.append(f"{path}: raw bytes contain {p!r}")
    ds = pydicom.dcmread(path)
    n = 0
    def visit(elems, where):
        global n
        for el in elems:
            n += 1
            if el.VR == "SQ":
                for i, it in enumerate(el.value):
                    visit(it, f"{where}{el.tag}[{i}].")
                continue
            v = el.value
            if isinstance(v, (bytes, bytearray)):
                data = bytes(v)
            elif isinstance(v, (list, tuple, pydicom.multival.MultiValue)):
                data = "\\".join(str(x) for x in v).encode("utf-8", "replace")
            else:
                data = str(v).encode("utf-8", "replace")
            for p in planted:
                if p in data:
                    hits.append(f"{path}: {where}{el.tag} {el.keyword} contains {p!r}")
    visit(ds.file_meta, "meta:")
    visit(ds, "")
    print(f"elements {n}", file=sys.stderr)
for h in hits:
    print(h)
"""#

// MARK: - Tests

@Suite struct AnonymizeProfileTableTests {
    @Test func generatedTableMatchesTheStandardTable() throws {
        #expect(DeidentificationProfile.count == 656)
        #expect(DeidentificationProfile.rules.count == 656)
        var counts: [DeidentificationProfile.Action: Int] = [:]
        for r in DeidentificationProfile.rules { counts[r.basic, default: 0] += 1 }
        #expect(counts[.remove] == 416 && counts[.dummy] == 93 && counts[.uid] == 55 && counts[.zero] == 42)
        #expect(counts[.removeOrDummy] == 23 && counts[.removeOrZero] == 11 && counts[.removeOrZeroOrDummy] == 8)
        #expect(counts[.zeroOrDummy] == 6 && counts[.removeOrZeroOrUIDs] == 2)
        #expect(DeidentificationProfile.rule(for: t(0x0010, 0x0010))?.basic == .zero)
        #expect(DeidentificationProfile.rule(for: t(0x0008, 0x0020))?.options[.retainLongFullDates] == .keep)
        #expect(DeidentificationProfile.rule(for: t(0x0008, 0x0020))?.options[.retainLongModifiedDates] == .clean)
        #expect(DeidentificationProfile.rule(for: t(0x6002, 0x3000))?.basic == .remove)
        #expect(DeidentificationProfile.rule(for: t(0x6001, 0x3000))?.keyword != "OverlayData")
        #expect(DeidentificationProfile.rule(for: t(0x0029, 0x1010))?.options[.retainSafePrivate] == .clean)
        #expect(DeidentificationProfile.methods.count == 13)
        #expect(DeidentificationProfile.methods.first { $0.isBasicProfile }?.value == "113100")
        // IOD types resolve the combined actions: Patient ID is Type 2 in CT, Type 1 in some items.
        let ct = DeidentificationIODTypes.types(forSOPClass: "1.2.840.10008.5.1.4.1.1.2")
        #expect(DeidentificationIODTypes.type(of: t(0x0010, 0x0020), in: ct, nested: false) == .type2)
        #expect(DeidentificationIODTypes.ciod(forSOPClass: "1.2.840.10008.5.1.4.1.1.2") == "ct-image")
    }

    @Test func generatedFilesAreCurrent() throws {
        let standard = CorpusIndex.packageRoot.appendingPathComponent("../shared/standard/deidentification.tsv").standardized
        guard FileManager.default.fileExists(atPath: standard.path) else {
            print("skipped: ../shared/standard is not present, generated de-identification tables not checked")
            return
        }
        let (status, _, err) = try run("python3", [CorpusIndex.packageRoot.appendingPathComponent("scripts/gen_deid.py").path, "--check"])
        #expect(status == 0, "\(err)")
    }

    @Test func keyedMappingIsDeterministicAndValid() {
        let a = KeyedMapping(secret: testSecret), b = KeyedMapping(secret: Array("another secret".utf8))
        let uid = a.uid(for: "1.2.3.4.5")
        #expect(uid == a.uid(for: "1.2.3.4.5"))
        #expect(uid != b.uid(for: "1.2.3.4.5"))
        #expect(uid != a.uid(for: "1.2.3.4.6"))
        #expect(uid.hasPrefix("2.25.") && uid.count <= 64)
        #expect(uid.dropFirst(5).allSatisfy(\.isNumber) && !uid.dropFirst(5).hasPrefix("0"))
        let offset = a.dayOffset(forPatient: "P1")
        #expect(offset == a.dayOffset(forPatient: "P1") && (-3650 ... -1).contains(offset))
        #expect(CivilDate.shift("20000301", by: -1) == "20000229")
        #expect(CivilDate.shift("19991231235959", by: 1) == "20000101235959")
        #expect(CivilDate.shift("2019031", by: 1) == nil)
    }
}

@Suite struct AnonymizerTests {
    @Test func plantedIdentifiersAreGoneInAnIndependentScan() throws {
        let dir = try tempDir("planted")
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [(String, [String])] = []
        for (name, opts) in [("basic", AnonymizeOptions(secret: testSecret)),
                             ("dates", { var o = AnonymizeOptions(secret: testSecret); o.retainLongModifiedDates = true; o.cleanDescriptors = true; o.cleanStructuredContent = true; o.retainSafePrivate = true; return o }())] {
            let file = try part10File(plantedDataset())
            let result = try Anonymizer(options: opts).anonymize(file)
            #expect(IdentityScanner.residuals(original: file, anonymized: result.dataset, options: opts) == [])
            let url = dir.appendingPathComponent("\(name).dcm")
            try Data(try written(result)).write(to: url)
            // Times are kept when dates are shifted (Retain Longitudinal ... Modified Dates).
            paths.append((url.path, opts.retainLongModifiedDates ? plantedIdentifiers.filter { $0 != "101530" } : plantedIdentifiers))
        }
        let script = dir.appendingPathComponent("scan.py")
        try pydicomScan.write(to: script, atomically: true, encoding: .utf8)
        for (path, planted) in paths {
            let (status, out, err) = try run("python3", [script.path, planted.joined(separator: "|"), path])
            #expect(status == 0, "\(err)")
            #expect(out.isEmpty, "residuals:\n\(out)")
            #expect(err.contains("elements"))
        }
    }

    @Test func keptElementsAreByteIdenticalAndPixelsUntouched() throws {
        let file = try part10File(plantedDataset())
        let result = try Anonymizer(options: AnonymizeOptions(secret: testSecret)).anonymize(file)
        let back = try Part10Reader.read(source: ByteSource(ownedBytes: try written(result), name: "out"))
        var compared = 0
        for e in file.dataset.elements where !e.tag.isPrivate && e.vr != .SQ && e.vr != .UI {
            guard DeidentificationProfile.rule(for: e.tag) == nil else { continue }
            let after = try #require(back.dataset[e.tag], "\(e.tag) kept")
            #expect(after.valueBytes?.bytes == e.valueBytes?.bytes, "\(e.tag)")
            compared += 1
        }
        #expect(compared >= 12)
        #expect(back.dataset.string(t(0x0008, 0x0016)) == "1.2.840.10008.5.1.4.1.1.2")
        #expect(back.dataset[.pixelData]?.valueBytes?.bytes == [1, 0, 2, 0, 3, 0, 4, 0])
        // The profile's actions: Z, D (type 1 -> dummy), X, U, private removal.
        // Patient's Name (Z) and Patient ID (Z/D, Type 2 in CT): the patient's keyed pseudonym.
        let pseudonym = try #require(Anonymizer(options: AnonymizeOptions(secret: testSecret))
            .patientPseudonym(id: "PID-5550123", name: "Plantagenet^Richard^Middle"))
        #expect(back.dataset.string(t(0x0010, 0x0010)) == pseudonym)
        #expect(back.dataset.string(t(0x0010, 0x0020)) == pseudonym)
        #expect(back.dataset[t(0x0008, 0x0080)] == nil)
        #expect(back.dataset[t(0x0010, 0x1040)] == nil)
        #expect(back.dataset[t(0x0009, 0x0010)] == nil && back.dataset[t(0x0009, 0x1003)] == nil)
        #expect(back.dataset[t(0x7053, 0x1000)] == nil)
        #expect(back.dataset.string(t(0x0020, 0x000D))?.hasPrefix("2.25.") == true)
        #expect(back.dataset.string(t(0x0012, 0x0062)) == "YES")
        let codes = back.dataset.items(t(0x0012, 0x0064))?.compactMap { $0.string(t(0x0008, 0x0100)) }
        #expect(codes == ["113100"])
        #expect(back.meta.string(t(0x0002, 0x0003)) == back.dataset.string(t(0x0008, 0x0018)))
        // Nested: observer name dummied (D), free text dummied, the UID mapped.
        let content = try #require(back.dataset.items(t(0x0040, 0xA730))?.first)
        #expect(content.string(t(0x0040, 0xA123)) == "ANONYMOUS")
        let level2 = try #require(content.items(t(0x0040, 0xA730))?.first)
        #expect(level2.string(t(0x0040, 0xA160)) == "ANONYMOUS")   // free text in a D sequence
        let level3 = try #require(level2.items(t(0x0040, 0xA730))?.first)
        #expect(level3.string(t(0x0040, 0xA124))?.hasPrefix("2.25.") == true)
        #expect(result.report.counts["U", default: 0] >= 6)
        #expect(!result.report.uidMap.isEmpty)
    }

    @Test func sameSecretSameBytesDifferentSecretDifferentBytes() throws {
        let file = try part10File(plantedDataset())
        let one = try written(Anonymizer(options: AnonymizeOptions(secret: testSecret)).anonymize(file))
        let two = try written(Anonymizer(options: AnonymizeOptions(secret: testSecret)).anonymize(try part10File(plantedDataset())))
        let other = try written(Anonymizer(options: AnonymizeOptions(secret: Array("different".utf8))).anonymize(file))
        #expect(one == two)
        #expect(one != other)
    }

    @Test func referencesStayConsistentAcrossFiles() throws {
        let opts = AnonymizeOptions(secret: testSecret)
        let a = try Anonymizer(options: opts).anonymize(try part10File(plantedDataset(sopInstance: "1.2.826.0.1.3680043.99.1.1",
                                                                                       referencing: "1.2.826.0.1.3680043.99.1.2")))
        let b = try Anonymizer(options: opts).anonymize(try part10File(plantedDataset(sopInstance: "1.2.826.0.1.3680043.99.1.2",
                                                                                       referencing: "1.2.826.0.1.3680043.99.1.1")))
        let refA = a.dataset.items(t(0x0008, 0x1140))?.first?.string(t(0x0008, 0x1155))
        let refB = b.dataset.items(t(0x0008, 0x1140))?.first?.string(t(0x0008, 0x1155))
        #expect(refA != nil && refA == b.dataset.string(t(0x0008, 0x0018)))
        #expect(refB != nil && refB == a.dataset.string(t(0x0008, 0x0018)))
        #expect(a.dataset.string(t(0x0020, 0x000D)) == b.dataset.string(t(0x0020, 0x000D)))
        #expect(a.dataset.string(t(0x0020, 0x0052)) == b.dataset.string(t(0x0020, 0x0052)))
        #expect(a.report.uidMap["1.2.826.0.1.3680043.99.1.2"] == b.dataset.string(t(0x0008, 0x0018)))
        // Referenced SOP Class UIDs (well-known) are never mapped.
        #expect(a.dataset.items(t(0x0008, 0x1140))?.first?.string(t(0x0008, 0x1150)) == "1.2.840.10008.5.1.4.1.1.2")
    }

    @Test func modifiedDatesShiftByOneOffsetPerPatient() throws {
        var opts = AnonymizeOptions(secret: testSecret)
        opts.retainLongModifiedDates = true
        let r = try Anonymizer(options: opts).anonymize(try part10File(plantedDataset()))
        let offset = try #require(r.report.dateOffsetDays)
        #expect(offset == KeyedMapping(secret: testSecret).dayOffset(forPatient: "PID-5550123"))
        let study = try #require(r.dataset.string(t(0x0008, 0x0020)))
        #expect(study == CivilDate.shift("20190314", by: offset))
        #expect(r.dataset.string(t(0x0008, 0x002A)) == CivilDate.shift("20190314101545.5", by: offset))
        #expect(r.dataset.string(t(0x0028, 0x0303)) == "MODIFIED")
        let codes = r.dataset.items(t(0x0012, 0x0064))?.compactMap { $0.string(t(0x0008, 0x0100)) }
        #expect(codes == ["113100", "113107"])
        // Full dates: kept as they were.
        var full = AnonymizeOptions(secret: testSecret)
        full.retainLongFullDates = true
        let f = try Anonymizer(options: full).anonymize(try part10File(plantedDataset()))
        #expect(f.dataset.string(t(0x0008, 0x0020)) == "20190314")
    }

    /// Every listed safe private attribute is kept with Retain Safe Private and removed without
    /// it; an element of the same block that is not listed, and a listed element byte under
    /// another creator, are removed either way. Each creator sits in its own block (0x10, 0x11...)
    /// so that the element byte, not the block, is what is matched.
    @Test func safePrivateListKeptOnlyWithTheOption() throws {
        let entries = SafePrivateAttributes.entries.sorted { ($0.group, $0.creator, $0.elementByte) < ($1.group, $1.creator, $1.elementByte) }
        #expect(entries.count == 11)
        var ds = plantedDataset()
        var blocks: [UInt16: [String: UInt16]] = [:]   // group -> creator -> block
        var listed: [(Tag, SafePrivateAttributes.Entry)] = []
        var unlisted: [Tag] = []
        for entry in entries {
            var inGroup = blocks[entry.group] ?? [:]
            let block = inGroup[entry.creator] ?? UInt16(0x11 + inGroup.count)
            inGroup[entry.creator] = block
            blocks[entry.group] = inGroup
            ds.setString(t(entry.group, block), .LO, entry.creator)
            let tag = t(entry.group, block << 8 | UInt16(entry.elementByte))
            // The dictionary knows each listed attribute (its VR and meaning come from there).
            let vr = try #require(entry.vr, "no private dictionary entry for \(entry.creator) \(entry.exampleTag)")
            #expect(entry.meaning != nil)
            ds.set(Element(tag: tag, vr: vr, value: .bytes(ValueBytes(vr.isString ? Array("12".utf8) : [UInt8](repeating: 0, count: 24)))))
            listed.append((tag, entry))
            // Byte 0xF0 of the same block is on no list.
            let other = t(entry.group, block << 8 | 0xF0)
            ds.setString(other, .LO, "not on the list")
            unlisted.append(other)
        }
        // A listed byte (0x00) under a creator that is not on the list.
        ds.setString(t(0x7053, 0x0030), .LO, "SOME OTHER VENDOR")
        ds.setString(t(0x7053, 0x3000), .DS, "2.5")
        unlisted.append(t(0x7053, 0x3000))
        let file = try part10File(ds)

        var retain = AnonymizeOptions(secret: testSecret)
        retain.retainSafePrivate = true
        let kept = try Anonymizer(options: retain).anonymize(file).dataset
        for (tag, entry) in listed {
            #expect(kept[tag] != nil, "\(entry.creator) \(tag) should be kept with --retain-safe-private")
            #expect(kept.string(t(tag.group, tag.element >> 8))?.trimmingCharacters(in: .whitespaces) == entry.creator)
        }
        for tag in unlisted { #expect(kept[tag] == nil, "\(tag) is not safe and should be removed") }
        #expect(kept[t(0x7053, 0x0030)] == nil)   // its creator goes with its only element

        let basic = try Anonymizer(options: AnonymizeOptions(secret: testSecret)).anonymize(file).dataset
        for (tag, _) in listed { #expect(basic[tag] == nil, "\(tag) should be removed without the option") }
        for tag in unlisted { #expect(basic[tag] == nil) }
        #expect(!basic.elements.contains { $0.tag.isPrivate })
    }

    @Test func optionsKeepRemoveSetAndSafePrivate() throws {
        var opts = AnonymizeOptions(secret: testSecret)
        opts.retainSafePrivate = true
        opts.retainUIDs = true
        opts.keep = [try EditPath(parsing: "InstitutionName"), try EditPath(parsing: "(0009,1001)")]
        opts.remove = [try EditPath(parsing: "SliceThickness")]
        opts.set = [(try EditPath(parsing: "PatientName"), "Subject^001"), (try EditPath(parsing: "(0028,0010)"), "2")]
        let file = try part10File(plantedDataset())
        let r = try Anonymizer(options: opts).anonymize(file)
        #expect(r.dataset.string(t(0x7053, 0x1000)) == "1.234")
        #expect(r.dataset.string(t(0x7053, 0x0010)) == "Philips PET Private Group")
        // Kept explicitly: the private element and its creator; the rest of the block goes.
        #expect(r.dataset.string(t(0x0009, 0x1001)) == "Richard Plantagenet private")
        #expect(r.dataset.string(t(0x0009, 0x0010)) == "PLANTED PRIVATE")
        #expect(r.dataset[t(0x0009, 0x1002)] == nil && r.dataset[t(0x0009, 0x1003)] == nil)
        #expect(r.dataset.string(t(0x0008, 0x0018)) == "1.2.826.0.1.3680043.99.1.1")
        #expect(r.dataset.string(t(0x0008, 0x0080)) == "Saint Planted Hospital")
        #expect(r.dataset[t(0x0018, 0x0050)] == nil)
        #expect(r.dataset.string(t(0x0010, 0x0010)) == "Subject^001")
        let codes = r.dataset.items(t(0x0012, 0x0064))?.compactMap { $0.string(t(0x0008, 0x0100)) }
        #expect(codes == ["113100", "113110", "113111"])
        // What `keep` and Retain UIDs keep on purpose is not a residual.
        #expect(IdentityScanner.residuals(original: file, anonymized: r.dataset, options: opts) == [])
        opts.set = [(try EditPath(parsing: "ContentSequence[5].PersonName"), "x")]
        #expect(throws: DicomError.self) { try Anonymizer(options: opts).anonymize(file) }
    }

    @Test func scannerFindsLeaksAtAnyDepthAndInPrivateBytes() throws {
        let opts = AnonymizeOptions(secret: testSecret)
        let file = try part10File(plantedDataset())
        var leaked = try Anonymizer(options: opts).anonymize(file).dataset
        leaked.set(Element(tag: t(0x0011, 0x1001), vr: .UN, value: .bytes(ValueBytes(Array("xxPID-5550123xx".utf8)))))
        var items = try #require(leaked.items(t(0x0040, 0xA730)))
        items[0].setString(t(0x0040, 0xA160), .UT, "note about Plantagenet")
        leaked.setSequence(t(0x0040, 0xA730), items)
        let hits = IdentityScanner.residuals(original: file, anonymized: leaked, options: opts)
        #expect(hits.contains { $0.hasPrefix("(0011,1001)") && $0.contains("PID-5550123") })
        #expect(hits.contains { $0.hasPrefix("(0040,A730)[0].(0040,A160)") && $0.contains("Plantagenet") })
        let values = IdentityScanner.identifyingValues(in: file.dataset, options: opts).map(\.value)
        #expect(values.contains("Secretia Nested") && values.contains("Hidden^Deep") && values.contains("19520721"))
        #expect(!values.contains("ACME Scanners"))
    }

    @Test func noZeroItemSequencesAreLeftAndTheAuditIsSorted() throws {
        let file = try part10File(plantedDataset { ds in
            // An item that holds only a private element becomes empty: the item and then the
            // sequence go, instead of a zero-item sequence.
            var onlyPrivate = Dataset()
            onlyPrivate.setString(DicomCore.Tag(0x0011, 0x0010), .LO, "PLANTED PRIVATE")
            onlyPrivate.setString(DicomCore.Tag(0x0011, 0x1001), .LO, "Plantagenet")
            ds.setSequence(DicomCore.Tag(0x0008, 0x2112), [onlyPrivate])
        })
        let r = try Anonymizer(options: AnonymizeOptions(secret: testSecret)).anonymize(file)
        #expect(r.dataset[t(0x0008, 0x2112)] == nil)
        func zeroItemSequences(_ ds: Dataset, top: Bool) -> Int {
            ds.elements.reduce(0) { n, e in
                guard let items = e.items else { return n }
                return n + (items.isEmpty && !top ? 1 : 0) + items.reduce(0) { $0 + zeroItemSequences($1, top: false) }
            }
        }
        #expect(zeroItemSequences(r.dataset, top: true) == 0)
        let audit = r.report.auditLines
        #expect(audit.count == r.report.uidMap.count + 2 && audit == audit.sorted())   // + PatientID, PatientName
        #expect(audit.contains("uid\t1.2.826.0.1.3680043.99.2\t\(KeyedMapping(secret: testSecret).uid(for: "1.2.826.0.1.3680043.99.2"))"))
    }

    @Test func burnedInAnnotationPolicy() throws {
        let yes = try part10File(plantedDataset { $0.setString(DicomCore.Tag(0x0028, 0x0301), .CS, "YES") })
        var opts = AnonymizeOptions(secret: testSecret)
        do {
            _ = try Anonymizer(options: opts).anonymize(yes)
            Issue.record("refuse must throw")
        } catch {
            #expect(error.code == .unsupported && error.code.exitStatus == .unsupported)
            #expect(error.message.contains("Burned In Annotation"))
        }
        let us = try part10File(plantedDataset { $0.setString(DicomCore.Tag(0x0008, 0x0060), .CS, "US") })
        #expect(throws: DicomError.self) { try Anonymizer(options: opts).anonymize(us) }
        let usNo = try part10File(plantedDataset {
            $0.setString(DicomCore.Tag(0x0008, 0x0060), .CS, "US"); $0.setString(DicomCore.Tag(0x0028, 0x0301), .CS, "NO")
        })
        #expect(try Anonymizer(options: opts).anonymize(usNo).report.burnedInReason == nil)
        opts.burnedIn = .warn
        let warned = try Anonymizer(options: opts).anonymize(yes)
        #expect(warned.report.warnings.count == 1 && warned.report.burnedInReason != nil)
        opts.burnedIn = .allow
        #expect(try Anonymizer(options: opts).anonymize(us).report.warnings.isEmpty)
    }
}
