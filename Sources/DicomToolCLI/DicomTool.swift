import DicomCodecs
import DicomCore

public enum DicomTool {
    public static func main(_ arguments: [String]) -> Int32 {
        for (name, version) in LibraryVersions.all { print("\(name) \(version)") }
        return ExitStatus.ok.rawValue
    }
}
