import DicomCore
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a run over inputs.
public struct RunSummary: Sendable {
    /// Inputs in the run (after `--shard`).
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    /// Inputs not reported: never started (after `--fail-fast` stopped or SIGINT), or finished
    /// by a worker running ahead after the first failure under `--fail-fast`.
    public var skipped: Int
    /// Files of directory walks left out because they are not DICOM (not in `total`).
    public var notDicom: Int = 0
    /// Inputs left out because their attributes do not match `--where` (in `total`, not in
    /// `succeeded`, `failed` or `skipped`).
    public var notMatching: Int = 0
    /// The first failure in input order (its `file` is the input's display name).
    public var firstFailure: DicomError?
    /// Whether SIGINT stopped the run.
    public var interrupted: Bool
    /// `.interrupted` after SIGINT, else the first failure's status in input order, else `.ok`.
    public var exitStatus: ExitStatus
    /// Wall-clock seconds.
    public var elapsed: Double
    /// Inputs read whose report has findings (validate); nil for commands without findings.
    public var withFindings: Int?

    public init(total: Int, succeeded: Int, failed: Int, skipped: Int, firstFailure: DicomError?,
                interrupted: Bool, elapsed: Double) {
        self.total = total
        self.succeeded = succeeded
        self.failed = failed
        self.skipped = skipped
        self.firstFailure = firstFailure
        self.interrupted = interrupted
        self.exitStatus = interrupted ? .interrupted : (firstFailure?.code.exitStatus ?? .ok)
        self.elapsed = elapsed
    }
}

extension InputWalker {
    /// Whether SIGINT was received. Writers check it to remove their temp files; `run` checks it
    /// before starting each input.
    public static var interrupted: Bool { InputInterruption.shared.isSet }

    /// Installs the SIGINT handler (idempotent; `run` does it). The first SIGINT sets
    /// `interrupted`: no new input starts, in-flight ones finish, the run ends with status 130.
    /// A second SIGINT ends the process at once.
    public static func installInterruptHandler() { InputInterruption.shared.install() }

    /// Runs `work` over `items` with `jobs` workers (`jobs <= 1` runs inline on the calling
    /// thread) and hands each result to `emit`, on the calling thread, strictly in input order,
    /// so a command's stdout is in input order and never interleaved, whatever `jobs` is.
    /// Workers run ahead of `emit` by at most `aheadPerWorker * jobs` inputs, so memory stays
    /// bounded by that many results. Commands whose results are short summaries (anonymize,
    /// transcode, derive, validate) pass a large value: with a small one, a worker on one large file
    /// soon stops the others, which wait for its result to be emitted (2 workers over the
    /// 1,500-file anonymize bench tree, whose 54 files over 1 MB sit among small ones: 0.24 s with
    /// 2, 0.20 s with 32). Commands whose results hold their output (dump) keep 2.
    ///
    /// Failures do not stop the run unless `failFast`: then no input after the first failure
    /// (in input order) is started or reported. Errors reaching `emit` carry the input's
    /// display name in `file`. With a `reporter`, the run also draws progress, prints one
    /// diagnostic per failure (in input order) and the summary line.
    ///
    /// With a `selection` (`--where`), each input's header is read first, on the worker: one that
    /// does not match is not given to `work` nor to `emit`; it counts as not matching, the reporter
    /// writes its `skipped` record (JSON Lines), and `notMatching` sees it in input order.
    public static func run<R: Sendable>(
        _ items: [InputItem], jobs: Int, failFast: Bool, reporter: Reporter? = nil, aheadPerWorker: Int = 2,
        selection: InputSelection? = nil,
        work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
        emit: (InputItem, Result<R, DicomError>) -> Void,
        notMatching: (InputItem) -> Void = { _ in }
    ) -> RunSummary {
        run(items, jobs: jobs, failFast: failFast, reporter: reporter, aheadPerWorker: aheadPerWorker, preFailed: [:],
            interruption: InputInterruption.shared, selection: selection, work: work, emit: emit, notMatching: notMatching)
    }

    static func run<R: Sendable>(
        _ items: [InputItem], jobs: Int, failFast: Bool, reporter: Reporter?, aheadPerWorker: Int = 2,
        preFailed: [Int: DicomError], notDicom: Int = 0, interruption: InputInterruption,
        selection: InputSelection? = nil,
        deferred: (InputItem) -> Bool = { _ in false },
        work: @escaping @Sendable (InputItem) throws(DicomError) -> R,
        emit: (InputItem, Result<R, DicomError>) -> Void,
        notMatching: (InputItem) -> Void = { _ in },
        beforeFinish: ((inout RunSummary) -> Void)? = nil
    ) -> RunSummary {
        if interruption === InputInterruption.shared { interruption.install() }
        let start = ContinuousClock.now
        reporter?.begin(total: items.count)

        // Deferred inputs (a DICOMDIR, whose records follow what became of the other files) run
        // after every other input has been emitted: two phases of the same ordered run.
        var first: [Int] = [], later: [Int] = []
        for index in items.indices {
            if deferred(items[index]) { later.append(index) } else { first.append(index) }
        }

        // `.success(nil)`: the input does not match --where (its work never ran).
        @Sendable func perform(_ index: Int) -> Result<R?, DicomError> {
            let item = items[index]
            if let failure = preFailed[index] { return .failure(failure.inFile(item.displayName)) }
            do throws(DicomError) {
                if let selection, try !selection.selects(item) { return .success(nil) }
                return .success(try work(item))
            } catch {
                return .failure(error.inFile(item.displayName))
            }
        }

        var succeeded = 0, failed = 0, unmatched = 0
        var firstFailure: DicomError?
        var stoppedByFailure = false
        func deliver(_ index: Int, _ outcome: Result<R?, DicomError>) {
            let result: Result<R, DicomError>
            switch outcome {
            case .success(nil):
                unmatched += 1
                reporter?.notMatching(items[index])
                notMatching(items[index])
                reporter?.finished(items[index], error: nil)
                return
            case .success(let value?): result = .success(value)
            case .failure(let error): result = .failure(error)
            }
            emit(items[index], result)
            switch result {
            case .success: succeeded += 1
            case .failure(let error):
                failed += 1
                if firstFailure == nil { firstFailure = error }
                if failFast { stoppedByFailure = true }
            }
            reporter?.finished(items[index], error: result.inputFailure)
        }

        for indices in [first, later] where !indices.isEmpty {
            if interruption.isSet || stoppedByFailure { break }
            let workers = min(max(jobs, 1), indices.count)
            if workers <= 1 {
                for index in indices {
                    if interruption.isSet || stoppedByFailure { break }
                    deliver(index, perform(index))
                }
            } else {
                let state = OrderedRunState<R?>(count: indices.count, window: max(aheadPerWorker, 1) * workers, workers: workers,
                                               failFast: failFast, interruption: interruption)
                let performAt: @Sendable (Int) -> Result<R?, DicomError> = { perform(indices[$0]) }
                for _ in 0..<workers {
                    // A deep but bounded stack for sequence nesting. Without a thread the worker's
                    // share runs on Dispatch's pool, whose smaller stacks still hold normal files.
                    if !startDetachedThread(stackSize: 8 << 20, { state.workerLoop(performAt) }) {
                        DispatchQueue.global().async { state.workerLoop(performAt) }
                    }
                }
                state.emitInOrder { deliver(indices[$0], $1) }
            }
        }

        let elapsed = start.duration(to: .now)
        var summary = RunSummary(
            total: items.count, succeeded: succeeded, failed: failed,
            skipped: items.count - succeeded - failed - unmatched, firstFailure: firstFailure,
            interrupted: interruption.isSet,
            elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        summary.notDicom = notDicom
        summary.notMatching = unmatched
        // A command completes the summary after the last input (validate: cross-file findings).
        beforeFinish?(&summary)
        reporter?.finish(summary)
        return summary
    }
}

extension Result {
    /// The error of a failed result (file-private: other files may extend Result too).
    fileprivate var inputFailure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Shared state of a parallel run: workers take indices in order, the calling thread emits
/// results in order. One condition variable guards everything.
final class OrderedRunState<R: Sendable>: @unchecked Sendable {
    private let condition = Condition()
    private let count: Int
    private let window: Int
    private let failFast: Bool
    private let interruption: InputInterruption
    private var finished: [Int: Result<R, DicomError>] = [:]  // done, not yet emitted
    private var nextToStart = 0
    private var nextToEmit = 0
    /// Fail-fast: the earliest failing index seen; nothing after it starts.
    private var earliestFailure = Int.max
    private var stopped = false
    private var workersAlive: Int
    /// Workers blocked because they ran `window` inputs ahead; wakes are skipped when none are.
    private var workersWaitingForWindow = 0

    init(count: Int, window: Int, workers: Int, failFast: Bool, interruption: InputInterruption) {
        self.count = count
        self.window = window
        self.failFast = failFast
        self.interruption = interruption
        self.workersAlive = workers
    }

    private var mayStartMore: Bool {
        !stopped && nextToStart < count && nextToStart <= earliestFailure && !interruption.isSet
    }

    func workerLoop(_ perform: (Int) -> Result<R, DicomError>) {
        while true {
            condition.lock()
            while mayStartMore && nextToStart - nextToEmit >= window {
                workersWaitingForWindow += 1
                condition.wait()
                workersWaitingForWindow -= 1
            }
            guard mayStartMore else {
                workersAlive -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let index = nextToStart
            nextToStart += 1
            condition.unlock()

            let result = perform(index)

            condition.lock()
            finished[index] = result
            if failFast, result.inputFailure != nil { earliestFailure = min(earliestFailure, index) }
            // The emitter waits only for `nextToEmit`; other results wake nobody.
            if index == nextToEmit { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Called on the run's thread: hands results to `deliver` in index order, then waits for
    /// every worker to end (in-flight work finishes before `run` returns).
    func emitInOrder(_ deliver: (Int, Result<R, DicomError>) -> Void) {
        condition.lock()
        while nextToEmit < count {
            while finished[nextToEmit] == nil && workersAlive > 0 { condition.wait() }
            guard let result = finished.removeValue(forKey: nextToEmit) else { break }
            condition.unlock()
            deliver(nextToEmit, result)
            condition.lock()
            nextToEmit += 1
            if failFast, result.inputFailure != nil { stopped = true }
            if stopped { break }
            if workersWaitingForWindow > 0 { condition.broadcast() }
        }
        stopped = true
        condition.broadcast()
        while workersAlive > 0 { condition.wait() }
        finished.removeAll()
        condition.unlock()
    }
}

/// The SIGINT flag. A Dispatch signal source sets it from an ordinary queue (not from signal
/// context), so a lock is safe here.
final class InputInterruption: @unchecked Sendable {
    static let shared = InputInterruption()

    private let lock = Lock()
    private var signals = 0
    private var source: DispatchSourceSignal?

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return signals > 0
    }

    func set() {
        lock.lock()
        signals += 1
        let count = signals
        lock.unlock()
        if count >= 2 && self === InputInterruption.shared {
            // Second Ctrl-C: the user means it. Default action, status 130 from the shell.
            signal(SIGINT, SIG_DFL)
            raise(SIGINT)
        }
    }

    func install() {
        lock.lock()
        defer { lock.unlock() }
        guard source == nil else { return }
        // Dispatch delivers the signal only when the default action is ignored.
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.set() }
        source.resume()
        self.source = source
    }
}
