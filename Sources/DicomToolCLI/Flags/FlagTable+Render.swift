import DicomCore
import DicomRender

extension FlagTable {
    private static let scope: FlagScope = .commands([.render])

    /// render's own flags; it shares --frames and --window with derive, --quality with transcode,
    /// -o and --sync with the writing commands.
    static let render: [Flag] = [
        Flag(.frame, value: "N", category: .render, scope: scope,
             summary: "render frame N (from 1) of a multi-frame image",
             details: "Render frame N, counted from 1 (dcmj2pnm +F N). The first frame by default.",
             defaultValue: "1",
             updates: [FlagUpdate<RenderOptions> { options, low, id throws(DicomError) in
                 guard let n = try low.integer(id, in: 1...Int(Int32.max)) else { return }
                 options.frames = .one(n)
             }]),
        Flag(.montage, value: "COLSXROWS", category: .render, scope: scope,
             summary: "a contact sheet of COLS x ROWS frames, e.g. 4x3",
             details: """
             One picture of COLS x ROWS tiles, left to right and top to bottom: every frame when the \
             image has no more frames than tiles (the rest stay black), else frames spread evenly \
             over the image (tile t shows frame t * frames / tiles + 1). Each tile is a frame as it \
             would be rendered alone; with --size, each tile has that size.
             """,
             updates: [FlagUpdate<RenderOptions>.custom { options, text, spelling throws(DicomError) in
                 let (c, r) = try RenderArgs.dimensions(text, spelling: spelling, example: "4x3")
                 options.frames = .montage(columns: c, rows: r)
             }]),
        Flag(.windowIndex, value: "N", category: .render, scope: scope,
             summary: "use the image's window N (from 1) of Window Center/Width",
             details: """
             Use the N-th value pair of Window Center (0028,1050) and Window Width (0028,1051), \
             counted from 1 (dcmj2pnm +Wi N), with the file's VOI LUT Function unless \
             --voi-function is given.
             """,
             updates: [FlagUpdate<RenderOptions> { options, low, id throws(DicomError) in
                 guard let n = try low.integer(id, in: 1...65535) else { return }
                 options.voi = .fileWindow(n)
             }]),
        Flag(.voiLUT, value: "N", category: .render, scope: scope,
             summary: "use the image's VOI LUT N (from 1) of the VOI LUT Sequence",
             details: "Map the modality values through item N of the VOI LUT Sequence (0028,3010), counted from 1 (dcmj2pnm +Wl N).",
             updates: [FlagUpdate<RenderOptions> { options, low, id throws(DicomError) in
                 guard let n = try low.integer(id, in: 1...65535) else { return }
                 options.voi = .lut(n)
             }]),
        Flag(.minmax, category: .render, scope: scope,
             summary: "window from the smallest to the largest value of the frame",
             details: """
             The smallest modality value of the frame becomes black and the largest white, linearly \
             between (dcmj2pnm +Wm). This is also what an image without a window or VOI LUT gets.
             """,
             updates: [FlagUpdate<RenderOptions> { options, low, id in
                 if low.isOn(id) { options.voi = .minMax }
             }]),
        Flag(.percentile, value: "LOW,HIGH", category: .render, scope: scope,
             summary: "window between two percentiles of the frame's values, e.g. 1,99",
             details: """
             The modality value at percentile LOW of the frame becomes black and the one at HIGH \
             white (0 <= LOW < HIGH <= 100): robust against a few extreme pixels. The value at \
             percentile p is the one at rank floor(p/100 x (N - 1)) of the N sorted values.
             """,
             updates: [FlagUpdate<RenderOptions>.custom { options, text, spelling throws(DicomError) in
                 let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingWhitespace()) }
                 guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo >= 0, hi <= 100, lo < hi else {
                     throw DicomError(.usage, "\(spelling) expects LOW,HIGH with 0 <= LOW < HIGH <= 100, e.g. 1,99, not '\(text)'")
                 }
                 options.voi = .percentile(low: lo, high: hi)
             }]),
        Flag(.voiFunction, value: "FUNCTION", category: .render, scope: scope,
             summary: "how a window maps values: LINEAR, LINEAR_EXACT or SIGMOID",
             details: """
             The VOI LUT Function of PS3.3 C.11.2.1.3 applied to the window, instead of the file's \
             VOI LUT Function (0028,1056) (LINEAR when it has none). dcmj2pnm +Wfl / +Wfs.
             """,
             choices: RenderOptions.VOIFunction.allCases.map(\.rawValue),
             updates: [FlagUpdate<RenderOptions> { options, low, id throws(DicomError) in
                 guard let text = low.text(id) else { return }
                 guard let f = RenderOptions.VOIFunction(rawValue: text) else {
                     throw GlobalArgs.badChoice(text, for: id, spelling: low.spelling(id))
                 }
                 options.voiFunction = f
             }]),
        Flag(.invert, category: .render, scope: scope,
             summary: "invert the grey levels (after MONOCHROME1 / Presentation LUT Shape)",
             details: """
             Invert the output once more, after the inversion that MONOCHROME1 and Presentation LUT \
             Shape INVERSE already ask for (dcmj2pnm +P).
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\RenderOptions.invert)]),
        Flag(.grey, category: .render, scope: scope,
             summary: "make colour images grey (0.299 R + 0.587 G + 0.114 B)",
             details: "Convert colour pictures to grey by their luminance, 0.299 R + 0.587 G + 0.114 B, rounded (dcmj2pnm +G).",
             negatable: true,
             updates: [FlagUpdate.toggle(\RenderOptions.grey)]),
        Flag(.size, value: "WXH|N", category: .render, scope: scope,
             summary: "thumbnail size: WxH exactly, or N for the longer side",
             details: """
             Resample the picture to W columns and H rows (e.g. 256x256), or, given one number N, so \
             that its longer side is N pixels, the aspect ratio kept (a smaller picture is not \
             enlarged). Each new pixel is the mean of the area it covers, each source pixel weighted \
             by the part of it inside (area averaging, exact in integers, rounded half up).
             """,
             updates: [FlagUpdate<RenderOptions>.custom { options, text, spelling throws(DicomError) in
                 if let n = Int(text), (1...65535).contains(n) {  // conversion: parses text: nil when not a number
                     options.size = .fit(n)
                 } else {
                     let (c, r) = try RenderArgs.dimensions(text, spelling: spelling, example: "256x256 or 256", limit: 65535)
                     options.size = .exact(columns: c, rows: r)
                 }
             }]),
        Flag(.bits, value: "N", category: .render, scope: scope,
             summary: "bits a grey sample: 8, or 16 (PNG only)",
             details: """
             Grey pictures with 8 or 16 bits a sample (16: PNG only; dcmj2pnm +on2). Colour \
             pictures are 8 bits a sample.
             """,
             defaultValue: "8", choices: ["8", "16"],
             updates: [FlagUpdate<RenderOptions> { options, low, id throws(DicomError) in
                 guard let text = low.text(id) else { return }
                 guard text == "8" || text == "16" else { throw GlobalArgs.badChoice(text, for: id, spelling: low.spelling(id)) }
                 options.bits = text == "8" ? 8 : 16
             }]),
        Flag(.overlays, category: .render, scope: scope,
             summary: "burn the overlay planes (60xx) into the picture, white",
             details: """
             Draw every overlay plane of groups 6000-601E (PS3.3 C.9.2) that has Overlay Data into \
             the picture: each set bit makes its pixel white (dcmj2pnm's default "Replace" mode). \
             Multi-frame overlays follow Image Frame Origin. Off by default: dcmj2pnm shows them \
             unless -O is given.
             """,
             negatable: true,
             updates: [FlagUpdate.toggle(\RenderOptions.overlays)]),
        Flag(.type, value: "TYPE", category: .render, scope: scope,
             summary: "picture format: png or jpeg",
             details: """
             Write PNG (lossless, 8 or 16 bits) or JPEG (baseline, 8 bits, colour 4:2:2, --quality). \
             Without it, an output named *.jpg or *.jpeg is JPEG and everything else PNG.
             """,
             defaultValue: "png", choices: RenderOptions.Format.allCases.map(\.rawValue),
             updates: [FlagUpdate.choice(\RenderOptions.format)]),
    ]
}
