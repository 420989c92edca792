import DicomTestSupport
import Foundation
import Testing

/// The query peers of the find tests, each started on free loopback ports with the fixtures
/// loaded, and the comparison with dcmtk's findscu through one reader (find_responses.py).
enum QueryPeers {
    static let orthanc = "/usr/sbin/Orthanc"
    static let dcmqrscp = "/usr/bin/dcmqrscp"
    static let findscu = "/usr/bin/findscu"
    static let wlmscpfs = "/usr/bin/wlmscpfs"

    /// Instances from several patients, studies, dates and modalities (the corpus subset).
    static let fixtures = ["native/MR_small.dcm", "native/SC_rgb_small_odd.dcm", "native/liver_1frame.dcm",
                           "rle/SC_rgb_rle_16bit_2frame.dcm", "jpeg/baseline/SC_rgb_dcmtk_+eb+cy+s2.dcm"]
        .map { CorpusIndex.fixtures.appendingPathComponent($0).path }

    /// A blocking child on a thread of its own, so the cooperative pool stays free.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread { c.resume(with: Result { try body() }) }
        }
    }

    static func run(_ executable: String, _ args: [String], directory: String? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Orthanc holding `files` (loaded through its REST API), answering C-FIND and C-GET.
    static func startOrthanc(_ files: [String]) async throws -> PeerProcess {
        try await startOrthancWithHTTP(files).peer
    }

    /// Orthanc and its REST port; it moves to DICOMTOOL at `movePort` (C-MOVE to the caller).
    static func startOrthancWithHTTP(_ files: [String], movePort: Int = 1) async throws -> (peer: PeerProcess, http: Int) {
        #expect(FileManager.default.isExecutableFile(atPath: orthanc), "Orthanc is missing: run scripts/setup")
        let httpPort = try PeerProcess.freePort()
        let peer = try await PeerProcess(orthanc) { port, d in
            let config = """
            { "Name": "find-test", "StorageDirectory": "\(d)/db", "IndexDirectory": "\(d)/db",
              "HttpPort": \(httpPort), "DicomPort": \(port), "DicomAet": "ORTHANC",
              "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
              "UnknownSopClassAccepted": true, "DicomCheckCalledAet": false,
              "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true,
              "DicomModalities": { "dt": [ "DICOMTOOL", "127.0.0.1", \(movePort) ] } }
            """
            try? config.write(toFile: d + "/cfg.json", atomically: true, encoding: .utf8)
            return ["--logdir=\(d)", d + "/cfg.json"]
        }
        for file in files {
            let r = try await offPool {
                try run("/usr/bin/curl", ["-sf", "-X", "POST", "--data-binary", "@" + file, "http://127.0.0.1:\(httpPort)/instances"])
            }
            guard r.status == 0 else {
                peer.stop()
                throw QueryPeerError("Orthanc refused \(file): \(r.output)")
            }
        }
        return (peer, httpPort)
    }

    /// dcmtk's dcmqrscp over a database of `files` indexed with dcmqridx (AE title QRSCP).
    static func startDcmqrscp(_ files: [String]) async throws -> PeerProcess {
        try await PeerProcess(dcmqrscp) { port, d in
            let db = d + "/db"
            try? FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
            var copies: [String] = []
            for (i, file) in files.enumerated() {
                let copy = db + "/f\(i).dcm"
                try? FileManager.default.copyItem(atPath: file, toPath: copy)
                copies.append(copy)
            }
            _ = try? run("/usr/bin/dcmqridx", [db] + copies)
            let config = """
            NetworkTCPPort  = \(port)
            MaxPDUSize      = 16384
            MaxAssociations = 16
            HostTable BEGIN
            HostTable END
            VendorTable BEGIN
            VendorTable END
            AETable BEGIN
            QRSCP  \(db)  RO  (200, 1024mb)  ANY
            AETable END
            """
            try? config.write(toFile: d + "/qr.cfg", atomically: true, encoding: .utf8)
            return ["-c", d + "/qr.cfg"]
        }
    }

    /// pynetdicom 3's qrscp app (`python3 -m pynetdicom qrscp`, AE title PYQR) with a generated
    /// configuration: its SQLite database and instance folder in the peer's directory, listening
    /// on loopback only, a move destination per entry of `destinations` (AE title: port), and
    /// `files` loaded through its Storage SCP with `dicomtool send`. It stores each instance as
    /// `instances/<SOP Instance UID>` (what it holds, for the retrieve tests).
    static func startPynetdicomQR(_ files: [String], destinations: [String: Int] = [:]) async throws -> PeerProcess {
        let apps = try await offPool { try run("/usr/bin/env", ["python3", "-c", "import pynetdicom, sqlalchemy"]) }
        guard apps.status == 0 else {
            throw QueryPeerError("pynetdicom's qrscp needs pynetdicom and sqlalchemy (its [apps] extra): run scripts/setup (\(apps.output))")
        }
        let peer = try await PeerProcess("/usr/bin/env") { port, d in
            var config = """
            [DEFAULT]
                ae_title: PYQR
                port: \(port)
                max_pdu: 16382
                acse_timeout: 30
                dimse_timeout: 30
                network_timeout: 30
                bind_address: 127.0.0.1
                instance_location: \(d)/instances
                database_location: \(d)/instances.sqlite
                log_identifier: False

            """
            for (aet, port) in destinations.sorted(by: { $0.key < $1.key }) {
                config += "[\(aet)]\n    address: 127.0.0.1\n    port: \(port)\n"
            }
            try? config.write(toFile: d + "/qrscp.ini", atomically: true, encoding: .utf8)
            return ["python3", "-m", "pynetdicom", "qrscp", "-c", d + "/qrscp.ini"]
        }
        guard !files.isEmpty else { return peer }
        let sent = try await offPool { try Tool.run(["send", "--to", "PYQR@127.0.0.1:\(peer.port)"] + files) }
        guard sent.status == 0 else {
            peer.stop()
            throw QueryPeerError("pynetdicom's qrscp refused some of \(files): \(sent.stderr)")
        }
        return peer
    }

    /// Worklist entries of our own (dump2dcm text): three procedure steps, two CT and one MR, on
    /// two dates and two stations.
    static let worklistEntries: [(String, String, String, String, String)] = [
        ("Doe^Jane", "PID001", "CT", "CTSCANNER", "20240115"),
        ("Roe^Richard", "PID002", "CT", "CTSCANNER", "20240116"),
        ("Poe^Edgar", "PID003", "MR", "MRSCANNER", "20240115"),
    ]

    /// wlmscpfs answering for AE title WORKLIST from files written with dump2dcm.
    static func startWlmscpfs() async throws -> PeerProcess {
        try await PeerProcess(wlmscpfs) { port, d in
            let folder = d + "/wl/WORKLIST"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: folder + "/lockfile", contents: Data())
            for (i, entry) in worklistEntries.enumerated() {
                let dump = """
                (0008,0005) CS [ISO_IR 100]
                (0008,0050) SH [ACC00\(i)]
                (0010,0010) PN [\(entry.0)]
                (0010,0020) LO [\(entry.1)]
                (0020,000d) UI [1.2.826.0.1.3680043.9.7433.1.\(i + 1)]
                (0032,1060) LO [Procedure \(i)]
                (0040,0100) SQ (Sequence with undefined length #=1)
                  (fffe,e000) na (Item with undefined length #=6)
                    (0008,0060) CS [\(entry.2)]
                    (0040,0001) AE [\(entry.3)]
                    (0040,0002) DA [\(entry.4)]
                    (0040,0003) TM [093000]
                    (0040,0007) LO [Step \(i)]
                    (0040,0009) SH [SPS00\(i)]
                  (fffe,e00d) na (ItemDelimitationItem)
                (fffe,e0dd) na (SequenceDelimitationItem)
                (0040,1001) SH [RP00\(i)]
                """
                try? dump.write(toFile: d + "/wl\(i).dump", atomically: true, encoding: .utf8)
                _ = try? run("/usr/bin/dump2dcm", [d + "/wl\(i).dump", folder + "/wl\(i).wl"])
            }
            return ["-dfp", d + "/wl", "\(port)"]
        }
    }

    /// findscu's matches for `keys` (dcmtk -k syntax), read as rows of `paths`.
    static func findscu(_ modelFlag: String, aet: String, port: Int, keys: [String], paths: [String]) async throws -> String {
        try await offPool {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("findscu-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try run(findscu, [modelFlag, "-aet", "DICOMTOOL", "-aec", aet, "-X", "-od", dir, "127.0.0.1", "\(port)"] + keys.flatMap { ["-k", $0] })
            guard r.status == 0 else { throw QueryPeerError("findscu failed: \(r.output)") }
            return try rows("--dir", dir, paths)
        }
    }

    /// dicomtool find's matches (JSON Lines) read as rows of `paths`.
    static func dicomtoolRows(_ stdout: String, paths: [String]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("find-\(UUID().uuidString).jsonl").path
        try stdout.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try rows("--jsonl", file, paths)
    }

    static func rows(_ mode: String, _ source: String, _ paths: [String]) throws -> String {
        let r = try Tool.script("find_responses.py", [mode, source] + paths, withStandardError: true)
        guard r.status == 0 else { throw QueryPeerError("find_responses.py: \(r.text)") }
        return r.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func find(_ args: [String]) async throws -> Tool.Result {
        try await offPool { try Tool.run(["find"] + args) }
    }

    static func records(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

struct QueryPeerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
