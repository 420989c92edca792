import DicomCore
import DicomIO
import DicomPixels
import FoundationEssentials

/// `dicomtool dump`: text in the spirit of dcmdump, the PS3.18 JSON model, or the PS3.19 XML model.
public enum DumpCommand {
    struct Rendered: Sendable {
        var text: String
        var warnings: [ReadWarning]
        var syntax: String
    }

    public static func run(_ args: DumpArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "dump")
        if global.format == .csv || global.format == .tsv { return table(args, global: global, reporter: reporter) }
        let selectors = args.tagPaths
        let several = global.inputs.count > 1 || global.filesFrom != nil
            || global.inputs.contains { isDirectory($0) }
        let jsonLines = global.format == .json
        return runOverInputs(command: "dump", global: global, reporter: reporter, work: { item throws(DicomError) -> Rendered in
            try render(item, args, selectors, headed: several && !jsonLines && args.mode == .text)
        }, emit: { item, rendered, reporter in
            for w in rendered.warnings { reporter.warning(w.asError, input: item.displayName) }
            if jsonLines {
                var fields: [(String, ReporterJSON.Value)] = [("transferSyntax", .string(rendered.syntax))]
                if !rendered.warnings.isEmpty {
                    fields.append(("warnings", .array(rendered.warnings.map { .string($0.description) })))
                }
                let key = args.mode == .xml ? "xml" : (args.mode == .json ? "dataset" : "text")
                let body = rendered.text.hasSuffix("\n") && args.mode == .json ? String(rendered.text.dropLast()) : rendered.text
                fields.append((key, args.mode == .json ? .raw(body) : .string(body)))
                StandardOutput.write(ReporterJSON.item(command: "dump", input: item, fields: fields) + "\n")
            } else {
                StandardOutput.write(rendered.text)
            }
        })
    }


    /// `--format csv|tsv`: the header row, then one row per file in input order.
    static func table(_ args: DumpArgs, global: GlobalArgs, reporter: Reporter) -> ExitStatus {
        let table: DumpTable
        do throws(DicomError) {
            if args.json || args.xml || args.metaOnly {
                throw DicomError(.usage, "--format \(global.format.rawValue) is a table of the --tag columns; it cannot be combined with "
                                 + (args.json ? "--json" : args.xml ? "--xml" : "--meta-only"))
            }
            table = try DumpTable(style: global.format == .csv ? .csv : .tsv, keys: args.tags, paths: args.tagPaths)
        } catch {
            return failure(error, reporter)
        }
        StandardOutput.write(table.header)
        return runOverInputs(command: "dump", global: global, reporter: reporter, work: { item throws(DicomError) -> String in
            try table.row(for: item)
        }, emit: { _, row, _ in StandardOutput.write(row) })
    }

    static func render(_ item: InputItem, _ args: DumpArgs, _ selectors: [EditPath], headed: Bool) throws(DicomError) -> Rendered {
        var options = Part10Reader.Options()
        options.metaOnly = args.metaOnly
        let file = try Part10Reader.read(path: item.path ?? "-", options: options)
        var warnings = file.warnings
        if !args.metaOnly, let module = try? PixelModule(file.dataset, syntax: file.transferSyntax) {
            warnings += module.warnings
        }
        var meta = file.meta, dataset = file.dataset
        if !selectors.isEmpty {
            meta = EditPath.select(selectors, in: meta)
            dataset = EditPath.select(selectors, in: dataset)
        }
        let bulkPath = item.path.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        var text: String
        switch args.mode {
        case .text:
            var shown = file
            shown.meta = meta
            shown.dataset = dataset
            text = headed ? "# File: \(ValueText.escaped(item.displayName))\n" : ""
            // A filter that leaves nothing of the meta shows no meta section (not "bare data set").
            let showMeta = !args.noMeta && (selectors.isEmpty || !meta.isEmpty)
            text += TextDumper(full: args.full).render(shown, includeMeta: showMeta, includeDataset: !args.metaOnly)
            if headed { text += "\n" }
        case .json:
            text = JSONDumper(inlineMax: args.inlineMax, bulkDataPath: bulkPath, fileSource: file.source)
                .render(args.metaOnly ? meta : dataset, warnings: &warnings) + "\n"
        case .xml:
            text = XMLDumper(inlineMax: args.inlineMax, bulkDataPath: bulkPath, fileSource: file.source)
                .render(args.metaOnly ? meta : dataset)
        }
        return Rendered(text: text, warnings: warnings, syntax: file.transferSyntax.uid)
    }
}
