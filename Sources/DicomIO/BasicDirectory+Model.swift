import DicomCore

/// A DICOMDIR made from a model of its data set (`create` from `dump --json` or `--xml`): the
/// records' offsets in the model are positions in the file it was dumped from, which the new bytes
/// do not keep. They are resolved to records, and the rewriter's one encoder writes them back for
/// the new positions (Explicit VR Little Endian, PS3.10 8.6).
extension BasicDirectory {
    /// The whole file: preamble, `meta` (which names the Basic Directory and its instance), the
    /// data set with its Directory Record Sequence and every offset recomputed.
    public static func encode(model dataset: Dataset, meta: Dataset) throws(DicomError) -> [UInt8] {
        let records = dataset.items(recordSequence) ?? []
        let links = try modelLinks(dataset, records: records)
        return try encode(records: records, links: links, dataset: dataset, meta: meta, preamble: nil)
    }

    /// The model's offsets as record indices. An offset is the position of a record's item in the
    /// source file, so offsets grow with the records' order in the sequence: when every record is
    /// pointed at (the usual case: each record is the first of the root, a next record, or a
    /// lower-level entity), the k-th smallest offset is the k-th record, whatever syntax the source
    /// was in. When some record is pointed at by nothing (a rewriter's leftover), the offsets are
    /// matched to the records' positions in this file, which the source had if it was written the
    /// same way (Explicit VR Little Endian, defined lengths); else the offsets cannot be placed and
    /// the model is refused, naming the numbers.
    static func modelLinks(_ dataset: Dataset, records: [Dataset]) throws(DicomError) -> Links {
        func offset(_ ds: Dataset, _ tag: Tag) -> Int? { ds.int(tag).flatMap { $0 == 0 ? nil : $0 } }
        let rootValues = (offset(dataset, rootFirst), offset(dataset, rootLast))
        let nextValues = records.map { offset($0, nextRecord) }
        let lowerValues = records.map { offset($0, lowerLevel) }
        let distinct = Set([rootValues.0, rootValues.1].compactMap { $0 } + nextValues.compactMap { $0 } + lowerValues.compactMap { $0 })
        var index: [Int: Int] = [:]
        if distinct.count == records.count {
            for (i, value) in distinct.sorted().enumerated() { index[value] = i }
        } else if let matched = try matchedByPosition(distinct, records: records) {
            index = matched
        } else {
            throw DicomError(.invalidInput, "the directory's \(distinct.count) record offsets cannot be matched to its \(records.count) records "
                             + "(a record no offset points at, in a file not written as Explicit VR Little Endian with defined lengths)",
                             tag: recordSequence)
        }
        var links = Links(rootFirst: rootValues.0.flatMap { index[$0] }, rootLast: rootValues.1.flatMap { index[$0] },
                          next: nextValues.map { $0.flatMap { index[$0] } }, lower: lowerValues.map { $0.flatMap { index[$0] } })
        if links.rootFirst == nil, !records.isEmpty { links.rootFirst = 0 }
        if links.rootLast == nil, var i = links.rootFirst {
            var seen = Set<Int>()
            while let n = links.next[i], seen.insert(i).inserted { i = n }
            links.rootLast = i
        }
        return links
    }

    /// Offsets matched to the records' positions in the source, up to one shift (the source's
    /// meta had its own length): the positions are rebuilt from each record's encoded size in the
    /// layouts a source may have had (explicit or implicit VR, items of defined or undefined
    /// length; big endian has the sizes of little endian). Nil when no layout places every offset
    /// on a record.
    static func matchedByPosition(_ offsets: Set<Int>, records: [Dataset]) throws(DicomError) -> [Int: Int]? {
        guard let smallest = offsets.min() else { return [:] }
        for syntax in [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian] {
            var contents: [Int] = []
            for record in records {
                var sink = MemorySink()
                try DatasetWriter(syntax: syntax).writeBare(record, to: &sink)
                contents.append(sink.bytes.count)
            }
            // An item's header is 8 bytes; an undefined-length item adds an 8-byte delimiter.
            for itemOverhead in [8, 16] {
                var positions: [Int] = []
                var at = 0
                for size in contents {
                    positions.append(at)
                    at += size + itemOverhead
                }
                let record = Dictionary(positions.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                for anchor in positions {
                    let shift = smallest - anchor
                    var index: [Int: Int] = [:]
                    for value in offsets {
                        guard let i = record[value - shift] else { break }
                        index[value] = i
                    }
                    if index.count == offsets.count { return index }
                }
            }
        }
        return nil
    }
}
