import DicomTestSupport
import Foundation
import Testing

/// What `dicomtool receive` does beyond filing: duplicates, layouts and hooks fed hostile values, a
/// full disk, peers that abort or drop mid-instance, signals, the association limit. The peer is
/// the raw-socket SCU of Scripts/receive_raw_peer.py (one instance per association, exactly as in
/// the file) unless a test needs dcmtk.
@Suite(.serialized) struct ReceiveBehaviourTests {
    static let ct = ReceivePeers.corpus("native/SC_rgb_small_odd.dcm")

    @Test(arguments: ["keep", "replace", "reject"]) func duplicates(policy: String) throws {
        let receiver = try Receiver(["--on-duplicate", policy])
        let first = try ReceivePeers.rawPeer(receiver.port, "store", Self.ct.path)
        let second = try ReceivePeers.rawPeer(receiver.port, "store", Self.ct.path)
        #expect(first.first == "status 0000")
        #expect(receiver.waitUntil(10) { receiver.events("association-end").count == 2 })
        let uid = try #require(receiver.events("stored").first?["sopInstanceUID"] as? String)
        let duplicate = receiver.events("duplicate").first
        #expect(duplicate?["policy"] as? String == policy)
        switch policy {
        case "keep":
            #expect(second.first == "status 0000")
            #expect(receiver.files == ["\(uid).dcm", "\(uid)_1.dcm"])
            #expect(duplicate?["keptAs"] as? String == receiver.directory.path + "/\(uid)_1.dcm")
        case "replace":
            #expect(second.first == "status 0000")
            #expect(receiver.files == ["\(uid).dcm"])
        default:
            #expect(second.first == "status 0111")  // Duplicate SOP Instance
            #expect(receiver.files == ["\(uid).dcm"])
            #expect(receiver.events("failed").first?["status"] as? Int == 0x0111)
        }
        for name in receiver.files {
            #expect(try ReceivePeers.dataSet(receiver.directory.appendingPathComponent(name)) == ReceivePeers.dataSet(Self.ct))
        }
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }

    @Test func layoutKeepsHostileValuesInsideTheOutputDirectory() throws {
        try ReceivePeers.requirePynetdicom()
        let parent = Receiver.temporaryDirectory("recv-layout")
        let out = parent.appendingPathComponent("out")
        let receiver = try Receiver(["--layout", "{PatientID}/{StudyInstanceUID}/{SOPInstanceUID}.dcm"], output: out)
        let hostile = ["../x", "/", "..", "../../etc/passwd", ".hidden", ""]
        var expected: [String] = []
        let files = try ReceivePeers.generate(patientIDs: hostile, studyPrefix: "1.2.3")
        for (k, value) in hostile.enumerated() {
            let file = files[k]
            #expect(try ReceivePeers.rawPeer(receiver.port, "store", file.path).first == "status 0000", "\(value)")
            let component = ["_._x", "_", "_.", "_._.._etc_passwd", "_hidden", "unknown"][k]
            let stored = try #require(receiver.events("stored").last?["sopInstanceUID"] as? String)
            expected.append("\(component)/1.2.3.\(k)/\(stored).dcm")
        }
        #expect(receiver.files == expected.sorted())
        // Nothing beside the output directory: no value climbed out of it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"])
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }

    @Test func execHooksGetHostileValuesAsSingleArguments() throws {
        try ReceivePeers.requirePynetdicom()
        let work = Receiver.temporaryDirectory("recv-exec")
        let log = work.appendingPathComponent("calls.jsonl").path
        let recorder = "python3 -c 'import sys,json; open(sys.argv[1],\"a\").write(json.dumps(sys.argv[2:])+\"\\n\")' \(log)"
        let receiver = try Receiver(["--exec-on-file", "\(recorder) file {PatientID} {file} --aet={calling-aet}",
                                     "--exec-on-study", "\(recorder) study {dir} {count} {StudyInstanceUID} {PatientID}",
                                     "--study-timeout", "1"], workingDirectory: work)
        let hostile = ["; rm -rf / #", "$(touch PWNED)", "a b 'c' \"d\"", "`touch PWNED2`|x&y>z"]
        var files: [(String, URL)] = []
        for (value, file) in zip(hostile, try ReceivePeers.generate(patientIDs: hostile, studyPrefix: "1.2.9")) {
            #expect(try ReceivePeers.rawPeer(receiver.port, "store", file.path).first == "status 0000")
            files.append((value, file))
        }
        // Four file hooks, then four study hooks once each study has been quiet for 1 s.
        #expect(receiver.waitUntil(20) { receiver.events("exec").count == 8 }, "\(receiver.events("exec"))")
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String])
        }
        let stored = receiver.events("stored").compactMap { $0["path"] as? String }
        for (k, (value, _)) in files.enumerated() {
            #expect(calls.contains(["file", value, stored[k], "--aet=RAWPEER"]), "\(value): \(calls)")
            #expect(calls.contains(["study", receiver.directory.path, "1", "1.2.9.\(k)", value]), "\(value): \(calls)")
        }
        #expect(receiver.events("exec").allSatisfy { $0["status"] as? Int == 0 })
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("PWNED").path))
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("PWNED2").path))
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }

    @Test func fullDiskAnswersOutOfResourcesAndLeavesNothingHalfWritten() throws {
        try ReceivePeers.requireExecutable(ReceivePeers.storescu, "dcmtk's storescu")
        let sources = try ReceivePeers.generate(4)  // ~40 KB each; the file system holds two
        let mountPoint = Receiver.temporaryDirectory("recv-tmpfs")
        let out = mountPoint.appendingPathComponent("out")
        var launcher: [String] = []
        // What the test inspects: the tmpfs itself, or (in a namespace of the receiver's own) a copy
        // of it made as the receiver ends.
        var inspected = out
        let forceNamespace = ProcessInfo.processInfo.environment["RECEIVE_TEST_FORCE_UNSHARE"] != nil
        let mounted = try !forceNamespace
            && ReceivePeers.run("/bin/mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", mountPoint.path]).status == 0
        defer { if mounted { _ = try? ReceivePeers.run("/bin/umount", [mountPoint.path]) } }
        if !mounted {
            // Not allowed to mount here: a user and mount namespace of our own (unshare -rm).
            let probe = try ReceivePeers.run("/usr/bin/unshare", ["-rm", "/bin/sh", "-c", "mount -t tmpfs -o size=96k tmpfs \(mountPoint.path)"])
            try #require(probe.status == 0, "cannot mount a small tmpfs (mount: refused; unshare -rm: \(probe.output))")
            let copy = Receiver.temporaryDirectory("recv-tmpfs-copy")
            inspected = copy.appendingPathComponent("out")
            launcher = ["/usr/bin/unshare", "-rm", "/bin/sh", "-c",
                        "mount -t tmpfs -o size=96k tmpfs \(mountPoint.path) && \"$@\"; s=$?; cp -a \(mountPoint.path)/. \(copy.path)/; exit $s", "sh"]
        }
        let receiver = try Receiver(["--once"], output: out, launcher: launcher)
        let r = try ReceivePeers.run(ReceivePeers.storescu, ["-aec", "DICOMTOOL", "127.0.0.1", String(receiver.port)] + sources.map(\.path),
                                     environment: ["TCP_NODELAY": "1"])
        #expect(r.output.contains("Out of Resources") || r.output.contains("0xa700") || r.status != 0, "\(r.output)")
        #expect(receiver.exitStatus() == 40)  // an instance could not be written
        let failed = receiver.events("failed")
        #expect(failed.first?["status"] as? Int == 0xA700, "\(receiver.events)")
        #expect((failed.first?["message"] as? String)?.contains("No space left on device") == true)
        // Only complete files: each stored one is a source's bytes; no temporary file anywhere.
        let stored = receiver.events("stored")
        #expect(stored.count >= 1 && stored.count < sources.count)
        let files = Receiver.files(in: inspected)
        #expect(files.count == stored.count && files.allSatisfy { !$0.hasPrefix(".") }, "\(files)")
        for event in stored {
            let path = try #require(event["path"] as? String)
            let data = try ReceivePeers.dataSet(inspected.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent))
            #expect(try sources.contains { try ReceivePeers.dataSet($0) == data })
        }
    }

    @Test(arguments: ["drop", "abort"]) func peerGoneMidInstanceLeavesNothing(mode: String) throws {
        let source = try #require(try ReceivePeers.generate(1).first)
        let receiver = try Receiver(["--once"])
        _ = try ReceivePeers.rawPeer(receiver.port, mode, source.path)
        #expect(receiver.exitStatus() == 0)
        #expect(receiver.events("discarded").count == 1, "\(receiver.events)")
        #expect(receiver.events("stored").isEmpty)
        #expect(receiver.files.isEmpty, "\(receiver.files)")  // not even a temporary file
    }

    @Test func sigtermLetsTheInstanceInFlightComplete() throws {
        let source = try #require(try ReceivePeers.generate(1).first)
        let receiver = try Receiver([])
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        peer.arguments = ["python3", ReceivePeers.script("receive_raw_peer.py"), String(receiver.port), "pause", source.path]
        let input = Pipe(), output = Pipe()
        peer.standardInput = input
        peer.standardOutput = output
        try peer.run()
        var text = ""
        while !text.contains("half\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("half"))
        // In flight once the receiver has begun writing it (the half sent may still be in the socket).
        #expect(receiver.waitUntil(10) { receiver.files.contains { $0.hasPrefix(".dicomtool-tmp-") } })
        receiver.signal(SIGTERM)
        #expect(receiver.waitUntil(10) { !receiver.events("stopping").isEmpty })
        input.fileHandleForWriting.write(Data("go\n".utf8))
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        peer.waitUntilExit()
        #expect(text.contains("status 0000"), "\(text)")
        #expect(receiver.exitStatus() == 0)
        let path = try #require(receiver.events("stored").first?["path"] as? String)
        #expect(try ReceivePeers.dataSet(URL(fileURLWithPath: path)) == ReceivePeers.dataSet(source))
        #expect(receiver.files.count == 1)
    }

    @Test func privateSOPClassesOnlyWithAcceptUnknown() throws {
        let file = try #require(try ReceivePeers.generate(1, sopClass: "1.3.6.1.4.1.99999.1.1").first)
        let strict = try Receiver(["--once"])
        #expect(try ReceivePeers.rawPeer(strict.port, "store", file.path) == ["context rejected (result 3)"])  // abstract syntax not supported
        #expect(strict.exitStatus() == 0)
        #expect(strict.files.isEmpty)
        let open = try Receiver(["--once", "--accept-unknown"])
        #expect(try ReceivePeers.rawPeer(open.port, "store", file.path).first == "status 0000")
        #expect(open.exitStatus() == 0)
        #expect(open.events("stored").first?["sopClassUID"] as? String == "1.3.6.1.4.1.99999.1.1")
        let stored = try #require(open.events("stored").first?["path"] as? String)
        #expect(try ReceivePeers.dataSet(URL(fileURLWithPath: stored)) == ReceivePeers.dataSet(file))
    }

    @Test func acceptSyntaxesRefusesTheOthers() throws {
        let receiver = try Receiver(["--accept-syntaxes", "ImplicitVRLittleEndian"])
        // SC_rgb_small_odd is Explicit VR Little Endian, the only syntax the raw peer proposes.
        #expect(try ReceivePeers.rawPeer(receiver.port, "store", Self.ct.path) == ["context rejected (result 4)"])
        let implicit = ReceivePeers.corpus("native/MR_small_implicit.dcm")
        #expect(try ReceivePeers.rawPeer(receiver.port, "store", implicit.path).first == "status 0000")
        #expect(receiver.waitUntil(10) { receiver.events("stored").count == 1 })
        #expect(receiver.events("stored").first?["transferSyntaxUID"] as? String == "1.2.840.10008.1.2")
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }

    @Test func aPortInUseExitsWith60() throws {
        let first = try Receiver([])
        let second = try ReceivePeers.run(CorpusIndex.binary.path, ["receive", "--port", String(first.port), "--bind", "127.0.0.1",
                                                                    "-o", first.directory.path])
        #expect(second.status == 60, "\(second.output)")
        #expect(second.output.contains("cannot listen on 127.0.0.1:\(first.port)"), "\(second.output)")
        first.signal(SIGTERM)
        #expect(first.exitStatus() == 0)
    }

    @Test func aLargeInstanceStreamsToDiskWithBoundedMemory() throws {
        try ReceivePeers.requireExecutable(ReceivePeers.storescu, "dcmtk's storescu")
        try ReceivePeers.requireExecutable("/usr/bin/time", "GNU time")
        let source = try #require(try ReceivePeers.generate(1, side: 7000).first)  // 98 MB of pixel data
        let rss = Receiver.temporaryDirectory("recv-rss").appendingPathComponent("rss")
        let receiver = try Receiver(["--once"], launcher: ["/usr/bin/time", "-f", "%M", "-o", rss.path])
        let r = try ReceivePeers.run(ReceivePeers.storescu, ["-aec", "DICOMTOOL", "127.0.0.1", String(receiver.port), source.path],
                                     environment: ["TCP_NODELAY": "1"])
        #expect(r.status == 0, "\(r.output)")
        #expect(receiver.exitStatus() == 0)
        let path = try #require(receiver.events("stored").first?["path"] as? String)
        #expect(try ReceivePeers.dataSet(URL(fileURLWithPath: path)) == ReceivePeers.dataSet(source))
        // Peak resident memory far below the instance: it went to disk a PDV at a time.
        let kilobytes = try #require(Int(try String(contentsOf: rss, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kilobytes < 64 * 1024, "peak RSS \(kilobytes) KiB receiving a 98 MB instance")
        try? FileManager.default.removeItem(at: source.deletingLastPathComponent())
        try? FileManager.default.removeItem(at: receiver.directory)
    }

    @Test func sigintStopsWithStatus130() throws {
        let receiver = try Receiver([])
        receiver.signal(SIGINT)
        #expect(receiver.exitStatus() == 130)
        #expect(receiver.events("stopping").first?["reason"] as? String == "SIGINT received")
    }

    @Test func associationLimitAndCalledTitleAreEnforced() throws {
        let receiver = try Receiver(["--max-associations", "1", "--aet", "ARCHIVE"])
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", ReceivePeers.script("receive_raw_peer.py"), String(receiver.port), "hold", Self.ct.path, "ARCHIVE"]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        _ = output.fileHandleForReading.availableData  // "associated"
        #expect(try ReceivePeers.rawPeer(receiver.port, "store", Self.ct.path, calledAET: "ARCHIVE") == ["rejected"])
        input.fileHandleForWriting.write(Data("go\n".utf8))
        holder.waitUntilExit()
        #expect(try ReceivePeers.rawPeer(receiver.port, "store", Self.ct.path, calledAET: "ARCHIVE").first == "status 0000")
        #expect(try ReceivePeers.rawPeer(receiver.port, "store", Self.ct.path, calledAET: "DICOMTOOL") == ["rejected"])
        let reasons = receiver.events("rejected").compactMap { $0["reason"] as? String }
        #expect(reasons.count == 2 && reasons[0].contains("local limit exceeded") && reasons[1].contains("called AE title not recognized"),
                "\(reasons)")
        receiver.signal(SIGTERM)
        #expect(receiver.exitStatus() == 0)
    }
}
