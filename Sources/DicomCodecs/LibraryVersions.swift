internal import CZlib
internal import CTurboJPEG
internal import COpenJPEG
internal import CCharLS

/// Versions of the C libraries as linked at run time (`dicomtool --version`, smoke test).
public enum LibraryVersions {
    public static var zlib: String { String(cString: zlibVersion()) }
    public static var openJPEG: String { String(cString: opj_version()) }
    public static var charLS: String { String(cString: charls_get_version_string()) }
    /// TurboJPEG has no version call; a handle that initialises proves the library links and runs.
    public static var turboJPEG: String {
        guard let h = tjInitDecompress() else { return "unavailable" }
        tjDestroy(h)
        return "libturbojpeg (TurboJPEG API)"
    }

    public static var all: [(name: String, version: String)] {
        [("zlib", zlib), ("libjpeg-turbo", turboJPEG), ("OpenJPEG", openJPEG), ("CharLS", charLS),
         ("OpenJPH", HTJ2KEncoder.libraryVersion)]
    }
}
