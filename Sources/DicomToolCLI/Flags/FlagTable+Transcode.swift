import DicomCore
import DicomPixels

extension FlagTable {
    private static let scope: FlagScope = .commands([.transcode, .create])

    static let transcodeTargets: [Flag] = [
        Flag(.explicit, category: .target, scope: scope,
             summary: "Explicit VR Little Endian (1.2.840.10008.1.2.1)",
             details: "Write Explicit VR Little Endian, 1.2.840.10008.1.2.1 (native pixels)."),
        Flag(.decompress, category: .target, scope: scope,
             summary: "decompress: Explicit VR Little Endian, as --explicit",
             details: """
             The same as --explicit: write Explicit VR Little Endian with native pixels, the syntax \
             every DICOM reader accepts (what dcmdjpeg, dcmdrle and 'gdcmconv --raw' write).
             """),
        Flag(.implicit, category: .target, scope: scope,
             summary: "Implicit VR Little Endian (1.2.840.10008.1.2)",
             details: "Write Implicit VR Little Endian, 1.2.840.10008.1.2 (native pixels)."),
        Flag(.bigEndian, category: .target, scope: scope,
             summary: "Explicit VR Big Endian (1.2.840.10008.1.2.2, retired)",
             details: "Write Explicit VR Big Endian, 1.2.840.10008.1.2.2 (retired, native pixels)."),
        Flag(.deflate, category: .target, scope: scope,
             summary: "Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99)",
             details: "Write Deflated Explicit VR Little Endian, 1.2.840.10008.1.2.1.99: the whole dataset is deflated."),
        Flag(.jpeg, category: .target, scope: scope,
             summary: "JPEG Baseline, lossy (1.2.840.10008.1.2.4.50)",
             details: """
             Write JPEG Baseline (Process 1), 1.2.840.10008.1.2.4.50, for 8-bit images. Lossy: the \
             lossy bookkeeping attributes are updated. Colour images become YBR_FULL_422 (4:2:2 \
             chroma subsampling) unless --subsampling says otherwise. See --quality and --subsampling. \
             Whatever the target, an output whose Image Pixel values its IOD does not permit in the \
             target syntax (for example YBR_FULL in an Ultrasound image, PS3.3 C.8.5.6.1.2) is refused \
             with exit status 80 unless the input already had them.
             """),
        Flag(.jpegLossless, category: .target, scope: scope,
             summary: "JPEG Lossless (1.2.840.10008.1.2.4.70, or .57 with --predictor)",
             details: """
             Write JPEG Lossless, First-Order Prediction, 1.2.840.10008.1.2.4.70. With --predictor \
             other than 1, JPEG Lossless Process 14, 1.2.840.10008.1.2.4.57, is written instead.
             """),
        Flag(.jpegls, category: .target, scope: scope,
             summary: "JPEG-LS (1.2.840.10008.1.2.4.80, or .81 with --near)",
             details: """
             Write JPEG-LS Lossless, 1.2.840.10008.1.2.4.80. With --near greater than 0, JPEG-LS \
             Near-Lossless, 1.2.840.10008.1.2.4.81, is written instead.
             """),
        Flag(.jpeg2000, category: .target, scope: scope,
             summary: "JPEG 2000 (1.2.840.10008.1.2.4.90, or .91 with --ratio/--psnr)",
             details: """
             Write JPEG 2000 Lossless Only, 1.2.840.10008.1.2.4.90 (reversible 5/3 wavelet). With \
             --ratio or --psnr, JPEG 2000, 1.2.840.10008.1.2.4.91, with the irreversible 9/7 wavelet.
             """),
        Flag(.htj2k, category: .target, scope: scope,
             summary: "High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.201, or .203)",
             details: """
             Write High-Throughput JPEG 2000 Lossless Only, 1.2.840.10008.1.2.4.201; with --ratio or \
             --psnr, 1.2.840.10008.1.2.4.203 (encoded through OpenJPH; --ts 1.2.840.10008.1.2.4.202 gives the RPCL variant).
             """),
        Flag(.rle, category: .target, scope: scope,
             summary: "RLE Lossless (1.2.840.10008.1.2.5)",
             details: "Write RLE Lossless, 1.2.840.10008.1.2.5."),
        Flag(.ts, value: "UID", category: .target, scope: scope,
             summary: "any transfer syntax, by UID or keyword",
             details: """
             Write the transfer syntax given by its UID (1.2.840.10008.1.2.4.80) or its PS3.6 keyword \
             (JPEGLSLossless). The codec options of its family apply.
             """),
        Flag(.encapsulatedUncompressed, category: .target, scope: scope,
             summary: "Encapsulated Uncompressed (1.2.840.10008.1.2.1.98)",
             details: "Write Encapsulated Uncompressed Explicit VR Little Endian, 1.2.840.10008.1.2.1.98: native frames in fragments."),
        Flag(.deflateFrames, category: .target, scope: scope,
             summary: "Deflated Image Frame Compression (1.2.840.10008.1.2.8.1)",
             details: "Write Deflated Image Frame Compression, 1.2.840.10008.1.2.8.1: each frame deflated in its own fragment."),
    ]

    static let transcodeOptions: [Flag] = [
        Flag(.quality, value: "Q", category: .encoding, scope: .commands([.transcode, .render]),
             summary: "JPEG quality, 1 to 100",
             details: "JPEG quality factor from 1 (smallest) to 100 (best), as libjpeg-turbo defines it.",
             defaultValue: "90"),
        Flag(.subsampling, value: "MODE", category: .encoding, scope: scope,
             summary: "JPEG chroma subsampling of colour images",
             details: """
             Chroma subsampling for colour JPEG images: 422 (horizontal, the default) or 420 (both) \
             write Photometric Interpretation YBR_FULL_422, as dcmcjpeg does by default; 444 (none) \
             writes YBR_FULL. The Ultrasound (PS3.3 C.8.5.6.1.2) and Multi-frame True Color \
             Secondary Capture (A.8.5.4) IODs permit only YBR_FULL_422 in JPEG Baseline, so 444 is \
             refused for them (exit status 80, naming the IOD and section); dciodvfy reports \
             YBR_FULL in JPEG Baseline for every IOD.
             """,
             defaultValue: "422", choices: ["444", "422", "420"]),
        Flag(.predictor, value: "N", category: .encoding, scope: scope,
             summary: "JPEG Lossless predictor, 1 to 7",
             details: """
             JPEG Lossless selection value (predictor), 1 to 7. Predictor 1 is written as \
             1.2.840.10008.1.2.4.70, the others as 1.2.840.10008.1.2.4.57.
             """,
             defaultValue: "1", choices: ["1", "2", "3", "4", "5", "6", "7"]),
        Flag(.near, value: "N", category: .encoding, scope: scope,
             summary: "JPEG-LS NEAR: 0 is lossless, more is lossy",
             details: """
             Largest error allowed per sample in JPEG-LS, 0 to 255. NEAR 0 is lossless; anything \
             greater is lossy and is recorded as such. Images of Bits Stored 8 or less below Bits \
             Allocated are coded at the precision of Bits Allocated (so that dcmtk and GDCM read \
             them) and only losslessly: near-lossless values there could exceed Bits Stored. \
             Near-lossless coding of signed images with samples within NEAR of the ends of their \
             range is refused too: JPEG-LS's unsigned coding could turn one end into the other.
             """,
             defaultValue: "0"),
        Flag(.lossless, category: .encoding, scope: scope,
             summary: "JPEG 2000: reversible wavelet (default)",
             details: "JPEG 2000 and HTJ2K: encode losslessly with the reversible 5/3 wavelet. This is the default."),
        Flag(.ratio, value: "R", category: .encoding, scope: scope,
             summary: "JPEG 2000: lossy, target compression ratio R",
             details: "JPEG 2000 and HTJ2K: encode lossily, aiming at a compression ratio of R to 1 (R > 1)."),
        Flag(.psnr, value: "DB", category: .encoding, scope: scope,
             summary: "JPEG 2000: lossy, target PSNR in decibels",
             details: "JPEG 2000 and HTJ2K: encode lossily, aiming at a peak signal-to-noise ratio of DB decibels."),
        Flag(.offsetTable, value: "KIND", category: .encoding, scope: scope,
             summary: "offset table of encapsulated pixel data",
             details: """
             Which offset table to write in encapsulated pixel data: 'basic' (in the first item), \
             'extended' (Extended Offset Table, 7FE0,0001, for data over 4 GiB or many frames) or 'none'. \
             A source already in the target syntax has its fragments and tables copied as they are, \
             unless this option or --fragment-size is given: its frames are then re-encapsulated \
             (copied, not decoded) in the layout asked for.
             """,
             defaultValue: "basic", choices: ["basic", "extended", "none"],
             updates: [FlagUpdate.choice(\TranscodeOptions.offsetTable)]),
        Flag(.fragmentSize, value: "BYTES", category: .encoding, scope: scope,
             summary: "split each frame into fragments of at most BYTES",
             details: """
             Split each encapsulated frame into fragments of at most BYTES bytes (an even number). By \
             default each frame is one fragment. Not for RLE Lossless, Encapsulated Uncompressed and \
             Deflated Image Frame Compression, whose frames are one fragment each (PS3.5 A.4), nor \
             with --offset-table extended, which requires one fragment a frame (PS3.3 C.7.6.3.1.8).
             """,
             updates: [FlagUpdate.integer(\TranscodeOptions.fragmentSize, in: 2...Int(UInt32.max - 1), then: { options, low, id throws(DicomError) in
                 guard let size = options.fragmentSize else { return }
                 if size % 2 == 1 {
                     throw DicomError(.usage, "\(low.spelling(id)) must be even (fragments have even lengths), not \(size)")
                 }
                 if options.target.holdsOneFragmentPerFrame {
                     throw DicomError(.usage, "\(low.spelling(id)) does not apply to \(options.target.name): "
                                      + "each of its frames is one fragment (PS3.5 A.4)")
                 }
                 // The Extended Offset Table gives whole frames (offsets and lengths): it requires each
                 // frame in one fragment (PS3.3 C.7.6.3.1.8), and pydicom misreads it otherwise.
                 if options.offsetTable == .extended {
                     throw DicomError(.usage, "\(low.spelling(id)) cannot be combined with --offset-table extended: "
                                      + "the Extended Offset Table requires each frame in one fragment (PS3.3 C.7.6.3.1.8)")
                 }
             })]),
        Flag(.newSeries, category: .encoding, scope: .commands([.transcode, .derive]),
             summary: "put lossy copies and derived images in a new series",
             details: """
             Give lossy copies (transcode) and derived images (derive) a new Series Instance UID, a \
             Series Number 1000 higher and a Series Description marking them, so that viewers do not \
             show them in the series of the originals.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\TranscodeOptions.newSeries), FlagUpdate.toggle(\DeriveOptions.newSeries)]),
        Flag(.verify, category: .verify, scope: scope,
             summary: "decode the output and compare it with the input",
             details: """
             Decode what was just written and compare it with the input pixels. A lossless target \
             must match bit for bit, or the output is not written; a lossy target reports the \
             largest error, RMSE and PSNR, checked against --max-error and --min-psnr.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\TranscodeOptions.verify)]),
        Flag(.maxError, value: "N", category: .verify, scope: scope,
             summary: "with --verify: largest sample error allowed",
             details: "With --verify: fail when any sample differs from the input by more than N.",
             updates: [FlagUpdate.integer(\TranscodeOptions.maxError, in: 0...Int(UInt32.max))]),
        Flag(.minPSNR, value: "DB", category: .verify, scope: scope,
             summary: "with --verify: smallest PSNR allowed",
             details: "With --verify: fail when the PSNR of a frame is below DB decibels.",
             updates: [FlagUpdate.decimal(\TranscodeOptions.minPSNR, above: 0)]),
    ]
}
