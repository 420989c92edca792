import DicomCore
#if canImport(Glibc)
import Glibc
#endif

/// A program the receiver runs for each stored file (`--exec-on-file`) or each completed study
/// (`--exec-on-study`). The command text is split into words once, when it is read (whitespace,
/// with '...' and "..." for words holding spaces); placeholders are then replaced inside each word,
/// and every word is one argument of posix_spawn: no shell ever sees a value, so a Patient ID of
/// `$(rm -rf /)` or `; reboot` arrives as that text, in one argument.
public struct ExecHook: Sendable, Equatable {
    public let words: [PlaceholderTemplate]
    public let text: String

    public init(_ text: String, names: Set<String>) throws(DicomError) {
        self.text = text
        words = try Self.split(text).map { word throws(DicomError) in try PlaceholderTemplate(word, names: names) }
        guard let first = words.first, !first.pieces.isEmpty else {
            throw DicomError(.usage, "'\(text)' names no program")
        }
        if case .literal = first.pieces[0] {} else {
            throw DicomError(.usage, "'\(text)': the program itself must be written out, not a placeholder")
        }
    }

    /// The arguments, placeholders replaced (NUL bytes, which no argument can hold, removed).
    public func arguments(_ value: (PlaceholderTemplate.Piece) -> String) -> [String] {
        words.map { $0.render { piece in value(piece).replacingNULs() } }
    }

    /// Attribute tags the command reads.
    public var tags: [Tag] { words.flatMap(\.tags) }

    /// Shell-like word splitting of the user's command text (the user's text, never a peer's).
    static func split(_ text: String) throws(DicomError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        for ch in text {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
            } else if ch == "'" || ch == "\"" {
                quote = ch
                inWord = true
            } else if ch == " " || ch == "\t" || ch == "\n" {
                if inWord { words.append(word); word = ""; inWord = false }
            } else {
                word.append(ch)
                inWord = true
            }
        }
        if quote != nil { throw DicomError(.usage, "'\(text)': unterminated quote") }
        if inWord { words.append(word) }
        return words
    }
}

extension String {
    fileprivate func replacingNULs() -> String {
        contains("\0") ? String(unicodeScalars.filter { $0 != "\0" }.map(Character.init)) : self
    }
}

/// Starts programs with posix_spawn (PATH searched for a bare name) and waits for each on a thread
/// of its own, so neither the association nor the event loop waits for a hook. Children get
/// /dev/null as input and our standard error as their standard output (our standard output is the
/// event stream), and default signal dispositions.
public final class ProgramRunner: @unchecked Sendable {
    public struct Outcome: Sendable, Equatable {
        public var arguments: [String]
        /// Exit status, or 128 + signal number, or nil when the program could not be started.
        public var status: Int32?
        public var error: String?
    }

    private let condition = Condition()
    private var running = 0

    public init() {}

    /// Starts `arguments[0]` with the rest as its arguments; `done` is called once it has ended.
    public func start(_ arguments: [String], done: @escaping @Sendable (Outcome) -> Void) {
        guard !arguments.isEmpty else { return }
        var pid = pid_t()
        let spawnError = Self.spawn(arguments, &pid)
        if spawnError != 0 {
            done(Outcome(arguments: arguments, status: nil, error: String(cString: strerror(spawnError))))
            return
        }
        condition.lock(); running += 1; condition.unlock()
        let child = pid
        let started = startDetachedThread(stackSize: 64 << 10) { [self] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            done(Outcome(arguments: arguments, status: code, error: nil))
            finishOne()
        }
        if !started {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            done(Outcome(arguments: arguments, status: (status >> 8) & 0xFF, error: nil))
            finishOne()
        }
    }

    private func finishOne() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until every program started has ended.
    public func waitForAll() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    /// posix_spawnp's error number (0: started).
    private static func spawn(_ arguments: [String], _ pid: inout pid_t) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))  // conversion: C flag constants, small
        let cStrings = arguments.map { strdup($0) }
        defer { for p in cStrings { free(p) } }
        var argv = cStrings + [nil]
        return argv.withUnsafeMutableBufferPointer { argvPointer in
            guard let base = argvPointer.baseAddress else { return EINVAL }
            return posix_spawnp(&pid, arguments[0], &actions, &attributes, base, environ)
        }
    }
}
