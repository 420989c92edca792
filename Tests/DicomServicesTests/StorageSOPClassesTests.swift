import Testing
@testable import DicomServices

@Suite struct StorageSOPClassesTests {
    @Test func storageClassesComeFromTheUIDTable() {
        // CT Image Storage, Enhanced MR, a retired one and a "For Processing" variant are in;
        // the commitment service, DICOMDIR and Verification are not.
        #expect(StorageSOPClasses.contains("1.2.840.10008.5.1.4.1.1.2"))
        #expect(StorageSOPClasses.contains("1.2.840.10008.5.1.4.1.1.4.1"))
        #expect(StorageSOPClasses.contains("1.2.840.10008.5.1.4.1.1.5"))
        #expect(StorageSOPClasses.contains("1.2.840.10008.5.1.4.1.1.1.1.1"))
        #expect(!StorageSOPClasses.contains("1.2.840.10008.1.20.1"))
        #expect(!StorageSOPClasses.contains("1.2.840.10008.1.3.10"))
        #expect(!StorageSOPClasses.contains("1.2.840.10008.1.1"))
        #expect(StorageSOPClasses.all.count > 180)
    }
}
