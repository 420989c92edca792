import Testing
@testable import DicomCore

/// The invariants of the transfer-syntax table (TransferSyntax+Table.swift).
@Suite struct TransferSyntaxTableTests {
    /// Registered transfer syntaxes the table leaves out on purpose, each with its reason. Empty:
    /// every registered syntax is at least readable and dumpable.
    static let deliberatelyAbsent: [String: String] = [:]

    static var registered: [UIDEntry] { UIDDictionary.all.filter { $0.type == "Transfer Syntax" } }

    @Test func everyRegisteredSyntaxHasARowOrIsNamedAbsent() {
        let rows = Set(TransferSyntax.all.map(\.uid))
        for entry in Self.registered {
            #expect(rows.contains(entry.uid) != (Self.deliberatelyAbsent[entry.uid] != nil),
                    "\(entry.uid) \(entry.keyword): needs a row in TransferSyntax+Table.swift or a reason to be absent")
        }
        let registered = Set(Self.registered.map(\.uid))
        for row in TransferSyntax.all {
            #expect(registered.contains(row.uid), "\(row.uid) has a row but is not a transfer syntax in PS3.6's UID table")
        }
    }

    @Test func keywordsAndNamesAreThoseOfPS36() throws {
        for row in TransferSyntax.all {
            let entry = try #require(UIDDictionary.entry(for: row.uid), "\(row.uid)")
            #expect(row.keyword == entry.keyword, "\(row.uid)")
            #expect(row.name == entry.name, "\(row.uid)")
        }
    }

    @Test func uidsAndKeywordsAreUniqueAndRowsInUIDOrder() {
        let rows = TransferSyntax.all
        #expect(Set(rows.map(\.uid)).count == rows.count)
        #expect(Set(rows.map { TransferSyntax.foldingCase($0.keyword) }).count == rows.count)
        #expect(!rows.contains { $0.keyword.isEmpty })
        #expect(rows.map(\.uid) == rows.map(\.uid).sorted(by: TransferSyntax.uidPrecedes))
    }

    @Test func lossyMethodsFollowWhatTheSyntaxAllows() {
        for row in TransferSyntax.all {
            switch row.fidelity {
            case .losslessOnly: #expect(row.lossyMethod == nil, "\(row.uid) is lossless only but names a lossy method")
            case .lossyOnly: #expect(row.lossyMethod != nil, "\(row.uid) is lossy only but names no lossy method")
            case .unconstrained: break
            }
        }
        #expect(TransferSyntax.jpegBaseline.lossyMethod == .iso10918_1)
        #expect(TransferSyntax.jpegLSNearLossless.lossyMethod == .iso14495_1)
        #expect(TransferSyntax.jpeg2000.lossyMethod == .iso15444_1)
        #expect(TransferSyntax.htj2k.lossyMethod == .iso15444_15)
    }

    @Test func lossyVariantsAreLossyRowsOfTheSameFamily() throws {
        for row in TransferSyntax.all where row.lossyVariantUID != nil {
            let variant = try #require(row.lossyVariant, "\(row.uid): lossy variant has no row")
            #expect(row.isLosslessOnly, "\(row.uid) is not lossless only, so it needs no lossy variant")
            #expect(!variant.isLosslessOnly && variant.family == row.family, "\(row.uid) -> \(variant.uid)")
            #expect(variant.codec == row.codec || row.family == .htj2k, "\(row.uid) -> \(variant.uid)")
        }
        #expect(TransferSyntax.jpeg2000Lossless.lossyVariant == .jpeg2000)
        #expect(TransferSyntax.jpegLSLossless.lossyVariant == .jpegLSNearLossless)
        #expect(TransferSyntax.htj2kLosslessRPCL.lossyVariant == .htj2k)
    }

    @Test func encodingFactsAgree() {
        for row in TransferSyntax.all {
            // PS3.5 A.1-A.5: implicit VR is little endian; a deflated or native dataset has no fragments.
            if row.vrMode == .implicit { #expect(row.isLittleEndian && row.family == .native, "\(row.uid)") }
            if row.family == .native { #expect(!row.isEncapsulated && row.codec == nil, "\(row.uid)") }
            if row.isDeflated { #expect(!row.isEncapsulated, "\(row.uid)") }
            if row.isBigEndian { #expect(row.family == .native, "\(row.uid)") }
            // A profile is what an encoder checks, so a syntax with one has a codec.
            if row.encodingProfile != nil { #expect(row.codec != nil && row.isEncapsulated, "\(row.uid)") }
        }
    }

    @Test func lookups() {
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2.4.50") == .jpegBaseline)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2\0")?.isExplicitVR == false)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2.1 ") == .explicitVRLittleEndian)
        #expect(TransferSyntax(uid: "1.2.3.4") == nil)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.1") == nil)  // registered, but a SOP class
        #expect(TransferSyntax(keyword: "JPEG2000Lossless") == .jpeg2000Lossless)
        #expect(TransferSyntax(keyword: "jpeg2000lossless") == .jpeg2000Lossless)
        #expect(TransferSyntax(keyword: "HTJ2K") == .htj2k)
        #expect(TransferSyntax(keyword: "JPEG2000Lossles") == nil)
        #expect(TransferSyntax.all.count == Self.registered.count - Self.deliberatelyAbsent.count)
    }
}
