import DicomCore
import DicomIO

/// The two models `create` reads.
public enum ModelFormat: String, Sendable {
    case json, xml
}

/// An instance made from a model, ready for the one writing path: the data set, the meta elements
/// the input carried (the writer's `makeMeta` keeps those it may), and the transfer syntax the
/// input's encapsulated Pixel Data is in, when it has some.
public struct CreatedInstance: Sendable {
    public var dataset: Dataset
    public var meta: Dataset
    /// Nil when Pixel Data is native (or absent): the data set is then written from Explicit VR
    /// Little Endian values into any target.
    public var encapsulatedSyntax: TransferSyntax?
    public var hasEncapsulatedPixelData: Bool
    public var warnings: [String]
    /// The files BulkDataURIs named: inputs too, never overwritten.
    public var bulkDataFiles: [String]
    /// A DICOMDIR (a Basic Directory): written by `BasicDirectory.encode(model:meta:)`, whose record
    /// offsets are made for the new bytes; `meta` then names the Basic Directory and its instance.
    public var isBasicDirectory = false
}

public enum Creator {
    /// Reads `bytes` as `format`, builds and checks the data set, and checks that it names its
    /// SOP Class and Instance (the meta needs both): a missing SOP Instance UID is refused unless
    /// `inventUIDs`, which generates one with a warning; a missing SOP Class UID is refused.
    /// `sourceSyntax` is the transfer syntax encapsulated Pixel Data is in (--source-ts), else a
    /// Transfer Syntax UID among the input's meta elements says it.
    public static func make(_ bytes: [UInt8], format: ModelFormat, options: CreateOptions, inventUIDs: Bool,
                            sourceSyntax: TransferSyntax?) throws(DicomError) -> CreatedInstance {
        let model = format == .json ? try JSONModelReader.read(bytes) : try XMLModelReader.read(bytes)
        var built = try DatasetBuilder.build(model, options: options)
        if built.dataset[.directoryRecordSequence] != nil || built.meta.string(.mediaStorageSOPClassUID) == BasicDirectory.sopClassUID {
            return directory(built)
        }
        if built.dataset.string(.sopClassUID)?.isEmpty ?? true {
            throw DicomError(.invalidInput, "the data set has no SOP Class UID (0008,0016), which the File Meta Information needs",
                             tag: .sopClassUID)
        }
        if built.dataset.string(.sopInstanceUID)?.isEmpty ?? true {
            guard inventUIDs else {
                throw DicomError(.invalidInput, "the data set has no SOP Instance UID (0008,0018), which the File Meta Information needs "
                                 + "(--invent-uids makes one)", tag: .sopInstanceUID)
            }
            let uid = Implementation.newUID()
            built.dataset.setString(.sopInstanceUID, .UI, uid)
            built.warnings.append("no SOP Instance UID in the input: \(uid) invented (--invent-uids)")
        }
        let encapsulated = built.dataset[.pixelData]?.fragments != nil
        var syntax: TransferSyntax?
        if encapsulated {
            syntax = sourceSyntax
            if syntax == nil, let uid = built.meta.string(.transferSyntaxUID), let named = TransferSyntax(uid: uid), named.isEncapsulated {
                syntax = named
            }
        }
        return CreatedInstance(dataset: built.dataset, meta: built.meta, encapsulatedSyntax: syntax,
                               hasEncapsulatedPixelData: encapsulated, warnings: built.warnings,
                               bulkDataFiles: built.bulkDataFiles)
    }

    /// A DICOMDIR's model: its data set has no SOP Class or Instance UID (PS3.3 F.3); the meta
    /// names the Basic Directory Storage SOP Class, and the instance the model's meta gives, else
    /// a new one (dump's models carry no meta: a warning says so).
    static func directory(_ built: BuiltDataset) -> CreatedInstance {
        var meta = built.meta
        var warnings = built.warnings
        meta.setString(.mediaStorageSOPClassUID, .UI, BasicDirectory.sopClassUID)
        if meta.string(.mediaStorageSOPInstanceUID)?.isEmpty ?? true {
            let uid = Implementation.newUID()
            meta.setString(.mediaStorageSOPInstanceUID, .UI, uid)
            warnings.append("a DICOMDIR's data set names no instance, and the input gives no Media Storage SOP Instance UID (0002,0003): \(uid) made")
        }
        return CreatedInstance(dataset: built.dataset, meta: meta, encapsulatedSyntax: nil, hasEncapsulatedPixelData: false,
                               warnings: warnings, bulkDataFiles: built.bulkDataFiles, isBasicDirectory: true)
    }
}
