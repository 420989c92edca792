import DicomCore
import DicomIO

// MARK: - Module- and IOD-specific Image Pixel values (the project's table; PS3.3 C.8.5.6.1.2 and the like)

/// The narrowings of the Image Pixel attributes that modules and IODs state in attribute notes and
/// content constraints (ImagePixelConstraints, generated from scripts/tables/image-pixel-constraints.tsv).
/// Numbers are compared as numbers; the transfer syntax is the file's.
enum PixelConstraintChecks {
    /// The values as the data set holds them (top level; nil when absent or not a number).
    static func values(_ ds: Dataset) -> ImagePixelConstraints.Values {
        ImagePixelConstraints.Values(
            photometricInterpretation: ds.string(Tag.photometricInterpretation)?.trimmingWhitespace(),
            samplesPerPixel: ds.int(Tag.samplesPerPixel), planarConfiguration: ds.int(Tag.planarConfiguration),
            bitsAllocated: ds.int(Tag.bitsAllocated), bitsStored: ds.int(Tag.bitsStored),
            highBit: ds.int(Tag.highBit), pixelRepresentation: ds.int(Tag.pixelRepresentation))
    }

    static func run(_ file: DicomFile, into out: inout Findings) {
        let ds = file.dataset
        guard let sopClass = ds.string(IODChecks.sopClassUID)?.trimmingWhitespace(), !sopClass.isEmpty else { return }
        for v in ImagePixelConstraints.violations(sopClass: sopClass, syntax: file.transferSyntax, values: values(ds)) {
            out.add(.error, "iod.pixel.value", v.rule.keyword, v.rule.tag, v.message, "PS3.3 " + v.rule.section,
                    offset: ds[v.rule.tag]?.offset)
        }
    }
}
