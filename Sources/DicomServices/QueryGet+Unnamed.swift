import DicomCore
import DicomNet

extension GetSCU {
    /// The requests of one round of `retryUnnamed`: at most this many UIDs each (as `targets`).
    static let retryUIDsPerRequest = 64

    /// The storage classes tried, in order, for instances whose class the peer did not name: the
    /// common ones first, then every other storage class of the standard.
    static let retryClasses: [String] = commonStorageClasses + StorageSOPClasses.all.map(\.uid).filter { !commonStorageClasses.contains($0) }

    /// A peer that names no SOP class in its C-FIND answers (dcmqrscp, pynetdicom's qrscp) is
    /// offered the common storage classes with uncompressed syntaxes only: what it holds
    /// compressed, or in another class, fails. Those instances (the final response's Failed SOP
    /// Instance UID List) are asked for again at the IMAGE level, on associations that each
    /// propose a group of classes with every syntax (as `associations` groups known classes), until
    /// none is left or every storage class was offered. The outcome told is the request's, with
    /// the instances still missing as its failures.
    static func retryUnnamed(_ first: RetrieveOutcome, getClass: String, at address: AssociationAddress, options: GetOptions,
                             scp: StorageSCP, doneBefore: inout Int) async throws -> RetrieveOutcome {
        let seriesKeys = first.target.keys.filter { $0.topLevelTag != .sopInstanceUID }
        let perAssociation = (Negotiation.maxPresentationContexts - 1) / (uncompressed.count + compressed.count)
        var remaining = first.failedSOPInstanceUIDs
        var completed = first.counts.completed ?? 0, warning = first.counts.warning ?? 0
        var start = 0
        // UIDs per request: lists first; a peer that refuses lists (pynetdicom's qrscp: 0xC320)
        // is asked one instance at a time from then on, the same classes again.
        var perRequest = retryUIDsPerRequest
        while !remaining.isEmpty, start < retryClasses.count {
            if let limit = options.limit, doneBefore >= limit { break }
            let classes = Array(retryClasses[start..<min(retryClasses.count, start + perAssociation)])
            var slices: [[String]] = []
            var i = 0
            while i < remaining.count {
                slices.append(Array(remaining[i..<min(remaining.count, i + perRequest)]))
                i += perRequest
            }
            let targets = slices.map { uids in
                RetrieveTarget(level: .image, keys: seriesKeys + [QueryKey(.sopInstanceUID, value: uids.joined(separator: "\\"))],
                               sopClassUIDs: Set(classes), instances: uids.count)
            }
            var stillMissing: [String] = []
            var index = 0, listRefused = false
            try await retrieve(targets, classes: classes, getClass: getClass, at: address, options: options, scp: scp,
                               doneBefore: &doneBefore, onProgress: { _, _ in }) { outcome in
                completed += outcome.counts.completed ?? 0
                warning += outcome.counts.warning ?? 0
                let asked = index < slices.count ? slices[index] : []
                index += 1
                if !outcome.failedSOPInstanceUIDs.isEmpty {
                    stillMissing += outcome.failedSOPInstanceUIDs.filter(asked.contains)
                } else if (outcome.counts.failed ?? 0) > 0 || DIMSEStatus.kind(outcome.status) == .failure {
                    // Failures without their list: which ones is unknown, so all of them are asked again.
                    stillMissing += asked
                    if asked.count > 1, outcome.counts.done == 0, DIMSEStatus.kind(outcome.status) == .failure { listRefused = true }
                }
            }
            // A request the limit left unasked keeps its instances missing.
            if index < slices.count { stillMissing += slices[index...].flatMap { $0 } }
            remaining = stillMissing
            if listRefused, perRequest > 1 {
                perRequest = 1
            } else {
                start += classes.count
            }
        }
        var counts = first.counts
        counts.remaining = 0
        counts.completed = completed
        counts.warning = warning
        counts.failed = remaining.count
        return RetrieveOutcome(target: first.target, status: remaining.isEmpty ? DIMSEStatus.success : first.status,
                               errorComment: remaining.isEmpty ? nil : first.errorComment, counts: counts,
                               failedSOPInstanceUIDs: remaining, cancelled: false)
    }
}
