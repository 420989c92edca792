/// Splits raw arguments into GNU-style tokens. It knows nothing of the flag table: whether a short
/// cluster such as `-j4` holds a value is decided by the parser, which knows each flag's arity.
enum Token: Equatable {
    /// `--name` or `--name=value`.
    case long(name: String, inlineValue: String?)
    /// `-abc`: the characters after the dash, to be read one flag at a time.
    case shortCluster(String)
    /// Anything else, including `-` alone (stdin or stdout).
    case positional(String)
    /// `--`: everything after it is positional.
    case endOfOptions
}

enum Lexer {
    static func token(_ argument: String) -> Token {
        if argument == "--" { return .endOfOptions }
        if argument.hasPrefix("--") {
            let body = argument.dropFirst(2)
            if let eq = body.firstIndex(of: "=") {
                return .long(name: String(body[..<eq]), inlineValue: String(body[body.index(after: eq)...]))
            }
            return .long(name: String(body), inlineValue: nil)
        }
        if argument.hasPrefix("-"), argument.count > 1 {
            return .shortCluster(String(argument.dropFirst()))
        }
        return .positional(argument)
    }
}
