import DicomCore
import DicomIO
@testable import DicomServices
import DicomTestSupport
import Foundation
import Testing

/// The survey parses a file once and records where its data set lies, so that its turn sends the
/// bytes from there without parsing it again; files that cannot go as they are get no such record.
@Suite struct StoreSurveyTests {
    static func item(_ path: String) -> StoreItem {
        var item = StoreItem(index: 0, name: path) { () throws(DicomError) -> DicomFile in try Part10Reader.read(path: path) }
        item.load = { () throws(DicomError) -> ByteSource in try ByteSource(contentsOfFile: path) }
        return item
    }

    static func path(_ relative: String) -> String { CorpusIndex.fixtures.appendingPathComponent(relative).path }

    @Test func theLayoutIsWhereTheParserFoundTheDataSet() throws {
        let path = Self.path("native/MR_small.dcm")
        let file = try Part10Reader.read(path: path)
        let c = try StorageSCU.survey(Self.item(path))
        #expect(c.layout == StoreCandidate.Layout(datasetOffset: file.datasetOffset, fileSize: file.source.count, rewrite: false))
        // The bytes sent from there are the data set the full parse delimits.
        let again = try ByteSource(contentsOfFile: path)
        #expect(Array(again.base[(c.layout?.datasetOffset ?? 0)...]) == Array(file.datasetSource.base[file.datasetOffset...]))
    }

    @Test func filesThatCannotGoAsTheyAreHaveNoUsableLayout() throws {
        // Deflated: the data set is not the file's bytes.
        #expect(try StorageSCU.survey(Self.item(Self.path("deflate/image_dfl.dcm"))).layout == nil)
        // Without `load`, nothing is recorded (the file is opened again when its turn comes).
        let path = Self.path("native/MR_small.dcm")
        #expect(try StorageSCU.survey(StoreItem(index: 0, name: path) { () throws(DicomError) -> DicomFile in
            try Part10Reader.read(path: path)
        }).layout == nil)
    }
}
