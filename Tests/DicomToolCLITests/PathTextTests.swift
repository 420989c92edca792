import Foundation
import Testing
@testable import DicomToolCLI

/// PathText replaces NSString's path methods (not in FoundationEssentials): same results.
@Suite struct PathTextTests {
    static let paths = ["out.dcm", "dir/out.dcm", "/abs/dir/out.dcm", "dir//sub///x.tar.gz", "dir/", "/", "", "d/x",
                        ".hidden", "dir/.hidden", "..", "a/..", "x.", "a/b.c/d", "/x", "//x//", "a...b", "..."]

    @Test func splitMatchesNSString() {
        for path in Self.paths {
            let (directory, name) = PathText.split(path)
            #expect(directory == (path as NSString).deletingLastPathComponent, "\(path)")
            #expect(name == (path as NSString).lastPathComponent, "\(path)")
            let (base, ext) = PathText.splitExtension(name)
            #expect(ext == (name as NSString).pathExtension, "\(name)")
            if !ext.isEmpty { #expect(base == (name as NSString).deletingPathExtension, "\(name)") }
        }
    }

    /// NSString traps on a one-character relative path ("x"): PathText answers like for longer names.
    @Test func oneCharacterName() {
        #expect(PathText.split("x") == ("", "x"))
        #expect(PathText.splitExtension("x") == ("x", ""))
    }

    @Test func appendingMatchesNSString() {
        for root in ["", "/", "out", "out/", "/a/b", "a//"] {
            for component in ["", "x.dcm", "sub/x.dcm"] {
                #expect(PathText.appending(root, component) == (root as NSString).appendingPathComponent(component),
                        "\(root) + \(component)")
            }
        }
    }
}
