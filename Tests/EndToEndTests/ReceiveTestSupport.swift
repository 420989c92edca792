import DicomTestSupport
import Foundation
import Testing

/// A `dicomtool receive` process on a free loopback port (--port 0, the port read from its
/// `listening` event), its JSON Lines events collected as they come. Killed if still running
/// when released.
final class Receiver: @unchecked Sendable {
    let process = Process()
    let directory: URL
    private let lock = NSLock()
    private var buffer = Data()
    private var lines: [String] = []
    private var stderrText = ""
    private(set) var port = 0

    /// `extra` after the common arguments; `output` defaults to a fresh temporary directory.
    init(_ extra: [String], output: URL? = nil, workingDirectory: URL? = nil, launcher: [String] = []) throws {
        directory = output ?? Receiver.temporaryDirectory("recv-out")
        let arguments = ["receive", "--port", "0", "--bind", "127.0.0.1", "--format", "json", "-o", directory.path] + extra
        if launcher.isEmpty {
            process.executableURL = CorpusIndex.binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: launcher[0])
            process.arguments = Array(launcher.dropFirst()) + [CorpusIndex.binary.path] + arguments
        }
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The readers hold the receiver weakly: a strong reference would keep it (and so its
        // process, killed only by deinit) alive until the process ended on its own, and receivers
        // without --once or --idle-timeout outlived the test run.
        Thread { [weak self] in
            while true {
                let chunk = out.fileHandleForReading.availableData
                guard !chunk.isEmpty, let self else { break }
                lock.withLock {
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: 0x0A) {
                        lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                        buffer.removeSubrange(buffer.startIndex...newline)
                    }
                }
            }
        }.start()
        Thread { [weak self] in
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard let self else { return }
            lock.withLock { stderrText = text }
        }.start()
        guard waitUntil(10, { !self.events("listening").isEmpty }), let p = events("listening").first?["port"] as? Int else {
            kill(process.processIdentifier, SIGKILL)
            throw ReceiverError.notListening(stderr)
        }
        port = p
    }

    enum ReceiverError: Error { case notListening(String) }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var stderr: String { lock.withLock { stderrText } }

    var events: [[String: Any]] {
        lock.withLock { lines }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func events(_ kind: String) -> [[String: Any]] { events.filter { $0["type"] as? String == kind } }

    /// Polls `condition` every 20 ms for up to `seconds`.
    @discardableResult
    func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// The exit status, or nil (and the process killed) after `seconds`.
    func exitStatus(within seconds: Double = 20) -> Int32? {
        guard waitUntil(seconds, { !process.isRunning }) else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Every file under the output directory, relative paths, temporary ones included.
    var files: [String] { Self.files(in: directory) }

    static func files(in directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var out: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory),
               !isDirectory.boolValue { out.append(path) }
        }
        return out.sorted()
    }

    /// One directory per test process for every input and output of these tests, removed when the
    /// process exits.
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-receive-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dicomtool-receive-tests-\(getpid())").path
            try? FileManager.default.removeItem(atPath: path)
        }
        return url
    }()

    static func temporaryDirectory(_ name: String) -> URL {
        let url = root.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Peers and helpers of the receive tests.
enum ReceivePeers {
    static let storescu = "/usr/bin/storescu"
    static let dcmsend = "/usr/bin/dcmsend"
    static let orthanc = "/usr/sbin/Orthanc"

    /// Runs a program to its end: (status, standard output and error).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    workingDirectory: URL? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let workingDirectory { p.currentDirectoryURL = workingDirectory }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func requireExecutable(_ path: String, _ what: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(what) is missing at \(path): run scripts/setup")
    }

    static func requirePynetdicom() throws {
        try #require(try run("/usr/bin/env", ["python3", "-c", "import pynetdicom, pydicom"]).status == 0,
                     "pynetdicom/pydicom missing for python3: run scripts/setup")
    }

    static func script(_ name: String) -> String {
        CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/\(name)").path
    }

    /// The raw-socket SCU (Scripts/receive_raw_peer.py) run to its end: its printed lines.
    static func rawPeer(_ port: Int, _ mode: String, _ file: String, calledAET: String = "DICOMTOOL") throws -> [String] {
        let r = try run("/usr/bin/env", ["python3", script("receive_raw_peer.py"), String(port), mode, file, calledAET])
        return r.output.split(separator: "\n").map(String.init)
    }

    /// Small CT-like files (Scripts/receive_fixtures.py) in a new directory.
    static func generate(_ count: Int, patientID: String = "RECV-01", studyUID: String? = nil, sopClass: String? = nil,
                         side: Int = 140) throws -> [URL] {
        let dir = Receiver.temporaryDirectory("recv-in")
        var args = ["python3", script("receive_fixtures.py"), dir.path, String(count), "--patient-id", patientID, "--side", String(side)]
        if let studyUID { args += ["--study-uid", studyUID] }
        if let sopClass { args += ["--sop-class", sopClass] }
        let r = try run("/usr/bin/env", args)
        try #require(r.status == 0, "receive_fixtures.py failed (pydicom and numpy needed): \(r.output)")
        return (0..<count).map { dir.appendingPathComponent(String(format: "ct%05d.dcm", $0)) }
    }

    /// One small CT-like file per Patient ID (hostile values welcome), file k in study `studyPrefix.k`.
    static func generate(patientIDs: [String], studyPrefix: String) throws -> [URL] {
        let dir = Receiver.temporaryDirectory("recv-in")
        let list = String(decoding: try JSONSerialization.data(withJSONObject: patientIDs), as: UTF8.self)
        let r = try run("/usr/bin/env", ["python3", script("receive_fixtures.py"), dir.path, "0", "--patient-ids", list,
                                         "--study-prefix", studyPrefix])
        try #require(r.status == 0, "receive_fixtures.py failed (pydicom and numpy needed): \(r.output)")
        return patientIDs.indices.map { dir.appendingPathComponent(String(format: "ct%05d.dcm", $0)) }
    }

    /// A Part 10 file's data set: the bytes after its meta header (whose group length says where it ends).
    static func dataSet(_ url: URL) throws -> Data {
        let bytes = try Data(contentsOf: url)
        try #require(bytes.count >= 144 && bytes[128..<132] == Data("DICM".utf8), "\(url.path) is not Part 10")
        try #require(bytes[132..<136] == Data([0x02, 0x00, 0x00, 0x00]), "\(url.path) has no (0002,0000) first")
        let length = bytes[140..<144].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return bytes.subdata(in: (144 + length)..<bytes.count)
    }

    static func corpus(_ relative: String) -> URL { CorpusIndex.fixtures.appendingPathComponent(relative) }
}
