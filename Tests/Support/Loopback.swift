import Foundation

/// TCP on 127.0.0.1 for the tests: free ports, connections, raw sockets.
public enum Loopback {
    static func address(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        return addr
    }

    /// A port nothing listens on right now: bound with port 0, read back, closed.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = address(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw PeerProcess.PeerError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A socket listening on 127.0.0.1 on a port the system chose (a backlog of 4): its
    /// descriptor, which the caller closes, and the port.
    public static func listen() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = address(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        } && Glibc.listen(fd, 4) == 0
        guard listening else {
            close(fd)
            throw PeerProcess.PeerError("cannot listen on loopback")
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Connects the TCP socket `fd` to 127.0.0.1:`port`; true when the connection is made.
    public static func connect(_ fd: Int32, port: Int) -> Bool {
        var addr = address(port: port)
        return withUnsafePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Whether something listens on `port`.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return connect(fd, port: port)
    }
}
