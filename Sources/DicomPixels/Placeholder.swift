import DicomCore
