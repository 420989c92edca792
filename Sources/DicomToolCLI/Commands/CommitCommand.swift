import DicomCore
import DicomIO
import DicomNet
import DicomServices
import FoundationEssentials

/// `dicomtool commit`: the instances of the inputs (headers only) and of `send`'s JSON Lines to
/// `CommitmentSCU`, one result per input to the reporter, in input order.
public enum CommitCommand {
    /// One input and what it names.
    struct Entry {
        var item: InputItem
        var reference: CommitmentReference?
        var error: DicomError?
    }

    public static func run(_ args: CommitArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "commit")
        var entries: [Entry] = []
        // Inputs left out by --where (their headers do not match): reported after `begin`.
        var unmatched: [InputItem] = []
        if !global.inputs.isEmpty || global.filesFrom != nil {
            let walker: InputWalker
            do { walker = try InputWalker(global.inputOptions(command: "commit")) } catch { return failure(error, reporter) }
            for (index, item) in walker.items.enumerated() {
                if let early = walker.expansionFailures[index] {
                    entries.append(Entry(item: item, error: early))
                    continue
                }
                do throws(DicomError) {
                    if let selection = walker.options.selection, try !selection.selects(item) {
                        unmatched.append(item)
                        continue
                    }
                    entries.append(Entry(item: item, reference: try reference(of: item)))
                } catch {
                    entries.append(Entry(item: item, error: error))
                }
            }
        }
        if let list = args.fromSend {
            do { entries += try sentInstances(list) } catch { return failure(error, reporter) }
        }
        guard !entries.isEmpty || !unmatched.isEmpty else {
            return failure(DicomError(.noInput, args.fromSend == nil ? "no input: give files, directories, --files-from FILE or --from-send FILE"
                                                                    : "no input: the --from-send records name no instance sent"), reporter)
        }

        var unique: [CommitmentReference] = []
        var seen = Set<CommitmentReference>()
        for case let r? in entries.map(\.reference) where seen.insert(r).inserted { unique.append(r) }

        var options = CommitmentSCUOptions()
        options.requestor = args.peer.requestorOptions
        do {
            options.requestor.tls = try args.tls.requestorContext(reporter)
            if args.receivePort != nil { options.receiveTLS = try args.tls.listenerContext() }
        } catch {
            return failure(error, reporter)
        }
        options.reportTimeoutSeconds = Int64(args.reportTimeoutSeconds)  // conversion: Int within 1...604800 (the flag's range)
        options.receivePort = args.receivePort
        options.receiveHost = args.receiveHost
        options.instancesPerRequest = args.perRequest

        let start = ContinuousClock.now
        reporter.begin(total: entries.count + unmatched.count)
        for item in unmatched {
            reporter.notMatching(item)
            reporter.finished(item, error: nil)
        }
        var run = CommitmentRun(results: [], networkError: nil)
        if !unique.isEmpty {
            let address = args.peer.address, frozen = options, references = unique
            do {
                run = try NetworkRuntime.runBlocking {
                    try await CommitmentSCU.commit(references, to: address, options: frozen) { event in
                        switch event {
                        case .listening(let host, let port, let aet):
                            reporter.note("listening for storage commitment reports on \(host):\(port) as \(aet)")
                        case .requested:
                            break
                        case .notice(let words):
                            reporter.warning(words, input: address.description)
                        }
                    }
                }
            } catch {
                let net = error as? NetError ?? NetError(.aborted, "\(error)")
                reporter.error(DicomError(StorageSCU.dicomError(net).code, net.description), input: address.description)
                return net.code.exitStatus
            }
        }
        if args.receivePort == nil, run.results.contains(where: { $0.outcome == .noReport }) {
            reporter.note("no report came on the association of the request; a peer that reports on a new association"
                          + " (Orthanc does) needs --receive-port, and our AE title, host and port in its configuration")
        }
        var byReference: [CommitmentReference: CommitmentResult] = [:]
        for r in run.results where byReference[r.reference] == nil { byReference[r.reference] = r }

        var succeeded = 0, failed = 0
        var firstFailure: DicomError?
        for entry in entries {
            var error = entry.error
            var fields: [(String, ReporterJSON.Value)] = []
            if let ref = entry.reference {
                let result = byReference[ref]
                fields = Self.fields(ref, result)
                if let result, !result.outcome.isCommitted {
                    error = DicomError(code(of: result.outcome, run.networkError), words(result.outcome))
                } else if result == nil {
                    error = DicomError(.internalError, "no result for \(ref.sopInstanceUID)")
                }
                if global.format != .json {
                    StandardOutput.write("\(Reporter.escape(entry.item.displayName)): "
                                         + (error == nil ? "committed" : "not committed: \(error?.message ?? "")")
                                         + " (\(ref.sopInstanceUID))\n")
                }
            }
            let located = error?.inFile(entry.item.displayName)
            if let located {
                failed += 1
                if firstFailure == nil { firstFailure = located }
            } else {
                succeeded += 1
            }
            if global.format == .json {
                StandardOutput.write(ReporterJSON.item(command: "commit", input: entry.item, error: located, fields: fields) + "\n")
            }
            reporter.finished(entry.item, error: located)
        }
        let elapsed = start.duration(to: .now)
        var summary = RunSummary(total: entries.count + unmatched.count, succeeded: succeeded, failed: failed, skipped: 0,
                                 firstFailure: firstFailure, interrupted: false,
                                 elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        summary.notMatching = unmatched.count
        reporter.finish(summary)
        return summary.exitStatus
    }

    /// The SOP Class and Instance UIDs of an input, from its header: the data set's, else the
    /// meta information's; indexing stops before Pixel Data.
    static func reference(of item: InputItem) throws(DicomError) -> CommitmentReference {
        var options = Part10Reader.Options()
        options.stopBefore = .pixelData
        let file = try Part10Reader.read(path: item.path ?? "-", options: options)
        func uid(_ tag: Tag, _ meta: Tag) -> String? {
            let v = (file.dataset.string(tag) ?? file.meta.string(meta))?.trimmingWhitespace()
            return v?.isEmpty == false ? v : nil
        }
        guard let sopClass = uid(.sopClassUID, .mediaStorageSOPClassUID) else {
            throw DicomError(.invalidInput, "no SOP Class UID", tag: .sopClassUID)
        }
        guard let sopInstance = uid(.sopInstanceUID, .mediaStorageSOPInstanceUID) else {
            throw DicomError(.invalidInput, "no SOP Instance UID", tag: .sopInstanceUID)
        }
        return CommitmentReference(sopClassUID: sopClass, sopInstanceUID: sopInstance)
    }

    /// The instances `send --format json` reports as sent, as entries named by their input.
    static func sentInstances(_ list: String) throws(DicomError) -> [Entry] {
        let data: Data
        if list == "-" {
            data = try InputWalker.readStandardInput()
        } else {
            guard let read = FileManager.default.contents(atPath: list) else {
                throw DicomError(.cannotRead, "cannot read the --from-send records", file: list, cause: InputWalker.reasonUnreadable(list))
            }
            data = read
        }
        struct Record: Decodable {
            var type: String?
            var command: String?
            var input: String?
            var relativePath: String?
            var sent: Bool?
            var sopClassUID: String?
            var sopInstanceUID: String?
        }
        var entries: [Entry] = []
        let decoder = JSONDecoder()
        for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            let name = "\(list == "-" ? "stdin" : list):\(n + 1)"
            guard let record = try? decoder.decode(Record.self, from: Data(line)) else {
                entries.append(Entry(item: .file(path: name, relativePath: name),
                                     error: DicomError(.invalidInput, "line \(n + 1) of the --from-send records is not a JSON object")))
                continue
            }
            guard record.type == "item", record.command == "send" || record.command == nil, record.sent == true else { continue }
            let input = record.input ?? name
            let item = InputItem.file(path: input, relativePath: record.relativePath ?? input)
            guard let c = record.sopClassUID, !c.isEmpty, let i = record.sopInstanceUID, !i.isEmpty else {
                entries.append(Entry(item: item, error: DicomError(.invalidInput, "line \(n + 1) of the --from-send records has no SOP Class or Instance UID")))
                continue
            }
            entries.append(Entry(item: item, reference: CommitmentReference(sopClassUID: c, sopInstanceUID: i)))
        }
        return entries
    }

    static func code(of outcome: CommitmentOutcome, _ networkError: NetError?) -> DicomError.Code {
        if case .notRequested = outcome, let networkError { return StorageSCU.dicomError(networkError).code }
        if case .notRequested = outcome { return .peerFailure }
        return .notCommitted
    }

    static func words(_ outcome: CommitmentOutcome) -> String {
        switch outcome {
        case .committed: return "committed"
        case .failed(let reason): return "\(StorageCommitment.failureReasonWords(reason)) (failure reason 0x\(hex4(reason)))"
        case .missingFromReport: return "the report for its transaction does not name it"
        case .noReport: return "no report for its transaction within the report time-out"
        case .notRequested(let why): return "not asked: \(why)"
        }
    }

    static func fields(_ ref: CommitmentReference, _ result: CommitmentResult?) -> [(String, ReporterJSON.Value)] {
        let outcome: String
        var reason: ReporterJSON.Value = .null
        switch result?.outcome {
        case .committed?: outcome = "committed"
        case .failed(let r)?: outcome = "failed"; reason = .string("0x" + hex4(r))
        case .missingFromReport?: outcome = "missing-from-report"
        case .noReport?: outcome = "no-report"
        case .notRequested?: outcome = "not-requested"
        case nil: outcome = "none"
        }
        return [
            ("sopClassUID", .string(ref.sopClassUID)),
            ("sopInstanceUID", .string(ref.sopInstanceUID)),
            ("transactionUID", result.map { .string($0.transactionUID) } ?? .null),
            ("committed", .bool(result?.outcome.isCommitted ?? false)),
            ("outcome", .string(outcome)),
            ("failureReason", reason),
            ("retrieveAETitle", result?.retrieveAETitle.map(ReporterJSON.Value.string) ?? .null),
        ]
    }
}
