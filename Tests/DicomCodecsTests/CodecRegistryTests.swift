@testable import DicomCodecs
import DicomCore
import Testing

/// The codec side of the transfer-syntax table: every codec id a row names resolves here.
@Suite struct CodecRegistryTests {
    @Test func everyCodecIDResolves() {
        for id in TransferSyntax.CodecID.allCases {
            #expect(CodecRegistry.codecs[id] != nil, "codec id \(id) has no codec in CodecRegistry")
        }
        for row in TransferSyntax.all {
            #expect((CodecRegistry.decoder(for: row) != nil) == (row.codec != nil), "\(row.uid)")
        }
    }

    @Test func everyEncoderHasAProfileToCheck() {
        for row in TransferSyntax.all where CodecRegistry.encoder(for: row) != nil {
            #expect(row.encodingProfile != nil, "\(row.uid) can be encoded but has no PS3.5 8.2 profile")
        }
        // JPEG Extended is decoded only: its profile serves the transcoder's pre-check.
        #expect(CodecRegistry.encoder(for: .jpegExtended) == nil && CodecRegistry.decoder(for: .jpegExtended) != nil)
    }

    @Test func parallelFramesGetOneThreadedOpenJPEG() throws {
        for row in [TransferSyntax.jpeg2000Lossless, .jpeg2000, .htj2kLossless, .htj2kLosslessRPCL, .htj2k] {
            let decoder = try #require(CodecRegistry.decoder(for: row, framesInParallel: true))
            let threads = (decoder as? JPEG2000Codec)?.decodeThreads ?? (decoder as? HTJ2KDecoder)?.decodeThreads
            #expect(threads == 1, "\(row.uid)")
        }
        let serial = CodecRegistry.decoder(for: .rleLossless, framesInParallel: true)
        #expect(serial is RLECodec)
    }

    @Test func htj2kEncodersWriteTheirOwnRow() {
        for row in [TransferSyntax.htj2kLossless, .htj2kLosslessRPCL, .htj2k] {
            #expect((CodecRegistry.encoder(for: row) as? HTJ2KEncoder)?.syntax.transferSyntax == row, "\(row.uid)")
        }
    }
}
