import DicomCore
import DicomIO

extension Anonymizer {
    /// A DICOMDIR's record links ((0004,1200), (0004,1202), (0004,1400), (0004,1420)) are byte
    /// offsets of records in the file, which change when values change length. They are
    /// recomputed from a trial write of the result (the runner writes the same bytes: same
    /// writer, same syntax, 128-byte preamble). A link that does not point at a record of the
    /// input is left as it was, with a warning.
    static func relinkDirectoryRecords(original: DicomFile, meta: Dataset, dataset: inout Dataset,
                                       syntax: TransferSyntax, report: inout AnonymizeReport) {
        let recordsTag = Tag.directoryRecordSequence
        guard !original.transferSyntax.isDeflated, !syntax.isDeflated,
              let before = original.dataset.items(recordsTag), var records = dataset.items(recordsTag),
              before.count == records.count else {
            report.warnings.append("DICOMDIR record offsets not recomputed (deflated or records changed)")
            return
        }
        var sink = MemorySink()
        guard (try? DatasetWriter(syntax: syntax).writeFile(meta: meta, dataset: dataset, to: &sink)) != nil,
              let reread = try? Part10Reader.read(source: ByteSource(ownedBytes: sink.bytes, name: "DICOMDIR (trial write)")),
              let after = reread.dataset.items(recordsTag), after.count == before.count else {
            report.warnings.append("DICOMDIR record offsets not recomputed (trial write failed)")
            return
        }
        // An item's data set starts 8 bytes after its (FFFE,E000) header, which links point at.
        var newOffset: [UInt32: UInt32] = [:]
        for (old, new) in zip(before, after) {
            guard let o = old.offset, let n = new.offset, o >= 8, n >= 8, let o32 = UInt32(exactly: o - 8),
                  let n32 = UInt32(exactly: n - 8) else { continue }
            newOffset[o32] = n32
        }
        var unresolved = 0
        func relink(_ ds: inout Dataset, _ tag: Tag) {
            guard let e = ds[tag], e.vr == .UL || e.vr == .UN, let b = e.valueBytes, b.count == 4 else { return }
            let raw = b.littleEndianBytes(swapUnit: 4)
            let old = UInt32(widening: raw[0]) | UInt32(widening: raw[1]) << 8 | UInt32(widening: raw[2]) << 16 | UInt32(widening: raw[3]) << 24
            guard old != 0 else { return }
            guard let new = newOffset[old] else { unresolved += 1; return }
            ds.set(Element(tag: tag, vr: .UL, value: .bytes(ValueBytes(withUnsafeBytes(of: new.littleEndian, Array.init)))))
        }
        relink(&dataset, Tag.offsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity)
        relink(&dataset, Tag.offsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity)
        for i in records.indices {
            relink(&records[i], Tag.offsetOfTheNextDirectoryRecord)
            relink(&records[i], Tag.offsetOfReferencedLowerLevelDirectoryEntity)
        }
        dataset.setSequence(recordsTag, records)
        if unresolved > 0 {
            report.warnings.append("DICOMDIR: \(unresolved) record offsets of the input point at no record; left as they were")
        }
    }
}
