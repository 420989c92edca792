import Foundation
import Testing

/// Threads of their own for the network tests' async code.
///
/// Swift Testing runs every test on the cooperative pool, one thread per core: two on CI. The
/// end-to-end tests block their thread while a child process runs (minutes for the corpus sweeps),
/// so an async network test could wait minutes between two steps. Its peer does not wait: an
/// acceptor's 30 s ARTIM closed the connection between our connect and our A-ASSOCIATE-RQ, and
/// the requestor failed with "I/O on closed channel" (CI, AcceptorInteropTests, one run in six;
/// the suite's async tests reported 330 s for work of milliseconds). With `.dedicatedThreads` a
/// suite's tests, their child tasks and what they start with `Task(executorPreference:)` run
/// here, whatever the rest of the suite is doing.
public final class DedicatedThreads: TaskExecutor, @unchecked Sendable {
    /// Shared by every network suite: most of their time is spent waiting, and blocking calls go
    /// to threads of their own (offPool), so a few threads suffice.
    public static let shared = DedicatedThreads(count: 4)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [self] in work() }
            thread.name = "network-tests-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func work() {
        while true {
            let job = condition.withLock {
                while jobs.isEmpty { condition.wait() }
                return jobs.removeFirst()
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// `@Suite(.dedicatedThreads)`: the suite's tests run on `DedicatedThreads.shared`.
public struct DedicatedThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(DedicatedThreads.shared) { try await function() }
    }
}

extension Trait where Self == DedicatedThreadsTrait {
    public static var dedicatedThreads: Self { DedicatedThreadsTrait() }
}
