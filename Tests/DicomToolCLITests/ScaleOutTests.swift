import DicomCore
import Testing
@testable import DicomToolCLI

/// The scale-out recipes of the man pages: each shows what the issue asks of it, and the dicomtool
/// line in it parses once the engine has put its shard number in (a recipe with a misspelt flag
/// would fail on every node of a cluster at once).
@Suite struct ScaleOutTests {
    static let documented: [CommandID?] = [nil, .anonymize, .transcode]

    /// The engines' variables as they would be on the third worker: Slurm's array index (from 1),
    /// GNU parallel's argument, Kubernetes' completion index (from 0) plus one.
    static func substituted(_ line: String) -> String {
        line.replacing("$SLURM_ARRAY_TASK_ID", with: "3").replacing("{}", with: "3")
            .replacing("$((JOB_COMPLETION_INDEX+1))", with: "3")
    }

    @Test(arguments: documented)
    func recipesParseAndShardThroughEveryEngine(_ command: CommandID?) throws {
        let recipes = ScaleOut.recipes(command)
        #expect(recipes.count == 3)
        for recipe in recipes {
            let words = Self.substituted(recipe.commandLine).split(separator: " ").map(String.init)
            #expect(words.first == "dicomtool")
            guard case .run(let id, _, let global) = try CLI.invocation(Array(words.dropFirst())) else {
                Issue.record("not a run: \(recipe.commandLine)")
                continue
            }
            #expect(id == command ?? .anonymize)
            #expect(global.shard?.index == 3 && global.shard?.count == ScaleOut.shards)
            #expect(global.filesFrom == "/shared/list.txt" && global.format == .json)
            if id == .anonymize { #expect(recipe.commandLine.contains("--secret-file ")) }
            // The one-line form is what the lines show, continuations and redirections aside.
            let shown = recipe.lines.joined(separator: " ").replacing("\\ ", with: "").replacing("\"", with: "")
                .split(separator: " ").filter { !$0.isEmpty }.map(String.init)
            var rest = recipe.commandLine.split(separator: " ").map(String.init)[...]
            for word in shown where word == rest.first { rest = rest.dropFirst() }
            #expect(rest.isEmpty, "shown lines lack \(rest.joined(separator: " ")): \(recipe.lines)")
            for line in recipe.lines { #expect(line.count <= 72, "over 72 columns: \(line)") }
        }
        let all = recipes.flatMap(\.lines).joined(separator: "\n")
        #expect(all.contains("#SBATCH --array=1-\(ScaleOut.shards)"))
        #expect(all.contains("--shard $SLURM_ARRAY_TASK_ID/\(ScaleOut.shards)"))
        #expect(all.contains("parallel -k -S ") && all.contains("--shard {}/\(ScaleOut.shards)"))
        #expect(all.contains("--shard $((JOB_COMPLETION_INDEX+1))/\(ScaleOut.shards)"))
        #expect(all.contains("cat $(ls -v /shared/log/"))
    }

    @Test(arguments: documented)
    func manPageExamplesCarryTheRecipes(_ command: CommandID?) {
        let page = ManPage.render(command)
        let examples = page.components(separatedBy: ".SH EXAMPLES")[1]
        for recipe in ScaleOut.recipes(command) {
            for line in recipe.lines { #expect(examples.contains(ManPage.code(line) + "\n"), "\(line)") }
        }
    }

    @Test func commandsWithoutRecipesShowNone() {
        #expect(ScaleOut.recipes(.dump).isEmpty && ScaleOut.recipes(.echo).isEmpty)
    }
}
