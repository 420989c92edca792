import DicomCore
import DicomIO
import DicomNet
import DicomPixels

/// The instances of one batch (contexts that fit one association) sent over as many associations
/// as failures make necessary: a transient failure costs the instance in flight an attempt (the
/// others go on, on a new association after the back-off); an association that cannot be opened
/// costs the batch an attempt.
struct AssociationRun {
    let address: AssociationAddress
    let options: StorageSCUOptions
    let items: [Int: StoreItem]
    let counter: LockedCounter
    let report: @Sendable (StoreOutcome) -> Void

    /// Thrown out of an association whose data set could not be finished (the conversion failed
    /// after its first PDV): the association must be aborted, the instance is not retried.
    struct UnfinishedDataSet: AssociationBodyError { var outcome: StoreOutcome }

    /// An instance whose request went out and whose response is awaited.
    struct Sent {
        var candidate: StoreCandidate
        var outcome: StoreOutcome
        var start: ContinuousClock.Instant
    }

    mutating func send(_ batch: [StoreCandidate]) async {
        var pending = Array(batch)
        var attempts: [Int: Int] = [:]
        var openFailures = 0
        // Taken from `pending` and not finished: the requests outstanding on the association
        // (several within the asynchronous operations window), in the order they went out.
        var inFlight: [StoreCandidate] = []
        while let first = pending.first, !options.shouldStop() {
            var opened = false
            inFlight = []
            do {
                let contexts = StoragePlan.contexts(for: pending, lossy: options.allowLossy)
                try await Association.withAssociation(to: address, contexts: contexts, options: options.requestor) { session in
                    opened = true
                    openFailures = 0
                    let number = counter.next()
                    let window = session.operationsWindow
                    var sent: [UInt16: Sent] = [:]
                    while true {
                        // Requests go out while the window has room; then the next response.
                        while sent.count < window, let c = pending.first, !options.shouldStop() {
                            pending.removeFirst()
                            inFlight.append(c)
                            let start = ContinuousClock.now
                            switch try await startOne(c, on: &session, attempt: (attempts[c.index] ?? 0) + 1) {
                            case .finished(var outcome):
                                outcome.association = number
                                outcome.seconds = Self.seconds(ContinuousClock.now - start)
                                inFlight.removeAll { $0.index == c.index }
                                report(outcome)
                            case .sent(let id, let outcome):
                                sent[id] = Sent(candidate: c, outcome: outcome, start: start)
                            }
                        }
                        if sent.isEmpty { break }
                        let response = try await session.nextStoreResponse()
                        guard let id = response.messageIDBeingRespondedTo, let done = sent.removeValue(forKey: id) else { continue }
                        let c = done.candidate
                        var outcome = Self.judged(done.outcome, response)
                        outcome.association = number
                        outcome.seconds = Self.seconds(ContinuousClock.now - done.start)
                        inFlight.removeAll { $0.index == c.index }
                        if let status = outcome.status, StorageSCU.isTransient(status: status),
                           (attempts[c.index] ?? 0) < options.retries {
                            attempts[c.index, default: 0] += 1
                            try await Task.sleep(for: StorageSCU.backOff(attempts[c.index] ?? 1, options))
                            pending.insert(c, at: 0)
                            continue
                        }
                        report(outcome)
                    }
                }
            } catch let unfinished as UnfinishedDataSet {
                inFlight.removeAll { $0.index == unfinished.outcome.index }
                report(unfinished.outcome)
                // The abort took the requests sent before it: theirs is no failure, they go again.
                pending.insert(contentsOf: inFlight, at: 0)
            } catch {
                let net = error as? NetError ?? NetError(.aborted, "\(error)")
                if !inFlight.isEmpty, opened {
                    // Every request outstanding when the association failed costs an attempt.
                    var again: [StoreCandidate] = []
                    var used = 1
                    for c in inFlight {
                        attempts[c.index, default: 0] += 1
                        used = attempts[c.index] ?? 1
                        if !StorageSCU.isTransient(net) || used > options.retries {
                            report(failed(c, StorageSCU.dicomError(net), attempts: used))
                        } else {
                            again.append(c)
                        }
                    }
                    pending.insert(contentsOf: again, at: 0)
                    if !again.isEmpty { try? await Task.sleep(for: StorageSCU.backOff(used, options)) }
                } else if !opened {
                    openFailures += 1
                    if !StorageSCU.isTransient(net) || openFailures > options.retries {
                        // Nothing more can go to this peer in this batch.
                        for c in pending { report(failed(c, StorageSCU.dicomError(net), attempts: openFailures)) }
                        return
                    }
                    try? await Task.sleep(for: StorageSCU.backOff(openFailures, options))
                } else if pending.first?.index == first.index {
                    // Lost between instances (the release, say): what is pending starts over.
                    openFailures += 1
                    if openFailures > options.retries {
                        for c in pending { report(failed(c, StorageSCU.dicomError(net), attempts: openFailures)) }
                        return
                    }
                }
            }
        }
    }

    /// The outcome of `c` before anything is known of its sending: what the survey read.
    func outcome(_ c: StoreCandidate, attempts: Int) -> StoreOutcome {
        var o = StoreOutcome(index: c.index, name: items[c.index]?.name ?? "")
        o.sourceSOPInstanceUID = c.sopInstanceUID
        o.sopClassUID = c.sopClassUID
        o.sourceSyntax = c.syntax
        o.attempts = attempts
        return o
    }

    func failed(_ c: StoreCandidate, _ error: DicomError, attempts: Int) -> StoreOutcome {
        var o = outcome(c, attempts: attempts)
        o.error = error
        return o
    }

    /// How far `startOne` took an instance.
    enum Started {
        /// Settled without a response: unreadable, refused, not convertible.
        case finished(StoreOutcome)
        /// Its request and data set went out under this message ID; the response settles it.
        case sent(UInt16, StoreOutcome)
    }

    /// One instance's request and data set on the open association, without waiting for the
    /// response. Problems of the instance itself (unreadable, refused) are its outcome; network
    /// errors are thrown.
    func startOne(_ c: StoreCandidate, on session: inout AssociationSession, attempt: Int) async throws -> Started {
        var outcome = self.outcome(c, attempts: attempt)
        if let started = try await startAsSurveyed(c, on: &session, outcome: outcome) { return started }
        let file: DicomFile
        do throws(DicomError) {
            guard let item = items[c.index] else { throw DicomError(.internalError, "input \(c.index) vanished") }
            file = try item.open()
        } catch {
            outcome.error = error
            return .finished(outcome)
        }
        // Some files go through the writer even in their own syntax (`needsRewrite`). A deflated
        // data set is one stream (sent inflated and rewritten to another syntax).
        let rewrite = StorageSCU.needsRewrite(file)
        var exclude: Set<String> = file.transferSyntax.isDeflated ? [file.transferSyntax.uid] : []
        let chunk = try PDVFragmenter.fragmentCapacity(maxPDULength: session.maxSendLength)
        while true {
            let decision = StoragePlan.decide(sopClass: c.sopClassUID, syntax: file.transferSyntax, accepted: session.acceptedContexts,
                                              allowLossy: options.allowLossy, exclude: exclude, rewrite: rewrite)
            switch decision {
            case .refused(let reason):
                outcome.error = DicomError(.associationRejected, reason)
                return .finished(outcome)
            case .asIs(let contextID):
                var stream = MappedDataSet(source: file.datasetSource, range: file.datasetOffset..<file.datasetSource.count)
                let id = try await session.sendStore(sopClassUID: c.sopClassUID, sopInstanceUID: c.sopInstanceUID,
                                                     contextID: contextID, dataSet: &stream)
                outcome.sopInstanceUID = c.sopInstanceUID
                outcome.sentSyntax = file.transferSyntax
                outcome.bytes = stream.sent
                return .sent(id, outcome)
            case .lossless(let contextID, let target), .lossy(let contextID, let target):
                var transcode = TranscodeOptions(target: target)
                transcode.frameThreads = 1
                if case .lossy = decision {
                    if target.family == .jpeg2000 || target.family == .htj2k { transcode.encode.j2k = .ratio(10) }
                } else if target.isEncapsulated {
                    // Frames streamed as they are encoded, an empty Basic Offset Table (PS3.5
                    // A.4 allows it): memory stays bounded by a frame. A lossy step's ratio is
                    // known only after the last frame, so lossy output is encoded whole first.
                    transcode.offsetTable = .none
                    transcode.streamToFile = true
                }
                var stream = ConvertedDataSet.start(file, options: transcode, chunkSize: chunk)
                let prelude: ConversionPrelude
                do {
                    prelude = try await stream.pipe.awaitPrelude()
                } catch {
                    // The encoder refused this image for that syntax: try the next one the peer took.
                    exclude.insert(target.uid)
                    if case .refused = StoragePlan.decide(sopClass: c.sopClassUID, syntax: file.transferSyntax,
                                                          accepted: session.acceptedContexts, allowLossy: options.allowLossy,
                                                          exclude: exclude, rewrite: rewrite) {
                        outcome.error = DicomError(error.code, "converting to \(target.name) for the peer: \(error.message)",
                                                   offset: error.offset, tag: error.tag)
                        return .finished(outcome)
                    }
                    continue
                }
                outcome.sopInstanceUID = prelude.sopInstanceUID
                outcome.sentSyntax = target
                if prelude.report.lossy || decision != .lossless(contextID: contextID, target) {
                    outcome.conversion = .lossy
                } else {
                    outcome.conversion = target == file.transferSyntax ? .rewritten : .lossless
                }
                let id: UInt16
                do {
                    id = try await session.sendStore(sopClassUID: c.sopClassUID, sopInstanceUID: prelude.sopInstanceUID,
                                                     contextID: contextID, dataSet: &stream)
                } catch let error as DicomError {
                    // The conversion failed after its first PDV: only an A-ABORT can end that data set.
                    stream.pipe.cancel()
                    outcome.error = DicomError(error.code, "converting to \(target.name) for the peer: \(error.message)",
                                               offset: error.offset, tag: error.tag)
                    outcome.bytes = stream.sent
                    throw UnfinishedDataSet(outcome: outcome)
                } catch {
                    stream.pipe.cancel()
                    throw error
                }
                outcome.bytes = stream.sent
                return .sent(id, outcome)
            }
        }
    }

    /// A file the survey parsed, sent as it is without parsing it again: its bytes from where the
    /// survey found the data set. nil when it must be opened (no layout known, converted, or
    /// changed since the survey).
    func startAsSurveyed(_ c: StoreCandidate, on session: inout AssociationSession, outcome: StoreOutcome) async throws -> Started? {
        guard let layout = c.layout, !layout.rewrite, let load = items[c.index]?.load,
              case .asIs(let contextID) = StoragePlan.decide(sopClass: c.sopClassUID, syntax: c.syntax, accepted: session.acceptedContexts,
                                                             allowLossy: options.allowLossy)
        else { return nil }
        var outcome = outcome
        let source: ByteSource
        do throws(DicomError) {
            source = try load()
        } catch {
            outcome.error = error
            return .finished(outcome)
        }
        guard source.count == layout.fileSize, layout.datasetOffset <= source.count else { return nil }
        var stream = MappedDataSet(source: source, range: layout.datasetOffset..<source.count)
        let id = try await session.sendStore(sopClassUID: c.sopClassUID, sopInstanceUID: c.sopInstanceUID,
                                             contextID: contextID, dataSet: &stream)
        outcome.sopInstanceUID = c.sopInstanceUID
        outcome.sentSyntax = c.syntax
        outcome.bytes = stream.sent
        return .sent(id, outcome)
    }

    /// The response's status as the outcome: a failure status is an error (63).
    static func judged(_ outcome: StoreOutcome, _ response: DIMSECommand) -> StoreOutcome {
        var o = outcome
        o.status = response.status
        o.errorComment = response.errorComment
        let status = response.status ?? DIMSEStatus.cannotUnderstand
        switch DIMSEStatus.kind(status) {
        case .success, .warning:
            break
        default:
            var text = "the peer answered C-STORE with failure status 0x\(hex4(status))"
            if let comment = response.errorComment, !comment.isEmpty { text += ": \(comment)" }
            o.error = DicomError(.peerFailure, text)
        }
        return o
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
