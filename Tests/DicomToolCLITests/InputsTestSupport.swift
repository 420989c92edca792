import Foundation
@testable import DicomToolCLI

/// A temp directory removed on deinit.
final class InputsTempDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "dicomtool-inputs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates `relative` (and its parents) with some bytes; returns its full path.
    @discardableResult
    func file(_ relative: String, _ contents: String = "x") throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Collects lines written from any thread.
final class InputsLineSink: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [String] = []

    func write(_ text: String) { lock.withLock { chunks.append(text) } }
    var text: String { lock.withLock { chunks.joined() } }
    var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// A counter shared with workers.
final class InputsCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    private var maximum = 0

    func add(_ amount: Int = 1) { lock.withLock { value += amount } }
    var current: Int { lock.withLock { value } }
    func noteMaximum(_ candidate: Int) { lock.withLock { maximum = max(maximum, candidate) } }
    var highest: Int { lock.withLock { maximum } }
}
