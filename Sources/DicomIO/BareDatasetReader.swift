import DicomCore

/// Reads a data set that has no preamble, no File Meta Information and a known encoding: a DIMSE
/// command set (always Implicit VR Little Endian, PS3.7 6.3.1) or a data set received over the
/// network in the negotiated transfer syntax. The same checked parser as files: every length is
/// checked against the bytes left, nesting is bounded.
public enum BareDatasetReader {
    public static func read(_ bytes: [UInt8], encoding: DatasetEncoding, name: String) throws(DicomError) -> Dataset {
        let source = ByteSource(ownedBytes: bytes, name: name)
        var parser = DatasetParser(source: source)
        let (dataset, _) = try parser.parseDataset(from: 0, to: source.count, encoding: encoding, undefinedItem: false,
                                                   characterSet: .default, depth: 0)
        return dataset
    }

    /// The top-level elements before `stop` of a data set known only by its first bytes (a
    /// receiver's instance as it arrives): nil unless `bytes` reach an element of tag `stop` or
    /// above, since elements wanted may follow, and nil when they cannot be read (the caller then
    /// reads the whole data set, which says why). An explicit VR syntax whose first element is
    /// implicit is read as implicit, as `Part10Reader` does.
    public static func readPrefix(_ bytes: [UInt8], encoding: DatasetEncoding, stopBefore stop: Tag, name: String) -> Dataset? {
        let source = ByteSource(ownedBytes: bytes, name: name)
        var encoding = encoding
        if encoding.explicitVR, source.count >= 8, VR(bytes: source[4], source[5]) == nil { encoding.explicitVR = false }
        var parser = DatasetParser(source: source)
        parser.stopBefore = stop
        guard let parsed = try? parser.parseDataset(from: 0, to: source.count, encoding: encoding, undefinedItem: false,
                                                    characterSet: .default, depth: 0),
              parsed.1 < source.count else { return nil }
        return parsed.0
    }
}
