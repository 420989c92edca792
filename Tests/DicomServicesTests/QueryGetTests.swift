import DicomCore
import DicomNet
import Testing
@testable import DicomServices

@Suite struct QueryGetTests {
    static func instance(_ series: String, _ n: Int, _ sopClass: String) -> RetrieveInstance {
        RetrieveInstance(patientID: "P", studyInstanceUID: "1.2", seriesInstanceUID: series, sopInstanceUID: "\(series).\(n)", sopClassUID: sopClass)
    }

    static let ct = UIDDictionary.entry(forKeyword: "CTImageStorage")?.uid ?? ""
    static let mr = UIDDictionary.entry(forKeyword: "MRImageStorage")?.uid ?? ""

    @Test func seriesBecomeRequestsWithTheirUniqueKeys() {
        let found = [Self.instance("1.2.3", 1, Self.ct), Self.instance("1.2.4", 1, Self.mr), Self.instance("1.2.3", 2, Self.ct)]
        let whole = GetSCU.targets(found, model: .studyRoot, wholeSeries: true)
        #expect(whole.map(\.level) == [.series, .series])
        #expect(whole.map(\.instances) == [2, 1])
        #expect(whole[0].keys == [QueryKey(.studyInstanceUID, value: "1.2"), QueryKey(.seriesInstanceUID, value: "1.2.3")])
        #expect(whole[0].sopClassUIDs == [Self.ct])
        // Patient Root names the patient too.
        #expect(GetSCU.targets(found, model: .patientRoot, wholeSeries: true)[0].keys.first == QueryKey(.patientID, value: "P"))
        // At IMAGE level: the instances as UID lists, at most uidsPerRequest each.
        let images = GetSCU.targets(found + (3...5).map { Self.instance("1.2.3", $0, Self.ct) }, model: .studyRoot, wholeSeries: false,
                                    uidsPerRequest: 3)
        #expect(images.map(\.instances) == [3, 2, 1])
        #expect(images[0].keys.last == QueryKey(.sopInstanceUID, value: "1.2.3.1\\1.2.3.2\\1.2.3.3"))
    }

    @Test func contextsFitAndNameEverySyntaxWhenThereIsRoom() throws {
        let get = try #require(QueryModel.studyRoot.getSOPClassUID)
        let few = GetSCU.contexts(getClass: get, sopClasses: [Self.ct, Self.mr])
        #expect(few.first?.abstractSyntax == get)
        // Each syntax in a context of its own: the peer sends what it holds.
        #expect(few.filter { $0.abstractSyntax == Self.ct }.count == GetSCU.uncompressed.count + GetSCU.compressed.count)
        #expect(few.allSatisfy { $0.abstractSyntax == get || $0.transferSyntaxes.count == 1 })
        let many = (1...60).map { "1.2.840.10008.5.1.4.1.1.9.\($0)" }
        let tight = GetSCU.contexts(getClass: get, sopClasses: many)
        #expect(tight.count == 1 + 60 * 2)
        let full = GetSCU.contexts(getClass: get, sopClasses: (1...127).map { "1.2.3.\($0)" })
        #expect(full.count == 128)
        // Unknown SOP classes (a peer that does not return them): the common storage classes.
        let unknown = GetSCU.contexts(getClass: get, sopClasses: [""])
        #expect(unknown.count <= 128)
        #expect(Set(unknown.map(\.abstractSyntax)).isSuperset(of: [Self.ct, Self.mr]))
        #expect(!unknown.contains { $0.abstractSyntax.isEmpty })
        #expect(GetSCU.commonStorageClasses.count == 39, "every keyword is in the UID table")
    }

    @Test func associationsGiveEveryClassEverySyntax() throws {
        let targets = (0..<300).map { n in
            RetrieveTarget(level: .series, keys: [], sopClassUIDs: ["1.2.3.\(n)"], instances: 1)
        }
        let groups = GetSCU.associations(targets)
        let perClass = GetSCU.uncompressed.count + GetSCU.compressed.count
        let most = 127 / perClass
        #expect(groups.count == (300 + most - 1) / most)
        #expect(groups.allSatisfy { Set($0.flatMap(\.sopClassUIDs)).count <= most })
        #expect(groups.map(\.count).reduce(0, +) == 300)
        let get = try #require(QueryModel.studyRoot.getSOPClassUID)
        for group in groups {
            let classes = Set(group.flatMap(\.sopClassUIDs)).sorted()
            #expect(GetSCU.contexts(getClass: get, sopClasses: classes).count == 1 + classes.count * perClass)
        }
    }

    @Test func moveSendsOnlyUniqueKeysAsTheyAre() {
        func unique(_ keys: [QueryKey], _ level: QueryLevel, _ model: QueryModel = .studyRoot) -> Bool {
            MoveSCU.hasUniqueKeys(keys, level: level, model: model)
        }
        let study = QueryKey(.studyInstanceUID, value: "1.2.3"), series = QueryKey(.seriesInstanceUID, value: "1.2.3.4")
        #expect(unique([study], .study))
        #expect(unique([study, QueryKey(.studyInstanceUID, value: "1.2.3\\1.2.4")].suffix(1), .study), "a UID list")
        #expect(unique([study, series, QueryKey(.patientName)], .series), "return keys do not count")
        #expect(!unique([study], .series), "the level's own unique key is missing")
        #expect(!unique([QueryKey(.patientID, value: "P1")], .study), "Patient ID is no unique key in Study Root")
        #expect(unique([QueryKey(.patientID, value: "P1"), study], .study, .patientRoot))
        #expect(!unique([study, QueryKey(.studyDate, value: "20240101-")], .study), "a date range")
        #expect(!unique([QueryKey(.studyInstanceUID, value: "1.2.*")], .study), "a wild card")
        #expect(!unique([study, QueryKey(.sopInstanceUID, value: "1.2.3.4.5")], .study), "a key below the level")
    }

    @Test func queryInputReadsFindsJSONLinesAndArrays() throws {
        let lines = """
        {"type":"match","schema":"dicomtool/1","command":"find","index":1,"status":"0xFF00","dataset":{"00080052":{"vr":"CS","Value":["SERIES"]},"0020000D":{"vr":"UI","Value":["1.2"]},"0020000E":{"vr":"UI","Value":["1.2.3"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"DOE^J"}]}}}
        {"type":"summary","schema":"dicomtool/1","command":"find","matches":1}
        """
        let entries = try QueryInput.entries(Array(lines.utf8), name: "-")
        #expect(entries.count == 1)
        #expect(entries[0].level == .series)
        #expect(entries[0].keys == [QueryKey(.studyInstanceUID, value: "1.2"), QueryKey(.seriesInstanceUID, value: "1.2.3")])
        let array = #"[{"00080052":{"vr":"CS","Value":["IMAGE"]},"00080018":{"vr":"UI","Value":["1.2.3.4"]},"0020000D":{"vr":"UI"}}]"#
        let fromArray = try QueryInput.entries(Array(array.utf8), name: "a.json")
        #expect(fromArray[0].level == .image)
        #expect(fromArray[0].keys == [QueryKey(.sopInstanceUID, value: "1.2.3.4")])
        #expect(throws: DicomError.self) { try QueryInput.entries(Array("{not json".utf8), name: "x") }
    }
}
