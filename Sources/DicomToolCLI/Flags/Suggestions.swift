/// "Did you mean" for mistyped flags, commands and keywords.
public enum Suggestions {
    /// The candidates closest to `typed`: those at the smallest edit distance within a threshold
    /// that grows with the length of the word (short words tolerate one typo, long ones three),
    /// else those that `typed` is a prefix of. At most `limit`, sorted.
    public static func closest(to typed: String, among candidates: [String], limit: Int = 3) -> [String] {
        let threshold = min(3, max(1, typed.count / 3))
        var best = Int.max
        var found: [String] = []
        for candidate in Set(candidates) {
            let distance = editDistance(typed.lowercased(), candidate.lowercased())
            guard distance <= threshold else { continue }
            if distance < best { best = distance; found = [candidate] } else if distance == best { found.append(candidate) }
        }
        if found.isEmpty, typed.count >= 3 {
            found = Set(candidates).filter { $0.hasPrefix(typed) }.map { $0 }
        }
        return Array(found.sorted().prefix(limit))
    }

    /// `did you mean --json?` / `did you mean --verify or --version?`, or nil when nothing is close.
    public static func didYouMean(_ typed: String, among candidates: [String], prefix: String = "") -> String? {
        let names = closest(to: typed, among: candidates).map { prefix + $0 }
        guard let last = names.last else { return nil }
        let list = names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
        return "did you mean \(list)?"
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    /// adjacent characters each cost one, since a swap is the commonest typo (`--ouptut`).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d = min(d, table[i - 2][j - 2] + 1)
                }
                table[i][j] = d
            }
        }
        return table[a.count][b.count]
    }
}
