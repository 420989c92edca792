import DicomCore
import DicomIO
import DicomNet

/// Storage status values (PS3.4 B.2.3) and the general Duplicate SOP Instance (PS3.7 C.4).
enum StorageStatus {
    static let outOfResources: UInt16 = 0xA700
    static let cannotUnderstand: UInt16 = 0xC000
    static let sopClassNotSupported: UInt16 = 0x0122
    static let duplicateSOPInstance: UInt16 = 0x0111
}

/// The C-STORE SCP of one association: each instance is written as its PDVs arrive into a temporary
/// file in the output directory (the Part 10 meta header first, built from the command set), its
/// first bytes kept for the attributes the layout needs, renamed into place once complete, and
/// only then answered. A failure at any step answers a failure status and leaves no file; an association
/// that ends mid-instance leaves none either.
final class StorageAssociation: InvokingAssociationService {
    let scp: StorageSCP
    let info: AcceptedAssociation
    let id: Int
    private var reception: Reception?
    /// The first bytes of the instance being received, for its attributes (not its file read back).
    private var capture = AttributeCapture()
    /// The storage commitment request being received (receive --commitment).
    var commitment: CommitmentExchange?
    /// Reports owed on this association: sent after the N-ACTION-RSP, answered or not.
    var owedReports: [(report: CommitmentReport, contextID: UInt8, transferSyntax: String, sent: Bool, answered: Bool)] = []
    private var stored = 0
    private var failed = 0

    /// The instance being received.
    private struct Reception {
        var request: DIMSECommand
        var sopClassUID: String
        var sopInstanceUID: String
        var transferSyntax: TransferSyntax
        var output: AtomicOutput?
        /// The failure to answer once the last fragment is in (the fragments still come).
        var failure: (status: UInt16, message: String)?
    }

    init(scp: StorageSCP, info: AcceptedAssociation, id: Int) {
        self.scp = scp
        self.info = info
        self.id = id
    }

    var configuration: StorageSCPConfiguration { scp.configuration }

    func begin(_ request: DIMSERequest) async -> DIMSECommand? {
        let command = request.command
        if command.field == .nActionRQ { return beginCommitment(request) }
        guard command.field == .cStoreRQ else { return .unrecognizedOperationRSP(to: command) }
        guard command.hasDataSet else {
            return refuse(command, StorageStatus.cannotUnderstand, "C-STORE-RQ without a data set")
        }
        guard let sopClass = command.affectedSOPClassUID?.trimmingTrailingSpaces(), !sopClass.isEmpty,
              let sopInstance = command.affectedSOPInstanceUID?.trimmingTrailingSpaces(), !sopInstance.isEmpty else {
            return refuse(command, StorageStatus.cannotUnderstand, "C-STORE-RQ without Affected SOP Class or Instance UID")
        }
        guard sopClass == request.abstractSyntax else {
            return refuse(command, StorageStatus.sopClassNotSupported,
                          "SOP class \(sopClass) sent on the presentation context of \(request.abstractSyntax)")
        }
        guard let syntax = TransferSyntax(uid: request.transferSyntax) else {
            return refuse(command, StorageStatus.cannotUnderstand, "transfer syntax \(request.transferSyntax) unknown")
        }
        var r = Reception(request: command, sopClassUID: sopClass, sopInstanceUID: sopInstance, transferSyntax: syntax)
        do throws(DicomError) {
            var output = try InstanceOutput.begin(in: configuration.outputDirectory, name: StorageLayout.pathComponent(sopInstance),
                                                  sync: configuration.sync)
            r.output = output
            var previous = Dataset()
            previous.setString(.mediaStorageSOPClassUID, .UI, sopClass)
            previous.setString(.mediaStorageSOPInstanceUID, .UI, sopInstance)
            previous.setString(.sourceApplicationEntityTitle, .AE, info.callingAETitle)
            let meta = DatasetWriter.makeMeta(for: Dataset(), syntax: syntax, previous: previous)
            // The data set follows as received: the writer's own syntax only frames the (empty) body.
            var header = MemorySink()
            try DatasetWriter(syntax: .explicitVRLittleEndian).writeFile(meta: meta, dataset: Dataset(), to: &header)
            try output.write(header.bytes)
            capture.start(meta: header.bytes)
        } catch {
            r.output?.discard()
            r.output = nil
            r.failure = (StorageStatus.outOfResources, Self.words(error))
        }
        reception = r
        return nil
    }

    func dataSetFragment(_ bytes: PDVData) async {
        if commitment != nil { return commitmentFragment(bytes) }
        guard var r = reception, r.failure == nil, let output = r.output else { return }
        do throws(DicomError) {
            try bytes.withUnsafeBytes { (p) throws(DicomError) in try output.writeThrough(p) }
            capture.append(bytes)
        } catch {
            // A full disk: the partial file goes at once, freeing its space; the rest is drained.
            output.discard()
            r.output = nil
            r.failure = (StorageStatus.outOfResources, Self.words(error))
            reception = r
        }
    }

    func endDataSet() async -> DIMSECommand {
        if let exchange = commitment { return endCommitment(exchange) }
        guard let r = reception else {
            return refuse(DIMSECommand(commandField: .cStoreRQ, hasDataSet: true), StorageStatus.cannotUnderstand, "no request")
        }
        reception = nil
        if let failure = r.failure { return refuse(r.request, failure.status, failure.message) }
        guard let output = r.output, let temporary = output.temporaryFile else {
            return refuse(r.request, StorageStatus.outOfResources, "no output")
        }
        do throws(DicomError) {
            try output.finishWriting()
        } catch {
            return refuse(r.request, StorageStatus.outOfResources, Self.words(error))
        }
        // The attributes the layout and hooks need: from the bytes kept as they came, else (a
        // wanted attribute past them) from the complete file read back.
        let values: [Tag: String]
        do throws(DicomError) {
            defer { capture.reset() }
            if let captured = try capture.values(of: configuration.tagsRead, syntax: r.transferSyntax, name: temporary) {
                values = captured
            } else {
                let file = try Part10Reader.read(path: temporary)
                var v: [Tag: String] = [:]
                for tag in configuration.tagsRead {
                    if let s = file.dataset.string(tag) { v[tag] = s.trimmingWhitespace() }
                }
                values = v
            }
        } catch {
            output.discard()
            return refuse(r.request, StorageStatus.cannotUnderstand, "the data set cannot be read: \(Self.words(error))")
        }
        let relative = configuration.layout.relativePath(callingAETitle: info.callingAETitle) { tag in
            values[tag] ?? (tag == .sopInstanceUID ? r.sopInstanceUID : tag == .sopClassUID ? r.sopClassUID : nil)
        }
        let path = configuration.outputDirectory + "/" + relative
        let placed: String
        do throws(DicomError) {
            guard let p = try place(output, at: path, sopInstanceUID: r.sopInstanceUID) else {
                output.discard()
                return refuse(r.request, StorageStatus.duplicateSOPInstance, "SOP instance \(r.sopInstanceUID) is already stored")
            }
            placed = p
        } catch {
            output.discard()
            return refuse(r.request, StorageStatus.outOfResources, Self.words(error))
        }
        stored += 1
        scp.commitment?.record(sopInstanceUID: r.sopInstanceUID, sopClassUID: r.sopClassUID, path: placed)
        // What was written is the file: no stat(2) per instance.
        let size = output.bytesWritten
        scp.emit(.stored(StoredInstance(association: id, path: placed, sopClassUID: r.sopClassUID, sopInstanceUID: r.sopInstanceUID,
                                        transferSyntaxUID: r.transferSyntax.uid, bytes: size, callingAETitle: info.callingAETitle)))
        scp.filed(path: placed, values: values, callingAETitle: info.callingAETitle)
        return .storeRSP(to: r.request, status: DIMSEStatus.success)
    }

    /// Renames the finished file into place under the duplicate policy: the path used, or nil when
    /// refused as a duplicate.
    private func place(_ output: AtomicOutput, at path: String, sopInstanceUID: String) throws(DicomError) -> String? {
        switch configuration.onDuplicate {
        case .replace:
            let existed = FileIdentity(path) != nil
            _ = try output.place(at: path, replacing: true)
            if existed {
                scp.emit(.duplicate(association: id, path: path, keptAs: path, policy: .replace, sopInstanceUID: sopInstanceUID))
            }
            return path
        case .reject:
            if try output.place(at: path, replacing: false) { return path }
            scp.emit(.duplicate(association: id, path: path, keptAs: nil, policy: .reject, sopInstanceUID: sopInstanceUID))
            return nil
        case .keep:
            if try output.place(at: path, replacing: false) { return path }
            var n = 1
            while true {
                let candidate = StorageLayout.suffixed(path, n)
                if try output.place(at: candidate, replacing: false) {
                    scp.emit(.duplicate(association: id, path: path, keptAs: candidate, policy: .keep, sopInstanceUID: sopInstanceUID))
                    return candidate
                }
                n += 1
            }
        }
    }

    func end(_ how: AssociationEnd) async {
        commitment = nil
        endCommitments()
        capture.reset()
        if let r = reception {
            r.output?.discard()
            reception = nil
            scp.emit(.discarded(association: id, calling: info.callingAETitle, sopInstanceUID: r.sopInstanceUID,
                                reason: "\(how)"))
        }
        scp.emit(.associationEnded(association: id, calling: info.callingAETitle, how: how, stored: stored, failed: failed))
        scp.associationEnded()
    }

    private func refuse(_ request: DIMSECommand, _ status: UInt16, _ message: String) -> DIMSECommand {
        failed += 1
        scp.noteFailure(status)
        scp.emit(.failed(association: id, calling: info.callingAETitle, sopInstanceUID: request.affectedSOPInstanceUID, status: status,
                         message: message))
        // The error comment is LO: 64 characters at most.
        return .storeRSP(to: request, status: status, errorComment: String(message.prefix(64)))
    }

    static func words(_ error: DicomError) -> String {
        error.cause.map { "\(error.message): \($0)" } ?? error.message
    }
}
