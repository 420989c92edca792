import DicomCore
@testable import DicomServices
import Testing

/// Layout templates and exec commands: what a peer's values become in paths and arguments.
@Suite struct StorageLayoutTests {
    @Test func valuesBecomeOneSafePathComponent() {
        let cases: [(String?, String)] = [
            ("1.2.3", "1.2.3"), ("../x", "_._x"), ("/", "_"), ("..", "_."), (".", "_"), (".hidden", "_hidden"),
            ("", "unknown"), (nil, "unknown"), ("  DOE^JOHN  ", "DOE^JOHN"), ("a\\b", "a_b"), ("tab\there", "tab_here"),
            ("nul\0byte", "nul_byte"), ("Müller", "Müller"), ("C:x", "C_x"), ("a*b?c\"d<e>f|g", "a_b_c_d_e_f_g"),
        ]
        for (value, want) in cases { #expect(StorageLayout.pathComponent(value) == want, "\(value ?? "nil")") }
        #expect(StorageLayout.pathComponent(String(repeating: "é", count: 300)).utf8.count <= 200)
    }

    @Test func templatesRenderAndRefuseWhatCouldEscape() throws {
        let layout = try StorageLayout("{PatientID}/{StudyInstanceUID}/{calling-aet}-{SOPInstanceUID}.dcm")
        let values: [DicomCore.Tag: String] = [.patientID: "../../etc", .studyInstanceUID: "1.2", .sopInstanceUID: "9.8"]
        #expect(layout.relativePath(callingAETitle: "CT/1") { values[$0] } == "_._.._etc/1.2/CT_1-9.8.dcm")
        #expect(try StorageLayout().relativePath(callingAETitle: "X") { $0 == .sopInstanceUID ? "1.2.3" : nil } == "1.2.3.dcm")
        for bad in ["/{SOPInstanceUID}", "../{SOPInstanceUID}", "a/./{SOPInstanceUID}", "a//b", "{SOPInstanceUID}/", "{Nope}", "{PatientID",
                    "PatientID}"] {
            #expect(throws: DicomError.self, "\(bad)") { try StorageLayout(bad) }
        }
        #expect(StorageLayout.suffixed("a/b/1.2.dcm", 1) == "a/b/1.2_1.dcm")
        #expect(StorageLayout.suffixed("a.d/noext", 2) == "a.d/noext_2")
    }

    @Test func execCommandsSplitOnceAndSubstituteInsideWords() throws {
        let hook = try ExecHook("run --id={PatientID} '{file} here' \"x y\" {dir}", names: StorageSCPConfiguration.fileHookNames)
        let args = hook.arguments { piece in
            switch piece {
            case .named("file"): return "/o/a b.dcm"
            case .named: return "/o"
            case .attribute: return "; rm -rf / $(x) 'q' \"d\"\0"
            case .literal(let t): return t
            }
        }
        #expect(args == ["run", "--id=; rm -rf / $(x) 'q' \"d\"", "/o/a b.dcm here", "x y", "/o"])
        #expect(throws: DicomError.self) { try ExecHook("{file} run", names: StorageSCPConfiguration.fileHookNames) }
        #expect(throws: DicomError.self) { try ExecHook("run 'unterminated", names: StorageSCPConfiguration.fileHookNames) }
        #expect(throws: DicomError.self) { try ExecHook("   ", names: StorageSCPConfiguration.fileHookNames) }
        #expect(throws: DicomError.self) { try ExecHook("run {count}", names: StorageSCPConfiguration.fileHookNames) }
        #expect(try ExecHook("run {count} {dir}", names: StorageSCPConfiguration.studyHookNames).words.count == 3)
    }

    @Test func aStudyDirectoryIsTheDeepestHoldingAllItsFiles() {
        #expect(StudyTracker.commonDirectory("/o/P/S/1", "/o/P/S/2") == "/o/P/S")
        #expect(StudyTracker.commonDirectory("/o/P/S", "/o/P/S") == "/o/P/S")
        #expect(StudyTracker.commonDirectory("out/a", "out/b") == "out")
        #expect(StudyTracker.commonDirectory("a", "b") == ".")
    }

    @Test func theProgramRunnerPassesArgumentsVerbatimWithoutAShell() throws {
        let runner = ProgramRunner()
        let outcomes = OutcomeBox()
        runner.start(["/bin/sh", "-c", "test \"$1\" = '$(echo no); x' && test $# -eq 1", "sh", "$(echo no); x"]) { outcomes.add($0) }
        runner.start(["/no/such/program"]) { outcomes.add($0) }
        runner.waitForAll()
        let all = outcomes.all
        #expect(all.contains { $0.arguments.first == "/bin/sh" && $0.status == 0 }, "\(all)")
        #expect(all.contains { $0.arguments.first == "/no/such/program" && ($0.error != nil || $0.status == 127) }, "\(all)")
    }

    final class OutcomeBox: @unchecked Sendable {
        private let lock = Lock()
        private var outcomes: [ProgramRunner.Outcome] = []
        func add(_ o: ProgramRunner.Outcome) { lock.withLock { outcomes.append(o) } }
        var all: [ProgramRunner.Outcome] { lock.withLock { outcomes } }
    }
}
