import DicomTestSupport
import Foundation
import Testing

/// `dicomtool receive` against hostile peers (Scripts/receive_hostile_peer.py, raw sockets): each
/// protocol violation gets the A-ABORT or A-ASSOCIATE-RJ PS3.8 names for it (checked in the bytes
/// the peer receives), stalls end with the ARTIM or DIMSE time-out, connections left idle are
/// closed, and a well-behaved peer is served after (and during) each. Short timers via
/// --acse-timeout and --dimse-timeout keep the suite fast; peak memory (VmHWM) stays bounded.
struct ReceiveHostileTests {
    /// Peak resident memory a receiver may reach in these tests (a debug build idles at ~30 MB).
    static let peakLimitKiB = 256 * 1024

    static func hostile(_ port: Int, _ mode: String, _ argument: String? = nil) throws -> [String] {
        let r = try ReceivePeers.run("/usr/bin/env", ["python3", ReceivePeers.script("receive_hostile_peer.py"), String(port), mode]
                                     + (argument.map { [$0] } ?? []))
        return r.output.split(separator: "\n").map(String.init)
    }

    /// The peer's lines, started now and read when it ends.
    static func hostileInBackground(_ port: Int, _ mode: String, _ argument: String) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", ReceivePeers.script("receive_hostile_peer.py"), String(port), mode, argument]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    static func lines(_ running: (Process, Pipe)) -> [String] {
        let data = running.1.fileHandleForReading.readDataToEndOfFile()
        running.0.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A field of /proc/PID/status in KiB (VmHWM: peak resident set).
    static func status(_ pid: Int32, _ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// A well-behaved store still works, the receiver still runs, and its peak memory is bounded.
    /// `outOfResources`: A700 (Out of Resources) is a right answer too, when the receiver has no
    /// descriptor left for the instance's file.
    static func stillServing(_ receiver: Receiver, _ what: String, outOfResources: Bool = false) throws {
        let source = try #require(try ReceivePeers.generate(1).first)
        let answer = try ReceivePeers.rawPeer(receiver.port, "store", source.path)
        #expect(answer.first == "status 0000" || (outOfResources && answer.first == "status a700"), "after \(what): \(answer)")
        if !receiver.process.isRunning {
            Issue.record("receive exited (status \(receiver.process.terminationStatus)) after \(what): \(receiver.stderr) \(receiver.events("error"))")
        }
        let peak = status(receiver.process.processIdentifier, "VmHWM") ?? -1
        print("receive peak RSS after \(what): \(peak) KiB")
        #expect(peak > 0 && peak < peakLimitKiB, "after \(what): VmHWM \(peak) KiB")
    }

    /// Protocol violations after (or instead of) an association, and what PS3.8 has the acceptor answer:
    /// A-ABORT source 2 (service provider) with reason 1 (unrecognized PDU), 2 (unexpected PDU),
    /// 5 (unexpected PDU parameter) or 6 (invalid PDU parameter value), Table 9-26.
    @Test(arguments: [
        ("huge-pdu", ["abort 2 6"]),           // a length past any maximum: refused from the header alone
        ("past-max", ["maximum 262144", "abort 2 6"]),  // one byte past the Maximum Length we announced
        ("pdv-past-pdu", ["abort 2 6"]),       // a PDV item longer than its PDU
        ("item-past-pdu", ["abort 2 6"]),      // an A-ASSOCIATE-RQ item longer than its PDU (Sta2: AA-1)
        ("unknown-pdu", ["abort 2 1"]),        // PDU type 09
        ("unknown-first", ["abort 2 1"]),      // PDU type 09 instead of the A-ASSOCIATE-RQ (Sta2: AA-1)
        ("bad-fixed-length", ["abort 2 6"]),   // A-RELEASE-RQ of length 8
        ("wrong-context", ["abort 2 5"]),      // P-DATA on presentation context 7, never proposed
        // A-RELEASE-RQ while the C-STORE data set is owed: PS3.8 lets the association be released
        // (AR-2); the instance is discarded, never stored (checked below).
        ("command-release", ["released"]),
        ("unknown-items", ["associated", "echo status 0000", "released"]),  // PS3.8 9.3.1: ignored
    ])
    func protocolViolationsGetTheAbortPS38Names(mode: String, expected: [String]) throws {
        let receiver = try Receiver(["--acse-timeout", "5", "--dimse-timeout", "5"])
        #expect(try Self.hostile(receiver.port, mode) == expected, "\(mode)")
        if mode == "command-release" {
            #expect(receiver.waitUntil(10) { receiver.events("discarded").first?["reason"] as? String == "released" }, "\(receiver.events)")
            #expect(receiver.files.isEmpty, "\(receiver.files)")
        }
        try Self.stillServing(receiver, mode)
    }

    /// A data set that never ends: fragments for 2 s, then silence. The DIMSE time-out aborts it,
    /// nothing is left on disk, and memory does not grow with what was sent (it streams to disk).
    @Test func endlessDataSetEndsAtTheDIMSETimeOut() throws {
        let receiver = try Receiver(["--acse-timeout", "5", "--dimse-timeout", "2"])
        let lines = try Self.hostile(receiver.port, "endless", "2")
        #expect(lines.count == 3 && lines[1] == "abort 0 0", "\(lines)")
        if lines.count == 3, let seconds = Double(lines[2].split(separator: " ")[1]) {
            #expect(seconds >= 1.5 && seconds < 6, "aborted after \(seconds) s, the DIMSE time-out is 2 s")
        }
        #expect(receiver.waitUntil(10) { receiver.events("discarded").count == 1 }, "\(receiver.events)")
        #expect(receiver.files.isEmpty, "\(receiver.files)")
        try Self.stillServing(receiver, "an endless data set (\(lines.first ?? ""))")
    }

    /// A byte a second: after association the DIMSE time-out aborts (a partial PDU does not rearm
    /// it); before, ARTIM closes the connection (Sta2, AA-2: no A-ABORT).
    @Test(arguments: [("trickle", "abort 0 0"), ("trickle-associate", "closed")])
    func aByteASecondEndsAtTheTimeOut(mode: String, expected: String) throws {
        let receiver = try Receiver(["--acse-timeout", "2", "--dimse-timeout", "2"])
        let lines = try Self.hostile(receiver.port, mode)
        #expect(lines.first == expected, "\(lines)")
        if lines.count == 2, let seconds = Double(lines[1].split(separator: " ")[1]) {
            #expect(seconds >= 1.5 && seconds < 6, "\(mode): ended after \(seconds) s, the time-out is 2 s")
        } else {
            Issue.record("\(mode): \(lines)")
        }
        try Self.stillServing(receiver, mode)
    }

    /// 200 connections opened and left silent: a store is served meanwhile, ARTIM closes them all,
    /// and the descriptors come back.
    @Test func idleConnectionsAreClosedByARTIMWhileOthersAreServed() throws {
        let receiver = try Receiver(["--acse-timeout", "3", "--dimse-timeout", "5"])
        let pid = receiver.process.processIdentifier
        let before = Self.openDescriptors(pid)
        let idle = try Self.hostileInBackground(receiver.port, "idle", "200")
        #expect(receiver.waitUntil(10) { Self.openDescriptors(pid) >= before + 100 }, "descriptors: \(Self.openDescriptors(pid))")
        try Self.stillServing(receiver, "200 idle connections (open)")
        let lines = Self.lines(idle)
        #expect(lines.first == "opened 200")
        #expect(lines.last?.hasPrefix("closed 200 of 200 after ") == true, "\(lines)")
        #expect(receiver.waitUntil(10) { Self.openDescriptors(pid) <= before + 2 }, "descriptors \(Self.openDescriptors(pid)), \(before) before")
        try Self.stillServing(receiver, "200 idle connections (closed)")
    }

    /// Out of descriptors (EMFILE at accept, under `prlimit --nofile=64`): the listener backs off
    /// and keeps accepting once descriptors come back, rather than ending receive (exit 60).
    @Test func runningOutOfDescriptorsDoesNotStopTheListener() throws {
        try ReceivePeers.requireExecutable("/usr/bin/prlimit", "prlimit (util-linux)")
        let receiver = try Receiver(["--acse-timeout", "2", "--dimse-timeout", "5"], launcher: ["/usr/bin/prlimit", "--nofile=64"])
        let idle = try Self.hostileInBackground(receiver.port, "idle", "100")
        try Self.stillServing(receiver, "100 idle connections with 64 descriptors", outOfResources: true)
        let lines = Self.lines(idle)
        #expect(lines.last?.hasPrefix("closed 100 of 100 after ") == true, "\(lines)")
        try Self.stillServing(receiver, "100 idle connections with 64 descriptors (closed)")
    }

    /// 100 A-ASSOCIATE-RQs at once against --max-associations 32: 32 accepted, the rest rejected
    /// transiently with "local limit exceeded" (result 2, source 3, reason 2: PS3.8 Table 9-21);
    /// all released, then a store is served.
    @Test func associateFloodIsRejectedPastTheLimit() throws {
        let receiver = try Receiver(["--acse-timeout", "5", "--dimse-timeout", "10", "--max-associations", "32"])
        let lines = try Self.hostile(receiver.port, "flood", "100")
        #expect(lines == ["accepted 32 rejected 68", "rejected 2 3 2: 68", "released 32"], "\(lines)")
        try Self.stillServing(receiver, "a flood of 100 A-ASSOCIATE-RQ")
    }
}
