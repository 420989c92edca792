import DicomCore
import DicomPixels
import DicomRender

extension FlagTable {
    private static let scope: FlagScope = .commands([.derive])
    /// --frames and --window mean the same for render: which frames, which window.
    private static let sharedScope: FlagScope = .commands([.derive, .render])

    /// In the order the operations run, whatever the order they are typed in.
    static let derive: [Flag] = [
        Flag(.frames, value: "LIST", category: .derive, scope: sharedScope,
             summary: "only these frames, e.g. 1,3,5-7 (from 1; render also takes all)",
             details: """
             Keep only the listed frames of a multi-frame image, in the order listed: numbers from 1 \
             and ranges A-B, separated by commas. The output records the extraction in Frame \
             Extraction Sequence (PS3.3 C.12.3) and names the frames in Referenced Frame Number; \
             frame-dependent attributes (per-frame functional groups, Grid Frame Offset Vector, \
             Frame Time Vector) keep the values of the kept frames.

             render: a picture of each listed frame, or of every frame with --frames all, named \
             after the output with _fNNNN (the frame number) before the extension (dcmj2pnm +Fa).
             """,
             updates: [FlagUpdate<DeriveOptions>.custom { options, text, _ throws(DicomError) in
                 options.frames = try PixelTransforms.parseFrameList(text)
             }, FlagUpdate<RenderOptions>.custom { options, text, _ throws(DicomError) in
                 options.frames = text == "all" ? .all : .list(try PixelTransforms.parseFrameList(text))
             }]),
        Flag(.splitFrames, category: .derive, scope: scope,
             summary: "write one instance per frame (NAME_f0001.dcm, ...)",
             details: """
             Write each kept frame as an instance of its own, named after the output with _fNNNN \
             (the source frame number) before the extension: -o out.dcm gives out_f0001.dcm, \
             out_f0002.dcm and so on.
             """,
             updates: [FlagUpdate.toggle(\DeriveOptions.splitFrames)]),
        Flag(.crop, value: "X,Y,W,H", category: .derive, scope: scope,
             summary: "keep the W x H pixels from column X, row Y (from 0)",
             details: """
             Keep the rectangle of W columns and H rows whose first pixel is at column X and row Y, \
             counted from 0 at the top left. Image Position (Patient) moves to the new first pixel \
             along Image Orientation (Patient); overlays and the icon image are removed.
             """,
             updates: [FlagUpdate<DeriveOptions>.custom { options, text, spelling throws(DicomError) in
                 options.crop = try DeriveArgs.crop(text, spelling: spelling)
             }]),
        Flag(.downsample, value: "N", category: .derive, scope: scope,
             summary: "shrink by N with a box filter (mean of N x N blocks)",
             details: """
             Divide columns and rows by N (rounding down; a last partial block is dropped); each new \
             pixel is the mean of an N x N block, rounded half up. Pixel Spacing and Imager Pixel \
             Spacing are multiplied by N and Image Position (Patient) moves to the centre of the \
             first block.
             """,
             updates: [FlagUpdate<DeriveOptions> { options, low, id throws(DicomError) in
                 if low.isGiven(.resize) {
                     throw DicomError(.usage, "--downsample and --resize cannot be combined: choose one resampling")
                 }
                 guard let n = try low.integer(id, in: 2...65535) else { return }
                 options.resample = .downsample(n)
             }]),
        Flag(.resize, value: "WXH", category: .derive, scope: scope,
             summary: "resample to W columns and H rows (area averaging)",
             details: """
             Resample to W columns and H rows, written like 256x256. Each new pixel is the mean of \
             the source area it covers, source pixels weighted by the part of them inside it, \
             rounded half up (computed exactly in integers); enlarging repeats pixels. Pixel Spacing \
             is scaled by the old size over the new one. Cannot be combined with --downsample.
             """,
             updates: [FlagUpdate<DeriveOptions>.custom { options, text, spelling throws(DicomError) in
                 options.resample = try DeriveArgs.resize(text, spelling: spelling)
             }]),
        Flag(.window, value: "CENTER,WIDTH", category: .derive, scope: sharedScope,
             summary: "the VOI window (render, derive --to-8bit), in modality units",
             details: """
             The linear window (PS3.3 C.11.2.1.2.1) that --to-8bit maps onto 0 to 255, in modality \
             values (after Rescale Slope and Intercept, e.g. Hounsfield units). Without it, the \
             first stored Window Center and Width are used, else the whole range of the values.

             render: the window applied with the VOI LUT Function of --voi-function (LINEAR by \
             default), instead of the image's own (dcmj2pnm +Ww CENTER WIDTH).
             """,
             updates: [FlagUpdate<DeriveOptions> { options, low, id throws(DicomError) in
                 guard let text = low.text(id) else { return }
                 options.window = try DeriveArgs.window(text, spelling: low.spelling(id))
                 guard low.isOn(.to8Bit) else {
                     throw DicomError(.usage, "\(low.spelling(id)) is the window of --to-8bit: give --to-8bit too")
                 }
             }, FlagUpdate<RenderOptions> { options, low, id throws(DicomError) in
                 guard let text = low.text(id) else { return }
                 let w = try DeriveArgs.window(text, spelling: low.spelling(id))
                 options.voi = .window(center: w.center, width: w.width)
             }]),
        Flag(.to8Bit, category: .derive, scope: scope,
             summary: "apply rescale and window: 8-bit MONOCHROME2 output",
             details: """
             Apply the modality transform (Rescale Slope and Intercept) and the VOI window to a \
             grayscale image and store the result as 8-bit MONOCHROME2 (MONOCHROME1 is inverted \
             so it looks the same). Rescale becomes the identity with Rescale Type US, the window \
             becomes 128/256, and padding values are removed. An input whose stored Rescale Slope or \
             Intercept, or (without --window) Window Center or Width, is not a finite number, or whose \
             stored Window Width is below 1 (PS3.3 C.11.2.1.2.1), is refused with exit status 22: \
             computed with, it gave an all-black image.
             """,
             updates: [FlagUpdate.toggle(\DeriveOptions.to8Bit)]),
        Flag(.lossy, value: "CODEC[:PARAMS]", category: .derive, scope: scope,
             summary: "finally, a lossy copy: jpeg, jpeg2000, htj2k or jpegls",
             details: """
             Encode the result lossily, through the same codecs and lossy bookkeeping as transcode: \
             jpeg[:quality=Q,subsampling=444|422|420] (JPEG Baseline, quality 90 and subsampling 422 by default), \
             jpeg2000[:ratio=R|psnr=DB] (ratio 10 by default), htj2k[:ratio=R|psnr=DB], or \
             jpegls[:near=N] (near 2 by default, at least 1). Lossy Image Compression becomes 01 \
             and the ratio and method are appended.
             """,
             updates: [FlagUpdate<DeriveOptions>.custom { options, text, spelling throws(DicomError) in
                 let (target, encode) = try LossySpec.parse(text, spelling: spelling)
                 options.lossy = DeriveOptions.Lossy(target: target, encode: encode)
             }]),
        Flag(.primary, category: .derive, scope: scope,
             summary: "Image Type value 2 PRIMARY instead of SECONDARY",
             details: """
             Write Image Type DERIVED\\PRIMARY instead of DERIVED\\SECONDARY, for images created \
             as a direct result of the examination (PS3.3 C.7.6.1.1.2).
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\DeriveOptions.primary)]),
    ]
}
