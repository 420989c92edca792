import DicomTestSupport
import Foundation
import Testing

/// Values a file can hold that once reached a trapping numeric conversion (issue 13, "No trapping
/// conversions"): each file is made here, run through the built binary, and must end with a
/// documented status, never with a signal. Each case names the code that trapped before.
@Suite struct ConversionTrapTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var bytes: [UInt8]
        var args: [String]
        var statuses: Set<Int32>
        /// Text the standard error must contain (the error or warning naming the value).
        var stderr: String?
        var description: String { name }
    }

    /// An 8x8 8-bit MONOCHROME2 image of `frames` frames whose Frame Increment Pointer names
    /// (0018,1065) Frame Time Vector, encoded with `vr` and `value`.
    static func multiFrame(frames: Int, vectorVR: String, vector: [UInt8]) -> [UInt8] {
        Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 8, frames: frames)
                       + Hostile.element(0x0018, 0x1065, vectorVR, vector)
                       + Hostile.element(0x0028, 0x0009, "AT", Hostile.tag(0x0018, 0x1065))
                       + Hostile.element(0x7FE0, 0x0010, "OB", [UInt8](repeating: 9, count: 64 * frames)))
    }

    /// An 8x8 16-bit image whose element (gggg,eeee) of the Image Pixel module is given with another VR.
    static func image(replacing group: UInt16, _ element: UInt16, vr: String, value: [UInt8]) -> [UInt8] {
        var body = Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 16)
        let old = Hostile.tag(group, element) + Array("US".utf8) + [2, 0]
        if let at = Hostile.find(old, in: body) { body.removeSubrange(at..<(at + old.count + 2)) }
        // Elements must stay in tag order: insert before the first larger tag of group 0028.
        let new = Hostile.element(group, element, vr, value)
        var at = body.count, p = 0
        while p + 8 <= body.count {
            let g = UInt16(body[p]) | UInt16(body[p + 1]) << 8, e = UInt16(body[p + 2]) | UInt16(body[p + 3]) << 8
            if (g, e) > (group, element) { at = p; break }
            let length = Int(body[p + 6]) | Int(body[p + 7]) << 8  // every element here has a short VR
            p += 8 + length
        }
        body.insert(contentsOf: new, at: at)
        return Hostile.part10(body + Hostile.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 3, count: 128)))
    }

    static func cases() -> [Case] {
        var all: [Case] = []
        // Deriver.binary: Int64(Double) of SV 2^63-1 (rounded to 2^63) and UInt64(Double) of UV 2^64-1.
        all.append(Case(name: "derive-frames-sv-max", bytes: multiFrame(frames: 2, vectorVR: "SV", vector: Hostile.u64(UInt64(Int64.max)) + Hostile.u64(5)),
                        args: ["derive", "--frames", "1"], statuses: [0]))
        all.append(Case(name: "derive-frames-uv-max", bytes: multiFrame(frames: 2, vectorVR: "UV", vector: Hostile.u64(.max) + Hostile.u64(5)),
                        args: ["derive", "--frames", "1"], statuses: [0]))
        // Deriver.selectFrames: String(Int(Double)) of IS values 1e20 and NaN.
        all.append(Case(name: "derive-frames-is-1e20", bytes: multiFrame(frames: 2, vectorVR: "IS", vector: Hostile.text("1e20\\5")),
                        args: ["derive", "--frames", "1"], statuses: [0]))
        all.append(Case(name: "derive-frames-is-nan", bytes: multiFrame(frames: 2, vectorVR: "IS", vector: Hostile.text("nan\\5")),
                        args: ["derive", "--frames", "1"], statuses: [0]))
        // PixelChecks: Int products of Rows, Columns, Number of Frames and Samples per Pixel.
        let huge = Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 8, frames: 8_999_999_999_999_999)
                                  .replacing(Hostile.us(0x0028, 0x0002, 1), with: Hostile.us(0x0028, 0x0002, 65535))
                                  + Hostile.element(0x7FE0, 0x0010, "OB", [UInt8](repeating: 9, count: 64)))
        all.append(Case(name: "validate-frames-times-samples", bytes: huge, args: ["validate"], statuses: [83]))
        let wide = image(replacing: 0x0028, 0x0010, vr: "SV", value: Hostile.u64(1 << 40))
        all.append(Case(name: "validate-rows-sv-2^40", bytes: wide.replacing(Hostile.us(0x0028, 0x0011, 8),
                                                                               with: Hostile.element(0x0028, 0x0011, "SV", Hostile.u64(1 << 40))),
                        args: ["validate"], statuses: [83]))
        // Transcoder/Deriver apply(): UInt16(Int) of High Bit, Pixel Representation given as SS/SL.
        for (name, element, vr, value) in [("high-bit-ss-minus-1", UInt16(0x0102), "SS", Hostile.u16(0xFFFF)),
                                           ("pixel-representation-sl-70000", UInt16(0x0103), "SL", Hostile.u32(70000))] {
            let file = image(replacing: 0x0028, element, vr: vr, value: value)
            all.append(Case(name: "transcode-rle-" + name, bytes: file, args: ["transcode", "--rle"], statuses: [22], stderr: "(0028,"))
            all.append(Case(name: "derive-crop-" + name, bytes: file, args: ["derive", "--crop", "0,0,4,4"], statuses: [22], stderr: "(0028,"))
        }
        // Window and rescale values at the edges of a DS (PixelTransforms.windowTo8Bit, formatDS).
        for (name, center, width, slope) in [("nan-center", "nan", "400", "1"), ("huge-window", "1e308", "1e308", "1"),
                                              ("inf-center", "inf", "400", "1"), ("nan-slope", "40", "400", "nan"),
                                              ("inf-slope", "40", "400", "-inf")] {
            let file = Hostile.part10(Hostile.imageModule(rows: 8, columns: 8, bitsAllocated: 16)
                                      + Hostile.element(0x0028, 0x1050, "DS", Hostile.text(center))
                                      + Hostile.element(0x0028, 0x1051, "DS", Hostile.text(width))
                                      + Hostile.element(0x0028, 0x1052, "DS", Hostile.text("0"))
                                      + Hostile.element(0x0028, 0x1053, "DS", Hostile.text(slope))
                                      + Hostile.element(0x7FE0, 0x0010, "OW", [UInt8](repeating: 3, count: 128)))
            // A stored window or slope that is not a finite number is refused (issue: an all-black
            // image with exit 0 before); 1e308 is a number, windowed as given.
            let refused = name != "huge-window"
            all.append(Case(name: "derive-to-8bit-" + name, bytes: file, args: ["derive", "--to-8bit"],
                            statuses: refused ? [22] : [0], stderr: refused ? "(0028," : nil))
        }
        return all
    }

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-traps-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    @Test(arguments: ConversionTrapTests.cases())
    func noTrap(_ c: Case) throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path) else {
            print("ConversionTrapTests: no built dicomtool at \(CorpusIndex.binary.path); skipped")
            return
        }
        let input = Self.directory.appendingPathComponent(c.name + ".dcm")
        let output = Self.directory.appendingPathComponent(c.name + ".out.dcm")
        try Data(c.bytes).write(to: input)
        var args = c.args + [input.path]
        if c.args[0] == "derive" || c.args[0] == "transcode" { args += ["-o", output.path] }
        let r = try HostileRun.run(args)
        #expect(!r.signalled, "\(c.name): \(c.args[0]) ended by signal \(r.status)")
        #expect(c.statuses.contains(r.status), "\(c.name): exit \(r.status): \(r.stderr)")
        if let text = c.stderr { #expect(r.stderr.contains(text), "\(c.name): \(r.stderr)") }
        try? FileManager.default.removeItem(at: output)
    }

    /// The frames derive keeps carry their own Frame Time Vector values, exactly as the file gave them.
    @Test func derivedFrameVectorKeepsExactValues() throws {
        guard FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path) else { return }
        let cases: [(String, [UInt8], [UInt8])] = [
            ("SV", Hostile.u64(5) + Hostile.u64(UInt64(Int64.max)), Hostile.u64(UInt64(Int64.max))),
            ("UV", Hostile.u64(5) + Hostile.u64(.max), Hostile.u64(.max)),
            ("SV", Hostile.u64(5) + Hostile.u64(UInt64(bitPattern: Int64.min)), Hostile.u64(UInt64(bitPattern: Int64.min))),
            ("IS", Hostile.text("5\\1e20"), Hostile.text("1e20")),
            ("DS", Hostile.text("5\\1.000000000000001"), Hostile.text("1.000000000000001")),
        ]
        for (i, (vr, vector, expected)) in cases.enumerated() {
            let input = Self.directory.appendingPathComponent("vector-\(i).dcm"), output = Self.directory.appendingPathComponent("vector-\(i).out.dcm")
            try Data(Self.multiFrame(frames: 2, vectorVR: vr, vector: vector)).write(to: input)
            let r = try HostileRun.run(["derive", "--frames", "2", input.path, "-o", output.path])
            try #require(r.status == 0, "\(vr) \(i): \(r.stderr)")
            let written = [UInt8](try Data(contentsOf: output))
            #expect(Hostile.find(Hostile.element(0x0018, 0x1065, vr, expected), in: written) != nil,
                    "\(vr) \(i): the kept Frame Time Vector value is not \(expected)")
        }
    }
}
