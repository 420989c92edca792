import DicomCore
import Foundation
import Testing
@testable import DicomToolCLI

@Suite struct InputsTests {
    // MARK: Expansion

    @Test func directoriesAreWalkedRecursivelyInByteOrderSkippingOurTempFilesAndDirectoryLinks() throws {
        let tmp = try InputsTempDirectory()
        let root = tmp.path + "/tree"
        for name in ["b.dcm", "a/2.dcm", "a/10.dcm", "a.dcm", ".hidden.dcm", "Z/upper",
                     ".dicomtool-tmp-123", ".dicomtool-tmpdir/inner.dcm", "deep/er/est/f"] {
            try tmp.file("tree/" + name)
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/loop", withDestinationPath: root)
        try FileManager.default.createSymbolicLink(atPath: root + "/link.dcm", withDestinationPath: root + "/b.dcm")
        let single = try tmp.file("single/one.dcm")

        let walker = try InputWalker(InputOptions(paths: [single, root + "/"], command: "dump"))
        #expect(walker.items.first == .file(path: single, relativePath: "one.dcm"))
        let relative = walker.items.dropFirst().map(\.relativePath)
        #expect(relative == [".hidden.dcm", "Z/upper", "a.dcm", "a/10.dcm", "a/2.dcm", "b.dcm",
                             "deep/er/est/f", "link.dcm"])
        #expect(walker.items[1] == .file(path: root + "/.hidden.dcm", relativePath: ".hidden.dcm"))
        #expect(walker.items.allSatisfy { !$0.displayName.contains("//") })
        #expect(walker.expansionFailures.isEmpty)

        // A link to a directory given as an argument is followed; a dangling link inside a
        // tree is a failure at its place.
        try FileManager.default.createSymbolicLink(atPath: tmp.path + "/via", withDestinationPath: root + "/a")
        try FileManager.default.createSymbolicLink(atPath: root + "/a/3.dcm", withDestinationPath: root + "/gone")
        let linked = try InputWalker(InputOptions(paths: [tmp.path + "/via"], command: "dump"))
        #expect(linked.items.map(\.relativePath) == ["10.dcm", "2.dcm", "3.dcm"])
        #expect(linked.expansionFailures.keys.sorted() == [2])
        #expect(linked.expansionFailures[2]?.code == .cannotRead)
        #expect(linked.expansionFailures[2]?.message == "dangling symbolic link")
    }

    /// A CD or a download: a README, a .zip, a script and an empty file beside the images are left
    /// out of a directory walk by their content (counted, not errors); a file named explicitly
    /// stays an input; --include/--exclude select by name; --all-files takes everything.
    @Test func walksLeaveOutFilesThatAreNotDicomAndSelectByName() throws {
        let tmp = try InputsTempDirectory()
        let root = tmp.path + "/cd"
        let dicm = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + [2, 0, 0x10, 0, 0x55, 0x49, 2, 0, 0x31, 0]
        let bare: [UInt8] = [0x08, 0x00, 0x16, 0x00, 0x55, 0x49, 2, 0, 0x31, 0]  // (0008,0016) UI, no preamble
        let metaOnly: [UInt8] = [0x02, 0x00, 0x10, 0x00, 0x55, 0x49, 2, 0, 0x31, 0]
        let files: [(String, [UInt8])] = [
            ("IMG/1.dcm", dicm), ("IMG/BARE", bare), ("IMG/META0", metaOnly), ("DICOMDIR", dicm),
            ("README.TXT", Array("This CD holds images.\n".utf8)), ("viewer.zip", [0x50, 0x4B, 3, 4] + [UInt8](repeating: 0, count: 200)),
            ("run.py", Array("#!/usr/bin/env python3\n".utf8)), ("empty", []), ("scan.dcm.gz", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]),
        ]
        for (name, bytes) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        func walk(_ filter: InputOptions.WalkFilter, _ paths: [String] = [root]) throws -> InputWalker {
            try InputWalker(InputOptions(paths: paths, command: "dump", walk: filter))
        }
        let dicom = try walk(InputOptions.WalkFilter(onlyDicom: true))
        #expect(dicom.items.map(\.relativePath) == ["DICOMDIR", "IMG/1.dcm", "IMG/BARE", "IMG/META0"])
        #expect(dicom.notDicom == 5)
        let all = try walk(.everyFile)
        #expect(all.items.count == files.count && all.notDicom == 0)
        let named = try walk(InputOptions.WalkFilter(onlyDicom: true), [root + "/README.TXT", root + "/IMG"])
        #expect(named.items.map(\.relativePath) == ["README.TXT", "1.dcm", "BARE", "META0"])
        let included = try walk(InputOptions.WalkFilter(include: ["*.dcm", "DICOMDIR"], exclude: ["DICOM*"], onlyDicom: true))
        #expect(included.items.map(\.relativePath) == ["IMG/1.dcm"])
        let byPath = try walk(InputOptions.WalkFilter(include: ["IMG/*"], onlyDicom: false))
        #expect(byPath.items.map(\.relativePath) == ["IMG/1.dcm", "IMG/BARE", "IMG/META0"])
        // Nothing DICOM in a tree: no input, and the message says why.
        let error = #expect(throws: DicomError.self) { try walk(InputOptions.WalkFilter(include: ["*.TXT"], onlyDicom: true)) }
        #expect(error?.code == .noInput && error?.message.contains("not DICOM") == true, "\(String(describing: error))")
    }

    @Test func filesFromListsSplitOnNewlinesOrNulAndIgnoreBlankEntries() throws {
        let tmp = try InputsTempDirectory()
        let a = try tmp.file("a b.dcm"), c = try tmp.file("dir/c.dcm"), d = try tmp.file("d.dcm")
        let newlineList = tmp.path + "/list.txt"
        try Data("\(a)\n\n\(tmp.path)/dir\r\n\(d)\n".utf8).write(to: URL(fileURLWithPath: newlineList))
        let byLine = try InputWalker(InputOptions(paths: [d], filesFrom: newlineList, command: "dump"))
        #expect(byLine.items.map(\.displayName) == [d, a, c, d])
        #expect(byLine.items[2].relativePath == "c.dcm")

        let nulList = Data("\(c)\0\0\(a)\0".utf8)
        let byNul = try InputWalker(InputOptions(filesFrom: "-", nulSeparated: true, command: "dump"),
                                    readStandardInput: { nulList })
        #expect(byNul.items == [.file(path: c, relativePath: "c.dcm"), .file(path: a, relativePath: "a b.dcm")])

        // A name with a newline survives only NUL separation.
        let odd = try tmp.file("odd\nname.dcm")
        let oddList = Data("\(odd)\0".utf8)
        let oddWalker = try InputWalker(InputOptions(filesFrom: "-", nulSeparated: true, command: "dump"),
                                        readStandardInput: { oddList })
        #expect(oddWalker.items.map(\.displayName) == [odd])

        #expect(InputWalker.splitList(Data("x\n\n\r\ny\r\n".utf8), nulSeparated: false) == ["x", "y"])
        #expect(InputWalker.splitList(Data("x\ny\0z".utf8), nulSeparated: true) == ["x\ny", "z"])
    }

    @Test func missingPathsAreFailuresInPlaceNotCrashes() throws {
        let tmp = try InputsTempDirectory()
        let good = try tmp.file("good.dcm")
        let missing = tmp.path + "/missing.dcm"
        let walker = try InputWalker(InputOptions(paths: [good, missing, good], jobs: 1, command: "dump"))
        #expect(walker.items.count == 3)
        let calls = InputsCounter()
        var emitted: [(String, DicomError?)] = []
        let summary = walker.run(work: { item throws(DicomError) -> Int in
            calls.add()
            return 1
        }, emit: { item, result in
            if case .failure(let error) = result { emitted.append((item.displayName, error)) }
            else { emitted.append((item.displayName, nil)) }
        })
        #expect(calls.current == 2)  // the work never sees the missing path
        #expect(emitted.map(\.0) == [good, missing, good])
        let error = try #require(emitted[1].1)
        #expect(error.code == .cannotRead)
        #expect(error.file == missing)
        #expect(error.cause == "No such file or directory")
        #expect(summary.exitStatus == .cannotReadInput)
        #expect(summary.succeeded == 2 && summary.failed == 1)

        let unreadableList = InputOptions(filesFrom: tmp.path + "/no-list", command: "dump")
        #expect(throws: DicomError.self) { try InputWalker(unreadableList) }
        do { _ = try InputWalker(unreadableList) } catch { #expect(error.code == .cannotRead) }
    }

    @Test func standardInputMarkerIsAllowedOnce() throws {
        let walker = try InputWalker(InputOptions(paths: ["-"], command: "dump"))
        #expect(walker.items == [.standardInput])
        #expect(InputItem.standardInput.displayName == "-")
        #expect(InputItem.standardInput.path == nil)

        for options in [InputOptions(paths: ["-", "-"], command: "dump"),
                        InputOptions(paths: ["-"], filesFrom: "-", command: "dump")] {
            do {
                _ = try InputWalker(options, readStandardInput: { Data() })
                Issue.record("stdin twice was accepted")
            } catch {
                #expect(error.code == .usage)
            }
        }
        // Inside a list, '-' is a file named '-', not stdin.
        let listed = try InputWalker(InputOptions(filesFrom: "-", command: "dump"),
                                     readStandardInput: { Data("-\n".utf8) })
        #expect(listed.items == [.file(path: "-", relativePath: "-")])
    }

    @Test func nothingToDoIsNoInput() throws {
        let tmp = try InputsTempDirectory()
        try FileManager.default.createDirectory(atPath: tmp.path + "/empty/sub", withIntermediateDirectories: true)
        let cases = [
            InputOptions(command: "dump"),
            InputOptions(paths: [tmp.path + "/empty"], command: "dump"),
            InputOptions(filesFrom: "-", command: "dump"),
        ]
        for options in cases {
            do {
                _ = try InputWalker(options, readStandardInput: { Data("\n\n".utf8) })
                Issue.record("accepted \(options.paths)")
            } catch {
                #expect(error.code == .noInput)
                #expect(error.code.exitStatus.rawValue == 21)
            }
        }
    }

    // MARK: Shards

    @Test func fnv1aMatchesPublishedVectorsAndShardParsingIsStrict() throws {
        #expect(InputShard.fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(InputShard.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(InputShard.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
        let parsed = try InputShard.parse("2/8")
        #expect(parsed.index == 2 && parsed.count == 8)
        for bad in ["0/3", "4/3", "1/0", "x", "1/2/3", "", "-1/2"] {
            #expect(throws: DicomError.self) { try InputShard.parse(bad) }
        }
        #expect(throws: DicomError.self) {
            try InputWalker(InputOptions(paths: ["-"], shard: (3, 2), command: "dump"))
        }
    }

    @Test func shardsPartitionDisjointlyCompletelyAndStably() throws {
        let tmp = try InputsTempDirectory()
        var names: [String] = []
        for series in 0..<8 {
            for image in 0..<25 { names.append(String(format: "s%d/IM%04d", series, image)) }
        }
        for name in names {
            try tmp.file("one/" + name)
            try tmp.file("elsewhere/mounted/" + name)
        }
        let count = 4
        var union: [String] = []
        var sizes: [Int] = []
        for index in 1...count {
            let here = try InputWalker(InputOptions(paths: [tmp.path + "/one"], shard: (index, count), command: "dump"))
            let there = try InputWalker(InputOptions(paths: [tmp.path + "/elsewhere/mounted"], shard: (index, count), command: "dump"))
            // Same relative paths, different roots: same shard.
            #expect(here.items.map(\.relativePath) == there.items.map(\.relativePath))
            union += here.items.map(\.relativePath)
            sizes.append(here.items.count)
        }
        #expect(union.sorted() == names.sorted())
        #expect(Set(union).count == union.count)  // disjoint
        #expect(sizes.allSatisfy { $0 >= 25 && $0 <= 75 })  // roughly balanced: 200 / 4 = 50

        // The same files, listed in another order, land in the same shards.
        let files = names.map { tmp.path + "/one/" + $0 }
        for index in 1...count {
            let forward = try InputWalker(InputOptions(paths: files, shard: (index, count), command: "dump"))
            let backward = try InputWalker(InputOptions(paths: files.reversed(), shard: (index, count), command: "dump"))
            #expect(Set(forward.items) == Set(backward.items))
            #expect(forward.items.map(\.displayName).allSatisfy {
                InputShard.shard(forKey: $0, count: count) == index
            })
        }
        let lone = try InputWalker(InputOptions(paths: [files[0]], shard: (1, 1), command: "dump"))
        #expect(lone.items.count == 1)
    }

    /// Keys that differ only in their last characters (a --files-from list of one series) spread
    /// evenly: without the finaliser, FNV-1a put 499/301/0/200 of these 1,000 into four shards.
    @Test func shardsBalanceKeysThatDifferOnlyAtTheEnd() {
        #expect(InputShard.fmix64(0) == 0)
        #expect(InputShard.fmix64(1) == 0xb456_bcfc_34c2_cb2c)
        for count in [2, 4, 7, 16] {
            var sizes = [Int](repeating: 0, count: count)
            for image in 1...1000 {
                sizes[InputShard.shard(forKey: String(format: "study/IM%04d", image), count: count) - 1] += 1
            }
            let even = 1000 / count
            #expect(sizes.allSatisfy { abs($0 - even) <= even / 4 + 10 }, "\(count) shards: \(sizes)")
        }
    }

    // MARK: Running

    @Test(arguments: [1, 4])
    func resultsAreEmittedInInputOrderOnTheCallingThread(jobs: Int) throws {
        let items = (0..<60).map { InputItem.file(path: "in/\($0).dcm", relativePath: "\($0).dcm") }
        let emittedCount = InputsCounter()
        let runAhead = InputsCounter()
        let caller = pthread_self()
        var order: [Int] = []
        var onCaller = true
        let summary = InputWalker.run(items, jobs: jobs, failFast: false, work: { item throws(DicomError) -> Int in
            let index = Int(item.relativePath.dropLast(4)) ?? -1
            runAhead.noteMaximum(index - emittedCount.current)
            usleep(UInt32.random(in: 0...3000))
            return index
        }, emit: { item, result in
            if case .success(let index) = result { order.append(index) }
            onCaller = onCaller && pthread_equal(pthread_self(), caller) != 0
            emittedCount.add()
        })
        #expect(order == Array(0..<60))
        #expect(onCaller)
        #expect(runAhead.highest <= 2 * jobs)
        #expect(summary.total == 60 && summary.succeeded == 60 && summary.failed == 0 && summary.skipped == 0)
        #expect(summary.exitStatus == .ok)
        #expect(summary.firstFailure == nil)
    }

    @Test(arguments: [1, 4])
    func exitStatusIsTheFirstFailureInInputOrder(jobs: Int) throws {
        let items = (0..<20).map { InputItem.file(path: "in/\($0)", relativePath: "\($0)") }
        var failedNames: [String] = []
        let summary = InputWalker.run(items, jobs: jobs, failFast: false, work: { item throws(DicomError) -> Void in
            switch item.relativePath {
            case "5":
                usleep(30_000)  // slow: a later failure finishes first
                throw DicomError(.invalidInput, "truncated", offset: 12)
            case "6":
                throw DicomError(.decodeFailed, "bad codestream")
            default:
                usleep(UInt32.random(in: 0...2000))
            }
        }, emit: { item, result in
            if case .failure(let error) = result {
                #expect(error.file == item.displayName)
                failedNames.append(item.displayName)
            }
        })
        #expect(failedNames == ["in/5", "in/6"])
        #expect(summary.failed == 2 && summary.succeeded == 18)
        #expect(summary.exitStatus == .invalidInput)
        #expect(summary.firstFailure?.file == "in/5")
        #expect(summary.firstFailure?.offset == 12)
    }

    @Test(arguments: [1, 4])
    func failFastStopsAfterTheFirstFailureInInputOrder(jobs: Int) throws {
        let items = (0..<40).map { InputItem.file(path: "f\($0)", relativePath: "f\($0)") }
        let started = InputsCounter()
        var emitted: [String] = []
        let summary = InputWalker.run(items, jobs: jobs, failFast: true, work: { item throws(DicomError) -> Void in
            started.add()
            if item.relativePath == "f3" {
                usleep(20_000)
                throw DicomError(.unsupported, "no codec")
            }
            if item.relativePath == "f5" { throw DicomError(.encodeFailed, "later, but faster") }
        }, emit: { item, _ in emitted.append(item.displayName) })
        #expect(emitted == ["f0", "f1", "f2", "f3"])
        #expect(summary.exitStatus == .unsupported)
        #expect(summary.succeeded == 3 && summary.failed == 1 && summary.skipped == 36)
        #expect(started.current <= 4 + 2 * jobs)  // only the bounded run-ahead, never the rest
        if jobs == 1 { #expect(started.current == 4) }
    }

    @Test(arguments: [1, 3])
    func interruptionFinishesInFlightWorkAndExits130(jobs: Int) throws {
        let items = (0..<50).map { InputItem.file(path: "i\($0)", relativePath: "i\($0)") }
        let interruption = InputInterruption()  // not the process-wide one: tests run in parallel
        let done = InputsCounter()
        var emitted = 0
        let summary = InputWalker.run(items, jobs: jobs, failFast: false, reporter: nil, preFailed: [:],
                                      interruption: interruption, work: { item throws(DicomError) -> Void in
            if item.relativePath == "i4" { interruption.set() }
            usleep(2000)
            done.add()
        }, emit: { _, _ in emitted += 1 })
        #expect(interruption.isSet)
        #expect(summary.interrupted)
        #expect(summary.exitStatus == .interrupted)
        #expect(summary.exitStatus.rawValue == 130)
        #expect(emitted == done.current)  // every started item finished and was reported
        #expect(emitted >= 5 && emitted <= 5 + 2 * jobs)
        #expect(summary.skipped == 50 - emitted)
    }

    @Test func defaultJobsUseEveryCore() {
        #expect(InputOptions(command: "dump").effectiveJobs == ProcessInfo.processInfo.activeProcessorCount)
        #expect(InputOptions(jobs: 3, command: "dump").effectiveJobs == 3)
        #expect(InputWalker.interrupted == false)
    }
}
