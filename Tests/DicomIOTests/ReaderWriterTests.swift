import DicomCore
import DicomTestSupport
import Foundation
import Testing
@testable import DicomIO

/// Little helpers to build hostile inputs byte by byte.
private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
private func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
private func explicitElement(_ g: UInt16, _ e: UInt16, _ vr: String, _ value: [UInt8]) -> [UInt8] {
    var out = le16(g) + le16(e) + Array(vr.utf8)
    if ["OB", "OW", "SQ", "UN", "UT", "UC", "UR", "OD", "OF", "OL", "OV", "SV", "UV"].contains(vr) {
        out += [0, 0] + le32(UInt32(value.count))
    } else {
        out += le16(UInt16(value.count))
    }
    return out + value
}

private func part10(_ dataset: [UInt8], syntax: String = "1.2.840.10008.1.2.1") -> [UInt8] {
    var uid = Array(syntax.utf8)
    if uid.count % 2 == 1 { uid.append(0) }
    let ts = explicitElement(0x0002, 0x0010, "UI", uid)
    return [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + explicitElement(0x0002, 0x0000, "UL", le32(UInt32(ts.count))) + ts + dataset
}

private func read(_ bytes: [UInt8]) throws(DicomError) -> DicomFile {
    try Part10Reader.read(source: ByteSource(ownedBytes: bytes, name: "test"))
}

@Suite struct ReaderTests {
    @Test func readsASmallExplicitFile() throws {
        let f = try read(part10(explicitElement(0x0010, 0x0010, "PN", Array("Doe^John".utf8))))
        #expect(f.dataset.string(Tag(0x0010, 0x0010)) == "Doe^John")
        #expect(f.transferSyntax == .explicitVRLittleEndian)
        #expect(f.warnings.isEmpty)
    }

    @Test func hostileLengthIsAnErrorWithOffsetAndTag() {
        var ds = le16(0x0010) + le16(0x0010) + Array("LO".utf8) + le16(0xFFFE)
        ds += Array(repeating: 0x41, count: 10)
        do {
            _ = try read(part10(ds))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.tag == Tag(0x0010, 0x0010))
            #expect(error.offset != nil)
            #expect(error.description.contains("declares 65534 bytes"))
        }
    }

    @Test func longLength0xFFFFFFFEIsRefusedWithoutAllocating() {
        let ds = le16(0x7FE0) + le16(0x0010) + Array("OB".utf8) + [0, 0] + le32(0xFFFF_FFFE) + [1, 2, 3, 4]
        #expect(throws: DicomError.self) { try read(part10(ds)) }
    }

    @Test func deepNestingIsBoundedNotACrash() {
        // 100,000 nested undefined-length sequences: must fail cleanly, not overflow the stack.
        var ds: [UInt8] = []
        for _ in 0..<100_000 {
            ds += le16(0x0040) + le16(0xA730) + Array("SQ".utf8) + [0, 0] + le32(0xFFFF_FFFF)
            ds += le16(0xFFFE) + le16(0xE000) + le32(0xFFFF_FFFF)
        }
        do {
            _ = try read(part10(ds))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("nested deeper"))
        }
    }

    @Test func notDicomIsAClearError() {
        #expect(throws: DicomError.self) { try read(Array("hello, this is just text, not DICOM at all".utf8)) }
        #expect(throws: DicomError.self) { try read([]) }
        do { _ = try read([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0]) } catch {
            #expect(error.message.contains("gzip"))
        }
    }

    @Test func bareImplicitDataSetIsDetected() throws {
        let ds = le16(0x0008) + le16(0x0060) + le32(2) + Array("CT".utf8)
        let f = try read(ds)
        #expect(f.transferSyntax == .implicitVRLittleEndian)
        #expect(f.dataset.string(Tag(0x0008, 0x0060)) == "CT")
        #expect(!f.warnings.isEmpty)
    }

    @Test func undefinedLengthSequenceWithoutDelimiterWarns() throws {
        let item = le16(0xFFFE) + le16(0xE000) + le32(0xFFFF_FFFF) + explicitElement(0x0008, 0x1150, "UI", Array("1.2".utf8) + [0])
        let seq = le16(0x0008) + le16(0x1140) + Array("SQ".utf8) + [0, 0] + le32(0xFFFF_FFFF) + item
        let f = try read(part10(seq))
        #expect(f.dataset.items(Tag(0x0008, 0x1140))?.first?.string(Tag(0x0008, 0x1150)) == "1.2")
        #expect(f.warnings.count >= 1)
    }

    /// Implicit VR: a private element (VR unknown) whose bytes begin with an item tag is read as a
    /// sequence when it is one, and kept as bytes when it only begins like one (here an AT value
    /// (FFFE,E000) followed by other values: the "item" declares more bytes than the element has).
    /// Found by the generated edge-value datasets: the whole file failed with exit 22.
    @Test func implicitPrivateBytesThatBeginLikeAnItemStayBytes() throws {
        func implicitElement(_ g: UInt16, _ e: UInt16, _ value: [UInt8]) -> [UInt8] {
            le16(g) + le16(e) + le32(UInt32(value.count)) + value
        }
        let creator = implicitElement(0x0011, 0x0010, Array("VR EDGES GEN".utf8))
        let notAnItem = le16(0xFFFE) + le16(0xE000) + le16(0x0028) + le16(0x0010) + le16(0x0010) + le16(0x0010)
            + [0xA4, 0xE8, 0x61, 0x45]
        let itemBody = implicitElement(0x0011, 0x1010, Array("AB".utf8))
        let anItem = le16(0xFFFE) + le16(0xE000) + le32(UInt32(itemBody.count)) + itemBody
        // An item header whose length runs past the element (8 bytes: AT values (FFFE,E000)\(8B29,785B)).
        let overrun = le16(0xFFFE) + le16(0xE000) + [0x5B, 0x78, 0x29, 0x8B]
        let ds = creator + implicitElement(0x0011, 0x1001, notAnItem) + implicitElement(0x0011, 0x1002, anItem)
            + implicitElement(0x0011, 0x1003, Array("XY".utf8)) + implicitElement(0x0011, 0x1004, overrun)
        let f = try read(part10(ds, syntax: "1.2.840.10008.1.2"))
        let kept = try #require(f.dataset[Tag(0x0011, 0x1001)])
        #expect(kept.vr == .UN)
        #expect(kept.valueBytes?.bytes == notAnItem)
        #expect(f.dataset.items(Tag(0x0011, 0x1002))?.count == 1)
        #expect(f.dataset[Tag(0x0011, 0x1003)]?.valueBytes?.bytes == Array("XY".utf8))
        #expect(f.dataset[Tag(0x0011, 0x1004)]?.vr == .UN)
        #expect(f.dataset[Tag(0x0011, 0x1004)]?.valueBytes?.bytes == overrun)
        #expect(f.warnings.contains { $0.message.contains("kept as bytes") })
    }
}

@Suite struct WriterTests {
    @Test func roundTripsEveryUncompressedSyntax() throws {
        let (dir, rows, _) = CorpusIndex.available
        let paths = rows.compactMap { $0["path"] }.filter { ["native/MR_small.dcm", "native/SC_rgb_small_odd.dcm"].contains($0) }
        #expect(!paths.isEmpty)
        for path in paths {
            let original = try Part10Reader.read(path: dir.appendingPathComponent(path).path)
            for syntax in [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian] {
                var sink = MemorySink()
                let writer = DatasetWriter(syntax: syntax)
                let meta = DatasetWriter.makeMeta(for: original.dataset, syntax: syntax, previous: original.meta)
                try writer.writeFile(meta: meta, dataset: original.dataset, to: &sink)
                let back = try Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "out"))
                #expect(back.transferSyntax == syntax)
                #expect(back.warnings.isEmpty, "\(path) in \(syntax.name): \(back.warnings)")
                #expect(back.dataset.count == original.dataset.count)
                for e in original.dataset.elements {
                    guard let b = e.valueBytes, let nb = back.dataset[e.tag]?.valueBytes else { continue }
                    let unit = e.tag == .pixelData && e.vr == .OB ? 1 : e.vr.byteSwapUnit
                    var x = b.littleEndianBytes(swapUnit: unit), y = nb.littleEndianBytes(swapUnit: unit)
                    if x.count % 2 == 1 { x.append(e.vr.paddingByte) }
                    if y.count % 2 == 1 { y.append(e.vr.paddingByte) }
                    #expect(x == y, "\(path) \(e.tag) in \(syntax.name)")
                }
                #expect(back.meta.string(Tag(0x0002, 0x0012)) == Implementation.classUID)
                #expect(back.meta.int(.fileMetaInformationGroupLength) != nil)
            }
        }
    }

    @Test func atomicOutputLeavesNothingWhenDiscarded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-atomic-\(UUID().uuidString)")
        let dest = dir.appendingPathComponent("out.dcm").path
        do {
            var out = try AtomicOutput(destination: dest)
            try out.write([1, 2, 3])
            out.discard()
        }
        #expect(!FileManager.default.fileExists(atPath: dest))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty ?? true)
        var out = try AtomicOutput(destination: dest)
        try out.write([1, 2, 3])
        try out.commit()
        #expect(FileManager.default.contents(atPath: dest) == Data([1, 2, 3]))
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func staleTemporariesOfDeadWritersAreRemoved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-stale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // pid 2^31-2 cannot be running; our own pid is: only the dead writer's file goes.
        let dead = dir.appendingPathComponent(".dicomtool-tmp-2147483646-7-a.dcm").path
        let alive = dir.appendingPathComponent(".dicomtool-tmp-\(getpid())-7-b.dcm").path
        _ = FileManager.default.createFile(atPath: dead, contents: Data([1]))
        _ = FileManager.default.createFile(atPath: alive, contents: Data([1]))
        var out = try AtomicOutput(destination: dir.appendingPathComponent("c.dcm").path)
        try out.write([1, 2])
        try out.commit()
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: alive))
    }
}

@Suite struct RenderTests {
    @Test func pathsResolveInDataSets() throws {
        var ds = Dataset()
        ds.setString(Tag(0x0029, 0x0010), .LO, "OTHER")
        ds.setString(Tag(0x0029, 0x0011), .LO, "SIEMENS CSA HEADER ")
        ds.setString(Tag(0x0029, 0x1110), .LO, "csa")
        let name = AttributeName.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", element: 0x10)
        #expect(name.resolve(in: ds) == Tag(0x0029, 0x1110))
        #expect(name.names(ds[Tag(0x0029, 0x1110)]!, in: ds))
        #expect(!name.names(Tag(0x0029, 0x1010), creator: ds.privateCreator(of: Tag(0x0029, 0x1010))))
        #expect(AttributeName.freeBlock(group: 0x0029, in: ds) == 0x12)
        #expect(try EditPath(parsing: "(0029,{SIEMENS CSA HEADER},10)").elements(in: ds).map(\.0.tag) == [Tag(0x0029, 0x1110)])
    }

    @Test func selectionKeepsPathsAndAnyDepthMatches() throws {
        var inner = Dataset()
        inner.setString(Tag(0x0008, 0x1150), .UI, "1.2.3")
        inner.setString(Tag(0x0008, 0x1155), .UI, "4.5.6")
        var ds = Dataset()
        ds.setString(Tag(0x0010, 0x0010), .PN, "A^B")
        ds.setSequence(Tag(0x0008, 0x2112), [inner, inner])
        let any = EditPath.select([try EditPath(parsing: "ReferencedSOPInstanceUID")], in: ds)
        #expect(any.count == 1 && any.items(Tag(0x0008, 0x2112))?.count == 2)
        #expect(any.items(Tag(0x0008, 0x2112))?.first?.count == 1)
        let path = EditPath.select([try EditPath(parsing: "SourceImageSequence[1].ReferencedSOPClassUID")], in: ds)
        #expect(path.items(Tag(0x0008, 0x2112))?.count == 1)
        #expect(path.items(Tag(0x0008, 0x2112))?.first?.string(Tag(0x0008, 0x1150)) == "1.2.3")
        let item = EditPath.select([try EditPath(parsing: "SourceImageSequence[0]")], in: ds)
        #expect(item.items(Tag(0x0008, 0x2112))?.first?.count == 2)
        // A private element by creator, at any depth, with its creator.
        var privateItem = Dataset()
        privateItem.setString(Tag(0x0009, 0x0012), .LO, "ACME 1.0")
        privateItem.setString(Tag(0x0009, 0x1201), .LO, "x")
        privateItem.setString(Tag(0x0009, 0x1202), .LO, "y")
        ds.setSequence(Tag(0x0008, 0x1140), [privateItem])
        let found = EditPath.select([try EditPath(parsing: "(0009,{ACME 1.0},01)")], in: ds)
        #expect(found.items(Tag(0x0008, 0x1140))?.first?.elements.map(\.tag) == [Tag(0x0009, 0x0012), Tag(0x0009, 0x1201)])
        #expect(found[Tag(0x0008, 0x2112)] == nil)
    }

    /// PS3.19 as dcm2xml --native-format and dcm4che write it: a private data element block-less
    /// (gggg00ee) with its privateCreator; the creator itself and a creator-less element as they are.
    @Test func xmlWritesPrivateElementsBlocklessWithTheirCreator() {
        var ds = Dataset()
        ds.setString(Tag(0x0009, 0x0010), .LO, "OTHER")
        ds.setString(Tag(0x0009, 0x0011), .LO, "ACME 1.0")
        ds.setString(Tag(0x0009, 0x1101), .LO, "x")
        ds.setString(Tag(0x0011, 0x1001), .LO, "y")
        let xml = XMLDumper().render(ds)
        #expect(xml.contains("<DicomAttribute tag=\"00090011\" vr=\"LO\"><Value number=\"1\">ACME 1.0</Value>"))
        #expect(xml.contains("<DicomAttribute tag=\"00090001\" vr=\"LO\" privateCreator=\"ACME 1.0\"><Value number=\"1\">x</Value>"))
        #expect(xml.contains("<DicomAttribute tag=\"00111001\" vr=\"LO\"><Value number=\"1\">y</Value>"))
        #expect(!xml.contains("00091101"))
    }

    @Test func jsonEscapesAndNumbers() {
        #expect(JSONDumper.escape("a\"b\\c\n\u{1}") == "a\\\"b\\\\c\\n\\u0001")
        #expect(JSONDumper.isJSONNumber("-1.5e+3"))
        #expect(!JSONDumper.isJSONNumber("+1"))
        #expect(!JSONDumper.isJSONNumber("1."))
        #expect(!JSONDumper.isJSONNumber(".5"))
        var ds = Dataset()
        ds.setString(.specificCharacterSet, .CS, "ISO_IR 192")
        ds.setString(Tag(0x0010, 0x0010), .PN, "Yamada^Tarou=山田^太郎")
        ds.setString(Tag(0x0028, 0x1050), .DS, "+40.\\ 1.5")
        let json = JSONDumper().render(ds)
        #expect(json.contains("\"Alphabetic\":\"Yamada^Tarou\",\"Ideographic\":\"山田^太郎\""))
        #expect(json.contains("\"Value\":[40.0,1.5]"))
    }

    @Test func textDumpShowsNestingAndEscapesControlBytes() {
        var ds = Dataset()
        ds.setString(Tag(0x0010, 0x0010), .PN, "A\u{7}B\nC")
        let text = { var s = ""; TextDumper().render(ds, depth: 0, into: &s); return s }()
        #expect(text.contains("A\\x07B\\nC"))
        #expect(text.contains("PatientName"))
    }
}
