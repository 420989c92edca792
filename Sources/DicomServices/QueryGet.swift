import DicomCore
import DicomIO
import DicomNet

/// One instance to retrieve, as a C-FIND at the IMAGE level named it.
public struct RetrieveInstance: Sendable, Hashable {
    public var patientID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var sopClassUID: String
}

/// One C-GET request: the unique keys of what it retrieves, and the SOP classes expected.
public struct RetrieveTarget: Sendable {
    public var level: QueryLevel
    public var keys: [QueryKey]
    public var sopClassUIDs: Set<String>
    public var instances: Int

    /// For messages: `SERIES 1.2.3` or `IMAGE 4 instances of series 1.2.3`.
    public var description: String {
        let series = keys.first { $0.topLevelTag == .seriesInstanceUID }?.value ?? "?"
        return level == .image ? "\(instances) instance\(instances == 1 ? "" : "s") of series \(series)" : "series \(series)"
    }
}

/// What one C-GET achieved, from its final response.
public struct RetrieveOutcome: Sendable {
    public var target: RetrieveTarget
    public var status: UInt16
    public var errorComment: String?
    public var counts: SubOperationCounts
    /// Failed SOP Instance UID List (0008,0058) of the final response.
    public var failedSOPInstanceUIDs: [String]
    /// The limit was reached: we sent C-CANCEL (the peer may have finished first all the same).
    public var cancelled = false

    public var isFailure: Bool { DIMSEStatus.kind(status) == .failure || (counts.failed ?? 0) > 0 || !failedSOPInstanceUIDs.isEmpty }
}

/// What `get` asks beyond the address: the requestor's settings, where and how instances are
/// written (receive's configuration: layout, duplicates, sync), and the model.
public struct GetOptions: Sendable {
    public var requestor = RequestorOptions()
    public var storage: StorageSCPConfiguration
    public var model: QueryModel = .studyRoot
    public var maxIdentifierLength = 4 << 20
    /// Sub-operations done (completed or with a warning, as the pending responses count them) after
    /// which the C-GET in progress is cancelled (C-CANCEL) and no further one is sent; nil: all.
    public var limit: Int?

    public init(storage: StorageSCPConfiguration) { self.storage = storage }
}

/// The C-GET SCU: the instances resolved by C-FIND, retrieved a series at a time over
/// associations that propose a storage context for each SOP class found (we are their SCP by role
/// selection, so no inbound port is needed), each instance written by receive's writer.
public enum GetSCU {
    /// The compressed syntaxes proposed, each in a context of its own, so the peer sends an
    /// instance in the syntax it holds (no conversion on its side) when it has one of these.
    static let compressed: [TransferSyntax] = [.jpegBaseline, .jpegExtended, .jpegLosslessSV1, .jpegLossless, .jpegLSLossless,
                                               .jpegLSNearLossless, .jpeg2000Lossless, .jpeg2000, .rleLossless, .deflatedExplicitVRLittleEndian,
                                               .htj2kLossless, .htj2kLosslessRPCL, .htj2k]
    static let uncompressed = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]
    /// Proposed when a match's SOP class is unknown (a peer that does not return SOP Class UID at
    /// the IMAGE level, as dcmqrscp): the storage classes most archives hold, from the UID table.
    static let commonStorageClasses: [String] = [
        "CTImageStorage", "EnhancedCTImageStorage", "MRImageStorage", "EnhancedMRImageStorage", "ComputedRadiographyImageStorage",
        "DigitalXRayImageStorageForPresentation", "DigitalXRayImageStorageForProcessing", "DigitalMammographyXRayImageStorageForPresentation",
        "DigitalMammographyXRayImageStorageForProcessing", "UltrasoundImageStorage", "UltrasoundMultiFrameImageStorage",
        "SecondaryCaptureImageStorage", "MultiFrameGrayscaleByteSecondaryCaptureImageStorage", "MultiFrameGrayscaleWordSecondaryCaptureImageStorage",
        "MultiFrameTrueColorSecondaryCaptureImageStorage", "XRayAngiographicImageStorage", "XRayRadiofluoroscopicImageStorage",
        "NuclearMedicineImageStorage", "PositronEmissionTomographyImageStorage", "EnhancedPETImageStorage", "SegmentationStorage",
        "RTImageStorage", "RTDoseStorage", "RTStructureSetStorage", "RTPlanStorage", "RTIonPlanStorage", "BasicTextSRStorage",
        "EnhancedSRStorage", "ComprehensiveSRStorage", "KeyObjectSelectionDocumentStorage", "GrayscaleSoftcopyPresentationStateStorage",
        "EncapsulatedPDFStorage", "VLPhotographicImageStorage", "VLEndoscopicImageStorage", "BreastTomosynthesisImageStorage",
        "XRay3DAngiographicImageStorage", "SpatialRegistrationStorage", "RawDataStorage", "EnhancedXAImageStorage",
    ].compactMap { UIDDictionary.entry(forKeyword: $0)?.uid }

    /// The instances `keys` at `level` match, with their SOP classes: C-FIND at `level`, then at
    /// each level below for each match, with the unique keys above as single values (PS3.4
    /// C.4.1.2.2.1: a strictly hierarchical peer such as dcmqrscp uses no other key of a level
    /// above), down to IMAGE. The queries share one association.
    public static func resolve(_ keys: [QueryKey], level: QueryLevel, model: QueryModel, at address: AssociationAddress,
                               options: FindOptions) async throws -> [RetrieveInstance] {
        try await resolve([QueryInput.Entry(level: level, keys: keys)], model: model, at: address, options: options).first ?? []
    }

    /// `resolve` for several entries (get --query: one per match find listed), all on one
    /// association; the instances of each entry, in order. An entry without a level is a study's.
    public static func resolve(_ entries: [QueryInput.Entry], model: QueryModel, at address: AssociationAddress,
                               options: FindOptions) async throws -> [[RetrieveInstance]] {
        for entry in entries where !model.levels.contains(entry.level ?? .study) {
            throw NetError(.invalidArgument, "the \(model.name) model has no \((entry.level ?? .study).value) level")
        }
        let contexts = [(abstractSyntax: model.findSOPClassUID, transferSyntaxes: FindSCU.syntaxes)]
        return try await Association.withAssociation(to: address, contexts: contexts, options: options.requestor) { session in
            var out: [[RetrieveInstance]] = []
            var resolved: [String: Int] = [:]
            for entry in entries {
                // An archive that answers once per instance at every level (pynetdicom's qrscp)
                // lists a study as often as it has instances: each is resolved once.
                let name = "\(entry.level?.value ?? "")|" + entry.keys.map { "\($0.path)=\($0.value)" }.joined(separator: "|")
                if let earlier = resolved[name] {
                    out.append(out[earlier])
                    continue
                }
                resolved[name] = out.count
                out.append(try await resolve(entry.keys, level: entry.level ?? .study, model: model, in: &session, options: options))
            }
            return out
        }
    }

    static func resolve(_ keys: [QueryKey], level: QueryLevel, model: QueryModel, in session: inout AssociationSession,
                        options: FindOptions) async throws -> [RetrieveInstance] {
        var frontier: [[QueryKey]] = [keys]
        let found = Found()
        for current in model.levels.drop(while: { $0 != level }) {
            let next = Found()
            for asked in frontier {
                var wanted = asked
                if current == .image { wanted.append(QueryKey(.sopClassUID)) }
                if model == .studyRoot, current == .image, !wanted.contains(where: { $0.topLevelTag == .patientID }) {
                    wanted.append(QueryKey(.patientID))
                }
                let identifier: QueryIdentifier
                do throws(DicomError) {
                    identifier = try QueryRequest(model: model, level: current, keys: wanted).identifier()
                } catch { throw NetError(.invalidArgument, error.message) }
                let result = try await FindSCU.query(identifier, in: &session, options: options) { match in
                    func text(_ tag: Tag) -> String { match.dataset.string(tag)?.trimmingWhitespace() ?? "" }
                    if current == .image {
                        found.append(RetrieveInstance(patientID: text(.patientID), studyInstanceUID: text(.studyInstanceUID),
                                                      seriesInstanceUID: text(.seriesInstanceUID), sopInstanceUID: text(.sopInstanceUID),
                                                      sopClassUID: text(.sopClassUID)))
                    } else {
                        next.append(keys: model.requiredKeys(at: current).map { QueryKey($0, value: text($0)) })
                    }
                }
                if let failure = result.failure { throw failure }
            }
            frontier = next.keySets
        }
        return found.items
    }

    /// The retrieve requests for `entries` (get's and move's -k keys or --query): every entry with
    /// keys resolved to instances by C-FIND on one association, an instance named twice retrieved
    /// once; whole series for entries above IMAGE, the instances themselves at IMAGE.
    public static func targets(for entries: [QueryInput.Entry], model: QueryModel, at address: AssociationAddress,
                               options: FindOptions) async throws -> [RetrieveTarget] {
        let usable = entries.filter { !$0.keys.isEmpty }
        guard !usable.isEmpty else { return [] }
        let resolved = try await resolve(usable, model: model, at: address, options: options)
        var seen = Set<String>()
        var out: [RetrieveTarget] = []
        for (entry, found) in zip(usable, resolved) {
            let fresh = found.filter { seen.insert($0.sopInstanceUID).inserted }
            out += targets(fresh, model: model, wholeSeries: entry.level != .image)
        }
        return out
    }

    /// C-GET requests for `instances`: one per series when whole series were asked for, else
    /// the instances of each series as a UID list (at most `uidsPerRequest` a request).
    public static func targets(_ instances: [RetrieveInstance], model: QueryModel, wholeSeries: Bool,
                               uidsPerRequest: Int = 64) -> [RetrieveTarget] {
        var order: [String] = []
        var bySeries: [String: [RetrieveInstance]] = [:]
        for i in instances {
            if bySeries[i.seriesInstanceUID] == nil { order.append(i.seriesInstanceUID) }
            bySeries[i.seriesInstanceUID, default: []].append(i)
        }
        var out: [RetrieveTarget] = []
        for series in order {
            guard let members = bySeries[series], let first = members.first else { continue }
            var keys = [QueryKey(.studyInstanceUID, value: first.studyInstanceUID), QueryKey(.seriesInstanceUID, value: series)]
            if model == .patientRoot { keys.insert(QueryKey(.patientID, value: first.patientID), at: 0) }
            if wholeSeries {
                out.append(RetrieveTarget(level: .series, keys: keys, sopClassUIDs: Set(members.map(\.sopClassUID)), instances: members.count))
                continue
            }
            var start = 0
            while start < members.count {
                let chunk = members[start..<min(members.count, start + max(1, uidsPerRequest))]
                let uids = chunk.map(\.sopInstanceUID).joined(separator: "\\")
                out.append(RetrieveTarget(level: .image, keys: keys + [QueryKey(.sopInstanceUID, value: uids)],
                                          sopClassUIDs: Set(chunk.map(\.sopClassUID)), instances: chunk.count))
                start += chunk.count
            }
        }
        return out
    }

    /// The presentation contexts of an association retrieving `sopClasses` with `getClass`: the
    /// C-GET context, then for each SOP class a context per syntax (uncompressed and compressed),
    /// so the peer finds one for the syntax it holds (dcmqrscp sends nothing it would have to
    /// convert); when those do not fit in 128, one context per uncompressed syntax; when those do
    /// not either, one context with both (the peer converts).
    /// A SOP class left empty (unknown) stands for `commonStorageClasses`, proposed with the
    /// uncompressed syntaxes in the room the known classes leave.
    static func contexts(getClass: String, sopClasses: [String]) -> [(abstractSyntax: String, transferSyntaxes: [String])] {
        let known = sopClasses.filter { !$0.isEmpty }
        guard known.count == sopClasses.count else {
            var out = contexts(getClass: getClass, sopClasses: known)
            for sopClass in commonStorageClasses where !known.contains(sopClass) {
                guard out.count + uncompressed.count <= Negotiation.maxPresentationContexts else { break }
                out += uncompressed.map { (sopClass, [$0]) }
            }
            return out
        }
        var out = [(abstractSyntax: getClass, transferSyntaxes: uncompressed)]
        let room = Negotiation.maxPresentationContexts - 1
        let each: [[String]]
        if sopClasses.count * (uncompressed.count + compressed.count) <= room {
            each = uncompressed.map { [$0] } + compressed.map { [$0.uid] }
        } else if sopClasses.count * uncompressed.count <= room {
            each = uncompressed.map { [$0] }
        } else {
            each = [uncompressed]
        }
        for sopClass in sopClasses { out += each.map { (sopClass, $0) } }
        return out
    }

    /// Targets grouped so that each group's SOP classes fit in one association beside the C-GET
    /// context with a context per syntax each (8 classes): an archive that cannot convert what it
    /// holds (Orthanc fails a JPEG 2000 instance asked for uncompressed, "cannot transcode") finds
    /// its syntax whatever mix of classes a retrieve holds; more classes open more associations.
    static func associations(_ targets: [RetrieveTarget]) -> [[RetrieveTarget]] {
        let room = (Negotiation.maxPresentationContexts - 1) / (uncompressed.count + compressed.count)
        var groups: [(classes: Set<String>, targets: [RetrieveTarget])] = []
        for target in targets {
            if let i = groups.firstIndex(where: { $0.classes.union(target.sopClassUIDs).count <= room }) {
                groups[i].classes.formUnion(target.sopClassUIDs)
                groups[i].targets.append(target)
            } else {
                groups.append((target.sopClassUIDs, [target]))
            }
        }
        return groups.map(\.targets)
    }

    /// Retrieves `targets`, writing each instance through receive's writer (`events` gets receive's
    /// events: stored, duplicate, failed ...) and each C-GET's outcome to `onOutcome`.
    public static func get(_ targets: [RetrieveTarget], at address: AssociationAddress, options: GetOptions,
                           events: @escaping @Sendable (StorageEvent) -> Void,
                           onProgress: @escaping @Sendable (RetrieveTarget, SubOperationCounts) -> Void,
                           onOutcome: @escaping @Sendable (RetrieveOutcome) -> Void) async throws {
        guard let getClass = options.model.getSOPClassUID else { throw NetError(.invalidArgument, "the worklist has no retrieval") }
        var storage = options.storage
        storage.aeTitle = options.requestor.callingAETitle
        let scp = StorageSCP(configuration: storage, events: events)
        // Sub-operations done by the C-GETs that ended, for the limit.
        var doneBefore = 0
        // Outcomes of requests whose SOP classes the peer did not name (proposed as the common
        // classes, uncompressed): their failed instances are asked for again (see `retryUnnamed`)
        // before the outcome is told.
        var unnamed: [RetrieveOutcome] = []
        for group in associations(targets) {
            if let limit = options.limit, doneBefore >= limit { break }
            let classes = Set(group.flatMap(\.sopClassUIDs)).sorted()
            try await retrieve(group, classes: classes, getClass: getClass, at: address, options: options, scp: scp,
                               doneBefore: &doneBefore, onProgress: onProgress) { outcome in
                if outcome.target.sopClassUIDs.contains(""), !outcome.failedSOPInstanceUIDs.isEmpty, !outcome.cancelled {
                    unnamed.append(outcome)
                } else {
                    onOutcome(outcome)
                }
            }
        }
        for outcome in unnamed {
            onOutcome(try await retryUnnamed(outcome, getClass: getClass, at: address, options: options, scp: scp, doneBefore: &doneBefore))
        }
    }

    /// One association retrieving `group`, proposing `classes` (an empty one: the common classes).
    static func retrieve(_ group: [RetrieveTarget], classes: [String], getClass: String, at address: AssociationAddress,
                         options: GetOptions, scp: StorageSCP, doneBefore: inout Int,
                         onProgress: @escaping @Sendable (RetrieveTarget, SubOperationCounts) -> Void,
                         onOutcome: (RetrieveOutcome) -> Void) async throws {
        let proposed = contexts(getClass: getClass, sopClasses: classes)
        var requestor = options.requestor
        // One role selection item per storage class proposed: we are its SCP (PS3.4 C.4.3.1).
        requestor.roleSelections = Set(proposed.dropFirst().map(\.abstractSyntax)).sorted()
            .map { RoleSelection(sopClassUID: $0, scuRole: false, scpRole: true) }
        var done = doneBefore
        defer { doneBefore = done }
        try await Association.withAssociation(to: address, contexts: proposed, options: requestor) { session in
            guard let negotiated = session.negotiated,
                  let accepted = negotiated.context(abstractSyntax: getClass), let uid = accepted.transferSyntax,
                  let syntax = TransferSyntax(uid: uid) else {
                throw NetError(.rejected, "the peer refused the \(UIDDictionary.entry(for: getClass)?.name ?? getClass) context")
            }
            let info = AcceptedAssociation(callingAETitle: address.aeTitle, calledAETitle: options.requestor.callingAETitle,
                                           peer: "\(address.host):\(address.port)", negotiated: negotiated)
            let service = scp.associationStarted(info)
            do {
                for target in group {
                    if let limit = options.limit, done >= limit { break }
                    let request: QueryRequest
                    let identifier: QueryIdentifier
                    do throws(DicomError) {
                        request = try QueryRequest(model: options.model, level: target.level, keys: target.keys)
                        identifier = try request.identifier()
                    } catch { throw NetError(.invalidArgument, error.message) }
                    let bytes: [UInt8]
                    do throws(DicomError) { bytes = try identifier.encoded(in: syntax) } catch { throw NetError(.invalidArgument, error.message) }
                    let before = done
                    let end = try await session.get(sopClassUID: getClass, identifier: bytes, maxIdentifierLength: options.maxIdentifierLength,
                                                    storage: service) { counts in
                        onProgress(target, counts)
                        return options.limit.map { before + counts.done < $0 } ?? true
                    }
                    done += end.counts.done
                    var failed: [String] = []
                    if let data = end.identifier, !data.isEmpty,
                       let ds = try? BareDatasetReader.read(data, encoding: DatasetEncoding(explicitVR: syntax.isExplicitVR, bigEndian: syntax.isBigEndian),
                                                            name: "C-GET-RSP identifier") {
                        failed = ds.strings(.failedSOPInstanceUIDList)?.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty } ?? []
                    }
                    onOutcome(RetrieveOutcome(target: target, status: end.response.status ?? DIMSEStatus.cannotUnderstand,
                                              errorComment: end.response.errorComment, counts: end.counts, failedSOPInstanceUIDs: failed,
                                              cancelled: end.cancelled))
                }
            } catch {
                await service.end(.aborted("\(error)"))
                throw error
            }
            await service.end(.released)
        }
    }
}

/// Matches collected from the find callback (called on one task at a time).
final class Found: @unchecked Sendable {
    private let lock = Lock()
    private var stored: [RetrieveInstance] = []
    private var sets: [[QueryKey]] = []
    func append(_ i: RetrieveInstance) { lock.withLock { stored.append(i) } }
    /// A key set found again (a level answered once per instance below it) is queried once.
    func append(keys: [QueryKey]) { lock.withLock { if !sets.contains(keys) { sets.append(keys) } } }
    var items: [RetrieveInstance] { lock.withLock { stored } }
    var keySets: [[QueryKey]] { lock.withLock { sets } }
}
