import DicomAnonymize
import DicomCore
import DicomIO
import FoundationEssentials

/// Where a value comes from: typed on the command line, or the bytes of a file (`PATH@FILE`).
public enum EditValue: Sendable, Equatable {
    case text(String)
    /// The file's bytes: binary VRs (OB, OW, ...) take them as they are, little endian; text VRs
    /// read them as UTF-8 without one final line break.
    case file(path: String, bytes: [UInt8])
    /// A file named but not read yet (the flag's update does no I/O; `ModifyOptions.loadingFiles` reads it).
    case unreadFile(String)
}

/// One edit, in the order given on the command line.
public enum EditOperation: Sendable, Equatable {
    /// Insert or replace, making missing sequences and items on the way (`--set`).
    case set(EditPath, EditValue)
    /// Replace where the attribute is present, nothing elsewhere (`--replace`).
    case replace(EditPath, EditValue)
    /// Remove the attribute, or the items, the path names (`--erase`).
    case erase(EditPath)
    /// Remove the attribute at every depth, in every sequence item (`--erase-all`).
    case eraseAll(AttributeName)
    /// Remove every private element (creators included) at every depth (`--erase-private`).
    case erasePrivate

    /// The flag as typed, for messages.
    public var flag: String {
        switch self {
        case .set: return "--set"
        case .replace: return "--replace"
        case .erase: return "--erase"
        case .eraseAll: return "--erase-all"
        case .erasePrivate: return "--erase-private"
        }
    }
}

/// The identifying UIDs `modify` can renew, each with its attribute.
public enum RenewedUID: String, Sendable, CaseIterable {
    case study, series, instance

    public var tag: Tag {
        switch self {
        case .study: return Tag.studyInstanceUID
        case .series: return Tag.seriesInstanceUID
        case .instance: return Tag.sopInstanceUID
        }
    }
}

/// What `dicomtool modify` does to each data set.
public struct ModifyOptions: Sendable {
    public var operations: [EditOperation] = []
    /// The UIDs to renew after the edits (the same new UID for every file sharing the old one).
    public var renew: Set<RenewedUID> = []
    /// The key of anonymize's keyed UID mapping: with it, new UIDs are a function of the old ones,
    /// so shards and reruns agree; without it, new UIDs are random (shared within the run).
    public var secret: [UInt8]?

    public init() {}

    /// The options with every `PATH@FILE` value read.
    public func loadingFiles() throws(DicomError) -> ModifyOptions {
        var out = self
        func load(_ v: EditValue) throws(DicomError) -> EditValue {
            guard case .unreadFile(let path) = v else { return v }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DicomError(.cannotRead, "cannot read the value file", file: path)
            }
            return .file(path: path, bytes: [UInt8](data))
        }
        out.operations = []
        for op in operations {
            switch op {
            case .set(let p, let v): out.operations.append(.set(p, try load(v)))
            case .replace(let p, let v): out.operations.append(.replace(p, try load(v)))
            default: out.operations.append(op)
            }
        }
        return out
    }

    /// The checks that need no data set, before any file is read: a standard attribute's value
    /// against its VR and VM (the same check as anonymize's `--set`), attributes that modify does
    /// not write (file meta, group lengths, pixel data, items), and sequences given a value.
    public func check() throws(DicomError) {
        for op in operations {
            switch op {
            case .set(let path, let value), .replace(let path, let value):
                guard let last = path.steps.last else { continue }
                // The message names the attribute as typed, resolved: "--set (0008,0020) StudyDate".
                var named = "\(op.flag) \(path)"
                if case .tag(let t) = last.name, let k = DataDictionary.entry(for: t)?.keyword { named += " " + k }
                if last.items != nil {
                    throw DicomError(.usage, "\(named): a value goes into an attribute, not into items")
                }
                for step in path.steps {
                    if case .tag(let tag) = step.name { try Self.checkWritable(tag, flag: named) }
                }
                guard case .tag(let tag) = last.name, !tag.isPrivate else { continue }
                guard let entry = DataDictionary.entry(for: tag), !entry.vrs.isEmpty else {
                    throw DicomError(.usage, "\(named): not in the PS3.6 data dictionary, so its VR is unknown", tag: tag)
                }
                if entry.vrs == [.SQ] {
                    throw DicomError(.usage, "\(named) is a sequence: set attributes inside its items", tag: tag)
                }
                guard case .text(let text) = value else { continue }
                if entry.vrs == [.AT] {
                    _ = try Self.attributeTags(text, vm: entry.vm, flag: named, tag: tag)
                    continue
                }
                var problems: [String] = []
                for vr in entry.vrs {
                    if let p = ValueCheck.problem(text, vr: vr, vm: entry.vm) { problems.append(p) } else { problems = []; break }
                }
                if let p = problems.first { throw DicomError(.usage, "\(named): \(p)", tag: tag) }
            case .erase(let path):
                for step in path.steps {
                    if case .tag(let tag) = step.name, tag.group == 0x0002 || tag.group == 0x0000 {
                        throw DicomError(.usage, "\(op.flag): the file meta information (group 0002) is written by the tool", tag: tag)
                    }
                }
            case .eraseAll(let name):
                if case .tag(let tag) = name, tag.group == 0x0002 || tag.group == 0x0000 {
                    throw DicomError(.usage, "\(op.flag): the file meta information (group 0002) is written by the tool", tag: tag)
                }
                if name == .tag(Tag.specificCharacterSet) {
                    throw DicomError(.usage, "\(op.flag): the text values would lose their character set; --erase or --set "
                                     + "SpecificCharacterSet re-encodes them", tag: Tag.specificCharacterSet)
                }
            case .erasePrivate: break
            }
        }
    }

    /// An AT value from text: tags or keywords separated by backslashes, e.g. (0018,1063) or
    /// FrameTime\\FrameDelay; each written as two 16-bit numbers, group then element (PS3.5 6.2).
    static func attributeTags(_ text: String, vm: String?, flag: String, tag: Tag) throws(DicomError) -> [UInt8] {
        if text.isEmpty { return [] }
        let parts = text.split(separator: "\\", omittingEmptySubsequences: false)
        if let vm, !VMRange.accepts(vm, count: parts.count) {
            throw DicomError(.usage, "\(flag): \(parts.count) value\(parts.count == 1 ? "" : "s"), but the attribute's VM is \(vm)", tag: tag)
        }
        var bytes: [UInt8] = []
        for part in parts {
            let name = part.trimmingWhitespace()
            guard let t = Tag(parsing: name) ?? DataDictionary.tag(forKeyword: name) else {
                throw DicomError(.usage, "\(flag): '\(name)' is not a valid AT value (a tag such as (0018,1063) or a keyword)", tag: tag)
            }
            for v in [t.group, t.element] { bytes += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
        }
        return bytes
    }

    /// Attributes that `--set` and `--replace` refuse whatever the data set.
    static func checkWritable(_ tag: Tag, flag: String) throws(DicomError) {
        if tag.group == 0x0000 || tag.group == 0x0002 {
            throw DicomError(.usage, "\(flag): group \(hex4(tag.group)) is written by the tool (file meta information, command elements)", tag: tag)
        }
        if tag.isGroupLength { throw DicomError(.usage, "\(flag): group lengths are computed, not set", tag: tag) }
        if pixelDataTags.contains(tag) {
            throw DicomError(.usage, "\(flag): pixel data is not edited by modify (transcode and derive write it)", tag: tag)
        }
        if tag.isDelimiter { throw DicomError(.usage, "\(flag): items and delimiters are not attributes", tag: tag) }
    }

    static let pixelDataTags: Set<Tag> = [Tag.pixelData, Tag.floatPixelData, Tag.doubleFloatPixelData]
}
