import Foundation

/// A network peer (dcmtk, pynetdicom, Orthanc) started by a test on a free loopback port and
/// killed afterwards (SIGKILL: a child of the test runner inherits its blocked signals).
public final class PeerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    let process: Process

    /// A port nothing listens on right now: bound with port 0, read back, closed.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw PeerError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

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
