import DicomTestSupport
import Foundation
import Testing

/// `dicomtool send` as a user runs it, against real peers on loopback: exit statuses, JSON Lines,
/// the done file and retries with a peer that stops halfway, and the other receivers of the
/// interop matrix (dcmrecv, pynetdicom's storescp, Orthanc).
@Suite(.serialized, .dedicatedThreads) struct SendEndToEndTests {
    static let root = CorpusIndex.packageRoot
    static let scp = root.appendingPathComponent("scripts/net-peers/store_scp.py").path
    static let sameBytes = root.appendingPathComponent("scripts/net-peers/dataset_bytes_equal.py").path
    static func fixture(_ relative: String) -> String { CorpusIndex.fixtures.appendingPathComponent(relative).path }
    /// Three syntaxes storescp +xa takes, three distinct instances.
    static let fixtures = ["native/MR_small.dcm", "jpeg/baseline/SC_rgb_dcmtk_+eb+cy+s2.dcm", "rle/SC_rgb_rle_16bit_2frame.dcm"].map(fixture)
    /// The interop matrix's share of the suite: those and a JPEG 2000 file (dcmtk has no JPEG 2000,
    /// so it is converted for dcmrecv). The whole corpus runs in scripts/net-interop.
    static let matrix = fixtures + [fixture("j2k/lossy/SC_rgb_gdcm_KY.dcm")]

    /// A blocking child process run on a thread of its own, so the cooperative pool stays free
    /// for the peers' readiness polls.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread { c.resume(with: Result { try body() }) }
        }
    }

    static func send(_ args: [String]) async throws -> Tool.Result {
        try await offPool { try Tool.run(["send"] + args) }
    }

    static func python(_ args: [String]) async throws -> (Int32, String) {
        try await offPool {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3"] + args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    static func records(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// `count` copies of MR_small, each with a new SOP Instance UID (dcmtk's dcmodify -gin).
    static func distinctInstances(_ count: Int) throws -> (URL, [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("send-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var paths: [String] = []
        for i in 0..<count {
            let path = dir.appendingPathComponent(String(format: "%02d.dcm", i)).path
            try FileManager.default.copyItem(atPath: fixture("native/MR_small.dcm"), toPath: path)
            let p = try Process.run(URL(fileURLWithPath: "/usr/bin/dcmodify"), arguments: ["-nb", "-gin", path])
            p.waitUntilExit()
            try #require(p.terminationStatus == 0, "dcmodify -gin failed")
            paths.append(path)
        }
        return (dir, paths)
    }

    @Test func exitStatusesAndJSONLines() async throws {
        // Nobody listening: 60.
        let nobody = try await Self.send(["--timeout", "5", "--to", "SCP@127.0.0.1:\(try PeerProcess.freePort())", Self.fixtures[0]])
        #expect(nobody.status == 60, "\(nobody.stderr)")
        #expect(nobody.stderr.contains("cannot connect"))

        let storescp = try await PeerProcess("/usr/bin/storescp", environment: ["TCP_NODELAY": "1"]) { port, dir in
            ["-aet", "SCP", "-od", dir + "/out", "+uf", "+B", "+xa", String(port)]
        }
        defer { storescp.stop(); storescp.remove() }
        let ok = try await Self.send(["-j", "2", "--format", "json", "--to", "SCP@127.0.0.1:\(storescp.port)"] + Self.fixtures)
        #expect(ok.status == 0, "\(ok.stderr)")
        let records = try Self.records(ok.stdout)
        let items = records.filter { $0["type"] as? String == "item" }
        #expect(items.map { $0["input"] as? String } == Self.fixtures)
        for item in items {
            #expect(item["status"] as? String == "ok" && item["sent"] as? Bool == true && item["conversion"] as? String == "none")
            #expect((item["bytes"] as? Int ?? 0) > 0 && item["dimseStatus"] as? String == "0x0000")
            #expect(item["syntax"] as? String == item["sourceSyntax"] as? String)
        }
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary" && summary["succeeded"] as? Int == 3 && summary["exit"] as? Int == 0)
        #expect(storescp.received().count == 3)

        // A peer taking only JPEG baseline: refused per file (61) unless --allow-lossy.
        let jpegOnly = try await PeerProcess("/usr/bin/env") { port, dir in
            ["python3", Self.scp, String(port), dir + "/out", "--syntaxes", "1.2.840.10008.1.2.4.50"]
        }
        defer { jpegOnly.stop(); jpegOnly.remove() }
        let refused = try await Self.send(["--to", "JPEG@127.0.0.1:\(jpegOnly.port)", Self.fixture("native/MR_small.dcm")])
        #expect(refused.status == 61 && refused.stderr.contains("--allow-lossy"), "\(refused.stderr)")

        // A warning status: stored and reported, 0 unless --warnings-as-errors (63).
        let warning = try await PeerProcess("/usr/bin/env") { port, dir in
            ["python3", Self.scp, String(port), dir + "/out", "--warning"]
        }
        defer { warning.stop(); warning.remove() }
        let warned = try await Self.send(["--to", "W@127.0.0.1:\(warning.port)", Self.fixtures[0]])
        #expect(warned.status == 0 && warned.stderr.contains("warning status 0xB000"), "\(warned.stderr)")
        let strict = try await Self.send(["--warnings-as-errors", "--to", "W@127.0.0.1:\(warning.port)", Self.fixtures[0]])
        #expect(strict.status == 63 && strict.stderr.contains("--warnings-as-errors"), "\(strict.stderr)")

        // Failure status: 63.
        let failing = try await PeerProcess("/usr/bin/env") { port, dir in
            ["python3", Self.scp, String(port), dir + "/out", "--fail-first", "100"]
        }
        defer { failing.stop(); failing.remove() }
        let failed = try await Self.send(["--to", "F@127.0.0.1:\(failing.port)", Self.fixtures[0]])
        #expect(failed.status == 63 && failed.stderr.contains("0xA700"), "\(failed.stderr)")
    }

    @Test func aPeerThatStopsAnsweringTimesOut() async throws {
        let (dir, paths) = try Self.distinctInstances(2)
        defer { try? FileManager.default.removeItem(at: dir) }
        let peer = try await PeerProcess("/usr/bin/env") { port, d in
            ["python3", Self.scp, String(port), d + "/out", "--hang-after", "1"]
        }
        defer { peer.stop(); peer.remove() }
        let start = Date()
        let r = try await Self.send(["--dimse-timeout", "1", "--to", "P@127.0.0.1:\(peer.port)"] + paths)
        #expect(r.status == 62 && r.stderr.contains("nothing from the peer for 1 s") && r.stderr.contains("(DIMSE)"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(peer.received().count == 1)
    }

    @Test func doneFileResumesAfterThePeerStoppedHalfway() async throws {
        let (dir, paths) = try Self.distinctInstances(6)
        defer { try? FileManager.default.removeItem(at: dir) }
        let done = dir.appendingPathComponent("done.txt").path
        let first = try await PeerProcess("/usr/bin/env") { port, d in
            ["python3", Self.scp, String(port), d + "/out", "--stop-after", "3"]
        }
        defer { first.stop(); first.remove() }
        let cut = try await Self.send(["--dimse-timeout", "20", "--done-file", done, "--to", "P@127.0.0.1:\(first.port)"] + paths)
        #expect([60, 62].contains(cut.status), "\(cut.stderr)")
        let recorded = try String(contentsOfFile: done, encoding: .utf8).split(separator: "\n")
        #expect(recorded.count == 3)
        #expect(first.received().count == 3)

        let second = try await PeerProcess("/usr/bin/env") { port, d in ["python3", Self.scp, String(port), d + "/out"] }
        defer { second.stop(); second.remove() }
        let rest = try await Self.send(["--format", "json", "--done-file", done, "--to", "P@127.0.0.1:\(second.port)"] + paths)
        #expect(rest.status == 0, "\(rest.stderr)")
        let items = try Self.records(rest.stdout).filter { $0["type"] as? String == "item" }
        #expect(items.filter { $0["skipped"] as? Bool == true }.count == 3)
        #expect(items.filter { $0["sent"] as? Bool == true }.count == 3)
        #expect(second.received().count == 3)
        #expect(try String(contentsOfFile: done, encoding: .utf8).split(separator: "\n").count == 6)
    }

    @Test func retryCarriesOnWhenThePeerComesBack() async throws {
        let (dir, paths) = try Self.distinctInstances(4)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await PeerProcess("/usr/bin/env") { port, d in
            ["python3", Self.scp, String(port), d + "/out", "--stop-after", "2"]
        }
        defer { first.stop(); first.remove() }
        let port = first.port
        async let run = Self.send(["--retry", "4", "--dimse-timeout", "20", "--format", "json", "--to", "P@127.0.0.1:\(port)"] + paths)
        // The peer ends after two instances; start it again on the same port.
        while first.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
        let again = try await PeerProcess("/usr/bin/env", port: port) { port, d in ["python3", Self.scp, String(port), d + "/out"] }
        defer { again.stop(); again.remove() }
        let result = try await run
        #expect(result.status == 0, "\(result.stderr)")
        let items = try Self.records(result.stdout).filter { $0["type"] as? String == "item" }
        #expect(items.count == 4 && items.allSatisfy { $0["sent"] as? Bool == true })
        #expect(items.contains { ($0["attempts"] as? Int ?? 0) > 1 })
        #expect(first.received().count + again.received().count == 4)
    }

    /// The receivers of the interop matrix other than storescp: each file arrives with the data
    /// set bytes it was sent with (as is, or converted to what the peer took).
    @Test func dcmrecvAndPynetdicomStorescpReceiveTheBytes() async throws {
        let peers: [(String, String, (Int, String) -> [String])] = [
            ("dcmrecv", "/usr/bin/dcmrecv", { port, d in ["-aet", "RECV", "-xf", "/etc/dcmtk/storescp.cfg", "AllDICOM", "-od", d + "/out", "+fu", "+B", String(port)] }),
            ("pynetdicom", "/usr/bin/env", { port, d in ["python3", "-m", "pynetdicom", "storescp", String(port), "-od", d + "/out", "-ba", "127.0.0.1"] }),
        ]
        for (name, executable, arguments) in peers {
            let peer = try await PeerProcess(executable, arguments)
            defer { peer.stop(); peer.remove() }
            for source in Self.matrix {
                let before = Set(peer.received())
                let r = try await Self.send(["--format", "json", "--to", "RECV@127.0.0.1:\(peer.port)", source])
                #expect(r.status == 0, "\(name) \(source): \(r.stderr)")
                let item = try #require(try Self.records(r.stdout).first { $0["type"] as? String == "item" })
                let received = try #require(Set(peer.received()).subtracting(before).first, "\(name): nothing received for \(source)")
                if item["conversion"] as? String == "none" {
                    let (status, text) = try await Self.python([Self.sameBytes, source, received.path])
                    #expect(status == 0, "\(name) \(source): \(text)")
                } else {
                    #expect(item["conversion"] as? String == "lossless", "\(name) \(source)")
                }
            }
        }
    }

    @Test func orthancStoresWhatWasSent() async throws {
        let httpPort = try PeerProcess.freePort()
        let orthanc = try await PeerProcess("/usr/sbin/Orthanc") { port, d in
            let config = """
            { "Name": "send-test", "StorageDirectory": "\(d)/db", "IndexDirectory": "\(d)/db",
              "HttpPort": \(httpPort), "DicomPort": \(port), "DicomAet": "ORTHANC",
              "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "UnknownSopClassAccepted": true, "DicomCheckCalledAet": false }
            """
            try? config.write(toFile: d + "/cfg.json", atomically: true, encoding: .utf8)
            return ["--logdir=\(d)", d + "/cfg.json"]
        }
        defer { orthanc.stop(); orthanc.remove() }
        let r = try await Self.send(["--format", "json", "--to", "ORTHANC@127.0.0.1:\(orthanc.port)"] + Self.matrix)
        #expect(r.status == 0, "\(r.stderr)")
        // curl: URLSession is in FoundationNetworking, which the tests do not link.
        func get(_ path: String) async throws -> Data {
            try await Self.offPool {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                p.arguments = ["-sf", "http://127.0.0.1:\(httpPort)\(path)"]
                let pipe = Pipe()
                p.standardOutput = pipe
                try p.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                return data
            }
        }
        let items = try Self.records(r.stdout).filter { $0["type"] as? String == "item" }
        let instances = Set(items.compactMap { $0["sopInstanceUID"] as? String })
        let stats = try #require(try JSONSerialization.jsonObject(with: try await get("/statistics")) as? [String: Any])
        #expect(stats["CountInstances"] as? Int == instances.count)
        let ids = try #require(try JSONSerialization.jsonObject(with: try await get("/instances")) as? [String])
        var matched = 0
        for id in ids {
            let stored = try await get("/instances/\(id)/file")
            let path = orthanc.directory.appendingPathComponent("\(id).dcm").path
            try stored.write(to: URL(fileURLWithPath: path))
            for (source, item) in zip(Self.matrix, items) where item["conversion"] as? String == "none" {
                // Orthanc 1.10 stores through DCMTK without bit preservation (sequence lengths,
                // padding change): the same elements and values is what can be checked.
                if try await Self.python([Self.sameBytes, "--values", source, path]).0 == 0 { matched += 1 }
            }
        }
        // Every stored instance holds the elements and values of one that was sent as it is.
        #expect(matched == ids.count, "Orthanc changed data set values")
    }
}
