// swift-tools-version:6.0
// dicomtool: one executable over a layered core. Dependency direction:
// DicomCore -> DicomCodecs -> DicomIO -> DicomPixels -> {DicomValidate, DicomAnonymize, DicomRender} -> DicomToolCLI -> dicomtool;
// DicomAnonymize -> DicomEdit (modify: its checked values and keyed UID mapping) -> DicomToolCLI;
// DicomAnonymize -> DicomCreate (create: the JSON and XML models read, values checked) -> DicomToolCLI;
// DicomIO -> DicomQuery (--where: the C-FIND matching rules over the attribute paths of DicomCore) -> DicomToolCLI;
// DicomIO -> DicomNet (the network side, the only target that imports swift-nio) -> DicomServices -> DicomToolCLI.
// Every target lists exactly the modules it imports (a module reached only through another
// target's dependency would still build, so the list is what says what a target needs).
import PackageDescription

let package = Package(
    name: "dicomtool",
    products: [
        .executable(name: "dicomtool", targets: ["dicomtool"]),
    ],
    dependencies: [
        // HMAC-SHA256 for keyed, shard-safe UID and date mapping in anonymize. Version 4 builds on
        // FoundationEssentials (3.x imports all of Foundation), so dicomtool loads neither
        // libFoundation nor ICU: about 3 ms and 6 MiB less per process.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // The DICOM upper layer's sockets (issue 16): NIOCore/NIOPosix, imported by DicomNet only.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // TLS for the upper layer (PS3.15 B.9, BCP 195): NIOSSL over its bundled BoringSSL, so the
        // executable does not depend on the system's OpenSSL. Imported by DicomNet only.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C libraries, described (module map + pkg-config), not wrapped. scripts/setup installs them.
        .systemLibrary(name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Modules/CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "COpenJPEG", path: "Modules/COpenJPEG", pkgConfig: "libopenjp2",
                       providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CCharLS", path: "Modules/CCharLS", pkgConfig: "charls",
                       providers: [.apt(["libcharls-dev"])]),
        // PNG output of render, through libpng's simplified API only (png_image_write_*: errors by
        // return value; the classic API's longjmp must never cross Swift frames).
        .systemLibrary(name: "CPNG", path: "Modules/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        // The PS3.19 XML read by create, through libxml2's tree API with the network and external
        // entities off (FoundationEssentials has no XML parser).
        .systemLibrary(name: "CXML2", path: "Modules/CXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),

        // OpenJPH (HTJ2K encoding) is C++ and throws: a small C++ target catches everything and
        // offers Swift a C function. Its pkg-config file (Debian 0.9.0) is empty, so the library is
        // named here.
        .target(name: "COpenJPHShim", linkerSettings: [.linkedLibrary("openjph")]),

        // OpenJPEG 2.5.0 aborts (assert) on some malformed HTJ2K code-blocks: HTJ2K is decoded in
        // a forked child, written in C so that nothing but OpenJPEG and libc runs after fork().
        .target(name: "COpenJPEGChild", dependencies: ["COpenJPEG"]),

        .target(name: "DicomCore"),
        .target(name: "DicomCodecs",
                dependencies: ["DicomCore", "CZlib", "CTurboJPEG", "COpenJPEG", "CCharLS", "COpenJPHShim",
                               "COpenJPEGChild"]),
        .target(name: "DicomIO", dependencies: ["DicomCore", "DicomCodecs"]),
        .target(name: "DicomPixels", dependencies: ["DicomCore", "DicomCodecs", "DicomIO"]),
        // The DICOM upper layer and DIMSE (PS3.8, PS3.7): PDUs, negotiation and the state machine as
        // pure values, sockets through swift-nio. The only target that imports NIO.
        .target(name: "DicomNet",
                dependencies: ["DicomCore", "DicomIO", .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOTLS", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        // DIMSE services over DicomNet: storage (send, receive), query/retrieve, commitment.
        // DicomEdit: a C-FIND identifier is built by modify's editor (paths and value encoding).
        .target(name: "DicomServices",
                dependencies: ["DicomCore", "DicomIO", "DicomPixels", "DicomNet", "DicomEdit"]),
        // IOD, pixel, lossy and codestream checks and their reports.
        .target(name: "DicomValidate", dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels"]),
        // The PS3.15 de-identification profile, identity scan and self-check, keyed mapping, output
        // layout. Above DicomPixels in the layering, but it needs nothing below DicomIO's data sets.
        .target(name: "DicomAnonymize",
                dependencies: ["DicomCore", "DicomIO", .product(name: "Crypto", package: "swift-crypto")]),
        // Pictures of images (render): the grey pipeline of PS3.3 C.11 / PS3.4 N and colour
        // conversions as pure functions from a decoded frame and its attributes to an 8/16-bit
        // image, then PNG (libpng simplified API) and JPEG (TurboJPEG) encoders.
        .target(name: "DicomRender", dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels", "CPNG", "CTurboJPEG"]),
        // modify's edits: along attribute paths (DicomCore's EditPath: items, wild cards, private
        // elements by creator, the syntax every command's keys share), values
        // checked by anonymize's --set checks (SetValues), text re-encoded between character sets,
        // UIDs renewed through anonymize's keyed mapping. Not de-identification, so a target of its
        // own; it needs DicomAnonymize only for those two shared pieces, and nothing of DicomPixels
        // (it never touches pixel data).
        .target(name: "DicomEdit", dependencies: ["DicomCore", "DicomIO", "DicomAnonymize"]),
        // create's readers: the DICOM JSON (PS3.18 F, our own strict parser keeping number text) and
        // XML (PS3.19 A, libxml2) models to one model, then a data set with every value checked by
        // anonymize's --set checks (SetValues). A target of its own, not DicomEdit: it parses
        // hostile text formats and is the only user of libxml2, and it edits nothing.
        .target(name: "DicomCreate", dependencies: ["DicomCore", "DicomIO", "DicomAnonymize", "CXML2"]),
        // Selecting data sets by attributes: the C-FIND matching rules of PS3.4 C.2.2.2 (single
        // value, wild cards, UID lists, DA/TM/DT ranges, universal, paths into sequences) as values,
        // for `--where` on every command and for a query SCU's local checks. A target of its own,
        // not part of DicomIO (the rules are query semantics, not reading) nor of DicomEdit (nothing
        // here edits). Its keys are DicomCore's EditPath, the command line's one path syntax.
        .target(name: "DicomQuery", dependencies: ["DicomCore", "DicomIO"]),
        .target(name: "DicomToolCLI",
                dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels", "DicomValidate", "DicomAnonymize",
                               "DicomEdit", "DicomCreate", "DicomQuery", "DicomNet", "DicomServices", "DicomRender"]),
        .executableTarget(name: "dicomtool", dependencies: ["DicomToolCLI"]),

        // Corpus location, manifest and hashes for the test suites (not part of the product).
        .target(name: "DicomTestSupport", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                path: "Tests/Support"),
        .testTarget(name: "DicomCoreTests", dependencies: ["DicomCore"]),
        .testTarget(name: "DicomCodecsTests",
                    dependencies: ["DicomCore", "DicomCodecs", "DicomTestSupport"],
                    exclude: ["Support/extract_frames.py"]),  // run by the tests with python3
        .testTarget(name: "DicomIOTests", dependencies: ["DicomCore", "DicomIO", "DicomTestSupport"]),
        .testTarget(name: "DicomNetTests", dependencies: ["DicomNet", "DicomTestSupport", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "DicomServicesTests",
                    dependencies: ["DicomCore", "DicomIO", "DicomNet", "DicomPixels", "DicomServices", "DicomEdit", "DicomTestSupport"]),
        .testTarget(name: "DicomPixelsTests",
                    dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels", "DicomTestSupport"]),
        .testTarget(name: "DicomValidateTests",
                    dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels", "DicomValidate", "DicomTestSupport"]),
        .testTarget(name: "DicomRenderTests",
                    dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels", "DicomRender", "DicomTestSupport"]),
        .testTarget(name: "DicomAnonymizeTests",
                    dependencies: ["DicomCore", "DicomIO", "DicomAnonymize", "DicomTestSupport"]),
        .testTarget(name: "DicomEditTests", dependencies: ["DicomCore", "DicomIO", "DicomEdit"]),
        .testTarget(name: "DicomCreateTests", dependencies: ["DicomCore", "DicomIO", "DicomCreate"]),
        .testTarget(name: "DicomQueryTests", dependencies: ["DicomCore", "DicomIO", "DicomQuery"]),
        .testTarget(name: "DicomToolCLITests",
                    dependencies: ["DicomCore", "DicomCodecs", "DicomIO", "DicomPixels", "DicomEdit", "DicomCreate", "DicomServices",
                                   "DicomRender", "DicomToolCLI"]),
        // Runs the built dicomtool (it imports none of the package's modules).
        .testTarget(name: "EndToEndTests",
                    dependencies: ["DicomTestSupport"],
                    exclude: ["Scripts"]),  // the peers' side of the checks, run with python3
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
