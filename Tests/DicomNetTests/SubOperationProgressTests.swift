import Testing
@testable import DicomNet

/// What extends a retrieve's DIMSE wait: only pending responses that count more sub-operations done.
@Suite struct SubOperationProgressTests {
    static func counts(_ remaining: Int?, _ completed: Int?, _ failed: Int? = 0, _ warning: Int? = 0) -> SubOperationCounts {
        SubOperationCounts(remaining: remaining, completed: completed, failed: failed, warning: warning)
    }

    @Test func onlyMoreDoneIsProgress() {
        var p = SubOperationProgress()
        func step(_ c: SubOperationCounts) -> Bool { p.advances(c) }
        #expect(step(Self.counts(3, 0)), "the first response with counts")
        #expect(!step(Self.counts(3, 0)), "the same counts again")
        #expect(!step(Self.counts(2, 0)), "fewer remaining but nothing more done")
        #expect(step(Self.counts(2, 1)))
        #expect(step(Self.counts(1, 1, 1)), "a failed sub-operation is done too")
        #expect(!step(Self.counts(nil, nil, nil, nil)), "no counts at all")
        #expect(!step(Self.counts(5, 0, 0, 1)), "counts going back")
        #expect(p.responses == 7)
    }
}
