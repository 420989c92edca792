import DicomValidate

extension FlagTable {
    private static let scope: FlagScope = .commands([.validate])

    static let validate: [Flag] = [
        Flag(.failOn, value: "LEVEL", category: .validate, scope: scope,
             summary: "lowest severity that fails the run: error or warning",
             details: """
             Exit with status 83 when any finding of this severity or above remains (after --baseline \
             and --ignore). 'error' by default; 'warning' also fails on warnings.
             """,
             defaultValue: "error", choices: ["error", "warning"],
             updates: [FlagUpdate.choice(\ValidateArgs.failOn)]),
        Flag(.baseline, value: "FILE", category: .validate, scope: scope,
             summary: "findings recorded in FILE do not fail the run",
             details: """
             Read a baseline written by --write-baseline. Findings recorded there (same file, rule and \
             tag path) are not reported and do not fail the run, so CI fails only on new findings. A \
             file is identified by its path relative to the input root (the directory argument it was \
             found under; the file name for a file argument), so a baseline matches in another \
             checkout or a copy of the tree. Inputs that cannot be read are never baselined.
             """,
             path: true,
             updates: [FlagUpdate.text(\ValidateArgs.baseline)]),
        Flag(.writeBaseline, value: "FILE", category: .validate, scope: scope,
             summary: "record this run's findings in FILE",
             details: "Write every finding of this run to FILE as a baseline for later runs (a stable, sorted JSON file).",
             path: true,
             updates: [FlagUpdate.text(\ValidateArgs.writeBaseline)]),
        Flag(.ignore, value: "RULE", category: .validate, scope: scope,
             summary: "do not report RULE (repeatable; 'vr.' ignores a family)",
             details: """
             Do not report findings of this rule id. A value ending in '.' ignores every rule starting \
             with it, e.g. 'iod.attribute.' or 'vr.'.
             """,
             repeatable: true,
             updates: [FlagUpdate<Validator.Options>.each { options, text, _ in options.ignoredRules.insert(text) }]),
    ]
}
