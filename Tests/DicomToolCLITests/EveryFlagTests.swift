import DicomCodecs
import DicomCore
import DicomCreate
import DicomEdit
import DicomIO
import DicomPixels
import Testing
@testable import DicomToolCLI

/// Each flag, in every spelling the table allows, reaches its typed field. The switch is
/// exhaustive, so a new flag does not compile until it has a test here.
@Suite struct EveryFlagTests {
    let out = ["-o", "out.dcm", "in.dcm"]

    /// `send` with a placeholder peer (a later --to wins) and `arguments`.
    func send(_ arguments: [String]) throws -> SendArgs {
        guard case .run(.send, let args, _) = try CLI.invocation(["send", "--to", "SCP@h:1"] + arguments),
              let a = args as? SendArgs else { throw CLI.NotARun() }
        return a
    }

    @Test(arguments: FlagID.allCases)
    func flagReachesTypedArgs(_ id: FlagID) throws {
        switch id {
        case .jobs:
            for s in CLI.spellings(.jobs, "3") { #expect(try CLI.dump(s + ["x"]).1.jobs == 3) }
            #expect(try CLI.dump(["x"]).1.jobs == GlobalArgs.defaultJobs)
        case .shard:
            for s in CLI.spellings(.shard, "2/5") {
                let shard = try CLI.dump(s + ["x"]).1.shard
                #expect(shard?.index == 2 && shard?.count == 5)
            }
        case .filesFrom:
            for s in CLI.spellings(.filesFrom, "-") { #expect(try CLI.dump(s).1.filesFrom == "-") }
            for s in CLI.spellings(.filesFrom, "list.txt") { #expect(try CLI.dump(s).1.filesFrom == "list.txt") }
        case .null:
            for s in CLI.spellings(.null) { #expect(try CLI.dump(s + ["--files-from", "l"]).1.nulSeparated) }
        case .failFast:
            for s in CLI.spellings(.failFast) { #expect(try CLI.dump(s + ["x"]).1.failFast) }
            #expect(try !CLI.dump(["--fail-fast", "--no-fail-fast", "x"]).1.failFast)
        case .include:
            for s in CLI.spellings(.include, "*.dcm") { #expect(try CLI.dump(s + ["x"]).1.include == ["*.dcm"]) }
            #expect(try CLI.dump(["--include", "a*", "--include=b*", "x"]).1.include == ["a*", "b*"])
        case .exclude:
            for s in CLI.spellings(.exclude, "*.txt") { #expect(try CLI.dump(s + ["x"]).1.exclude == ["*.txt"]) }
        case .allFiles:
            for s in CLI.spellings(.allFiles) { #expect(try CLI.dump(s + ["x"]).1.allFiles) }
            #expect(try !CLI.dump(["x"]).1.allFiles)
            #expect(try CLI.dump(["x"]).1.inputOptions(command: "dump").walk.onlyDicom)
        case .where:
            for s in CLI.spellings(.where, "Modality=CT") {
                let selection = try CLI.dump(s + ["x"]).1.selection
                #expect(selection.map(\.text) == ["Modality=CT"])
            }
            let two = try CLI.dump(["--where", "Modality=CT", "--where=StudyDate=2019-", "x"]).1
            #expect(two.selection.count == 2)
            #expect(two.inputOptions(command: "dump").selection?.query.criteria.count == 2)
            #expect(try CLI.dump(["x"]).1.inputOptions(command: "dump").selection == nil)
            #expect(CLI.usageError(["dump", "--where", "StudyDate=2019*", "x"])?.message.contains("C.2.2.2.4") == true)
            #expect(CLI.usageError(["dump", "--where", "PatientsName=x", "x"])?.message.contains("PatientName") == true)
        case .progress:
            for s in CLI.spellings(.progress) { #expect(try CLI.dump(s + ["x"]).1.progress == true) }
            #expect(try CLI.dump(["--no-progress", "x"]).1.progress == false)
            #expect(try CLI.dump(["x"]).1.progress == nil)
        case .quiet:
            for s in CLI.spellings(.quiet) { #expect(try CLI.dump(s + ["x"]).1.quiet) }
            #expect(try !CLI.dump(["-q", "--no-quiet", "x"]).1.quiet)
        case .format:
            for s in CLI.spellings(.format, "json") { #expect(try CLI.dump(s + ["x"]).1.format == .json) }
            #expect(try CLI.validate(["--format", "sarif", "x"]).1.format == .sarif)
            #expect(try CLI.validate(["--format=junit", "x"]).1.format == .junit)
            #expect(CLI.usageError(["dump", "--format", "junit", "x"]) != nil)
            #expect(try CLI.dump(["--format", "csv", "--tag", "Modality", "x"]).1.format == .csv)
            #expect(try CLI.dump(["--format=tsv", "x"]).1.format == .tsv)
            #expect(CLI.usageError(["validate", "--format", "csv", "x"])?.message.contains("dump and find only") == true)
            #expect(try CLI.dump(["x"]).1.format == .text)
            try FindFlagChecks.check(id)
        case .help:
            guard case .help(.dump, long: false) = try CLI.invocation(["dump", "-h"]) else { Issue.record("-h"); return }
            guard case .help(.dump, long: true) = try CLI.invocation(["dump", "--help"]) else { Issue.record("--help"); return }
            guard case .help(nil, long: true) = try CLI.invocation(["--help"]) else { Issue.record("top --help"); return }
        case .version:
            for s in CLI.spellings(.version) {
                guard case .version = try CLI.invocation(s) else { Issue.record("\(s)"); return }
            }
        case .generate:
            for s in CLI.spellings(.generate, "complete-zsh") {
                guard case .generate(.completeZsh, nil) = try CLI.invocation(s) else { Issue.record("\(s)"); return }
            }
            guard case .generate(.man, .transcode) = try CLI.invocation(["transcode", "--generate=man"]) else {
                Issue.record("man for transcode"); return
            }
        case .json:
            #expect(try CLI.dump(["--json", "x"]).0.mode == .json)
            #expect(try CLI.create(["--json", "-", "-o", "x.dcm"]).0.format == .json)
            #expect(try CLI.create(["in.JSON", "-o", "x.dcm"]).0.format == .json)
            #expect(CLI.usageError(["create", "--json", "--xml", "-", "-o", "x.dcm"]) != nil)
            #expect(CLI.usageError(["create", "in.txt", "-o", "x.dcm"]) != nil, "no model named")
            try FindFlagChecks.check(id)
        case .xml:
            #expect(try CLI.dump(["--xml", "x"]).0.mode == .xml)
            #expect(try CLI.create(["--xml", "-", "-o", "x.dcm"]).0.format == .xml)
            #expect(try CLI.create(["in.xml", "-o", "x.dcm"]).0.format == .xml)
        case .acceptInvalid:
            #expect(try CLI.create(["--accept-invalid", "in.json", "-o", "x.dcm"]).0.options.acceptInvalid)
            #expect(try !CLI.create(["in.json", "-o", "x.dcm"]).0.options.acceptInvalid)
        case .inventUIDs:
            #expect(try CLI.create(["--invent-uids", "in.json", "-o", "x.dcm"]).0.inventUIDs)
            #expect(try !CLI.create(["in.json", "-o", "x.dcm"]).0.inventUIDs)
        case .sourceTS:
            #expect(try CLI.create(["--source-ts", "JPEGLSLossless", "in.json", "-o", "x.dcm"]).0.sourceSyntax == .jpegLSLossless)
            #expect(CLI.usageError(["create", "--source-ts", "ImplicitVRLittleEndian", "in.json", "-o", "x.dcm"]) != nil,
                    "not an encapsulated syntax")
            // The target: Explicit VR Little Endian unless a transcode target is given.
            #expect(try CLI.create(["in.json", "-o", "x.dcm"]).0.transcode.target == .explicitVRLittleEndian)
            #expect(try CLI.create(["--jpegls", "in.json", "-o", "x.dcm"]).0.transcode.target == .jpegLSLossless)
            #expect(CLI.usageError(["create", "in.json"]) != nil, "no output")
            #expect(CLI.usageError(["create", "a.json", "b.json", "-o", "x.dcm"]) != nil, "two inputs")
            #expect(CLI.usageError(["create", "--where", "Modality=CT", "a.json", "-o", "x.dcm"]) != nil, "a selection of inputs")
            #expect(CLI.usageError(["create", "--shard", "1/2", "a.json", "-o", "x.dcm"]) != nil, "a selection of inputs")
        case .inlineMax:
            for s in CLI.spellings(.inlineMax, "0") { #expect(try CLI.dump(s + ["x"]).0.inlineMax == 0) }
            #expect(try CLI.dump(["x"]).0.inlineMax == 4096)
        case .tag:
            let (args, _) = try CLI.dump(["--tag", "(0010,0010)", "--tag=0010,0020", "--tag", "PatientName",
                                          "--tag", "SourceImageSequence[0].ReferencedSOPInstanceUID", "x"])
            #expect(args.tags == ["(0010,0010)", "0010,0020", "PatientName",
                                  "SourceImageSequence[0].ReferencedSOPInstanceUID"])
        case .metaOnly:
            #expect(try CLI.dump(["--meta-only", "x"]).0.metaOnly)
        case .noMeta:
            #expect(try CLI.dump(["--no-meta", "x"]).0.noMeta)
        case .full:
            #expect(try CLI.dump(["--full", "x"]).0.full)
            #expect(try !CLI.dump(["--full", "--no-full", "x"]).0.full)
        case .explicit:
            #expect(try CLI.transcode(["--explicit"] + out).0.options.target == .explicitVRLittleEndian)
        case .decompress:
            #expect(try CLI.transcode(["--decompress"] + out).0.options.target == .explicitVRLittleEndian)
            #expect(CLI.usageError(["transcode", "--decompress", "--jpeg"] + out) != nil)
        case .implicit:
            #expect(try CLI.transcode(["--implicit"] + out).0.options.target == .implicitVRLittleEndian)
        case .bigEndian:
            #expect(try CLI.transcode(["--big-endian"] + out).0.options.target == .explicitVRBigEndian)
        case .deflate:
            #expect(try CLI.transcode(["--deflate"] + out).0.options.target == .deflatedExplicitVRLittleEndian)
        case .jpeg:
            let args = try CLI.transcode(["--jpeg"] + out).0
            #expect(args.options.target == .jpegBaseline && args.options.encode.quality == 90 && args.options.encode.subsampling == .s422)
        case .jpegLossless:
            let args = try CLI.transcode(["--jpeg-lossless"] + out).0
            #expect(args.options.target == .jpegLosslessSV1 && args.options.encode.predictor == 1)
        case .jpegls:
            let args = try CLI.transcode(["--jpegls"] + out).0
            #expect(args.options.target == .jpegLSLossless && args.options.encode.near == 0)
        case .jpeg2000:
            let args = try CLI.transcode(["--jpeg2000"] + out).0
            #expect(args.options.target == .jpeg2000Lossless && args.options.encode.j2k == .lossless && args.options.offsetTable == .basic)
        case .htj2k:
            let args = try CLI.transcode(["--htj2k"] + out).0
            #expect(args.options.target == .htj2kLossless && args.options.encode.j2k == .lossless)
        case .rle:
            #expect(try CLI.transcode(["--rle"] + out).0.options.target == .rleLossless)
        case .ts:
            for s in CLI.spellings(.ts, "1.2.840.10008.1.2.4.80") {
                #expect(try CLI.transcode(s + out).0.options.target == .jpegLSLossless)
            }
            #expect(try CLI.transcode(["--ts", "JPEG2000"] + out).0.options.target == .jpeg2000)
            #expect(try CLI.transcode(["--ts", "explicitvrlittleendian"] + out).0.options.target == .explicitVRLittleEndian)
        case .encapsulatedUncompressed:
            #expect(try CLI.transcode(["--encapsulated-uncompressed"] + out).0.options.target == .encapsulatedUncompressed)
        case .deflateFrames:
            #expect(try CLI.transcode(["--deflate-frames"] + out).0.options.target == .deflatedImageFrame)
        case .quality:
            for s in CLI.spellings(.quality, "75") { #expect(try CLI.transcode(["--jpeg"] + s + out).0.options.encode.quality == 75) }
            try RenderFlagChecks.check(.quality)
        case .subsampling:
            for value in [EncodeOptions.Subsampling.s444, .s422, .s420] {
                for s in CLI.spellings(.subsampling, value.rawValue) {
                    #expect(try CLI.transcode(["--jpeg"] + s + out).0.options.encode.subsampling == value)
                }
            }
        case .predictor:
            for s in CLI.spellings(.predictor, "6") {
                let args = try CLI.transcode(["--jpeg-lossless"] + s + out).0
                #expect(args.options.encode.predictor == 6 && args.options.target == .jpegLossless)
            }
        case .near:
            for s in CLI.spellings(.near, "2") {
                let args = try CLI.transcode(["--jpegls"] + s + out).0
                #expect(args.options.encode.near == 2 && args.options.target == .jpegLSNearLossless)
            }
        case .lossless:
            let args = try CLI.transcode(["--jpeg2000", "--lossless"] + out).0
            #expect(args.options.encode.j2k == .lossless && args.options.target == .jpeg2000Lossless)
        case .ratio:
            for s in CLI.spellings(.ratio, "12.5") {
                let args = try CLI.transcode(["--jpeg2000"] + s + out).0
                #expect(args.options.encode.j2k == .ratio(12.5) && args.options.target == .jpeg2000)
            }
            #expect(try CLI.transcode(["--htj2k", "--ratio", "8"] + out).0.options.target == .htj2k)
        case .psnr:
            for s in CLI.spellings(.psnr, "45") {
                #expect(try CLI.transcode(["--jpeg2000"] + s + out).0.options.encode.j2k == .psnr(45))
            }
        case .offsetTable:
            for value in [TranscodeOptions.OffsetTable.basic, .extended, .none] {
                for s in CLI.spellings(.offsetTable, value.rawValue) {
                    #expect(try CLI.transcode(["--rle"] + s + out).0.options.offsetTable == value)
                }
            }
        case .fragmentSize:
            for s in CLI.spellings(.fragmentSize, "65536") {
                #expect(try CLI.transcode(["--jpegls"] + s + out).0.options.fragmentSize == 65536)
            }
        case .verify:
            #expect(try CLI.transcode(["--rle", "--verify"] + out).0.options.verify)
            #expect(try !CLI.transcode(["--rle", "--verify", "--no-verify"] + out).0.options.verify)
        case .maxError:
            for s in CLI.spellings(.maxError, "3") {
                #expect(try CLI.transcode(["--jpeg", "--verify"] + s + out).0.options.maxError == 3)
            }
        case .minPSNR:
            for s in CLI.spellings(.minPSNR, "40.5") {
                #expect(try CLI.transcode(["--jpeg", "--verify"] + s + out).0.options.minPSNR == 40.5)
            }
        case .plan:
            let args = try CLI.transcode(["--rle", "--plan", "in.dcm"]).0
            #expect(args.write.plan && args.write.output == nil)
            #expect(try CLI.anonymize(["--plan", "in.dcm"]).0.write.plan)
            let derive = try CLI.derive(["--crop", "0,0,1,1", "--plan", "in.dcm"]).0
            #expect(derive.write.plan && derive.write.output == nil)
            #expect(CLI.usageError(["derive", "--crop", "0,0,1,1", "--plan", "-o", "x.dcm", "in.dcm"]) != nil)
        case .newSeries:
            #expect(try CLI.transcode(["--jpeg", "--new-series"] + out).0.options.newSeries)
            #expect(try CLI.derive(["--crop", "0,0,1,1", "--new-series"] + out).0.options.newSeries)
            #expect(try !CLI.derive(["--crop", "0,0,1,1", "--new-series", "--no-new-series"] + out).0.options.newSeries)
        case .output:
            for s in CLI.spellings(.output, "-") { #expect(try CLI.transcode(["--rle"] + s + ["-"]).0.write.output == "-") }
            for s in CLI.spellings(.output, "dir/") {
                let (args, global) = try CLI.transcode(["--rle", "a", "b"] + s)
                #expect(args.write.output == "dir/" && global.inputs == ["a", "b"])
            }
            #expect(try CLI.derive(["--to-8bit", "-o", "d.dcm", "in.dcm"]).0.write.output == "d.dcm")
            try ReceiveFlagChecks.check(.output)
            try RenderFlagChecks.check(.output)
            try GetFlagChecks.check(.output)
            #expect(CLI.usageError(["derive", "--to-8bit", "in.dcm"]) != nil)
            #expect(CLI.usageError(["derive", "--split-frames", "-o", "-", "in.dcm"]) != nil)
        case .sync:
            #expect(try CLI.transcode(["--rle", "--sync"] + out).0.write.sync)
            #expect(try !CLI.transcode(["--rle", "--sync", "--no-sync"] + out).0.write.sync)
            #expect(try CLI.anonymize(["--sync"] + out).0.write.sync)
            #expect(try CLI.derive(["--to-8bit", "--sync"] + out).0.write.sync)
            try GetFlagChecks.check(.sync)
            try ReceiveFlagChecks.check(.sync)
            try RenderFlagChecks.check(.sync)
        case .failOn:
            for s in CLI.spellings(.failOn, "warning") { #expect(try CLI.validate(s + ["x"]).0.failOn == .warning) }
            #expect(try CLI.validate(["x"]).0.failOn == .error)
            #expect(CLI.usageError(["validate", "--fail-on", "info", "x"]) != nil)
        case .baseline:
            for s in CLI.spellings(.baseline, "b.json") { #expect(try CLI.validate(s + ["x"]).0.baseline == "b.json") }
        case .writeBaseline:
            for s in CLI.spellings(.writeBaseline, "b.json") { #expect(try CLI.validate(s + ["x"]).0.writeBaseline == "b.json") }
            #expect(CLI.usageError(["validate", "--baseline", "b", "--write-baseline", "b", "x"]) != nil)
        case .ignore:
            #expect(try CLI.validate(["--ignore", "vr.", "--ignore=iod.attribute.foreign", "x"]).0.options.ignoredRules
                    == ["vr.", "iod.attribute.foreign"])
        case .retainSafePrivate:
            #expect(try CLI.anonymize(["--retain-safe-private"] + out).0.options.retainSafePrivate)
            #expect(try !CLI.anonymize(["--retain-safe-private", "--no-retain-safe-private"] + out).0.options.retainSafePrivate)
        case .retainUIDs:
            #expect(try CLI.anonymize(["--retain-uids"] + out).0.options.retainUIDs)
        case .retainDeviceIdentity:
            #expect(try CLI.anonymize(["--retain-device-identity"] + out).0.options.retainDeviceIdentity)
        case .retainInstitutionIdentity:
            #expect(try CLI.anonymize(["--retain-institution-identity"] + out).0.options.retainInstitutionIdentity)
        case .retainPatientCharacteristics:
            #expect(try CLI.anonymize(["--retain-patient-characteristics"] + out).0.options.retainPatientCharacteristics)
        case .retainLongFullDates:
            #expect(try CLI.anonymize(["--retain-long-full-dates"] + out).0.options.retainLongFullDates)
            #expect(CLI.usageError(["anonymize", "--retain-long-full-dates", "--retain-long-modified-dates"] + out) != nil)
        case .retainLongModifiedDates:
            #expect(try CLI.anonymize(["--retain-long-modified-dates"] + out).0.options.retainLongModifiedDates)
        case .cleanDescriptors:
            #expect(try CLI.anonymize(["--clean-descriptors"] + out).0.options.cleanDescriptors)
        case .cleanStructuredContent:
            #expect(try CLI.anonymize(["--clean-structured-content"] + out).0.options.cleanStructuredContent)
        case .cleanGraphics:
            #expect(try CLI.anonymize(["--clean-graphics"] + out).0.options.cleanGraphics)
        case .keep:
            #expect(try CLI.anonymize(["--keep", "(0009,1001)", "--keep=PatientSex"] + out).0.options.keep
                    == [EditPath(parsing: "(0009,1001)"), EditPath(parsing: "PatientSex")])
            #expect(CLI.usageError(["anonymize", "--keep", "NoSuchKeyword"] + out) != nil)
        case .remove:
            #expect(try CLI.anonymize(["--remove", "StudyDescription"] + out).0.options.remove == [EditPath(parsing: "StudyDescription")])
        case .set:
            let set = try CLI.anonymize(["--set", "PatientID=S-01", "--set=0010,0010=A=B"] + out).0.options.set
            #expect(try set.map(\.0) == [EditPath(parsing: "PatientID"), EditPath(parsing: "0010,0010")])
            #expect(set.map(\.1) == ["S-01", "A=B"])
            #expect(CLI.usageError(["anonymize", "--set", "PatientID"] + out) != nil)
            // modify: paths with items, private elements by creator, values from files.
            let edits = try CLI.modify(["--set", "ReferencedSeriesSequence[0].SeriesInstanceUID=1.2", "--set=(0029,{A=B},10)=x",
                                        "--set", "PatientComments@c.txt", "a.dcm"]).0.options.operations
            #expect(edits == [.set(try EditPath(parsing: "ReferencedSeriesSequence[0].SeriesInstanceUID"), .text("1.2")),
                              .set(try EditPath(parsing: "(0029,{A=B},10)"), .text("x")),
                              .set(try EditPath(parsing: "PatientComments"), .unreadFile("c.txt"))])
            #expect(CLI.usageError(["modify", "--set", "StudyDate=2024", "a.dcm"]) != nil)
        case .secretFile:
            for s in CLI.spellings(.secretFile, "key") { #expect(try CLI.anonymize(s + out).0.secretFile == "key") }
            for s in CLI.spellings(.secretFile, "key") { #expect(try CLI.modify(s + ["--new-sop-uid", "a.dcm"]).0.secretFile == "key") }
        case .burnedIn:
            for s in CLI.spellings(.burnedIn, "warn") { #expect(try CLI.anonymize(s + out).0.options.burnedIn == .warn) }
            #expect(try CLI.anonymize(out).0.options.burnedIn == .refuse)
        case .layout:
            for s in CLI.spellings(.layout, "uid") { #expect(try CLI.anonymize(s + out).0.layout == .uid) }
            #expect(CLI.usageError(["anonymize", "--layout", "{PatientID}.dcm"] + out) != nil)
            try ReceiveFlagChecks.check(.layout)
            try GetFlagChecks.check(.layout)
        case .mapOut:
            for s in CLI.spellings(.mapOut, "map.tsv") { #expect(try CLI.anonymize(s + out).0.mapOut == "map.tsv") }
        case .frames:
            for s in CLI.spellings(.frames, "1,3,5-7") { #expect(try CLI.derive(s + out).0.options.frames == [1, 3, 5, 6, 7]) }
            #expect(CLI.usageError(["derive", "--frames", "0"] + out) != nil)
            #expect(CLI.usageError(["derive", "--frames", "3-1"] + out) != nil)
            #expect(CLI.usageError(["derive", "--frames", "1,1"] + out) != nil)
            try RenderFlagChecks.check(.frames)
        case .splitFrames:
            #expect(try CLI.derive(["--split-frames"] + out).0.options.splitFrames)
            #expect(try CLI.derive(["--split-frames", "--frames", "2-3"] + out).0.options.frames == [2, 3])
        case .crop:
            for s in CLI.spellings(.crop, "1,2,30,40") {
                #expect(try CLI.derive(s + out).0.options.crop == PixelTransforms.Rect(x: 1, y: 2, width: 30, height: 40))
            }
            #expect(CLI.usageError(["derive", "--crop", "1,2,0,4"] + out) != nil)
            #expect(CLI.usageError(["derive", "--crop", "1,2,3"] + out) != nil)
        case .downsample:
            for s in CLI.spellings(.downsample, "4") { #expect(try CLI.derive(s + out).0.options.resample == .downsample(4)) }
            #expect(CLI.usageError(["derive", "--downsample", "1"] + out) != nil)
            #expect(CLI.usageError(["derive", "--downsample", "2", "--resize", "10x10"] + out) != nil)
        case .resize:
            for s in CLI.spellings(.resize, "256x128") {
                #expect(try CLI.derive(s + out).0.options.resample == .resize(columns: 256, rows: 128))
            }
            #expect(CLI.usageError(["derive", "--resize", "256"] + out) != nil)
        case .window:
            for s in CLI.spellings(.window, "40,400") {
                #expect(try CLI.derive(["--to-8bit"] + s + out).0.options.window == PixelTransforms.Window(center: 40, width: 400))
            }
            #expect(try CLI.derive(["--to-8bit", "--window=-600,1500"] + out).0.options.window == PixelTransforms.Window(center: -600, width: 1500))
            #expect(CLI.usageError(["derive", "--window", "40,400"] + out) != nil)
            #expect(CLI.usageError(["derive", "--to-8bit", "--window", "40,0"] + out) != nil)
            try RenderFlagChecks.check(.window)
        case .to8Bit:
            let args = try CLI.derive(["--to-8bit"] + out).0
            #expect(args.options.to8Bit && args.options.window == nil)
        case .lossy:
            for s in CLI.spellings(.lossy, "jpeg:quality=80") {
                let lossy = try CLI.derive(s + out).0.options.lossy
                #expect(lossy?.target == .jpegBaseline && lossy?.encode.quality == 80)
            }
            #expect(try CLI.derive(["--lossy", "jpeg2000:ratio=10"] + out).0.options.lossy?.encode.j2k == .ratio(10))
            #expect(try CLI.derive(["--lossy", "jpeg2000"] + out).0.options.lossy?.target == .jpeg2000)
            let ls = try CLI.derive(["--lossy", "jpegls:near=3"] + out).0.options.lossy
            #expect(ls?.target == .jpegLSNearLossless && ls?.encode.near == 3)
            #expect(CLI.usageError(["derive", "--lossy", "jpegls:near=0"] + out) != nil)
            #expect(CLI.usageError(["derive", "--lossy", "rle"] + out) != nil)
            #expect(CLI.usageError(["derive", "--lossy", "jpeg:ratio=3"] + out) != nil)
        case .primary:
            #expect(try CLI.derive(["--crop", "0,0,1,1", "--primary"] + out).0.options.primary)
            #expect(try !CLI.derive(["--crop", "0,0,1,1", "--primary", "--no-primary"] + out).0.options.primary)
        case .check:
            #expect(try CLI.anonymize(["--check", "a.dcm", "b.dcm"]).0.check)
            #expect(CLI.usageError(["anonymize", "--check", "a.dcm"]) != nil)
        case .replace:
            for s in CLI.spellings(.replace, "PatientID=P") {
                #expect(try CLI.modify(s + ["a.dcm"]).0.options.operations == [.replace(try EditPath(parsing: "PatientID"), .text("P"))])
            }
            #expect(CLI.usageError(["modify", "--replace", "PatientID", "a.dcm"]) != nil)
        case .erase:
            for s in CLI.spellings(.erase, "OtherPatientIDsSequence[*]") {
                #expect(try CLI.modify(s + ["a.dcm"]).0.options.operations == [.erase(try EditPath(parsing: "OtherPatientIDsSequence[*]"))])
            }
        case .eraseAll:
            for s in CLI.spellings(.eraseAll, "PatientID") {
                #expect(try CLI.modify(s + ["a.dcm"]).0.options.operations == [.eraseAll(.tag(Tag.patientID))])
            }
            #expect(CLI.usageError(["modify", "--erase-all", "Seq[0].PatientID", "a.dcm"]) != nil)
        case .erasePrivate:
            // Edits keep the order typed across flags.
            let ops = try CLI.modify(["--erase", "PatientID", "--erase-private", "--set", "PatientID=X", "a.dcm"]).0.options.operations
            #expect(ops == [.erase(try EditPath(parsing: "PatientID")), .erasePrivate, .set(try EditPath(parsing: "PatientID"), .text("X"))])
        case .newSOPUID, .newSeriesUID, .newStudyUID:
            let level: RenewedUID = id == .newSOPUID ? .instance : id == .newSeriesUID ? .series : .study
            for s in CLI.spellings(id) { #expect(try CLI.modify(s + ["a.dcm"]).0.options.renew == [level]) }
        case .backup:
            #expect(try CLI.modify(["--backup", "--new-sop-uid", "a.dcm"]).0.backup)
            #expect(CLI.usageError(["modify", "--backup", "--new-sop-uid", "a.dcm", "-o", "b.dcm"]) != nil)
            #expect(CLI.usageError(["modify", "a.dcm"]) != nil, "nothing to do")
        case .callingAET, .repeat, .timeout:
            if id != .repeat { try CommitFlagChecks.check(id) }  // shared with commit
            func echo(_ arguments: [String]) throws -> EchoArgs {
                guard case .run(.echo, let args, _) = try CLI.invocation(["echo"] + arguments), let e = args as? EchoArgs else {
                    throw CLI.NotARun()
                }
                return e
            }
            let value = id == .callingAET ? "WS1" : "7"
            for s in CLI.spellings(id, value) {
                let e = try echo(s + ["PACS@127.0.0.1:104"])
                #expect(id != .callingAET || e.peer.callingAETitle == "WS1")
                #expect(id != .repeat || e.count == 7)
                #expect(id != .timeout || e.peer.timeoutSeconds == 7)
            }
            let defaults = try echo(["PACS@pacs:104"])
            #expect(defaults.peer.callingAETitle == "DICOMTOOL" && defaults.count == 1 && defaults.peer.timeoutSeconds == 30)
            #expect(defaults.peer.address.host == "pacs" && defaults.peer.address.port == 104 && defaults.peer.address.aeTitle == "PACS")
            #expect(CLI.usageError(["echo", "--calling-aet", "SEVENTEEN_CHARS_X", "PACS@pacs:104"]) != nil)
            #expect(CLI.usageError(["echo", "--repeat", "0", "PACS@pacs:104"]) != nil)
            #expect(CLI.usageError(["echo", "pacs:104"]) != nil)
            #expect(CLI.usageError(["echo"]) != nil)
            if id != .repeat { try FindFlagChecks.check(id); try GetFlagChecks.check(id) }  // shared with find and get
            if id != .repeat {
                let s = try send((id == .callingAET ? ["--calling-aet", "WS1"] : ["--timeout", "7"]) + ["x.dcm"])
                #expect(id != .callingAET || s.peer.callingAETitle == "WS1")
                #expect(id != .timeout || s.peer.timeoutSeconds == 7)
            }
        case .level, .model, .worklist, .key, .returnKey, .limit, .relational, .combinedDatetime, .fuzzy, .timezoneAdjustment:
            try FindFlagChecks.check(id)
            if [.level, .model, .key, .limit].contains(id) { try GetFlagChecks.check(id) }  // shared with get
            if id == .limit { try MoveFlagChecks.check(id) }  // and move
        case .from, .query:
            try GetFlagChecks.check(id)
            try MoveFlagChecks.check(id)  // both shared with move
        case .reportTimeout, .receivePort, .fromSend, .perRequest:
            try CommitFlagChecks.check(id)
            if id == .receivePort { try MoveFlagChecks.check(id) }
        case .dest:
            try MoveFlagChecks.check(id)
        case .port, .aet, .bind, .onDuplicate, .execOnFile, .execOnStudy, .studyTimeout, .maxAssociations, .acceptUnknown, .prefer,
             .acceptSyntaxes, .acseTimeout, .idleTimeout, .once, .commitment, .commitmentPeer:
            try ReceiveFlagChecks.check(id)
            if id == .bind { try CommitFlagChecks.check(id) }  // shared with commit's listener
        case .tls, .tlsCert, .tlsKey, .tlsCA, .tlsRequireClientCert, .tlsNoVerify, .tlsProfile, .tlsServerName:
            try TLSFlagChecks.check(id)
        case .frame, .montage, .windowIndex, .voiLUT, .minmax, .percentile, .voiFunction, .invert, .grey, .size, .bits,
             .overlays, .type:
            try RenderFlagChecks.check(id)
        case .profile, .invent, .rename, .fileSetID, .strict:
            try DicomdirFlagChecks.check(id)
        case .to, .dimseTimeout, .allowLossy, .retry, .doneFile, .warningsAsErrors, .asyncWindow:
            let values: [FlagID: String] = [.to: "PACS@pacs:104", .dimseTimeout: "9", .allowLossy: "JPEGBaseline8Bit", .retry: "3",
                                            .doneFile: "done.txt", .asyncWindow: "4"]
            for s in CLI.spellings(id, values[id]) {
                let a = try send((id == .to ? [] : ["--to", "SCP@127.0.0.1:11112"]) + s + ["x.dcm"])
                switch id {
                case .to: #expect(a.peer.address.aeTitle == "PACS" && a.peer.address.port == 104)
                case .dimseTimeout: #expect(a.peer.dimseTimeoutSeconds == 9)  // receive's: ReceiveFlagChecks
                case .allowLossy: #expect(a.allowLossy == .jpegBaseline)
                case .retry: #expect(a.retries == 3)
                case .doneFile: #expect(a.doneFile == "done.txt")
                case .asyncWindow: #expect(a.operationsWindow == 4)
                default: #expect(a.warningsAsErrors)
                }
            }
            if id == .dimseTimeout { try ReceiveFlagChecks.check(id) }  // shared with receive
            if id == .to {  // echo takes --to as well as its one argument, never both
                for s in CLI.spellings(id, "PACS@pacs:104") {
                    guard case .run(.echo, let args, _) = try CLI.invocation(["echo"] + s), let e = args as? EchoArgs else {
                        throw CLI.NotARun()
                    }
                    #expect(e.peer.address.aeTitle == "PACS" && e.peer.address.host == "pacs" && e.peer.address.port == 104)
                }
                #expect(CLI.usageError(["echo", "--to", "PACS@pacs:104", "OTHER@pacs:104"]) != nil)
                #expect(CLI.usageError(["echo", "--to", "pacs:104"]) != nil)
            }
            if id == .to || id == .dimseTimeout {  // shared with find and commit
                try FindFlagChecks.check(id)
                try CommitFlagChecks.check(id)
                if id == .dimseTimeout { try GetFlagChecks.check(id) }  // and get
            }
            let defaults = try send(["--to", "SCP@h:1", "x.dcm"])
            #expect(defaults.associations == 1 && defaults.retries == 0 && defaults.allowLossy == nil && !defaults.warningsAsErrors)
            #expect(defaults.operationsWindow == 16)
            #expect(CLI.usageError(["send", "--to", "SCP@h:1", "--async-window", "0", "x.dcm"]) != nil)
            #expect(defaults.peer.dimseTimeoutSeconds == 60 && defaults.peer.timeoutSeconds == 30)
            #expect(try send(["-j", "4", "--to", "SCP@h:1", "x.dcm"]).associations == 4)
            #expect(CLI.usageError(["send", "x.dcm"]) != nil)
            #expect(CLI.usageError(["send", "--to", "SCP@h:1", "--allow-lossy", "ExplicitVRLittleEndian", "x.dcm"]) != nil)
            #expect(CLI.usageError(["send", "--to", "SCP@h:1", "--allow-lossy", "JPEGLSLossless", "x.dcm"]) != nil)
        }
    }
}
