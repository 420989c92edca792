import DicomCore
import DicomServices
import Testing

/// find's extended negotiation bytes (PS3.4 Tables C.5-1, C.5-2) and what makes a query relational.
@Suite struct QueryNegotiationTests {
    @Test func requestBytesStopAfterTheLastOptionAsked() {
        #expect(QueryNegotiationOptions.relational.applicationInformation == [1])
        #expect(QueryNegotiationOptions([.relational, .fuzzyNames]).applicationInformation == [1, 0, 1])
        #expect(QueryNegotiationOptions.timezoneAdjustment.applicationInformation == [0, 0, 0, 1])
        #expect(QueryNegotiationOptions([]).applicationInformation == [])
    }

    @Test func answerBytesAcceptOnlyWhatSaysOne() {
        #expect(QueryNegotiationOptions(accepted: [1, 0, 1, 0]) == [.relational, .fuzzyNames])
        #expect(QueryNegotiationOptions(accepted: [1]) == .relational)  // bytes left out: not accepted
        #expect(QueryNegotiationOptions(accepted: [2, 1]) == .combinedDateTime)  // only 1 means accepted
        #expect(QueryNegotiationOptions(accepted: []).isEmpty)
        let n = QueryNegotiation(requested: [.relational, .fuzzyNames], accepted: .relational)
        #expect(n.description == "relational accepted, fuzzy not accepted")
    }

    @Test func aQueryIsRelationalWhenALevelAboveHasNoSingleUniqueKey() throws {
        func reason(_ model: QueryModel, _ level: QueryLevel, _ keys: [String]) throws -> String? {
            try QueryRequest(model: model, level: level, keys: keys.map { try QueryKey(parsing: $0) }).relationalReason
        }
        #expect(try reason(.studyRoot, .study, ["PatientName=DOE*"]) == nil)  // the top level needs nothing above
        #expect(try reason(.studyRoot, .series, ["StudyInstanceUID=1.2.3", "Modality=CT"]) == nil)
        #expect(try reason(.studyRoot, .series, ["PatientName=DOE*"])?.contains("no single StudyInstanceUID") == true)
        #expect(try reason(.studyRoot, .series, ["StudyInstanceUID=1.2.3\\1.2.4"])?.contains("is not one STUDY") == true)
        #expect(try reason(.studyRoot, .image, ["StudyInstanceUID=1.2.3", "SeriesInstanceUID=1.2.*"]) != nil)
        #expect(try reason(.patientRoot, .study, ["PatientID=123"]) == nil)
        #expect(try reason(.patientRoot, .study, ["StudyDate=2024"]) != nil)
    }
}
