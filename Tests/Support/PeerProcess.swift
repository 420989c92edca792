import Foundation

/// A network peer (dcmtk, pynetdicom, Orthanc) started by a test on a free loopback port and
/// killed afterwards (SIGKILL: a child of the test runner inherits its blocked signals).
public final class PeerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    let process: Process

    public static func freePort() throws -> Int { try Loopback.freePort() }

    public static func accepts(port: Int) -> Bool { Loopback.accepts(port: port) }

    public struct PeerError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// Starts `executable arguments(port, directory)` with `environment` added, and waits until it
    /// listens (30 s at most). `port` and `directory` may be given to restart a peer in place.
    public init(_ executable: String, environment: [String: String] = [:], port: Int? = nil, directory: URL? = nil,
                _ arguments: (Int, String) -> [String]) async throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw PeerError("\(executable) is missing: run scripts/setup")
        }
        self.port = try port ?? Self.freePort()
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(self.port)-\(UUID().uuidString)")
        // Peers write into `out` (storescp exits when its output directory is missing).
        try FileManager.default.createDirectory(at: self.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(self.port, self.directory.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = self.directory.appendingPathComponent("peer.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var waited = 0
        while !Self.accepts(port: self.port) {
            guard process.isRunning, waited < 600 else {
                stop()
                throw PeerError("\(executable) \(process.arguments ?? []) did not listen on port \(self.port) within 30 s")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
            waited += 1
        }
    }

    public var isRunning: Bool { process.isRunning }

    /// Kills the peer (its directory stays until `remove`).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Files the peer wrote (its log left out), sorted by name.
    public func received(under sub: String = "out") -> [URL] {
        let dir = directory.appendingPathComponent(sub)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".part") }.sorted().map { dir.appendingPathComponent($0) }
    }
}
