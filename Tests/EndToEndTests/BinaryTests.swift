import DicomTestSupport
import Foundation
import Testing

/// Runs the built `dicomtool` binary.
enum Tool {
    struct Result { var status: Int32; var stdout: String; var stderr: String; var stdoutBytes: Data }

    static func run(_ args: [String], stdin: Data? = nil) throws -> Result {
        let p = Process()
        p.executableURL = CorpusIndex.binary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try p.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a large stdout cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let errThread = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while errThread.isExecuting || !errThread.isFinished { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: outData)
    }
}

extension Tool {
    /// Runs a script of Tests/EndToEndTests/Scripts with python3: (status, stdout, plus stderr
    /// when `withStandardError`). The scripts are the independent checks against the peers.
    static func script(_ name: String, _ args: [String], withStandardError: Bool = false) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CorpusIndex.packageRoot.appendingPathComponent("Tests/EndToEndTests/Scripts/\(name)").path] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = withStandardError ? out : FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}

@Suite struct BinaryTests {
    @Test func binaryExistsAndRuns() throws {
        #expect(FileManager.default.isExecutableFile(atPath: CorpusIndex.binary.path))
    }
}
