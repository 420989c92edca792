import Testing
@testable import DicomCore

@Suite struct EditPathTests {
    @Test func keywordsTagsItemsAndWildCards() throws {
        let p = try EditPath(parsing: "ReferencedSeriesSequence[0].(0020,000E)")
        #expect(p.steps.count == 2)
        #expect(p.steps[0] == EditPath.Step(name: .tag(Tag.referencedSeriesSequence), items: .index(0)))
        #expect(p.steps[1] == EditPath.Step(name: .tag(Tag.seriesInstanceUID), items: nil))
        #expect(p.description == "(0008,1115)[0].(0020,000E)")

        let all = try EditPath(parsing: "0040A730[*].ConceptNameCodeSequence.CodeValue")
        #expect(all.steps.map(\.items) == [.all, nil, nil])
        #expect(all.steps[0].name == .tag(Tag(0x0040, 0xA730)))
    }

    @Test func privateElementsByCreatorKeepDotsAndParenthesesInTheCreator() throws {
        let p = try EditPath(parsing: "(0029,{SIEMENS CSA HEADER},10)")
        #expect(p.steps == [EditPath.Step(name: .privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", element: 0x10), items: nil)])
        let dotted = try EditPath(parsing: "(0009,{ACME 1.0 (test)},FF)[2].PatientID")
        #expect(dotted.steps.count == 2)
        #expect(dotted.steps[0].name == .privateElement(group: 0x0009, creator: "ACME 1.0 (test)", element: 0xFF))
        #expect(dotted.steps[0].items == .index(2))
        #expect(dotted.description == "(0009,{ACME 1.0 (test)},FF)[2].(0010,0020)")
    }

    @Test(arguments: [
        "", "NoSuchKeyword", "PatientName[x]", "PatientName[-1]", "Seq..PatientID", "(0028,{X},10)", "(0029,{},10)",
        "(0029,{X},1)", "(0029,{X},100)", "(029,{X},10)", "(0029,{A\\B},10)",
    ])
    func refusesMalformedPaths(_ text: String) {
        #expect(throws: DicomError.self) { try EditPath(parsing: text) }
    }

    @Test func assignmentsSplitOutsideTheCreator() throws {
        let a = try #require(EditPath.splitAssignment("(0029,{A=B@C},10)=x=y"))
        #expect(a.path == "(0029,{A=B@C},10)" && !a.fromFile && a.value == "x=y")
        let f = try #require(EditPath.splitAssignment("PatientComments@notes/a@b.txt"))
        #expect(f.path == "PatientComments" && f.fromFile && f.value == "notes/a@b.txt")
        #expect(EditPath.splitAssignment("=x") == nil)
        #expect(EditPath.splitAssignment("PatientName") == nil)
    }

    @Test func refusalsNameTheStepAndThePathOnlyWhenLonger() {
        func message(_ text: String) -> String {
            do { _ = try EditPath(parsing: text); return "" } catch { return error.message }
        }
        #expect(message("NoSuchKeyword") == "'NoSuchKeyword' is neither a tag such as (0010,0010), a keyword, nor (gggg,{CREATOR},ee)")
        #expect(message("ReferencedSeriesSequence.NoSuchKeyword")
                == "'NoSuchKeyword' in 'ReferencedSeriesSequence.NoSuchKeyword' is neither a tag such as (0010,0010), a keyword, nor (gggg,{CREATOR},ee)")
        #expect(message("PatientName[x]") == "'PatientName[x]': item index '[x]' must be a number from 0, or *")
    }

    @Test func namesMatchTagsAndPrivateElementsByTheirCreator() throws {
        let name = AttributeName.privateElement(group: 0x0029, creator: "SIEMENS CSA HEADER", element: 0x10)
        #expect(name.names(Tag(0x0029, 0x1110), creator: "SIEMENS CSA HEADER"))
        #expect(!name.names(Tag(0x0029, 0x1110), creator: "OTHER"))
        #expect(!name.names(Tag(0x0029, 0x0010), creator: nil))
        #expect(AttributeName.tag(.patientID).names(.patientID, creator: nil))
        #expect(try EditPath(parsing: "(0008,1115)[*].(0020,000E)").keywordDescription == "ReferencedSeriesSequence[*].SeriesInstanceUID")
    }
}
