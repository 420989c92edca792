import DicomCore
import Testing
@testable import DicomToolCLI

/// Usage errors: exit status 1, the message format on stderr, and the suggestions.
@Suite struct UsageErrorTests {
    /// The message of the usage error for `arguments`, or "" when it parses.
    func message(_ arguments: [String]) -> String { CLI.usageError(arguments)?.message ?? "" }

    @Test func unknownFlagSuggestsTheClosest() {
        let result = CLI.execute(["dump", "--jsn", "x"])
        #expect(result.status == .usage)
        #expect(result.out.isEmpty)
        #expect(result.err == """
            dicomtool: dump: error: unknown flag --jsn; did you mean --json?
            Run 'dicomtool dump --help' for usage.

            """)
    }

    @Test func swappedLettersAreOneTypo() {
        #expect(message(["transcode", "--rle", "--ouptut", "x"]).hasSuffix("did you mean --output?"))
        #expect(message(["dump", "--inline-mxa=3"]).hasSuffix("did you mean --inline-max?"))
    }

    @Test func unknownCommandSuggestsTheClosest() {
        let result = CLI.execute(["trasncode", "--rle"])
        #expect(result.status == .usage)
        #expect(result.err.hasPrefix("dicomtool: error: unknown command 'trasncode'; did you mean transcode?\n"))
        #expect(result.err.hasSuffix("Run 'dicomtool --help' for usage.\n"))
    }

    @Test func nothingCloseMeansNoSuggestion() {
        #expect(message(["dump", "--zzzzzzzz"]) == "unknown flag --zzzzzzzz")
        #expect(message(["dump", "-Z"]) == "unknown flag -Z")
    }

    @Test func flagOfAnotherCommandSaysWhere() {
        #expect(message(["transcode", "--json"]) == "--json is not an option of transcode (it is one of: dump, find)")
        #expect(message(["--json", "dump"]) == "--json must follow the command name (it is an option of: dump, find)")
    }

    @Test func missingCommand() {
        let result = CLI.execute([])
        #expect(result.status == .usage)
        #expect(result.err.contains("no command given: choose one of dump, transcode"))
    }

    @Test func missingValue() {
        #expect(message(["dump", "--tag"]) == "--tag needs a value (TAG)")
        #expect(message(["dump", "-j"]) == "-j needs a value (N)")
    }

    @Test func switchWithValueAndNegationWithValue() {
        #expect(message(["dump", "--json=yes"]) == "--json takes no value")
        #expect(message(["dump", "--no-progress=1"]) == "--no-progress takes no value")
    }

    @Test func badNumbers() {
        #expect(message(["dump", "-j", "0", "x"]) == "-j must be from 1 to 4096, not 0")
        #expect(message(["dump", "--jobs=many", "x"]) == "--jobs expects an integer, not 'many'")
        #expect(message(["dump", "--inline-max", "-1", "x"]) == "--inline-max must be at least 0, not -1")
        #expect(message(["transcode", "--jpeg", "--quality", "101", "x", "-o", "y"]) == "--quality must be from 1 to 100, not 101")
        #expect(message(["transcode", "--jpeg2000", "--ratio", "1", "x", "-o", "y"]) == "--ratio must be greater than 1, not 1")
        #expect(message(["transcode", "--jpeg2000", "--psnr", "nan", "x", "-o", "y"]) == "--psnr expects a number, not 'nan'")
    }

    @Test func badChoicesListTheChoices() {
        #expect(message(["dump", "--format", "jsno", "x"]) == "--format expects one of text, json, junit, sarif, csv, tsv, not 'jsno'; did you mean json?")
        #expect(message(["transcode", "--jpeg", "--subsampling", "411", "x", "-o", "y"])
                .hasPrefix("--subsampling expects one of 444, 422, 420, not '411'"))
        #expect(message(["--generate", "complete-tcsh"]).hasPrefix("--generate expects one of man, complete-bash"))
    }

    @Test func badShards() {
        #expect(message(["dump", "--shard", "0/4", "x"]) == "--shard 0/4: I must be from 1 to N, and N at least 1")
        #expect(message(["dump", "--shard", "5/4", "x"]) == "--shard 5/4: I must be from 1 to N, and N at least 1")
        #expect(message(["dump", "--shard", "2", "x"]) == "--shard expects I/N such as 2/8, not '2'")
    }

    @Test func nullNeedsFilesFrom() {
        #expect(message(["dump", "-0", "x"]) == "-0 applies to --files-from, which was not given")
    }

    @Test func dumpConflicts() {
        #expect(message(["dump", "--meta-only", "--no-meta", "x"]).hasPrefix("--meta-only and --no-meta cannot be combined"))
        #expect(message(["dump", "--json", "--xml", "x"]).hasPrefix("--json and --xml cannot be combined"))
        #expect(message(["dump", "--tag", "PatientNme", "x"]).hasSuffix("did you mean PatientName?"))
    }

    @Test func transcodeNeedsExactlyOneTarget() {
        #expect(message(["transcode", "x", "-o", "y"]).hasPrefix("no target given: choose one of --explicit, --decompress, --implicit"))
        #expect(message(["transcode", "--jpeg", "--rle", "x", "-o", "y"]) == "--jpeg and --rle are both targets: choose one")
        #expect(message(["transcode", "--explicit", "--ts", "RLELossless", "x", "-o", "y"])
                == "--explicit and --ts RLELossless are both targets: choose one")
    }

    @Test func codecOptionsRequireTheirTarget() {
        #expect(message(["transcode", "--rle", "--ratio", "10", "x", "-o", "y"])
                == "--ratio applies to JPEG 2000 (--jpeg2000, --htj2k) targets, not to RLE Lossless")
        #expect(message(["transcode", "--jpeg2000", "--quality", "10", "x", "-o", "y"]).hasPrefix("--quality applies to JPEG (--jpeg) targets"))
        #expect(message(["transcode", "--jpeg", "--near", "1", "x", "-o", "y"]).hasPrefix("--near applies to JPEG-LS"))
        #expect(message(["transcode", "--jpegls", "--predictor", "2", "x", "-o", "y"]).hasPrefix("--predictor applies to JPEG Lossless"))
        #expect(message(["transcode", "--explicit", "--offset-table", "none", "x", "-o", "y"])
                .hasPrefix("--offset-table applies to encapsulated targets"))
    }

    @Test func lossySettingOnALosslessOnlySyntax() {
        #expect(message(["transcode", "--ts", "JPEG2000Lossless", "--ratio", "5", "x", "-o", "y"])
                .contains("is lossless only"))
        #expect(message(["transcode", "--ts", "JPEGLSLossless", "--near", "2", "x", "-o", "y"]).contains("is lossless only"))
        #expect(message(["transcode", "--ts", "JPEGLosslessSV1", "--predictor", "3", "x", "-o", "y"]).contains("allows only predictor 1"))
    }

    @Test func rateControlsExcludeEachOther() {
        #expect(message(["transcode", "--jpeg2000", "--ratio", "5", "--psnr", "40", "x", "-o", "y"])
                == "--ratio and --psnr cannot be combined: choose one rate control")
    }

    @Test func verifyCriteria() {
        #expect(message(["transcode", "--jpeg", "--max-error", "2", "x", "-o", "y"]) == "--max-error applies only with --verify")
        #expect(message(["transcode", "--jpeg", "--verify", "--max-error", "2", "--min-psnr", "30", "x", "-o", "y"])
                .hasPrefix("--max-error and --min-psnr cannot be combined"))
    }

    @Test func outputRules() {
        #expect(message(["transcode", "--rle", "x"]).hasPrefix("an output is required"))
        #expect(message(["transcode", "--rle", "--plan", "x", "-o", "y"]).hasPrefix("--plan writes nothing"))
        #expect(message(["transcode", "--rle", "--fragment-size", "1001", "x", "-o", "y"]).hasPrefix("--fragment-size must be even"))
        #expect(message(["transcode", "--rle", "--fragment-size", "1000", "x", "-o", "y"])
                .hasPrefix("--fragment-size does not apply to RLE Lossless: each of its frames is one fragment"))
        #expect(message(["transcode", "--jpegls", "--fragment-size", "1000", "x", "-o", "y"]).isEmpty)
        #expect(message(["transcode", "--jpegls", "--offset-table", "extended", "--fragment-size", "1000", "x", "-o", "y"])
                .hasPrefix("--fragment-size cannot be combined with --offset-table extended"))
    }

    @Test func tsSuggestsKeywords() {
        #expect(message(["transcode", "--ts", "JPEGLSLosless", "x", "-o", "y"]).hasSuffix("did you mean JPEGLSLossless?"))
        #expect(message(["transcode", "--ts", "1.2.840.10008.1.1", "x", "-o", "y"]).contains("not as a transfer syntax"))
    }

    @Test func usageErrorIsADicomUsageError() {
        let error = CLI.usageError(["dump", "--bogus"])
        #expect(error?.dicomError.code == .usage)
        #expect(error?.dicomError.code.exitStatus == .usage)
    }

    @Test func editDistance() {
        #expect(Suggestions.editDistance("json", "json") == 0)
        #expect(Suggestions.editDistance("jsn", "json") == 1)
        #expect(Suggestions.editDistance("ouptut", "output") == 1)
        #expect(Suggestions.editDistance("", "abc") == 3)
        #expect(Suggestions.closest(to: "ver", among: ["verify", "version", "xml"]) == ["verify", "version"])
    }
}
