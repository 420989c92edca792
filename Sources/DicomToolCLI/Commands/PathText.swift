/// The few NSString path operations the commands use, with NSString's results (NSString is not in
/// FoundationEssentials, and URL resolves relative paths against the working directory).
enum PathText {
    /// `root` + "/" + `component`, without doubling a slash `root` ends with
    /// (NSString.appendingPathComponent).
    static func appending(_ root: String, _ component: String) -> String {
        if component.isEmpty { return root }
        if root.isEmpty { return component }
        return root.hasSuffix("/") ? root + component : root + "/" + component
    }

    /// The directory part and the last component of `path`, runs of slashes and one trailing slash
    /// ignored (NSString.deletingLastPathComponent and .lastPathComponent): "a/b/" gives ("a", "b"),
    /// "b" gives ("", "b"), "/b" gives ("/", "b"), "/" gives ("/", "/"). (NSString traps on a
    /// one-character relative path; here "x" gives ("", "x").)
    static func split(_ path: String) -> (directory: String, name: String) {
        var fixed = ""
        for c in path where !(c == "/" && fixed.hasSuffix("/")) { fixed.append(c) }
        if fixed.count > 1 && fixed.hasSuffix("/") { fixed.removeLast() }
        if fixed.isEmpty || fixed == "/" { return (fixed, fixed) }
        guard let slash = fixed.lastIndex(of: "/") else { return ("", fixed) }
        let name = String(fixed[fixed.index(after: slash)...])
        return (slash == fixed.startIndex ? "/" : String(fixed[..<slash]), name)
    }

    /// A file name without and with its extension (NSString.deletingPathExtension and
    /// .pathExtension): "x.tar.gz" gives ("x.tar", "gz"); ".hidden", ".." and "x" have none.
    static func splitExtension(_ name: String) -> (base: String, ext: String) {
        guard name.count > 1, name != "..", let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            return (name, "")
        }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }
}
