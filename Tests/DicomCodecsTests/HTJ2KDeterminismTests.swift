import DicomCodecs
import DicomCore
import DicomTestSupport
import Foundation
import Testing

/// The same pixels give the same HTJ2K codestream whatever the process did before. OpenJPH 0.9.0
/// reads unwritten padding of its subband lines (see COpenJPHShim); before the shim zero-filled
/// OpenJPH's allocations, this image gave 2,232 bytes in a fresh process and 2,250 to 2,270 after
/// other files, so transcode's output depended on the order of its inputs.
@Suite struct HTJ2KDeterminismTests {
    /// Leaves freed heap blocks full of non-zero bytes, as a long run over many files does.
    func dirtyTheHeap(seed: UInt64) {
        var g = seed
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<2000 {
            g = g &* 6364136223846793005 &+ 1442695040888963407
            let size = 16 + Int(g >> 40) % 70000
            let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: g >> 24), count: size)
            blocks.append(p)
        }
        for p in blocks { p.deallocate() }
    }

    @Test func codestreamDoesNotDependOnTheHeap() throws {
        // A natural 100x100 8-bit image (the JPEG Baseline fixture, decoded): its smallest
        // subbands have all-zero code-blocks whose coding the unwritten padding decided.
        let frames = try Corpus.frames(of: "jpeg/baseline/JPEGBaseline_1s_1f_u_08_08.dcm")
        var description = frames.description
        description.numberOfFrames = 1
        let frame = try JPEGBaselineCodec().decode(try #require(frames.codestreams.first), description: description)
        let encoder = HTJ2KEncoder(syntax: .lossless)
        let first = try encoder.encode(frame, options: EncodeOptions()).bytes
        for seed: UInt64 in [7, 9, 11] {
            dirtyTheHeap(seed: seed)
            let again = try encoder.encode(frame, options: EncodeOptions()).bytes
            let same = again == first  // (a Bool: a failed array comparison would print both arrays)
            #expect(same, "after heap pattern \(seed): \(again.count) bytes, first \(first.count)")
        }
        #expect(first.count == 2232, "a fresh process's length for this image")
    }
}
