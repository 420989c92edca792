import DicomCore

/// Placeholder runner: prints what was parsed. The real transcode replaces this file.
public enum TranscodeCommand {
    public static func run(_ args: TranscodeArgs, global: GlobalArgs) -> ExitStatus {
        print("transcode: target=\(args.target.uid) quality=\(args.quality.map(String.init) ?? "-") subsampling=\(args.subsampling?.rawValue ?? "-") predictor=\(args.predictor.map(String.init) ?? "-") near=\(args.near.map(String.init) ?? "-") j2k=\(args.j2k.map { "\($0)" } ?? "-") offsetTable=\(args.offsetTable?.rawValue ?? "-") verify=\(args.verify) plan=\(args.plan) output=\(args.output ?? "-") jobs=\(global.jobs) inputs=\(global.inputs)")
        return .ok
    }
}
