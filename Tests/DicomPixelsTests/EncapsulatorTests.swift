import DicomCore
import DicomIO
import Foundation
import Testing
@testable import DicomPixels

/// The one writer of encapsulated Pixel Data: fragments, Basic and Extended Offset Tables, the
/// same bytes whether the tables are known first or patched after streaming.
@Suite struct EncapsulatorTests {
    static func le32(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    @Test func fragmentsAreCutAtTheFragmentSize() {
        let codestream = [UInt8](repeating: 7, count: 2500)
        #expect(Encapsulator(table: .basic, fragmentSize: 1000).fragments(of: codestream).map(\.count) == [1000, 1000, 500])
        #expect(Encapsulator(table: .basic, fragmentSize: nil).fragments(of: codestream).map(\.count) == [2500])
        #expect(Encapsulator(table: .basic, fragmentSize: 4000).fragments(of: codestream).map(\.count) == [2500])
    }

    @Test func layoutCountsEveryItemHeader() throws {
        let e = Encapsulator(table: .basic, fragmentSize: 1000)
        let layout = e.layout(frameLengths: [10, 2500, 4])
        // Frame 2 starts after frame 1's item (8 + 10); frame 3 after frame 2's three items.
        #expect(layout.frameOffsets == [0, 18, 18 + 2500 + 3 * 8])
        #expect(layout.frameLengths == [10, 2500, 4])
        let table = try e.basicTable(layout)
        #expect(table.count == 12)
        #expect(Self.le32(table[4..<8]) == 18)
        #expect(Self.le32(table[8..<12]) == 2542)
        #expect(try Encapsulator(table: .extended, fragmentSize: nil).basicTable(layout).isEmpty)
        #expect(try Encapsulator(table: .none, fragmentSize: nil).basicTable(layout).isEmpty)
    }

    @Test func extendedTableHoldsSixtyFourBitOffsetsAndLengths() {
        let layout = Encapsulator(table: .extended, fragmentSize: nil).layout(frameLengths: [Int(UInt32.max) + 1, 6])
        let t = Encapsulator.extendedTables(layout)
        #expect(t.offsets.count == 16 && t.lengths.count == 16)
        // Frame 2 starts 4 GiB + 8 bytes in: only 64 bits hold it.
        #expect(Array(t.offsets[8..<16]) == [8, 0, 0, 0, 1, 0, 0, 0])
        #expect(Array(t.lengths[0..<8]) == [0, 0, 0, 0, 1, 0, 0, 0])
        #expect(Array(t.lengths[8..<16]) == [6, 0, 0, 0, 0, 0, 0, 0])
    }

    /// A frame that starts 4 GiB or more into the fragments has no Basic Offset Table entry: refused,
    /// naming the Extended Offset Table (sizes only, no 4 GiB of bytes needed).
    @Test func basicTableBeyondFourGiBIsRefused() {
        let e = Encapsulator(table: .basic, fragmentSize: nil)
        let fits = e.layout(frameLengths: [Int(UInt32.max) - 8, 2])
        #expect(fits.frameOffsets.last == Int(UInt32.max))
        #expect((try? e.basicTable(fits)) != nil)
        let beyond = e.layout(frameLengths: [Int(UInt32.max) - 6, 2])
        do {
            _ = try e.basicTable(beyond)
            Issue.record("a Basic Offset Table entry beyond 4 GiB was written")
        } catch {
            #expect(error.code == .encodeFailed)
            #expect(error.message.contains("exceeds 4 GiB: use --offset-table extended"))
        }
    }

    /// Pixel Data bytes with the frames known first (tables written as they are) and streamed into a
    /// patchable file (tables reserved, then patched): the same bytes, items as PS3.5 A.4 lays them out.
    @Test(arguments: [TranscodeOptions.OffsetTable.basic, .extended, .none])
    func knownAndStreamedWriteTheSameBytes(table: TranscodeOptions.OffsetTable) throws {
        let frames: [[UInt8]] = [[UInt8](repeating: 1, count: 6), [UInt8](repeating: 2, count: 2500), [3, 3]]
        let e = Encapsulator(table: table, fragmentSize: 1000)
        let layout = e.layout(frameLengths: frames.map(\.count))
        var memory = MemorySink()
        let written = try e.write(count: 3, frame: { k throws(DicomError) in frames[k] }, known: layout, extended: nil,
                                  to: &memory, encoding: .explicitLittle)
        #expect(written == layout)
        let bytes = memory.bytes
        // (7FE0,0010) OB, undefined length; then the table item.
        #expect(Array(bytes[0..<12]) == [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(bytes[12..<16]) == [0xFE, 0xFF, 0x00, 0xE0])
        let tableLength = Self.le32(bytes[16..<20])
        #expect(tableLength == (table == .basic ? 12 : 0))
        // Fragment items: 6, then 1000 + 1000 + 500, then 2.
        var at = 20 + tableLength
        var lengths: [Int] = []
        while Array(bytes[at..<at + 4]) == [0xFE, 0xFF, 0x00, 0xE0] {
            let n = Self.le32(bytes[at + 4..<at + 8])
            lengths.append(n)
            at += 8 + n
        }
        #expect(lengths == [6, 1000, 1000, 500, 2])
        #expect(Array(bytes[at...]) == [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0])

        // Streamed into a file: the extended table's elements reserved first, everything patched after.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("encapsulator-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = try AtomicOutput(destination: path)
        let slots = table == .extended ? ExtendedTableSlots(frameCount: 3) : nil
        if let slots {
            try slots.offsets.write(to: &file, encoding: .explicitLittle)
            try slots.lengths.write(to: &file, encoding: .explicitLittle)
        }
        let start = file.bytesWritten
        _ = try e.write(count: 3, frame: { k throws(DicomError) in frames[k] }, known: nil, extended: slots, to: &file,
                        encoding: .explicitLittle)
        try file.commit()
        let streamed = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(streamed[start...]) == bytes)
        if slots != nil {
            // Each reserved element: a 12-byte OV header, then 24 bytes of table.
            let t = Encapsulator.extendedTables(layout)
            #expect(Array(streamed[12..<36]) == t.offsets)
            #expect(Array(streamed[48..<72]) == t.lengths)
        }
    }

    @Test func streamingNeedsAPatchableOutput() {
        var memory = MemorySink()
        #expect(throws: DicomError.self) {
            _ = try Encapsulator(table: .basic, fragmentSize: nil).write(count: 1, frame: { _ throws(DicomError) in [0, 0] }, known: nil,
                                                                         extended: nil, to: &memory, encoding: .explicitLittle)
        }
    }
}
