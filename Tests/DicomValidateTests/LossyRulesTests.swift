import DicomCore
import DicomIO
import DicomPixels
import Foundation
import Testing
@testable import DicomValidate

/// Every rule of PS3.3 C.7.6.1.1.5 (Lossy Image Compression) that validate enforces, one test each
/// (the list is in LossyChecks' documentation), on the Secondary Capture fixture (General Image
/// Module: Lossy Image Compression, Ratio and Method Type 3) and an Enhanced CT image (Ratio and
/// Method Type 1C when the flag is "01").
@Suite struct LossyRulesTests {
    static let flag = Fixture.tag("LossyImageCompression")
    static let ratio = Fixture.tag("LossyImageCompressionRatio")
    static let method = Fixture.tag("LossyImageCompressionMethod")

    static func findings(syntax: String? = nil, _ edit: (inout Dataset) -> Void) throws -> [Finding] {
        var ds = Fixture.secondaryCapture()
        edit(&ds)
        var file = try Fixture.roundTrip(ds)
        if let syntax { file.transferSyntax = try #require(TransferSyntax(uid: syntax)) }
        return Validator().validate(file)
    }

    static func rules(syntax: String? = nil, _ edit: (inout Dataset) -> Void) throws -> Set<String> {
        Set(try findings(syntax: syntax, edit).filter { $0.severity == .error }.map(\.rule))
    }

    static func code(_ c: LossyBookkeeping.Code) -> Dataset {
        var d = Dataset()
        d.setString(Fixture.tag("CodeValue"), .SH, c.value)
        d.setString(Fixture.tag("CodingSchemeDesignator"), .SH, c.scheme)
        d.setString(Fixture.tag("CodeMeaning"), .LO, c.meaning)
        return d
    }

    static func source(_ purpose: LossyBookkeeping.Code) -> Dataset {
        var item = Dataset()
        item.setString(Fixture.tag("ReferencedSOPClassUID"), .UI, "1.2.840.10008.5.1.4.1.1.7")
        item.setString(Fixture.tag("ReferencedSOPInstanceUID"), .UI, "2.25.77")
        item.setSequence(Fixture.tag("PurposeOfReferenceCodeSequence"), [code(purpose)])
        return item
    }

    /// Enumerated Values 00 and 01, compared as CS values (padding trimmed).
    @Test func flagIs00Or01() throws {
        for v in ["00", "01", " 01"] { #expect(!(try Self.rules { $0.setString(Self.flag, .CS, v) }).contains("iod.enum.value"), "\(v)") }
        for v in ["02", "1", "YES"] { #expect(try Self.rules { $0.setString(Self.flag, .CS, v) }.contains("iod.enum.value"), "\(v)") }
    }

    /// Lossy compressed frames need "01": a lossy-only transfer syntax with "00", absent or a
    /// padded " 01" (which is "01").
    @Test func lossySyntaxNeeds01() throws {
        let jpeg = "1.2.840.10008.1.2.4.50"
        #expect(try Self.rules(syntax: jpeg) { $0.remove(Self.flag) }.contains("lossy.flag.missing"))
        #expect(try Self.rules(syntax: jpeg) { $0.setString(Self.flag, .CS, "00") }.contains("lossy.flag.missing"))
        #expect(!(try Self.rules(syntax: jpeg) { $0.setString(Self.flag, .CS, "01") }).contains("lossy.flag.missing"))
        #expect(!(try Self.rules(syntax: jpeg) { $0.setString(Self.flag, .CS, " 01") }).contains("lossy.flag.missing"),
                "leading spaces of CS are padding")
    }

    /// Never reset: "00" beside the image's own record of a lossy step.
    @Test func recordedHistoryForbids00() throws {
        #expect(try Self.rules { $0.setString(Self.flag, .CS, "00"); $0.setStrings(Self.ratio, .DS, ["10"]) }.contains("lossy.flag.history"))
        #expect(try Self.rules { $0.setString(Self.flag, .CS, "00"); $0.setStrings(Self.method, .CS, ["ISO_10918_1"]) }
            .contains("lossy.flag.history"))
        #expect(try Self.rules {
            $0.setString(Self.flag, .CS, "00")
            $0.setSequence(LossyBookkeeping.derivationCodeSequence, [Self.code(.lossyCompression)])
        }.contains("lossy.flag.history"))
        #expect(!(try Self.rules {
            $0.setString(Self.flag, .CS, "01")
            $0.setStrings(Self.ratio, .DS, ["10"]); $0.setStrings(Self.method, .CS, ["ISO_10918_1"])
            $0.setSequence(LossyBookkeeping.derivationCodeSequence, [Self.code(.lossyCompression)])
        }).contains("lossy.flag.history"))
    }

    /// Never reset: "00" on an image whose source is a lossy compressed predecessor (121330).
    @Test func lossyPredecessorForbids00() throws {
        let sourceSeq = Fixture.tag("SourceImageSequence")
        let reset = try Self.findings { $0.setString(Self.flag, .CS, "00"); $0.setSequence(sourceSeq, [Self.source(.lossyCompressedPredecessor)]) }
        #expect(reset.contains { $0.rule == "lossy.flag.reset" && $0.severity == .error }, "\(reset.map(\.rule))")
        #expect(!(try Self.rules { $0.setString(Self.flag, .CS, "01"); $0.setSequence(sourceSeq, [Self.source(.lossyCompressedPredecessor)]) })
            .contains("lossy.flag.reset"))
        #expect(!(try Self.rules { $0.setString(Self.flag, .CS, "00"); $0.setSequence(sourceSeq, [Self.source(.uncompressedPredecessor)]) })
            .contains("lossy.flag.reset"))
    }

    /// Ratio and Method values correspond in order: equal VMs when both are present, either way round.
    @Test func ratioAndMethodCorrespond() throws {
        func rules(_ r: [String], _ m: [String]) throws -> Set<String> {
            try Self.rules { $0.setString(Self.flag, .CS, "01"); $0.setStrings(Self.ratio, .DS, r); $0.setStrings(Self.method, .CS, m) }
        }
        #expect(try rules(["10"], ["ISO_10918_1", "ISO_15444_1"]).contains("lossy.history.vm"))
        #expect(try rules(["10", "5"], ["ISO_10918_1"]).contains("lossy.history.vm"))
        #expect(!(try rules(["10", "5"], ["ISO_10918_1", "ISO_15444_1"])).contains("lossy.history.vm"))
        // Either alone is allowed ("if present").
        #expect(!(try Self.rules { $0.setString(Self.flag, .CS, "01"); $0.setStrings(Self.ratio, .DS, ["10", "5"]) }).contains("lossy.history.vm"))
    }

    /// Ratio and Method are required when the flag is "01" where the module tables make them Type 1C
    /// (Enhanced CT Image, PS3.3 C.8.15.2), and not in the General Image Module (Type 3).
    @Test func ratioAndMethodRequiredWhereType1C() throws {
        let enhancedCT = "1.2.840.10008.5.1.4.1.1.2.1"
        let missing = try Self.findings { $0.setString(Fixture.tag("SOPClassUID"), .UI, enhancedCT); $0.setString(Self.flag, .CS, "01") }
            .filter { $0.rule == "iod.type1c.missing" }.map(\.path)
        #expect(missing.contains("LossyImageCompressionRatio") && missing.contains("LossyImageCompressionMethod"), "\(missing)")
        let given = try Self.findings {
            $0.setString(Fixture.tag("SOPClassUID"), .UI, enhancedCT); $0.setString(Self.flag, .CS, "01")
            $0.setStrings(Self.ratio, .DS, ["10"]); $0.setStrings(Self.method, .CS, ["ISO_10918_1"])
        }.filter { $0.rule == "iod.type1c.missing" }.map(\.path)
        #expect(!given.contains("LossyImageCompressionRatio") && !given.contains("LossyImageCompressionMethod"))
        let generalImage = try Self.findings { $0.setString(Self.flag, .CS, "01") }.filter { $0.rule.hasPrefix("iod.type") }.map(\.path)
        #expect(!generalImage.contains("LossyImageCompressionRatio"), "Type 3 in the General Image Module")
    }
}
