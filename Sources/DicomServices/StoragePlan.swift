import DicomCore
import DicomNet

/// One instance to send, as surveyed before any association: what its contexts need.
public struct StoreCandidate: Sendable, Equatable {
    /// Position in the run's inputs (results are reported in this order).
    public var index: Int
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var syntax: TransferSyntax
    /// Where the survey found the data set in the file (inputs given by their bytes, not deflated).
    public var layout: Layout?

    /// What sending a file as it is needs, known from the survey's parse.
    public struct Layout: Sendable, Equatable {
        public var datasetOffset: Int
        /// The file's size when surveyed: a file that changed since is parsed again.
        public var fileSize: Int
        /// Its bytes cannot go as they are (`StorageSCU.needsRewrite`).
        public var rewrite: Bool
    }

    public init(index: Int, sopClassUID: String, sopInstanceUID: String, syntax: TransferSyntax) {
        self.index = index
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.syntax = syntax
    }
}

/// What is proposed, and how the instances are split over associations: pure functions, tested
/// without a peer.
public enum StoragePlan {
    /// The uncompressed fallbacks proposed for every SOP class: what every storage SCP accepts
    /// (PS3.5 10.1: Implicit VR Little Endian is the default every application supports).
    public static let uncompressed = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

    /// The lossless compressed syntaxes the transcoder writes, proposed together for a peer that
    /// takes compressed data only (it picks one; a file then goes there bit-exact).
    public static let losslessCompressed = [TransferSyntax.jpegLSLossless, .jpeg2000Lossless, .rleLossless, .jpegLosslessSV1,
                                            .htj2kLossless].map(\.uid)

    /// The presentation contexts for `candidates`: per SOP class (in first-seen order), one context
    /// per syntax the files have, so each can go as it is; one context with both uncompressed
    /// syntaxes, the fallback any file can be converted to; one with the lossless compressed
    /// syntaxes; and with `lossy`, one for that syntax. A peer picks one syntax per context, so
    /// each syntax wanted for sure has its own.
    public static func contexts(for candidates: [StoreCandidate], lossy: TransferSyntax? = nil)
        -> [(abstractSyntax: String, transferSyntaxes: [String])] {
        var out: [(abstractSyntax: String, transferSyntaxes: [String])] = []
        for (sopClass, syntaxes) in syntaxesByClass(candidates) {
            out += contexts(sopClass: sopClass, syntaxes: syntaxes, lossy: lossy)
        }
        return out
    }

    static func contexts(sopClass: String, syntaxes: [String], lossy: TransferSyntax?) -> [(abstractSyntax: String, transferSyntaxes: [String])] {
        var out = syntaxes.map { (abstractSyntax: sopClass, transferSyntaxes: [$0]) }
        out.append((sopClass, uncompressed))
        out.append((sopClass, losslessCompressed))
        if let lossy, !syntaxes.contains(lossy.uid), !uncompressed.contains(lossy.uid) { out.append((sopClass, [lossy.uid])) }
        return out
    }

    /// Distinct syntaxes per SOP class, both in first-seen order.
    static func syntaxesByClass(_ candidates: [StoreCandidate]) -> [(String, [String])] {
        var order: [String] = []
        var syntaxes: [String: [String]] = [:]
        for c in candidates {
            if syntaxes[c.sopClassUID] == nil { order.append(c.sopClassUID) }
            if !(syntaxes[c.sopClassUID] ?? []).contains(c.syntax.uid) { syntaxes[c.sopClassUID, default: []].append(c.syntax.uid) }
        }
        return order.map { ($0, syntaxes[$0] ?? []) }
    }

    /// Splits `candidates` into groups whose contexts fit one association (at most 128): SOP
    /// classes are packed whole, in first-seen order, so each instance's class has all its
    /// contexts on the association it travels on. Instances keep their order within a group.
    public static func associations(for candidates: [StoreCandidate], lossy: TransferSyntax? = nil,
                                     maxContexts: Int = Negotiation.maxPresentationContexts) -> [[StoreCandidate]] {
        var groupOfClass: [String: Int] = [:]
        var used: [Int] = []
        for (sopClass, syntaxes) in syntaxesByClass(candidates) {
            let needed = contexts(sopClass: sopClass, syntaxes: syntaxes, lossy: lossy).count
            if let last = used.indices.last, used[last] + needed <= maxContexts {
                used[last] += needed
                groupOfClass[sopClass] = last
            } else {
                // A class needing more than one association holds (over 125 syntaxes) still gets
                // one of its own; proposing then fails with the reason.
                used.append(needed)
                groupOfClass[sopClass] = used.count - 1
            }
        }
        var groups = [[StoreCandidate]](repeating: [], count: used.count)
        for c in candidates { groups[groupOfClass[c.sopClassUID] ?? 0].append(c) }
        return groups.filter { !$0.isEmpty }
    }

    // MARK: Per instance, once the peer answered

    /// How one instance goes out on a negotiated association.
    public enum Decision: Sendable, Equatable {
        /// Its bytes as they are, on this context.
        case asIs(contextID: UInt8)
        /// Converted losslessly (bit-exact pixels) to the syntax this context accepted.
        case lossless(contextID: UInt8, TransferSyntax)
        /// Converted lossily (allowed by the user) with the lossy bookkeeping.
        case lossy(contextID: UInt8, TransferSyntax)
        /// Not sent, and why.
        case refused(String)
    }

    /// The decision for an instance of `sopClass` in `syntax` given the accepted contexts:
    /// as is when its syntax was accepted; else a lossless conversion (uncompressed first, then
    /// the lossless-only compressed syntaxes the peer took); else the lossy syntax the user
    /// allowed; else a refusal naming what the peer accepted. `exclude` lists syntaxes already
    /// tried for this instance (a conversion the encoder refused). `rewrite`: the file's bytes
    /// cannot go as they are (elements not encoded as its syntax says, an odd length), so even in
    /// its own syntax it goes through the writer.
    public static func decide(sopClass: String, syntax: TransferSyntax, accepted: [NegotiatedAssociation.Context],
                              allowLossy: TransferSyntax?, exclude: Set<String> = [], rewrite: Bool = false) -> Decision {
        let forClass = accepted.filter { $0.abstractSyntax == sopClass && $0.transferSyntax != nil }
        guard !forClass.isEmpty else {
            var reason = "the peer accepted no presentation context for \(sopClassName(sopClass)) in \(syntax.name) or uncompressed"
            if allowLossy == nil { reason += " (--allow-lossy SYNTAX proposes a lossy syntax too)" }
            return .refused(reason)
        }
        if let c = forClass.first(where: { $0.transferSyntax == syntax.uid }), !exclude.contains(syntax.uid) {
            return rewrite ? .lossless(contextID: c.id, syntax) : .asIs(contextID: c.id)
        }
        let candidates = forClass.compactMap { c -> (UInt8, TransferSyntax)? in
            guard let uid = c.transferSyntax, !exclude.contains(uid), let ts = TransferSyntax(uid: uid) else { return nil }
            return (c.id, ts)
        }
        let losslessTargets = candidates.filter { isLosslessTarget($0.1) }.sorted { rank($0.1) < rank($1.1) }
        if let (id, ts) = losslessTargets.first { return .lossless(contextID: id, ts) }
        if let allowLossy, let (id, ts) = candidates.first(where: { $0.1 == allowLossy }) { return .lossy(contextID: id, ts) }
        let offered = Set(forClass.compactMap(\.transferSyntax)).sorted().map(syntaxName).joined(separator: ", ")
        var reason = "the peer accepts \(sopClassName(sopClass)) only in \(offered), and \(syntax.name) cannot be converted to it without loss"
        if allowLossy == nil { reason += " (--allow-lossy SYNTAX permits a lossy conversion)" }
        return .refused(reason)
    }

    /// Syntaxes an instance converts to without loss: uncompressed ones and the lossless-only
    /// compressed ones (a lossless-or-lossy syntax such as JPEG 2000 is left to the user).
    static func isLosslessTarget(_ ts: TransferSyntax) -> Bool {
        (!ts.isEncapsulated && !ts.isDeflated) || (ts.isEncapsulated && ts.isLosslessOnly && ts.codec != nil)
    }

    /// Uncompressed first (Explicit VR Little Endian, then Implicit), then compressed.
    static func rank(_ ts: TransferSyntax) -> Int {
        if ts == .explicitVRLittleEndian { return 0 }
        if ts == .implicitVRLittleEndian { return 1 }
        return ts.isEncapsulated ? 3 : 2
    }

    static func sopClassName(_ uid: String) -> String {
        UIDDictionary.entry(for: uid).map { "\($0.name) (\(uid))" } ?? uid
    }

    static func syntaxName(_ uid: String) -> String { TransferSyntax(uid: uid)?.name ?? uid }
}
