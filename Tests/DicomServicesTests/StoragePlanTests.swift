import DicomCore
@testable import DicomNet
import Testing
@testable import DicomServices

/// Contexts proposed, associations split, and the per-instance decision, without a peer.
@Suite struct StoragePlanTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2", mr = "1.2.840.10008.5.1.4.1.1.4"

    func candidate(_ i: Int, _ sopClass: String, _ ts: TransferSyntax) -> StoreCandidate {
        StoreCandidate(index: i, sopClassUID: sopClass, sopInstanceUID: "1.2.3.\(i)", syntax: ts)
    }

    @Test func contextsPerClassAndSyntaxWithUncompressedFallback() {
        let c = [candidate(0, Self.ct, .jpeg2000Lossless), candidate(1, Self.ct, .explicitVRLittleEndian),
                 candidate(2, Self.mr, .rleLossless), candidate(3, Self.ct, .jpeg2000Lossless)]
        let contexts = StoragePlan.contexts(for: c)
        #expect(contexts.map(\.abstractSyntax) == [Self.ct, Self.ct, Self.ct, Self.ct, Self.mr, Self.mr, Self.mr])
        #expect(contexts.map(\.transferSyntaxes) == [[TransferSyntax.jpeg2000Lossless.uid], [TransferSyntax.explicitVRLittleEndian.uid],
                                                     StoragePlan.uncompressed, StoragePlan.losslessCompressed,
                                                     [TransferSyntax.rleLossless.uid], StoragePlan.uncompressed, StoragePlan.losslessCompressed])
        let lossy = StoragePlan.contexts(for: [candidate(0, Self.ct, .explicitVRLittleEndian)], lossy: .jpegBaseline)
        #expect(lossy.map(\.transferSyntaxes).last == [TransferSyntax.jpegBaseline.uid])
    }

    @Test func moreThan128ContextsOpenMoreAssociations() {
        // 130 classes with one syntax each: three contexts per class, 390 in all -> 4 associations
        // of at most 128 contexts (42 classes), every class whole on one of them.
        let classes = StorageSOPClasses.all.prefix(130).map(\.uid)
        let c = classes.enumerated().map { candidate($0.offset, $0.element, .explicitVRLittleEndian) }
        let groups = StoragePlan.associations(for: c)
        #expect(groups.count == 4)
        for g in groups { #expect(StoragePlan.contexts(for: g).count <= 128) }
        #expect(groups.flatMap { $0 }.map(\.index).sorted() == Array(0..<130))
        #expect(StoragePlan.associations(for: Array(c.prefix(42))).count == 1)
        #expect(StoragePlan.associations(for: Array(c.prefix(43))).count == 2)
    }

    func accepted(_ pairs: [(UInt8, String, TransferSyntax?)]) -> [NegotiatedAssociation.Context] {
        pairs.map { NegotiatedAssociation.Context(id: $0.0, abstractSyntax: $0.1, transferSyntax: $0.2?.uid,
                                                  result: $0.2 == nil ? .transferSyntaxesNotSupported : .acceptance) }
    }

    @Test func decisionAsIsThenLosslessThenLossyThenRefusal() {
        let both = accepted([(1, Self.ct, .jpeg2000Lossless), (3, Self.ct, .implicitVRLittleEndian)])
        #expect(StoragePlan.decide(sopClass: Self.ct, syntax: .jpeg2000Lossless, accepted: both, allowLossy: nil) == .asIs(contextID: 1))
        // The peer refused J2K: decoded to the uncompressed syntax it took.
        let implicitOnly = accepted([(1, Self.ct, nil), (3, Self.ct, .implicitVRLittleEndian)])
        #expect(StoragePlan.decide(sopClass: Self.ct, syntax: .jpeg2000Lossless, accepted: implicitOnly, allowLossy: nil)
                == .lossless(contextID: 3, .implicitVRLittleEndian))
        // Only JPEG baseline: refused without --allow-lossy, lossy with it.
        let jpegOnly = accepted([(1, Self.ct, nil), (3, Self.ct, nil), (5, Self.ct, .jpegBaseline)])
        guard case .refused(let why) = StoragePlan.decide(sopClass: Self.ct, syntax: .explicitVRLittleEndian, accepted: jpegOnly,
                                                          allowLossy: nil) else { Issue.record("not refused"); return }
        #expect(why.contains("--allow-lossy") && why.contains("JPEG Baseline"))
        #expect(StoragePlan.decide(sopClass: Self.ct, syntax: .explicitVRLittleEndian, accepted: jpegOnly, allowLossy: .jpegBaseline)
                == .lossy(contextID: 5, .jpegBaseline))
        // A lossless-only compressed syntax the peer took is a lossless target; a class never accepted is refused.
        let rle = accepted([(1, Self.ct, .rleLossless)])
        #expect(StoragePlan.decide(sopClass: Self.ct, syntax: .jpegLSLossless, accepted: rle, allowLossy: nil)
                == .lossless(contextID: 1, .rleLossless))
        guard case .refused(let none) = StoragePlan.decide(sopClass: Self.mr, syntax: .explicitVRLittleEndian, accepted: rle,
                                                           allowLossy: nil) else { Issue.record("not refused"); return }
        #expect(none.contains("no presentation context") && none.contains("--allow-lossy"))
        // A syntax already tried (the encoder refused it) is passed over.
        #expect(StoragePlan.decide(sopClass: Self.ct, syntax: .jpegLSLossless, accepted: rle, allowLossy: nil,
                                   exclude: [TransferSyntax.rleLossless.uid]) != .lossless(contextID: 1, .rleLossless))
    }
}
