import DicomCore
import DicomEdit
import DicomIO
import Testing
@testable import DicomServices

@Suite struct QueryIdentifierTests {
    static func keys(_ texts: [String]) throws -> [QueryKey] { try texts.map { try QueryKey(parsing: $0) } }

    static func identifier(_ model: QueryModel, _ level: QueryLevel?, _ texts: [String]) throws -> QueryIdentifier {
        try QueryRequest(model: model, level: level, keys: try keys(texts)).identifier()
    }

    @Test func modelsNameTheirSOPClassesFromTheUIDTable() {
        for model in QueryModel.allCases {
            #expect(UIDDictionary.entry(for: model.findSOPClassUID)?.name.hasSuffix("FIND") == true, "\(model)")
            if let get = model.getSOPClassUID { #expect(UIDDictionary.entry(for: get)?.name.hasSuffix("GET") == true) }
            if let move = model.moveSOPClassUID { #expect(UIDDictionary.entry(for: move)?.name.hasSuffix("MOVE") == true) }
        }
        #expect(QueryModel.modalityWorklist.getSOPClassUID == nil)
        #expect(UIDDictionary.entry(for: QueryModel.studyRoot.findSOPClassUID)?.name == "Study Root Query/Retrieve Information Model - FIND")
    }

    @Test func studyQueryCarriesLevelKeysAndTheUniqueKey() throws {
        let id = try Self.identifier(.studyRoot, .study, ["PatientID=12345", "StudyDate=20240101-20241231", "StudyDescription"])
        let ds = id.dataset
        #expect(ds.string(.queryRetrieveLevel)?.trimmingWhitespace() == "STUDY")
        #expect(ds.string(.patientID)?.trimmingWhitespace() == "12345")
        #expect(ds.string(.studyDate)?.trimmingWhitespace() == "20240101-20241231")
        #expect(ds[.studyDescription]?.length == 0)
        #expect(ds[.studyInstanceUID]?.length == 0)
        #expect(ds[.specificCharacterSet] == nil, "ASCII values need no character set")
        #expect(id.columns.map(\.header) == ["PatientID", "StudyDate", "StudyDescription", "StudyInstanceUID"])
        #expect(id.sopClassUID == QueryModel.studyRoot.findSOPClassUID)
    }

    @Test func lowerLevelsAskForTheUniqueKeysAbove() throws {
        let series = try Self.identifier(.patientRoot, .series, ["Modality=CT"])
        #expect(series.columns.map(\.header) == ["Modality", "PatientID", "StudyInstanceUID", "SeriesInstanceUID"])
        let image = try Self.identifier(.studyRoot, .image, ["StudyInstanceUID=1.2.3"])
        #expect(image.columns.map(\.header) == ["StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"])
        #expect(image.dataset.string(.studyInstanceUID)?.trimmingWhitespace() == "1.2.3")
    }

    @Test func levelsAndModelsMustAgree() throws {
        #expect(throws: DicomError.self) { try QueryRequest(model: .studyRoot, level: .patient, keys: []) }
        #expect(throws: DicomError.self) { try QueryRequest(model: .modalityWorklist, level: .study, keys: []) }
        #expect(throws: DicomError.self) { try QueryRequest(model: .studyRoot, level: .study, keys: try Self.keys(["QueryRetrieveLevel=SERIES"])) }
        _ = try QueryRequest(model: .patientRoot, level: .patient, keys: [])
    }

    @Test func matchingValuesAreCheckedByTheirVR() throws {
        // Accepted: wild cards where PS3.4 allows them, ranges, UID lists, universal matching.
        for ok in ["PatientName=DOE^J*", "PatientID=12?45", "StudyDate=-20241231", "StudyDate=20240101-", "StudyTime=0800-1200",
                   "StudyInstanceUID=1.2.3\\1.2.4", "Modality=CT\\MR", "AccessionNumber=", "AcquisitionDateTime=20240101120000-0500",
                   "AcquisitionDateTime=20240101-20240102120000-0500", "ModalitiesInStudy=C*",
                   // UIDs as archives hold them, though PS3.5 9.1 forbids the root arc 9 and leading zeros
                   // (the corpus has a study 9.99.999.9999): get and move must name them.
                   "StudyInstanceUID=9.99.999.9999", "SeriesInstanceUID=1.02.3"] {
            #expect(throws: Never.self, "\(ok)") { _ = try Self.identifier(.studyRoot, .study, [ok]) }
        }
        // Refused, each with the reason: a wild card in a date, a bad date, a bad UID, a one-sided nothing.
        for bad in ["StudyDate=2024*", "StudyDate=20241399", "StudyInstanceUID=1.2.x", "StudyDate=-", "StudyInstanceUID=1.2*",
                    "StudyInstanceUID=1.2.\(String(repeating: "3", count: 62))", "NumberOfStudyRelatedInstances=many", "PatientID=\(String(repeating: "9", count: 65))"] {
            #expect(throws: DicomError.self, "\(bad)") { _ = try Self.identifier(.studyRoot, .study, [bad]) }
        }
        let error = #expect(throws: DicomError.self) { _ = try Self.identifier(.studyRoot, .study, ["StudyDate=2024*"]) }
        #expect(error?.message.hasPrefix("query key") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("wild cards") == true, "\(error?.message ?? "")")
    }

    @Test func unicodeValuesAnnounceISOIR192() throws {
        let id = try Self.identifier(.studyRoot, .study, ["PatientName=Müller^Jürgen"])
        #expect(id.characterSet == "ISO_IR 192")
        #expect(id.dataset[.patientName]?.valueBytes?.bytes == Array("Müller^Jürgen ".utf8))
        // A set given as a key is used: the name is written in ISO 8859-1.
        let latin = try Self.identifier(.studyRoot, .study, ["SpecificCharacterSet=ISO_IR 100", "PatientName=Müller"])
        #expect(latin.characterSet == "ISO_IR 100")
        #expect(latin.dataset[.patientName]?.valueBytes?.bytes == [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72])
        #expect(!latin.columns.contains { $0.header == "SpecificCharacterSet" })
    }

    @Test func worklistKeysReachIntoItemsAndSequencesComeBackWhole() throws {
        let id = try Self.identifier(.modalityWorklist, nil, [
            "ScheduledProcedureStepSequence[0].Modality=CT", "ScheduledProcedureStepSequence[0].ScheduledStationAETitle",
            "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20240101-20240131", "PatientName", "ReferencedStudySequence",
        ])
        #expect(id.dataset[.queryRetrieveLevel] == nil)
        let items = try #require(id.dataset.items(.scheduledProcedureStepSequence))
        #expect(items.count == 1)
        #expect(items[0].string(.modality)?.trimmingWhitespace() == "CT")
        #expect(items[0][.scheduledStationAETitle]?.length == 0)
        #expect(items[0].string(.scheduledProcedureStepStartDate)?.trimmingWhitespace() == "20240101-20240131")
        #expect(id.dataset.items(.referencedStudySequence)?.isEmpty == true)
        #expect(id.sopClassUID == QueryModel.modalityWorklist.findSOPClassUID)
        // Encoded and read back, in both syntaxes the query proposes.
        for syntax in [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian] {
            let bytes = try id.encoded(in: syntax)
            let back = try BareDatasetReader.read(bytes, encoding: DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: false), name: "id")
            #expect(back.items(.scheduledProcedureStepSequence)?.first?.string(.modality)?.trimmingWhitespace() == "CT")
        }
    }

    @Test func columnsReadMatchesByPath() throws {
        var item = Dataset()
        item.setString(.modality, .CS, "MR")
        var item2 = Dataset()
        item2.setString(.modality, .CS, "CT")
        var match = Dataset()
        match.setString(.patientName, .PN, "DOE^JANE")
        match.setString(.modalitiesInStudy, .CS, "CT\\MR")
        match.setSequence(.scheduledProcedureStepSequence, [item, item2])
        func text(_ key: String) throws -> String { try QueryKey(parsing: key).text(in: match) }
        #expect(try text("PatientName") == "DOE^JANE")
        #expect(try text("ModalitiesInStudy") == "CT\\MR")
        #expect(try text("ScheduledProcedureStepSequence[1].Modality") == "CT")
        #expect(try text("ScheduledProcedureStepSequence.Modality") == "MR\\CT")
        #expect(try text("ScheduledProcedureStepSequence") == "(2 items)")
        #expect(try text("StudyDate") == "")
        #expect(try QueryKey(parsing: "(0010,0010)=X").header == "PatientName")
        #expect(throws: DicomError.self) { try QueryKey(parsing: "PatientName@file") }
    }

    @Test func valuesOutsideTheAnnouncedSetAreFound() throws {
        func problems(_ set: String?, _ bytes: [UInt8]) throws -> [String] {
            var ds = Dataset()
            if let set { ds.setString(.specificCharacterSet, .CS, set) }
            ds.set(Element(tag: .patientName, vr: .PN, value: .bytes(ValueBytes(bytes))))
            var sink = MemorySink()
            try DatasetWriter(syntax: .explicitVRLittleEndian).writeBare(ds, to: &sink)
            let read = try BareDatasetReader.read(sink.bytes, encoding: DatasetEncoding(explicitVR: true, bigEndian: false), name: "m")
            return CharacterSetCheck.problems(in: read)
        }
        let mueller = Array("Müller".utf8)
        #expect(try problems(nil, mueller).count == 1, "UTF-8 bytes, nothing announced")
        #expect(try problems("ISO_IR 192", mueller).isEmpty)
        #expect(try problems("ISO_IR 192", [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]).first?.contains("U+FFFD") == true, "Latin-1 announced as UTF-8")
        #expect(try problems("ISO_IR 100", [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]).isEmpty)
        #expect(try problems("ISO_IR 999", Array("DOE".utf8)).first?.contains("unknown") == true)
    }
}
