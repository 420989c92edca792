import DicomCodecs
import DicomCore
import Testing
@testable import DicomToolCLI

/// GNU conventions of stage one, and the combinations stage two refuses.
@Suite struct ParserTests {
    @Test func lexerTokens() {
        #expect(Lexer.token("--jobs=4") == .long(name: "jobs", inlineValue: "4"))
        #expect(Lexer.token("--tag=a=b") == .long(name: "tag", inlineValue: "a=b"))
        #expect(Lexer.token("--json") == .long(name: "json", inlineValue: nil))
        #expect(Lexer.token("-qj4") == .shortCluster("qj4"))
        #expect(Lexer.token("-") == .positional("-"))
        #expect(Lexer.token("--") == .endOfOptions)
        #expect(Lexer.token("file.dcm") == .positional("file.dcm"))
    }

    @Test func clusteredShortSwitchesAndValue() throws {
        let global = try CLI.dump(["-q0j2", "--files-from", "list"]).1
        #expect(global.quiet && global.nulSeparated && global.jobs == 2)
    }

    @Test func doubleDashEndsOptions() throws {
        let global = try CLI.dump(["--", "--json", "-q", "-"]).1
        #expect(global.inputs == ["--json", "-q", "-"])
        #expect(!global.quiet)
    }

    @Test func dashIsAPositional() throws {
        let (args, global) = try CLI.transcode(["--rle", "-", "-o", "-"])
        #expect(global.inputs == ["-"] && args.write.output == "-")
    }

    @Test func valueMayStartWithADash() throws {
        // GNU getopt takes the next argument whatever it looks like.
        #expect(try CLI.dump(["--files-from", "-"]).1.filesFrom == "-")
        #expect(try CLI.transcode(["--rle", "x", "-o", "-weird-name"]).0.write.output == "-weird-name")
    }

    @Test func lastOneWinsForScalars() throws {
        let global = try CLI.dump(["-j2", "--jobs", "5", "--format=json", "--format", "text", "x"]).1
        #expect(global.jobs == 5 && global.format == .text)
        #expect(try CLI.transcode(["--jpeg", "--quality", "10", "--quality=60"] + ["x", "-o", "y"]).0.options.encode.quality == 60)
        #expect(try CLI.dump(["--no-progress", "--progress", "x"]).1.progress == true)
    }

    @Test func globalFlagsMayPrecedeTheCommand() throws {
        guard case .run(.dump, _, let global) = try CLI.invocation(["-j", "3", "--quiet", "dump", "a"]) else {
            Issue.record("not a dump run"); return
        }
        #expect(global.jobs == 3 && global.quiet && global.inputs == ["a"])
    }

    @Test func positionalsKeepTheirOrderAroundFlags() throws {
        #expect(try CLI.dump(["a", "--json", "b", "-q", "c"]).1.inputs == ["a", "b", "c"])
    }

    @Test func repeatedSameTargetIsFine() throws {
        #expect(try CLI.transcode(["--rle", "--rle", "--ts", "RLELossless", "x", "-o", "y"]).0.options.target == .rleLossless)
    }

    @Test func lowArgsRecordSpellingsInOrder() throws {
        let low = try Parser.parseLow(["dump", "-j4", "--no-progress", "--tag=X", "in"])
        #expect(low.command == .dump)
        #expect(low.occurrences.map(\.spelling) == ["-j", "--no-progress", "--tag"])
        #expect(low.occurrences.map(\.value) == [.text("4"), .toggle(false), .text("X")])
        #expect(low.positionals == ["in"])
    }

    @Test func helpWinsOverMissingInputs() throws {
        // Help needs no valid combination: `transcode -h` without a target still helps.
        guard case .help(.transcode, long: false) = try CLI.invocation(["transcode", "-h"]) else {
            Issue.record("no help"); return
        }
    }

    @Test func transferSyntaxByKeywordOrUID() throws {
        #expect(try TranscodeArgs.resolveTransferSyntax("1.2.840.10008.1.2.5") == .rleLossless)
        #expect(try TranscodeArgs.resolveTransferSyntax("JPEGLSNearLossless") == .jpegLSNearLossless)
        #expect(try TranscodeArgs.resolveTransferSyntax("htj2k") == .htj2k)
        #expect(throws: DicomError.self) { try TranscodeArgs.resolveTransferSyntax("1.2.840.10008.1.1") }
    }

    @Test func tsTargetTakesFamilyOptions() throws {
        let args = try CLI.transcode(["--ts", "JPEGLSNearLossless", "--near", "3", "x", "-o", "y"]).0
        #expect(args.options.target == .jpegLSNearLossless && args.options.encode.near == 3)
        let j2k = try CLI.transcode(["--ts", "1.2.840.10008.1.2.4.91", "--psnr", "50", "x", "-o", "y"]).0
        #expect(j2k.options.encode.j2k == .psnr(50) && j2k.options.target == .jpeg2000)
    }

    @Test func codecParametersAreOneReading() throws {
        // transcode's flags and derive's --lossy CODEC:PARAMS are read by the same code: the same
        // settings give the same encoder options.
        let pairs: [([String], String)] = [
            (["--jpeg2000", "--ratio", "8"], "jpeg2000:ratio=8"), (["--htj2k", "--psnr", "45"], "htj2k:psnr=45"),
            (["--jpeg", "--quality", "70", "--subsampling", "444"], "jpeg:quality=70,subsampling=444"),
            (["--jpegls", "--near", "3"], "jpegls:near=3"),
        ]
        for (flags, spec) in pairs {
            var transcode = try CLI.transcode(flags + ["x", "-o", "y"]).0.options.encode
            transcode.threads = EncodeOptions().threads
            let lossy = try CLI.derive(["--lossy", spec, "x", "-o", "y"]).0.options.lossy
            #expect(lossy?.encode == transcode, "\(spec)")
            #expect(lossy?.target == (try CLI.transcode(flags + ["x", "-o", "y"]).0.options.target), "\(spec)")
        }
        // Only the defaults differ: --lossy must be lossy.
        #expect(try CLI.derive(["--lossy", "jpeg2000", "x", "-o", "y"]).0.options.lossy?.encode.j2k == .ratio(10))
        #expect(try CLI.transcode(["--jpeg2000", "x", "-o", "y"]).0.options.encode.j2k == .lossless)
    }

    @Test func nativeTargetsHaveNoCodecOptions() throws {
        let args = try CLI.transcode(["--explicit", "x", "-o", "y"]).0
        // The encoder options stay the defaults (only the threads come from the machine).
        var encode = args.options.encode
        encode.threads = EncodeOptions().threads
        #expect(encode == EncodeOptions())
        #expect(args.options.offsetTable == .basic && args.options.fragmentSize == nil && !args.options.reencapsulate)
    }

    @Test func tagPathsAreChecked() throws {
        for good in ["(7FE0,0010)", "7fe0,0010", "00100010", "PatientName",
                     "SourceImageSequence[0].ReferencedSOPInstanceUID", "(0008,1140)[12].(0008,1155)"] {
            #expect(throws: Never.self) { try AttributeKeys.path(good, flag: "--tag") }
        }
        for bad in ["", "Nonsense", "SourceImageSequence[x].X", "SourceImageSequence[-1]", "A..B", "(0010,00)"] {
            #expect(throws: DicomError.self) { try AttributeKeys.path(bad, flag: "--tag") }
        }
    }
}
