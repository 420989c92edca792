import DicomCore
import DicomEdit
import DicomIO

/// One key of a query as given: a path (keyword, tag or nested, as `modify` names attributes) and
/// a matching value; an empty value makes it a return key (the peer fills it in).
public struct QueryKey: Sendable, Equatable {
    public var path: EditPath
    public var value: String

    public init(path: EditPath, value: String = "") {
        self.path = path
        self.value = value
    }

    /// `KEY=VALUE` (a matching key) or `KEY` (a return key).
    public init(parsing text: String) throws(DicomError) {
        if let (path, fromFile, value) = EditPath.splitAssignment(text) {
            guard !fromFile else {
                throw DicomError(.usage, "'\(text)': a query key is KEY=VALUE (or KEY alone to have it returned), not KEY@FILE")
            }
            self.init(path: try EditPath(parsing: path), value: value)
        } else {
            self.init(path: try EditPath(parsing: text))
        }
    }

    /// A top-level attribute as a key.
    public init(_ tag: Tag, value: String = "") {
        self.init(path: EditPath(steps: [EditPath.Step(name: .tag(tag), items: nil)]), value: value)
    }

    /// The path with keywords where the dictionary has them: the column's name in tables and CSV.
    public var header: String { path.keywordDescription }

    /// The top-level tag when the path is one standard attribute.
    var topLevelTag: Tag? {
        guard path.steps.count == 1, let step = path.steps.first, step.items == nil, case .tag(let tag) = step.name else { return nil }
        return tag
    }
}

/// What a query asks: the model, the level (none for the worklist) and the keys in the order given.
public struct QueryRequest: Sendable {
    public var model: QueryModel
    public var level: QueryLevel?
    public var keys: [QueryKey]

    /// Checks that the level belongs to the model (Study Root has no PATIENT level; the worklist none).
    public init(model: QueryModel, level: QueryLevel?, keys: [QueryKey]) throws(DicomError) {
        if model == .modalityWorklist {
            guard level == nil else { throw DicomError(.usage, "the Modality Worklist model has no Query/Retrieve level") }
        } else {
            guard let level else { throw DicomError(.usage, "a \(model.name) query needs a level (patient, study, series or image)") }
            guard model.levels.contains(level) else {
                throw DicomError(.usage, "the \(model.name) model has no \(level.value) level (levels: \(model.levels.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        for key in keys where key.topLevelTag == .queryRetrieveLevel {
            throw DicomError(.usage, "Query/Retrieve Level is set from the level given (--level), not as a key", tag: .queryRetrieveLevel)
        }
        self.model = model
        self.level = level
        self.keys = keys
    }

    /// The request of find's, get's and move's --level, --model and -k: the STUDY level unless one
    /// is given, and the model given, else Patient Root for the PATIENT level (Study Root has none)
    /// and Study Root for the others (what most archives answer); the level checked against it.
    public static func defaulted(level: QueryLevel?, model: QueryModel?, keys: [QueryKey]) throws(DicomError) -> QueryRequest {
        let level = level ?? .study
        return try QueryRequest(model: model ?? (level == .patient ? .patientRoot : .studyRoot), level: level, keys: keys)
    }

    /// The identifier: an empty data set edited by `modify`'s path parser and value encoder, with
    /// matching-key checks instead of attribute-value checks. Query/Retrieve Level comes first, the
    /// keys follow in order, then the unique keys the level needs that were not given (as return
    /// keys). Values are typed in UTF-8: one the default repertoire cannot hold makes the identifier
    /// ISO_IR 192, announced in its Specific Character Set; a set given as a key is used as given.
    public func identifier() throws(DicomError) -> QueryIdentifier {
        var columns = keys
        if let level {
            let given = Set(keys.compactMap(\.topLevelTag))
            for tag in model.requiredKeys(at: level) where !given.contains(tag) { columns.append(QueryKey(tag)) }
        }
        var operations: [EditOperation] = []
        if let level {
            operations.append(.set(QueryKey(.queryRetrieveLevel).path, .text(level.value)))
        }
        operations += columns.map { .set($0.path, .text($0.value)) }
        let edited: EditedDataset
        do throws(DicomError) {
            edited = try DatasetEditing.apply(operations, to: Dataset(), rules: QueryMatching.rules)
        } catch {
            var e = error
            e.message = e.message.replacingFlag("--set", with: "query key")
            throw e
        }
        return QueryIdentifier(dataset: edited.dataset, columns: columns.filter { $0.topLevelTag != .specificCharacterSet },
                               sopClassUID: model.findSOPClassUID)
    }
}

/// A built identifier, the columns of its results (keys in request order), and the SOP class asked.
public struct QueryIdentifier: Sendable {
    public var dataset: Dataset
    public var columns: [QueryKey]
    public var sopClassUID: String

    /// The identifier's bytes in `syntax` (the transfer syntax the peer accepted for the context).
    public func encoded(in syntax: TransferSyntax) throws(DicomError) -> [UInt8] {
        var sink = MemorySink()
        try DatasetWriter(syntax: syntax).writeBare(dataset, to: &sink)
        return sink.bytes
    }

    /// The Specific Character Set the identifier announces, when it has one.
    public var characterSet: String? {
        dataset.string(.specificCharacterSet)?.trimmingWhitespace()
    }
}

extension QueryKey {
    /// The key's value in a match, as text: values joined with '\', the values of every item a
    /// path without an index reaches joined too; a sequence returned whole counts its items.
    public func text(in match: Dataset) -> String {
        Self.values(path, in: match).joined(separator: "\\")
    }

    static func values(_ path: EditPath, in ds: Dataset) -> [String] {
        guard let last = path.steps.last else { return [] }
        // The path's elements with the last step's items left to this function: a sequence
        // returned whole is described once, by its item count, not item by item.
        var toElement = path
        toElement.steps[toElement.steps.count - 1].items = nil
        return toElement.elements(in: ds).flatMap { element, owner -> [String] in
            if let items = element.items {
                switch last.items {
                case .index(let i)?: return i < items.count ? ["(item \(i))"] : []
                default: return ["(\(items.count) item\(items.count == 1 ? "" : "s"))"]
                }
            }
            return ValueText.values(element, in: owner) ?? (element.valueBytes.map { ["(\($0.count) bytes)"] } ?? [])
        }
    }
}

extension String {
    /// A message of `modify`'s editor reworded for the command that used it.
    func replacingFlag(_ flag: String, with words: String) -> String {
        guard hasPrefix(flag) else { return self }
        return words + dropFirst(flag.count)
    }
}
