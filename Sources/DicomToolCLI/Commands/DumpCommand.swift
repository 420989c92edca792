import DicomCore

/// Placeholder runner: prints what was parsed. The real dump replaces this file.
public enum DumpCommand {
    public static func run(_ args: DumpArgs, global: GlobalArgs) -> ExitStatus {
        print("dump: mode=\(args.mode.rawValue) inlineMax=\(args.inlineMax) tags=\(args.tags) metaOnly=\(args.metaOnly) noMeta=\(args.noMeta) full=\(args.full) jobs=\(global.jobs) format=\(global.format.rawValue) inputs=\(global.inputs)")
        return .ok
    }
}
