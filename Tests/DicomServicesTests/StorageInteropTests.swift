import DicomCore
import DicomIO
import DicomNet
import DicomPixels
import DicomTestSupport
import Foundation
import Testing
@testable import DicomServices

/// `StorageSCU` against real peers on loopback: dcmtk's storescp (all syntaxes it has, and
/// Implicit VR Little Endian only), and a pynetdicom SCP taking only JPEG baseline or failing on
/// purpose (scripts/net-peers/store_scp.py).
@Suite(.serialized, .dedicatedThreads) struct StorageInteropTests {
    static let storescp = "/usr/bin/storescp"
    static let python = "/usr/bin/env"
    static let scp = CorpusIndex.packageRoot.appendingPathComponent("scripts/net-peers/store_scp.py").path
    static let pixelsEqual = CorpusIndex.packageRoot.appendingPathComponent("scripts/net-peers/pixels_equal.py").path
    static let fixtures = CorpusIndex.fixtures

    static func items(_ paths: [String]) -> [StoreItem] {
        paths.enumerated().map { i, path in StoreItem(index: i, name: path) { () throws(DicomError) -> DicomFile in try Part10Reader.read(path: path) } }
    }

    static func send(_ paths: [String], port: Int, aet: String = "SCP", _ configure: (inout StorageSCUOptions) -> Void = { _ in })
        async throws -> [StoreOutcome] {
        var options = StorageSCUOptions()
        options.retryDelay = .milliseconds(50)
        configure(&options)
        let collected = Collected()
        await StorageSCU.send(items(paths), to: AssociationAddress(aeTitle: aet, host: "127.0.0.1", port: port), options: options) {
            collected.add($0)
        }
        return collected.sorted
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [StoreOutcome] = []
        func add(_ o: StoreOutcome) { lock.withLock { all.append(o) } }
        var sorted: [StoreOutcome] { lock.withLock { all.sorted { $0.index < $1.index } } }
    }

    /// The data set bytes of a Part 10 file: everything after its meta.
    static func dataSetBytes(_ path: String) throws -> [UInt8] {
        let file = try Part10Reader.read(path: path)
        return Array(UnsafeRawBufferPointer(rebasing: file.source.base[file.datasetOffset...]))
    }

    static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }

    /// Runs a child to completion off the cooperative pool; its exit status and output.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: executable)
                p.arguments = arguments
                let pipe = Pipe()
                p.standardOutput = pipe
                p.standardError = pipe
                do { try p.run() } catch { c.resume(throwing: error); return }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                c.resume(returning: (p.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }

    @Test func asIsToStorescpKeepsTheDataSetBytes() async throws {
        let sources = ["native/MR_small.dcm", "native/MR_small_implicit.dcm", "jpeg/baseline/SC_rgb_dcmtk_+eb+cy+s2.dcm",
                       "jpeg/lossless-sv1/SC_rgb_jpeg_gdcm.dcm", "jpegls/lossless/MR_small_jpeg_ls_lossless.dcm", "rle/MR_small_RLE.dcm"].map(Self.fixture).filter { FileManager.default.fileExists(atPath: $0) }
        try #require(sources.count == 6, "fixtures missing")
        let peer = try await PeerProcess(Self.storescp, environment: ["TCP_NODELAY": "1"]) { port, dir in
            ["-aet", "SCP", "-od", dir + "/out", "+uf", "+B", "+xa", String(port)]
        }
        try FileManager.default.createDirectory(at: peer.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        defer { peer.stop(); peer.remove() }
        for source in sources {
            let before = Set(peer.received())
            let outcome = try #require(try await Self.send([source], port: peer.port).first)
            #expect(outcome.error == nil, "\(source): \(outcome.error.map { "\($0)" } ?? "")")
            #expect(outcome.conversion == .none && outcome.status == DIMSEStatus.success)
            let new = Set(peer.received()).subtracting(before)
            let received = try #require(new.first, "\(source): nothing received")
            #expect(try Self.dataSetBytes(received.path) == Self.dataSetBytes(source), "\(source)")
            #expect(outcome.bytes == (try Self.dataSetBytes(source).count))
        }
    }

    @Test func implicitOnlyPeerGetsCompressedFilesDecodedBitExact() async throws {
        // JPEG 2000 (lossless and lossy), JPEG-LS, RLE; and HTJ2K made here (no HTJ2K DICOM file exists).
        var sources = ["j2k/lossless/MR_small_jp2klossless.dcm", "j2k/lossy/SC_rgb_gdcm_KY.dcm", "jpegls/lossless/MR_small_jpeg_ls_lossless.dcm",
                       "rle/MR_small_RLE.dcm", "rle/SC_rgb_rle_16bit_2frame.dcm"].map(Self.fixture)
        let htj2k = FileManager.default.temporaryDirectory.appendingPathComponent("send-htj2k-\(UUID().uuidString).dcm").path
        defer { try? FileManager.default.removeItem(atPath: htj2k) }
        let made = try Transcoder(TranscodeOptions(target: .htj2kLossless)).transcode(Part10Reader.read(path: Self.fixture("native/MR_small.dcm")))
        var sink = MemorySink()
        _ = try made.write(to: &sink, preamble: nil)
        try Data(sink.bytes).write(to: URL(fileURLWithPath: htj2k))
        sources.append(htj2k)
        let peer = try await PeerProcess(Self.storescp, environment: ["TCP_NODELAY": "1"]) { port, dir in
            ["-aet", "SCP", "-od", dir + "/out", "+uf", "+xi", String(port)]
        }
        try FileManager.default.createDirectory(at: peer.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        defer { peer.stop(); peer.remove() }
        for source in sources {
            let before = Set(peer.received())
            let outcome = try #require(try await Self.send([source], port: peer.port).first)
            #expect(outcome.error == nil, "\(source): \(outcome.error.map { "\($0)" } ?? "")")
            #expect(outcome.conversion == .lossless && outcome.sentSyntax == .implicitVRLittleEndian, "\(source)")
            #expect(outcome.sopInstanceUID == outcome.sourceSOPInstanceUID)
            let received = try #require(Set(peer.received()).subtracting(before).first, "\(source): nothing received")
            #expect(try Part10Reader.read(path: received.path).transferSyntax == .implicitVRLittleEndian)
            let (status, text) = try await Self.run(Self.python, ["python3", Self.pixelsEqual, source, received.path])
            #expect(status == 0, "\(source): \(text)")
        }
    }

    @Test func jpegOnlyPeerGetsALossyFileOnlyWhenAllowed() async throws {
        let source = Self.fixture("native/SC_rgb_small_odd.dcm")
        try #require(FileManager.default.fileExists(atPath: source))
        let peer = try await PeerProcess(Self.python) { port, dir in
            ["python3", Self.scp, String(port), dir + "/out", "--syntaxes", TransferSyntax.jpegBaseline.uid]
        }
        try FileManager.default.createDirectory(at: peer.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        defer { peer.stop(); peer.remove() }
        let refused = try #require(try await Self.send([source], port: peer.port).first)
        #expect(refused.error?.code == .associationRejected && refused.error?.message.contains("--allow-lossy") == true)
        #expect(peer.received().isEmpty)

        let lossy = try #require(try await Self.send([source], port: peer.port) { $0.allowLossy = .jpegBaseline }.first)
        #expect(lossy.error == nil && lossy.conversion == .lossy && lossy.sentSyntax == .jpegBaseline)
        let received = try #require(peer.received().first)
        let file = try Part10Reader.read(path: received.path)
        let ds = file.dataset
        let original = try Part10Reader.read(path: source).dataset
        #expect(file.transferSyntax == .jpegBaseline)
        #expect(ds.string(.imageType)?.hasPrefix("DERIVED") == true)
        #expect(ds.string(.lossyImageCompression) == "01")
        #expect(ds.string(.lossyImageCompressionMethod)?.contains("ISO_10918_1") == true)
        #expect((ds.string(.lossyImageCompressionRatio).flatMap { Double($0.split(separator: "\\").last ?? "") } ?? 0) > 0)
        #expect(ds.string(.sopInstanceUID) == lossy.sopInstanceUID && lossy.sopInstanceUID != original.string(.sopInstanceUID))
        // Appended to the fixture's own Source Image Sequence: an item names the original.
        let items = try #require(ds[.sourceImageSequence]?.items)
        #expect(items.contains { $0.string(.referencedSOPInstanceUID) == original.string(.sopInstanceUID) })
    }

    @Test func aJPEGLSOnlyPeerGetsAMultiFrameFileReencodedFrameByFrame() async throws {
        // RLE, 2 frames, to a peer taking only JPEG-LS lossless: frames streamed as encoded.
        let source = Self.fixture("rle/SC_rgb_rle_16bit_2frame.dcm")
        let peer = try await PeerProcess(Self.python) { port, dir in
            ["python3", Self.scp, String(port), dir + "/out", "--syntaxes", TransferSyntax.jpegLSLossless.uid]
        }
        defer { peer.stop(); peer.remove() }
        let outcome = try #require(try await Self.send([source], port: peer.port).first)
        #expect(outcome.error == nil && outcome.conversion == .lossless && outcome.sentSyntax == .jpegLSLossless,
                "\(outcome.error.map { "\($0)" } ?? "")")
        let received = try #require(peer.received().first)
        #expect(try Part10Reader.read(path: received.path).transferSyntax == .jpegLSLossless)
        let (status, text) = try await Self.run(Self.python, ["python3", Self.pixelsEqual, source, received.path])
        #expect(status == 0, "\(text)")
    }

    /// A three-frame RLE image whose third frame is corrupt (no segments).
    static func rleWithCorruptThirdFrame() throws -> URL {
        var ds = Dataset()
        ds.setString(.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        ds.setString(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.10.2.1")
        ds.setUInt16(.samplesPerPixel, 1)
        ds.setString(.photometricInterpretation, .CS, "MONOCHROME2")
        ds.setString(.numberOfFrames, .IS, "3")
        // Frames larger than a PDV, so that frame 1 is on its way when frame 3 fails.
        ds.setUInt16(.rows, 512)
        ds.setUInt16(.columns, 512)
        ds.setUInt16(.bitsAllocated, 8)
        ds.setUInt16(.bitsStored, 8)
        ds.setUInt16(.highBit, 7)
        ds.setUInt16(.pixelRepresentation, 0)
        ds.set(Element(tag: .pixelData, vr: .OB, value: .bytes(ValueBytes((0..<3 * 512 * 512).map { UInt8(truncatingIfNeeded: $0 / 7) }))))
        var meta = Dataset()
        meta.setString(.mediaStorageSOPClassUID, .UI, "1.2.840.10008.5.1.4.1.1.7")
        meta.setString(.mediaStorageSOPInstanceUID, .UI, "1.2.826.0.1.3680043.10.2.1")
        meta.setString(.transferSyntaxUID, .UI, TransferSyntax.explicitVRLittleEndian.uid)
        var native = MemorySink()
        try DatasetWriter(syntax: .explicitVRLittleEndian).writeFile(meta: meta, dataset: ds, to: &native)
        let file = try Part10Reader.read(source: ByteSource(ownedBytes: native.bytes, name: "native"))
        var rle = MemorySink()
        _ = try Transcoder(TranscodeOptions(target: .rleLossless)).transcode(file).write(to: &rle, preamble: nil)
        var bytes = rle.bytes
        let item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0]
        var items: [Int] = []
        for k in 0..<(bytes.count - 4) where Array(bytes[k..<k + 4]) == item { items.append(k) }
        let third = try #require(items.count == 4 ? items.last : nil, "offset table and three fragments") + 8
        bytes[third] = 0  // the RLE header's number of segments
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("send-corrupt-\(UUID().uuidString).dcm")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func aConversionThatFailsMidStreamAbortsAndTheRestGoOn() async throws {
        // Frames 1 and 2 are decoded and handed to the association when frame 3 fails; a data
        // set begun can only be ended by an A-ABORT. Not retried (it would fail again); the next
        // file goes on a new association.
        let corrupt = try Self.rleWithCorruptThirdFrame()
        defer { try? FileManager.default.removeItem(at: corrupt) }
        let peer = try await PeerProcess(Self.python) { port, dir in ["python3", Self.scp, String(port), dir + "/out"] }
        defer { peer.stop(); peer.remove() }
        let outcomes = try await Self.send([corrupt.path, Self.fixture("native/MR_small.dcm")], port: peer.port) { $0.retries = 3 }
        #expect(outcomes.count == 2)
        #expect(outcomes[0].error?.code == .decodeFailed && outcomes[0].attempts == 1 && outcomes[0].bytes > 0,
                "\(outcomes[0].error.map { "\($0)" } ?? "no error") \(outcomes[0].bytes)")
        #expect(outcomes[1].error == nil && outcomes[1].stored && outcomes[1].association == 2)
        #expect(peer.received().count == 1)
    }

    @Test func transientFailuresAreRetriedWithBackOff() async throws {
        let source = Self.fixture("native/MR_small.dcm")
        let peer = try await PeerProcess(Self.python) { port, dir in
            ["python3", Self.scp, String(port), dir + "/out", "--fail-first", "2"]
        }
        try FileManager.default.createDirectory(at: peer.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        defer { peer.stop(); peer.remove() }
        let gaveUp = try #require(try await Self.send([source], port: peer.port).first)
        #expect(gaveUp.status == 0xA700 && gaveUp.error?.code == .peerFailure)
        let retried = try #require(try await Self.send([source], port: peer.port) { $0.retries = 2 }.first)
        #expect(retried.error == nil && retried.status == DIMSEStatus.success && retried.attempts == 2)
        #expect(peer.received().count == 1)
    }

    @Test func manyClassesGoOverSeveralAssociations() async throws {
        // 70 SOP classes x 3 contexts = 210 > 128: two associations, every file stored.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("send-classes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Classes pynetdicom serves as storage (it aborts a C-STORE of any other).
        let (status, known) = try await Self.run(Self.python, ["python3", "-c",
            "from pynetdicom import AllStoragePresentationContexts as a; print(chr(10).join(c.abstract_syntax for c in a))"])
        try #require(status == 0, "pynetdicom: \(known)")
        let served = Set(known.split(separator: "\n").map(String.init))
        let classes = StorageSOPClasses.all.map(\.uid).filter(served.contains).prefix(70)
        try #require(classes.count == 70)
        var paths: [String] = []
        for (i, uid) in classes.enumerated() {
            var ds = Dataset()
            ds.setString(.sopClassUID, .UI, uid)
            ds.setString(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.10.1.\(i + 1)")
            ds.setString(.patientID, .LO, "SEND\(i)")
            var meta = Dataset()
            meta.setString(.mediaStorageSOPClassUID, .UI, uid)
            meta.setString(.mediaStorageSOPInstanceUID, .UI, "1.2.826.0.1.3680043.10.1.\(i + 1)")
            meta.setString(.transferSyntaxUID, .UI, TransferSyntax.explicitVRLittleEndian.uid)
            var sink = MemorySink()
            try DatasetWriter(syntax: .explicitVRLittleEndian).writeFile(meta: meta, dataset: ds, to: &sink)
            let path = dir.appendingPathComponent("\(i).dcm").path
            try Data(sink.bytes).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let peer = try await PeerProcess(Self.python) { port, d in ["python3", Self.scp, String(port), d + "/out"] }
        try FileManager.default.createDirectory(at: peer.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        defer { peer.stop(); peer.remove() }
        let outcomes = try await Self.send(paths, port: peer.port)
        #expect(outcomes.count == 70 && outcomes.allSatisfy { $0.error == nil && $0.stored },
                "\(outcomes.first { $0.error != nil }.map { "\($0.name): \($0.error.map { "\($0)" } ?? "")" } ?? "")")
        #expect(Set(outcomes.compactMap(\.association)) == [1, 2])
        #expect(peer.received().count == 70)
    }
}
