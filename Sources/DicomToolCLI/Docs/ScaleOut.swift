/// Scale-out recipes for the man pages' EXAMPLES (and, in the same words, the README): one dicomtool
/// line driven by an engine that already exists -- a Slurm job array, GNU parallel over ssh hosts, a
/// Kubernetes Indexed Job -- with no table shared between the workers. It works because each file
/// is processed alone, `--shard I/N` partitions a shared `--files-from` list the same way on every
/// machine (I counts from 1: Slurm's array index is used as is, Kubernetes' completion index plus
/// one), a kept `--secret-file` makes anonymize's UIDs, dates and pseudonyms agree across shards,
/// and the JSON Lines reports (`--format json`) of the shards concatenate into one.
/// scripts/scale-out-demo runs the Slurm and GNU parallel forms on a one-node cluster and compares
/// their outputs byte for byte with one local run.
public enum ScaleOut {
    public struct Recipe: Sendable {
        public let explanation: String
        /// The lines shown, continuation backslashes included.
        public let lines: [String]
        /// The dicomtool command line of the recipe on one line, with the engine's variables as
        /// written (`$SLURM_ARRAY_TASK_ID/8`): what the tests parse.
        public let commandLine: String
    }

    /// The number of shards the recipes show.
    static let shards = 8

    /// The recipes for `command` (anonymize and transcode; the top page shows anonymize's), or none.
    public static func recipes(_ command: CommandID?) -> [Recipe] {
        switch command ?? .anonymize {
        case .anonymize:
            return recipes(command: "anonymize", options: "--secret-file /shared/key --layout uid",
                           output: "/shared/anon/", log: "anon",
                           what: "de-identify the files of a shared list with a kept secret, so that every shard maps "
                               + "UIDs and patients as one run would ('uid' layout: each output is named by its new UIDs)")
        case .transcode:
            return recipes(command: "transcode", options: "--jpeg2000", output: "/shared/j2k/", log: "j2k",
                           what: "compress the files of a shared list losslessly (-o receives them by file name, so "
                               + "the names in the list must differ; a tree given instead of a list is mirrored)")
        default:
            return []
        }
    }

    /// The three engines around one dicomtool line, written out line by line (at most 72 columns).
    static func recipes(command: String, options: String, output: String, log: String, what: String) -> [Recipe] {
        let n = shards
        let list = "--files-from /shared/list.txt"
        let slurmShard = "--shard $SLURM_ARRAY_TASK_ID/\(n)"
        let parallelShard = "--shard {}/\(n)"
        let kubernetesShard = "--shard $((JOB_COMPLETION_INDEX+1))/\(n)"
        let report = "--format json -o \(output)"
        // In the Kubernetes pod the key is a Secret mounted as a file.
        let podOptions = options.replacing("/shared/key", with: "/secret/key")
        return [
            Recipe(
                explanation: "A Slurm job array of \(n) tasks (4 cores each) to \(what). Task I takes shard I; "
                    + "sbatch --wait returns when every task has ended, and the reports are joined in shard order.",
                lines: [
                    "$ cat \(log).sbatch",
                    "#!/bin/sh",
                    "#SBATCH --array=1-\(n) --cpus-per-task=4",
                    "dicomtool \(command) \(options) \\",
                    "  \(list) \(slurmShard) -j 4 \\",
                    "  \(report) \\",
                    "  > /shared/log/\(log)-$SLURM_ARRAY_TASK_ID.jsonl",
                    "$ sbatch --wait \(log).sbatch",
                    "$ cat $(ls -v /shared/log/\(log)-*.jsonl) > \(log).jsonl",
                ],
                commandLine: "dicomtool \(command) \(options) \(list) \(slurmShard) -j 4 \(report)"),
            Recipe(
                explanation: "The same with GNU parallel over two ssh hosts that mount /shared and have dicomtool "
                    + "on their PATH, 4 shards at a time on each; -k writes the shards' reports in shard order.",
                lines: [
                    "$ seq \(n) | parallel -k -S 4/node1,4/node2 \\",
                    "  dicomtool \(command) \(options) \\",
                    "  \(list) \(parallelShard) -j 4 --format json \\",
                    "  -o \(output) > \(log).jsonl",
                ],
                commandLine: "dicomtool \(command) \(options) \(list) \(parallelShard) -j 4 \(report)"),
            Recipe(
                explanation: "A Kubernetes Indexed Job (completionMode: Indexed, completions: \(n)): "
                    + "JOB_COMPLETION_INDEX counts from 0, hence the +1. /shared is a volume every pod mounts"
                    + (podOptions.contains("/secret/key") ? ", /secret/key a Secret mounted as a file" : "")
                    + "; the reports are joined as for Slurm. "
                    + "The container's command (YAML folds the lines of the quoted string into one):",
                lines: [
                    "command: [\"sh\", \"-c\",",
                    "  \"dicomtool \(command) \(podOptions)",
                    "  \(list)",
                    "  \(kubernetesShard) \(report)",
                    "  > /shared/log/\(log)-$JOB_COMPLETION_INDEX.jsonl\"]",
                ],
                commandLine: "dicomtool \(command) \(podOptions) \(list) \(kubernetesShard) \(report)"),
        ]
    }
}
