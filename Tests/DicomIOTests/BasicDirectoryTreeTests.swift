import DicomCore
import DicomTestSupport
import Foundation
import Testing
@testable import DicomIO

/// The DICOMDIR model of `dicomdir create|update|list`: the record tables resolve, trees built from
/// instances encode with offsets that read back to the same tree, File IDs follow PS3.10 8.5.
@Suite struct BasicDirectoryTreeTests {
    static func fixture(_ path: String) throws -> DicomFile {
        try Part10Reader.read(path: CorpusIndex.fixtures.appendingPathComponent(path).path)
    }

    @Test func tablesResolve() {
        // The Directory Record Type enumeration of PS3.3 F.3.2.2 (Table F.3-3).
        let standard = Set("PATIENT|STUDY|SERIES|IMAGE|RADIOTHERAPY|RT DOSE|RT STRUCTURE SET|RT PLAN|RT TREAT RECORD|PRESENTATION|WAVEFORM|SR DOCUMENT|KEY OBJECT DOC|SPECTROSCOPY|RAW DATA|REGISTRATION|FIDUCIAL|HANGING PROTOCOL|ENCAP DOC|VALUE MAP|STEREOMETRIC|PALETTE|IMPLANT|IMPLANT GROUP|IMPLANT ASSY|MEASUREMENT|SURFACE|SURFACE SCAN|TRACT|ASSESSMENT|PRIVATE".split(separator: "|").map(String.init))
        for type in DirectoryRecordTypes.recordTypes {
            #expect(standard.contains(type.name), "\(type.name) is not a Directory Record Type")
            #expect(type.section.hasPrefix("PS3.3 F.5 "), "\(type.name) names no section")
            for key in type.keys { #expect(DataDictionary.tag(forKeyword: key.keyword) != nil, "\(type.name): unknown key \(key.keyword)") }
        }
        let names = Set(DirectoryRecordTypes.recordTypes.map(\.name))
        for row in DirectoryRecordTypes.sopClassRows {
            #expect(UIDDictionary.entry(forKeyword: row.sopClass)?.type == "SOP Class", "unknown SOP class \(row.sopClass)")
            #expect(names.contains(row.recordType), "\(row.sopClass): no keys for \(row.recordType)")
            #expect(DirectoryRecordTypes.recordType(named: row.recordType).section == row.section, "\(row.sopClass): section")
        }
        #expect(DirectoryRecordTypes.recordType(forSOPClass: "1.2.840.10008.5.1.4.1.1.4").name == "IMAGE")
        #expect(DirectoryRecordTypes.recordType(forSOPClass: "1.2.840.10008.5.1.4.1.1.481.5").name == "RT PLAN")
    }

    @Test func treeEncodesAndReadsBack() throws {
        var builder = DirectoryBuilder()
        let paths = ["native/MR_small.dcm", "native/MR_small_implicit.dcm", "nonimage/rtplan.dcm", "native/liver_1frame.dcm"]
        var invented: [String] = []
        for (i, path) in paths.enumerated() {
            let file = try Self.fixture(path)
            let instance = try DirectoryBuilder.instance(file, fileID: ["DIR", "F\(i)"], invent: true)
            invented += instance.invented
            let duplicate = builder.add(instance)
            // MR_small and MR_small_implicit are one instance in two syntaxes: the second is refused.
            #expect((duplicate != nil) == (path == "native/MR_small_implicit.dcm"), "\(path)")
        }
        let bytes = try BasicDirectory.encode(builder.ordered(), fileSetID: "TEST", instanceUID: "1.2.3")
        let file = try Part10Reader.read(source: ByteSource(ownedBytes: bytes, name: "DICOMDIR"))
        #expect(BasicDirectory.isBasicDirectory(file) && file.transferSyntax.uid == "1.2.840.10008.1.2.1")
        #expect(file.dataset.string(Tag.fileSetID) == "TEST")
        let (roots, unreachable) = try BasicDirectory.tree(of: file)
        #expect(unreachable == 0)
        var leaves: [String: String] = [:]
        func visit(_ nodes: [BasicDirectory.Node], _ depth: Int) {
            for node in nodes {
                #expect(["PATIENT", "STUDY", "SERIES"][min(depth, 2)] == node.recordType || depth == 3)
                if let id = node.fileID { leaves[id.joined(separator: "/")] = node.recordType; #expect(depth == 3) }
                visit(node.children, depth + 1)
            }
        }
        visit(roots, 0)
        #expect(leaves == ["DIR/F0": "IMAGE", "DIR/F2": "RT PLAN", "DIR/F3": "IMAGE"])
        // The rewriter reads the same links: its rewrite of the bytes is byte-identical.
        #expect(try BasicDirectory.rewrite(file) { _ in nil }.bytes == bytes)
    }

    @Test func missingTypeOneKeyIsAnErrorUnlessInvented() throws {
        let file = try Self.fixture("native/MR_small.dcm")
        var stripped = file
        stripped.dataset.remove(Tag.studyID)
        #expect(throws: DicomError.self) { try DirectoryBuilder.instance(stripped, fileID: ["A"], invent: false) }
        let instance = try DirectoryBuilder.instance(stripped, fileID: ["A"], invent: true)
        #expect(instance.invented == ["StudyID"] && instance.study.string(Tag.studyID) == "UNKNOWN")
    }

    @Test func fileIDs() {
        #expect(FileID.problem(["CT", "IM0001"]) == nil)
        #expect(FileID.problem(["ct"]) != nil && FileID.problem(["TOOLONGNAME"]) != nil)
        #expect(FileID.problem(Array(repeating: "A", count: 9)) != nil)
        #expect(FileID.conforming("MR_small.dcm") == "MR_SMALL" && FileID.conforming("a-b c") == "A_B_C")
        #expect(FileID.conforming(".hidden") == "_HIDDEN" && FileID.conforming("...") == "__")
        var taken: Set<String> = []
        #expect([FileID.unique("MR_SMALL", in: &taken), FileID.unique("MR_SMALL", in: &taken), FileID.unique("MR_SMALL", in: &taken)]
                == ["MR_SMALL", "MR_SMAL1", "MR_SMAL2"])
        #expect(MediaProfile.cd.allows(transferSyntax: "1.2.840.10008.1.2.1") && !MediaProfile.cd.allows(transferSyntax: "1.2.840.10008.1.2"))
        #expect(MediaProfile.usbJPEG.allows(transferSyntax: "1.2.840.10008.1.2.4.70") && !MediaProfile.usbJ2K.allows(transferSyntax: "1.2.840.10008.1.2.4.50"))
        #expect(MediaProfile.mime.allows(transferSyntax: "1.2.840.10008.1.2.2"))
    }
}
