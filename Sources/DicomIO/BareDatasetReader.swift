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
}
