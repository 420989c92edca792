import DicomCore
import DicomIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `dicomtool dicomdir create|update|list`: DICOMDIRs of general purpose file-sets (PS3.10, PS3.11)
/// through the one DICOMDIR model of DicomIO (`BasicDirectory`, whose rewriter transcode, anonymize
/// and derive use). Files are read in parallel through the input walker; records are placed in
/// input order, so the DICOMDIR does not depend on -j.
public enum DicomdirCommand {
    /// What became of one file of the tree.
    enum Outcome: Sendable {
        case record(DirectoryBuilder.Instance, fileID: [String], renamedFrom: String?)
        /// Left out, with the reason (a warning; an error under --strict is thrown instead).
        case leftOut(String)
        /// A DICOMDIR of the tree, or a file update finds already referenced.
        case skipped
    }

    static func build(_ args: DicomdirArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "dicomdir")
        let root = args.target
        guard isDirectory(root) else {
            return failure(DicomError(.usage, "\(args.action.rawValue) takes the directory at the root of the file-set; \(root) is not one"), reporter)
        }
        let outputRoot = args.write.output ?? root
        let dicomdirPath = PathText.appending(outputRoot, "DICOMDIR")
        var builder = DirectoryBuilder()
        var previous: DicomFile?
        var referenced = Set<String>()
        var dropped: [[String]] = []
        if args.action == .create {
            if FileManager.default.fileExists(atPath: dicomdirPath) {
                return failure(DicomError(.cannotWrite, "\(dicomdirPath) exists: 'dicomtool dicomdir update \(root)' adds to it"), reporter)
            }
            if let output = args.write.output, isDirectory(output), isSameFile(output, root) {
                return failure(DicomError(.cannotWrite, "-o \(output) is the input directory: inputs are never modified"), reporter)
            }
        } else {
            do throws(DicomError) {
                let file = try Part10Reader.read(path: dicomdirPath)
                guard BasicDirectory.isBasicDirectory(file) else {
                    throw DicomError(.invalidInput, "not a DICOMDIR (its Media Storage SOP Class is not the Basic Directory's)", file: dicomdirPath)
                }
                let tree = try BasicDirectory.tree(of: file)
                if tree.unreachable > 0 {
                    reporter.warning("\(tree.unreachable) records that no offset reaches are dropped", input: dicomdirPath)
                }
                builder = DirectoryBuilder(tree.roots)
                previous = file
            } catch {
                return failure(error, reporter)
            }
            dropped = builder.removeRecords { FileManager.default.fileExists(atPath: PathText.appending(root, $0.joined(separator: "/"))) }
            func collect(_ nodes: [BasicDirectory.Node]) {
                for node in nodes {
                    if let id = node.fileID { referenced.insert(id.joined(separator: "/").uppercased()) }
                    collect(node.children)
                }
            }
            collect(builder.roots)
        }

        // The walk, made once here so that --rename can name every file before any is copied.
        let options = global.inputOptions(command: "dicomdir", excluding: args.write.output.flatMap { isDirectory($0) ? $0 : nil })
        let items: [InputItem]
        do { items = try InputWalker(options).items } catch { return failure(error, reporter) }
        // A folder below the root with a DICOMDIR of its own is another file-set: its files are its
        // own, unless the tree is copied into a new file-set (-o), which takes them all.
        let nested = args.write.output != nil ? [] : Set(items.compactMap { item -> String? in
            let parts = item.relativePath.split(separator: "/")
            guard parts.count > 1, parts.last?.uppercased() == "DICOMDIR" else { return nil }
            return parts.dropLast().joined(separator: "/") + "/"
        })
        for folder in nested.sorted() {
            reporter.warning("\(folder)DICOMDIR is a file-set of its own: its files are left to it", input: root)
        }
        let kept = items.filter { item in !nested.contains { item.relativePath.hasPrefix($0) } }
        let renames = args.options.rename ? RenameMap(kept.map(\.relativePath)) : nil
        let settings = args.options, copyRoot = args.write.output, sync = args.write.sync, alreadyReferenced = referenced
        let json = global.format == .json
        var leftOut = 0, added = 0, failedEarly = false

        let status = runOverInputs(command: "dicomdir", global: global, reporter: reporter, smallResults: true,
                                   work: { item throws(DicomError) -> Outcome in
            if nested.contains(where: { item.relativePath.hasPrefix($0) }) { return .skipped }
            return try examine(item, settings: settings, renames: renames, copyRoot: copyRoot, sync: sync, referenced: alreadyReferenced)
        }, emit: { item, outcome, reporter in
            var fields: [(String, ReporterJSON.Value)] = []
            switch outcome {
            case .record(let instance, let fileID, let renamedFrom):
                if let duplicate = builder.add(instance) {
                    leftOut += 1
                    // Its copy (our own output) goes too: every file of the new file-set has a record.
                    if let copyRoot { _ = unlink(PathText.appending(copyRoot, fileID.joined(separator: "/"))) }
                    let reason = "left out: its SOP Instance UID is already referenced by \(duplicate.joined(separator: "\\"))"
                    reporter.warning(reason, input: item.displayName)
                    fields.append(("leftOut", .string(reason)))
                    break
                }
                added += 1
                if !instance.invented.isEmpty {
                    reporter.warning("invented Type 1 keys: \(instance.invented.joined(separator: ", "))", input: item.displayName)
                    fields.append(("invented", .array(instance.invented.map { .string($0) })))
                }
                fields.append(("fileID", .string(fileID.joined(separator: "\\"))))
                fields.append(("recordType", .string(instance.leaf.string(Tag.directoryRecordType) ?? "")))
                if let renamedFrom {
                    fields.append(("renamedTo", .string(fileID.joined(separator: "/"))))
                    if !json { StandardOutput.write("\(ValueText.escaped(renamedFrom)) -> \(fileID.joined(separator: "/"))\n") }
                }
            case .leftOut(let reason):
                leftOut += 1
                reporter.warning(reason, input: item.displayName)
                fields.append(("leftOut", .string(reason)))
            case .skipped:
                fields.append(("skipped", .bool(true)))
            }
            if json { StandardOutput.write(ReporterJSON.item(command: "dicomdir", input: item, fields: fields) + "\n") }
        }, beforeFinish: { _, summary in
            for id in dropped {
                reporter.warning("record dropped: its file \(id.joined(separator: "/")) is missing", input: dicomdirPath)
            }
            if settings.strict, summary.failed > 0 || summary.skipped > 0 {
                failedEarly = true
                let error = DicomError(.invalidInput, "not written: \(summary.failed) file\(summary.failed == 1 ? "" : "s") failed (--strict)",
                                       file: dicomdirPath)
                reporter.error(error)
                return
            }
            let refreshed = previous == nil ? 0 : refreshReferences(&builder, root: root)
            let tree = builder.ordered()
            do throws(DicomError) {
                let fileSetID = settings.fileSetID ?? previous?.dataset.string(Tag.fileSetID) ?? ""
                let instanceUID = previous?.meta.string(Tag.mediaStorageSOPInstanceUID) ?? Implementation.newUID()
                let bytes = try BasicDirectory.encode(tree, fileSetID: fileSetID, instanceUID: instanceUID, keeping: previous)
                if previous == nil {
                    try InstanceOutput.write(to: dicomdirPath, sync: sync) { (sink: inout AtomicOutput) throws(DicomError) in
                        try sink.write(bytes)
                    }
                } else {
                    // update's job is this one file: replaced atomically, as modify replaces its inputs.
                    try InstanceOutput.replace(dicomdirPath, backup: nil, sync: sync) { (sink: inout AtomicOutput) throws(DicomError) in
                        try sink.write(bytes)
                    }
                }
            } catch {
                failedEarly = true
                reporter.error(error)
                return
            }
            let counts = RecordCounts(tree)
            if json {
                StandardOutput.write(ReporterJSON.record("dicomdir", "dicomdir", [
                    ("output", .string(dicomdirPath)), ("records", .int(counts.records)), ("patients", .int(counts.patients)),
                    ("studies", .int(counts.studies)), ("series", .int(counts.series)), ("instances", .int(counts.instances)),
                    ("added", .int(added)), ("leftOut", .int(leftOut)), ("dropped", .int(dropped.count)),
                    ("referencesRefreshed", .int(refreshed)), ("profile", .string(settings.profile.rawValue)),
                ]) + "\n")
            } else {
                StandardOutput.write("\(ValueText.escaped(dicomdirPath)): \(counts.records) records (\(counts.patients) patients, "
                    + "\(counts.studies) studies, \(counts.series) series, \(counts.instances) instances), \(settings.profile.rawValue); "
                    + "\(added) added, \(leftOut) left out" + (previous == nil ? "" : ", \(dropped.count) dropped, \(refreshed) refreshed") + "\n")
            }
        })
        if failedEarly && status == .ok { return settings.strict ? .invalidInput : .cannotWriteOutput }
        return status
    }

    /// One file: skipped (a DICOMDIR, or already referenced), left out (profile, File ID), or its records.
    static func examine(_ item: InputItem, settings: DicomdirOptions, renames: RenameMap?, copyRoot: String?, sync: Bool,
                        referenced: Set<String>) throws(DicomError) -> Outcome {
        let relative = item.relativePath.split(separator: "/").map(String.init)
        if relative.last?.uppercased() == "DICOMDIR" { return .skipped }
        if referenced.contains(relative.joined(separator: "/").uppercased()) { return .skipped }
        let path = item.path ?? "-"
        let file = try Part10Reader.read(path: path)
        if BasicDirectory.isBasicDirectory(file) { return .skipped }
        // A file-set holds DICOM files (PS3.10 7.1): preamble, DICM and File Meta Information.
        if file.preamble == nil || file.meta.string(Tag.transferSyntaxUID) == nil {
            let reason = "not a DICOM file in the PS3.10 sense (no preamble, DICM prefix or Transfer Syntax UID in its File Meta "
                + "Information): 'dicomtool transcode --explicit' writes one"
            if settings.strict { throw DicomError(.invalidInput, reason) }
            return .leftOut("left out: " + reason)
        }
        let syntax = file.meta.string(Tag.transferSyntaxUID) ?? file.transferSyntax.uid
        if !settings.profile.allows(transferSyntax: syntax) {
            let reason = "\(UIDDictionary.entry(for: syntax)?.keyword ?? syntax) is not allowed by \(settings.profile.rawValue) "
                + "(PS3.11: \(settings.profile.syntaxNames))"
            if settings.strict { throw DicomError(.unsupported, reason) }
            return .leftOut("left out: " + reason)
        }
        var fileID = relative
        var renamedFrom: String?
        if let renames {
            fileID = renames.fileID(for: item.relativePath)
            if fileID != relative { renamedFrom = item.relativePath }
        } else if let problem = FileID.problem(relative) {
            let reason = "its path is not a File ID: \(problem) (PS3.10 8.5; --rename -o DIR writes a conforming copy)"
            if settings.strict { throw DicomError(.invalidInput, reason) }
            return .leftOut("left out: " + reason)
        }
        let instance = try DirectoryBuilder.instance(file, fileID: fileID, invent: settings.invent)
        if let copyRoot {
            let destination = PathText.appending(copyRoot, fileID.joined(separator: "/"))
            try FileCopy.copy(file.source, to: destination, from: path, sync: sync)
        }
        return .record(instance, fileID: fileID, renamedFrom: renamedFrom)
    }

    /// update: each record's Referenced Transfer Syntax, SOP Class and SOP Instance UIDs taken from
    /// the file it names, so that a tree rewritten in shards (whose DICOMDIR each shard could only
    /// partly follow) gets a DICOMDIR true to every file. Returns the records changed.
    static func refreshReferences(_ builder: inout DirectoryBuilder, root: String) -> Int {
        var changed = 0
        var options = Part10Reader.Options()
        options.metaOnly = true
        func refresh(_ nodes: inout [BasicDirectory.Node]) {
            for i in nodes.indices {
                refresh(&nodes[i].children)
                guard let id = nodes[i].fileID,
                      let file = try? Part10Reader.read(path: PathText.appending(root, id.joined(separator: "/")), options: options) else { continue }
                var record = nodes[i].record
                let facts: [(Tag, String?)] = [
                    (BasicDirectory.referencedTransferSyntax, file.meta.string(Tag.transferSyntaxUID)),
                    (BasicDirectory.referencedSOPClass, file.meta.string(Tag.mediaStorageSOPClassUID)),
                    (BasicDirectory.referencedSOPInstance, file.meta.string(Tag.mediaStorageSOPInstanceUID)),
                ]
                for (tag, value) in facts {
                    if let value, !value.isEmpty, record.string(tag) != value { record.setString(tag, .UI, value) }
                }
                if record.elements.count != nodes[i].record.elements.count
                    || zip(record.elements, nodes[i].record.elements).contains(where: { $0.valueBytes?.bytes != $1.valueBytes?.bytes }) {
                    changed += 1
                    nodes[i].record = record
                }
            }
        }
        builder.updateRoots(refresh)
        return changed
    }
}

/// Record counts for the summary line.
struct RecordCounts {
    var records = 0, patients = 0, studies = 0, series = 0, instances = 0

    init(_ roots: [BasicDirectory.Node]) {
        func visit(_ nodes: [BasicDirectory.Node]) {
            for node in nodes {
                records += 1
                switch node.recordType {
                case "PATIENT": patients += 1
                case "STUDY": studies += 1
                case "SERIES": series += 1
                default: if node.fileID != nil { instances += 1 }
                }
                visit(node.children)
            }
        }
        visit(roots)
    }
}

/// --rename's names: every path of the walk mapped to a File ID, deterministically (in input order,
/// so the same tree is named the same way by every run); paths that are File IDs keep them.
struct RenameMap: Sendable {
    private var byPath: [String: [String]] = [:]

    init(_ relativePaths: [String]) {
        var folders: [String: String] = [:]          // original folder path -> new folder path
        // new folder path -> names used in it; the root's DICOMDIR is the file-set's own.
        var taken: [String: Set<String>] = ["": ["DICOMDIR"]]
        for relative in relativePaths {
            var parts = relative.split(separator: "/").map(String.init)
            // More than 8 levels: the deepest folders are joined into the eighth component's folder.
            if parts.count > FileID.maxComponents {
                let keep = FileID.maxComponents - 1
                parts = Array(parts.prefix(keep - 1)) + [parts[(keep - 1)..<(parts.count - 1)].joined(separator: "_")] + [parts[parts.count - 1]]
            }
            var newFolder = ""
            var original = ""
            for (index, part) in parts.enumerated() {
                let isFile = index == parts.count - 1
                original = original.isEmpty ? part : original + "/" + part
                if !isFile, let known = folders[original] { newFolder = known; continue }
                let name = FileID.isValidComponent(part) && taken[newFolder]?.contains(part) != true ? part : FileID.conforming(part)
                let unique = FileID.unique(name, in: &taken[newFolder, default: []])
                let newPath = newFolder.isEmpty ? unique : newFolder + "/" + unique
                if isFile { byPath[relative] = newPath.split(separator: "/").map(String.init) } else {
                    folders[original] = newPath
                    newFolder = newPath
                }
            }
        }
    }

    func fileID(for relativePath: String) -> [String] {
        byPath[relativePath] ?? relativePath.split(separator: "/").map(String.init)
    }
}

/// A file copied byte for byte into the new file-set through the one instance-writing path.
enum FileCopy {
    static func copy(_ source: ByteSource, to destination: String, from input: String, sync: Bool) throws(DicomError) {
        try InstanceOutput.write(to: destination, from: [input], sync: sync) { (sink: inout AtomicOutput) throws(DicomError) in
            try sink.write(source.bytes(0..<source.count))
        }
    }
}

extension DicomdirCommand {
    /// `list`: the record tree, one line per record (indented by level) with its type, its keys and
    /// the File ID it references; with --format json one JSON Lines record per directory record.
    static func list(_ args: DicomdirArgs, global: GlobalArgs) -> ExitStatus {
        let reporter = global.reporter(command: "dicomdir")
        let path = isDirectory(args.target) ? PathText.appending(args.target, "DICOMDIR") : args.target
        let roots: [BasicDirectory.Node]
        do throws(DicomError) {
            let file = try Part10Reader.read(path: path)
            guard BasicDirectory.isBasicDirectory(file) else {
                throw DicomError(.invalidInput, "not a DICOMDIR (its Media Storage SOP Class is not the Basic Directory's)", file: path)
            }
            let tree = try BasicDirectory.tree(of: file)
            if tree.unreachable > 0 { reporter.warning("\(tree.unreachable) records that no offset reaches are not listed", input: path) }
            roots = tree.roots
        } catch {
            return failure(error.inFile(path), reporter)
        }
        let json = global.format == .json
        var out = ""
        var index = 0
        func visit(_ nodes: [BasicDirectory.Node], depth: Int, parent: Int?) {
            for node in nodes {
                index += 1
                let me = index
                let keys = keyValues(node.record)
                if json {
                    var fields: [(String, ReporterJSON.Value)] = [
                        ("index", .int(me)), ("parent", parent.map { .int($0) } ?? .null), ("depth", .int(depth)),
                        ("recordType", .string(node.recordType)),
                        ("keys", .object(keys.map { ($0.0, .string($0.1)) })),
                    ]
                    if let id = node.fileID {
                        fields.append(("fileID", .string(id.joined(separator: "\\"))))
                        for (name, tag) in [("sopClassUID", BasicDirectory.referencedSOPClass), ("sopInstanceUID", BasicDirectory.referencedSOPInstance),
                                            ("transferSyntaxUID", BasicDirectory.referencedTransferSyntax)] {
                            if let v = node.record.string(tag) { fields.append((name, .string(v))) }
                        }
                    }
                    out += ReporterJSON.record("record", "dicomdir", fields) + "\n"
                } else {
                    var line = String(repeating: "  ", count: depth) + node.recordType
                    for (keyword, value) in keys { line += " \(keyword)=\(ValueText.escaped(value))" }
                    if let id = node.fileID { line += " file=\(ValueText.escaped(id.joined(separator: "\\")))" }
                    out += line + "\n"
                }
                visit(node.children, depth: depth + 1, parent: me)
            }
        }
        visit(roots, depth: 0, parent: nil)
        StandardOutput.write(out)
        return .ok
    }

    /// The keys of a record worth showing: every element but the structural ones (offsets, flags,
    /// type, references), sequences summarised by their item count.
    static func keyValues(_ record: Dataset) -> [(String, String)] {
        let structural: Set<Tag> = [Tag.offsetOfTheNextDirectoryRecord, Tag.recordInUseFlag, Tag.offsetOfReferencedLowerLevelDirectoryEntity,
                                    Tag.directoryRecordType, BasicDirectory.referencedFileID, BasicDirectory.referencedSOPClass,
                                    BasicDirectory.referencedSOPInstance, BasicDirectory.referencedTransferSyntax,
                                    Tag.specificCharacterSet]
        var keys: [(String, String)] = []
        for element in record.elements where !structural.contains(element.tag) {
            let keyword = DataDictionary.entry(for: element.tag)?.keyword ?? element.tag.description
            if let items = element.items { keys.append((keyword, "\(items.count) item\(items.count == 1 ? "" : "s")")); continue }
            if [VR.US, .SS, .UL, .SL, .FL, .FD].contains(element.vr) {
                keys.append((keyword, (record.numbers(element.tag) ?? []).map { Int(exactly: $0).map(String.init) ?? String($0) }.joined(separator: "\\")))
                continue
            }
            keys.append((keyword, record.string(element.tag) ?? ""))
        }
        return keys
    }
}
