import DicomCore
import DicomRender
import Testing
@testable import DicomToolCLI

/// render's flags reach RenderOptions in every spelling (called from EveryFlagTests, whose switch
/// over every flag stays exhaustive), and the combinations that mean nothing are refused.
enum RenderFlagChecks {
    static let out = ["in.dcm", "-o", "out.png"]

    static func render(_ arguments: [String]) throws -> (RenderArgs, GlobalArgs) {
        guard case .run(.render, let args, let global) = try CLI.invocation(["render"] + arguments),
              let r = args as? RenderArgs else { throw CLI.NotARun() }
        return (r, global)
    }

    static func options(_ arguments: [String]) throws -> RenderOptions { try render(arguments + out).0.options }

    static func check(_ id: FlagID) throws {
        switch id {
        case .frame:
            for s in CLI.spellings(.frame, "3") { #expect(try options(s).frames == .one(3)) }
            #expect(try options([]).frames == .one(1))
            #expect(CLI.usageError(["render", "--frame", "0"] + out) != nil)
            #expect(CLI.usageError(["render", "--frame", "2", "--frames", "all"] + out) != nil)
        case .frames:
            for s in CLI.spellings(.frames, "all") { #expect(try options(s).frames == .all) }
            #expect(try options(["--frames", "1,3-4"]).frames == .list([1, 3, 4]))
            #expect(CLI.usageError(["render", "--frames", "all", "in.dcm", "-o", "-"]) != nil)
        case .montage:
            for s in CLI.spellings(.montage, "4x3") { #expect(try options(s).frames == .montage(columns: 4, rows: 3)) }
            #expect(CLI.usageError(["render", "--montage", "4"] + out) != nil)
            #expect(CLI.usageError(["render", "--montage", "0x2"] + out) != nil)
        case .window:
            for s in CLI.spellings(.window, "40,400") { #expect(try options(s).voi == .window(center: 40, width: 400)) }
            #expect(try options(["--window=-600,1500"]).voi == .window(center: -600, width: 1500))
            #expect(CLI.usageError(["render", "--window", "40,0"] + out) != nil)
            #expect(CLI.usageError(["render", "--window", "40,400", "--minmax"] + out) != nil)
        case .windowIndex:
            for s in CLI.spellings(.windowIndex, "2") { #expect(try options(s).voi == .fileWindow(2)) }
            #expect(try options([]).voi == .automatic)
        case .voiLUT:
            for s in CLI.spellings(.voiLUT, "1") { #expect(try options(s).voi == .lut(1)) }
            #expect(CLI.usageError(["render", "--voi-lut", "1", "--voi-function", "SIGMOID"] + out) != nil)
        case .minmax:
            for s in CLI.spellings(.minmax) { #expect(try options(s).voi == .minMax) }
        case .percentile:
            for s in CLI.spellings(.percentile, "1,99") { #expect(try options(s).voi == .percentile(low: 1, high: 99)) }
            #expect(CLI.usageError(["render", "--percentile", "99,1"] + out) != nil)
            #expect(CLI.usageError(["render", "--percentile", "0,101"] + out) != nil)
        case .voiFunction:
            for f in RenderOptions.VOIFunction.allCases {
                for s in CLI.spellings(.voiFunction, f.rawValue) { #expect(try options(s).voiFunction == f) }
            }
            #expect(CLI.usageError(["render", "--voi-function", "LINEARX"] + out) != nil)
        case .invert:
            for s in CLI.spellings(.invert) { #expect(try options(s).invert) }
            #expect(try !options(["--invert", "--no-invert"]).invert)
        case .grey:
            for s in CLI.spellings(.grey) { #expect(try options(s).grey) }
        case .size:
            for s in CLI.spellings(.size, "256x128") { #expect(try options(s).size == .exact(columns: 256, rows: 128)) }
            #expect(try options(["--size", "200"]).size == .fit(200))
            #expect(CLI.usageError(["render", "--size", "0"] + out) != nil)
            #expect(CLI.usageError(["render", "--size", "12x"] + out) != nil)
        case .bits:
            for s in CLI.spellings(.bits, "16") { #expect(try options(s).bits == 16) }
            #expect(try options([]).bits == 8)
            #expect(CLI.usageError(["render", "--bits", "12"] + out) != nil)
            #expect(CLI.usageError(["render", "--bits", "16", "in.dcm", "-o", "x.jpg"]) != nil)
        case .overlays:
            for s in CLI.spellings(.overlays) { #expect(try options(s).overlays) }
            #expect(try !options([]).overlays)
        case .type:
            for s in CLI.spellings(.type, "jpeg") { #expect(try options(s).format == .jpeg) }
            #expect(try options([]).format == .png)
            #expect(try render(["in.dcm", "-o", "x.JPG"]).0.options.format == .jpeg)
            #expect(try render(["--type", "png", "in.dcm", "-o", "x.jpg"]).0.options.format == .png)
        case .quality:
            for s in CLI.spellings(.quality, "75") { #expect(try render(s + ["in.dcm", "-o", "x.jpg"]).0.options.quality == 75) }
            #expect(CLI.usageError(["render", "--quality", "75"] + out) != nil)
        case .output:
            for s in CLI.spellings(.output, "pics/") {
                let (args, global) = try render(["a.dcm", "b.dcm"] + s)
                #expect(args.write.output == "pics/" && global.inputs == ["a.dcm", "b.dcm"])
            }
            #expect(CLI.usageError(["render", "in.dcm"]) != nil)
        case .sync:
            #expect(try render(["--sync"] + out).0.write.sync)
        default:
            Issue.record("--\(id.rawValue) is not a render flag")
        }
    }
}
