import DicomCore
import Testing

/// The value syntax of the VRs and PS3.6's VM strings, which validate checks files against and
/// anonymize checks `--set` values against.
@Suite struct ValueSyntaxTests {
    @Test func valueFormats() {
        #expect(ValueFormat.problem("20240229", vr: .DA) == nil)
        #expect(ValueFormat.problem("20230229", vr: .DA) != nil)
        #expect(ValueFormat.problem("235960.123456", vr: .TM) == nil)
        #expect(ValueFormat.problem("24", vr: .TM) != nil)
        #expect(ValueFormat.problem("20240101120000.5+0100", vr: .DT) == nil)
        #expect(ValueFormat.problem("-1.5e-3", vr: .DS) == nil)
        #expect(ValueFormat.problem("1.", vr: .DS) == nil)
        #expect(ValueFormat.problem("e5", vr: .DS) != nil)
        #expect(ValueFormat.problem("1.2.840.10008", vr: .UI) == nil)
        #expect(ValueFormat.problem("1..2", vr: .UI) != nil)
        #expect(VMRange.accepts("2-2n", count: 4) && !VMRange.accepts("2-2n", count: 3))
        #expect(VMRange.accepts("1-n or 1", count: 7) && VMRange.accepts("1-3", count: 3) && !VMRange.accepts("1-3", count: 4))
    }
}
