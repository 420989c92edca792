import DicomCore
import DicomIO
import DicomNet
import DicomServices
import FoundationEssentials

/// `dicomtool send`: the common inputs to `StorageSCU`, its outcomes to the reporter (in input
/// order, whatever the number of associations), the done file, and the exit status.
public enum SendCommand {
    public static func run(_ args: SendArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "send")
        let walker: InputWalker
        do { walker = try InputWalker(global.inputOptions(command: "send")) } catch { return failure(error, reporter) }
        let doneFile: DoneFile?
        do { doneFile = try args.doneFile.map { path throws(DicomError) in try DoneFile(path: path) } } catch { return failure(error, reporter) }

        var storeItems: [StoreItem] = []
        var early: [Int: DicomError] = walker.expansionFailures
        // --where: the headers are read first (in parallel, as any command's runner does); a file
        // that does not match is never surveyed nor sent.
        var unmatched: Set<Int> = []
        if let selection = walker.options.selection {
            let candidates = walker.items.indices.filter { early[$0] == nil }
            var next = 0
            _ = InputWalker.run(candidates.map { walker.items[$0] }, jobs: walker.options.effectiveJobs, failFast: false,
                                aheadPerWorker: 32, work: { item throws(DicomError) -> Bool in try selection.selects(item) },
                                emit: { _, result in
                                    let index = candidates[next]
                                    next += 1
                                    switch result {
                                    case .success(true): break
                                    case .success(false): unmatched.insert(index)
                                    case .failure(let error): early[index] = error
                                    }
                                })
        }
        for (index, item) in walker.items.enumerated() where early[index] == nil && !unmatched.contains(index) {
            switch item {
            case .file(let path, _):
                var storeItem = StoreItem(index: index, name: path) { () throws(DicomError) -> DicomFile in
                    try Part10Reader.read(path: path)
                }
                storeItem.load = { () throws(DicomError) -> ByteSource in try ByteSource(contentsOfFile: path) }
                storeItems.append(storeItem)
            case .standardInput:
                do {
                    // Read once: the survey and the send both read it.
                    let source = try ByteSource.standardInput()
                    var storeItem = StoreItem(index: index, name: "-") { () throws(DicomError) -> DicomFile in
                        try Part10Reader.read(source: source)
                    }
                    storeItem.load = { () throws(DicomError) -> ByteSource in source }
                    storeItems.append(storeItem)
                } catch {
                    early[index] = error
                }
            }
        }

        var options = StorageSCUOptions()
        options.requestor = args.peer.requestorOptions
        if let warning = args.tls.noVerifyWarning { reporter.warning(warning) }
        if let settings = args.tls.active {
            // One context (certificate, key, trust roots) for every association of the run.
            do throws(NetError) {
                options.requestor.tls = try TLSContext.make(settings, role: .requestor)
            } catch {
                return failure(DicomError(.usage, error.message), reporter)  // make throws argument errors only
            }
        }
        options.requestor.operationsWindow = args.operationsWindow
        options.associations = args.associations
        options.allowLossy = args.allowLossy
        options.retries = args.retries
        // SIGINT: the instances in flight finish and the associations are released; the rest
        // is left for a rerun (with --done-file, exactly the rest).
        InputWalker.installInterruptHandler()
        options.shouldStop = { InputWalker.interrupted }

        let emitter = OrderedOutcomes(items: walker.items, reporter: reporter, json: global.format == .json,
                                      warningsAsErrors: args.warningsAsErrors, doneFile: doneFile)
        reporter.begin(total: walker.items.count)
        for (index, error) in early { emitter.add(index, .failure(error)) }
        for index in unmatched { emitter.addNotMatching(index) }
        let address = args.peer.address, frozenItems = storeItems, frozenOptions = options
        do {
            try NetworkRuntime.runBlocking {
                await StorageSCU.send(frozenItems, to: address, options: frozenOptions, skip: { candidate, name in
                    doneFile?.contains(sopInstanceUID: candidate.sopInstanceUID, path: name) ?? false
                }, report: { outcome in emitter.add(outcome.index, .success(outcome)) })
            }
        } catch {
            reporter.error(DicomError(.internalError, "\(error)"))
            return .internalError
        }
        let summary = emitter.summary(interrupted: InputWalker.interrupted)
        reporter.finish(summary)
        return summary.exitStatus
    }
}

/// Outcomes arrive from any association in any order; they are reported in input order as soon as
/// every earlier input's is in, so stdout and stderr read the same for any -j. The done file is
/// written at once (a run cut short keeps what was stored).
final class OrderedOutcomes: @unchecked Sendable {
    private let lock = Lock()
    private let items: [InputItem]
    private let reporter: Reporter
    private let json: Bool
    private let warningsAsErrors: Bool
    private let doneFile: DoneFile?
    private var waiting: [Int: Result<StoreOutcome, DicomError>] = [:]
    private var next = 0
    private var succeeded = 0, failed = 0, skipped = 0, notMatching = 0
    /// Inputs left out by --where, not yet reported in order.
    private var unmatched: Set<Int> = []
    private var firstFailure: DicomError?
    private let start = ContinuousClock.now

    init(items: [InputItem], reporter: Reporter, json: Bool, warningsAsErrors: Bool, doneFile: DoneFile?) {
        self.items = items
        self.reporter = reporter
        self.json = json
        self.warningsAsErrors = warningsAsErrors
        self.doneFile = doneFile
    }

    func add(_ index: Int, _ result: Result<StoreOutcome, DicomError>) {
        if case .success(let o) = result, o.stored, let uid = o.sourceSOPInstanceUID, let doneFile {
            do { try doneFile.record(sopInstanceUID: uid, path: o.name) } catch { reporter.warning(error) }
        }
        lock.withLock {
            waiting[index] = result
            drainInOrder()
        }
    }

    /// An input that does not match --where: reported in its place as a skipped record.
    func addNotMatching(_ index: Int) {
        lock.withLock {
            unmatched.insert(index)
            drainInOrder()
        }
    }

    private func drainInOrder() {
        while true {
            if unmatched.remove(next) != nil {
                notMatching += 1
                reporter.notMatching(items[next])
                reporter.finished(items[next], error: nil)
            } else if let ready = waiting.removeValue(forKey: next) {
                emit(items[next], ready)
            } else {
                return
            }
            next += 1
        }
    }

    /// The error an outcome counts as (a warning, with --warnings-as-errors).
    private func error(of outcome: StoreOutcome) -> DicomError? {
        if let e = outcome.error { return e }
        if outcome.isWarning, warningsAsErrors {
            return DicomError(.peerFailure, "the peer stored it with warning status 0x\(hex4(outcome.status ?? 0))"
                              + (outcome.errorComment.map { ": \($0)" } ?? "") + " (--warnings-as-errors)")
        }
        return nil
    }

    private func emit(_ item: InputItem, _ result: Result<StoreOutcome, DicomError>) {
        var failure: DicomError?
        var fields: [(String, ReporterJSON.Value)] = []
        switch result {
        case .failure(let e):
            failure = e.inFile(item.displayName)
        case .success(let o):
            failure = error(of: o)?.inFile(item.displayName)
            fields = Self.fields(o)
            if o.skipped { skipped += 1 }
            if o.isWarning, failure == nil {
                reporter.warning("the peer stored it with warning status 0x\(hex4(o.status ?? 0))"
                                 + (o.errorComment.map { ": \($0)" } ?? ""), input: item.displayName)
            }
        }
        if let failure {
            failed += 1
            if firstFailure == nil { firstFailure = failure }
        } else if case .success(let o) = result, !o.skipped {
            succeeded += 1
        }
        if json { StandardOutput.write(ReporterJSON.item(command: "send", input: item, error: failure, fields: fields) + "\n") }
        reporter.finished(item, error: failure)
    }

    static func fields(_ o: StoreOutcome) -> [(String, ReporterJSON.Value)] {
        func text(_ s: String?) -> ReporterJSON.Value { s.map(ReporterJSON.Value.string) ?? .null }
        return [
            ("sent", .bool(o.stored)),
            ("skipped", .bool(o.skipped)),
            ("dimseStatus", o.status.map { .string("0x" + hex4($0)) } ?? .null),
            ("errorComment", text(o.errorComment)),
            ("sopClassUID", text(o.sopClassUID)),
            ("sopInstanceUID", text(o.sopInstanceUID)),
            ("sourceSOPInstanceUID", text(o.sourceSOPInstanceUID)),
            ("sourceSyntax", text(o.sourceSyntax?.uid)),
            ("syntax", text(o.sentSyntax?.uid)),
            ("conversion", .string(o.conversion.rawValue)),
            ("bytes", .int(o.bytes)),
            ("ms", .double((o.seconds * 1e5).rounded() / 100)),
            ("attempts", .int(o.attempts)),
            ("association", o.association.map(ReporterJSON.Value.int) ?? .null),
        ]
    }

    /// The run's summary. After SIGINT, inputs never started have no outcome: those reported
    /// after them are emitted now, in order, and the never-started ones count as skipped.
    func summary(interrupted: Bool) -> RunSummary {
        lock.withLock {
            for index in Set(waiting.keys).union(unmatched).sorted() {
                if let result = waiting.removeValue(forKey: index) { emit(items[index], result) }
                if unmatched.remove(index) != nil {
                    notMatching += 1
                    reporter.notMatching(items[index])
                }
            }
            let elapsed = start.duration(to: .now)
            let unreported = items.count - succeeded - failed - skipped - notMatching
            var s = RunSummary(total: items.count, succeeded: succeeded, failed: failed, skipped: skipped + unreported,
                               firstFailure: firstFailure, interrupted: interrupted,
                               elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            s.notMatching = notMatching
            // Without SIGINT every input has an outcome; one missing would be a bug.
            if unreported > 0, !interrupted, s.exitStatus == .ok { s.exitStatus = .internalError }
            return s
        }
    }
}
