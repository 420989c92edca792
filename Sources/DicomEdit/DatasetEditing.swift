import DicomAnonymize
import DicomCore
import DicomIO

/// How the values of edits are checked before they are encoded. `modify` checks a value against
/// its attribute's VR and VM (anonymize's `--set` checks); a C-FIND identifier is built with the
/// same edits but its values are matching keys (wild cards, ranges, UID lists), checked by the
/// query service's own rule.
public struct EditValueRules: Sendable {
    /// Why `text` cannot be written as a value of `vr` whose PS3.6 multiplicity is `vm` (nil when
    /// unknown); nil when it can.
    public var problem: @Sendable (_ text: String, _ vr: VR, _ vm: String?) -> String?
    /// An empty value given to a sequence makes an empty sequence (C-FIND's return key for a whole
    /// sequence, PS3.4 C.2.2.2.6) rather than being refused.
    public var emptyValueMakesEmptySequence: Bool

    public init(problem: @escaping @Sendable (_ text: String, _ vr: VR, _ vm: String?) -> String?,
                emptyValueMakesEmptySequence: Bool = false) {
        self.problem = problem
        self.emptyValueMakesEmptySequence = emptyValueMakesEmptySequence
    }

    /// `modify`'s and `anonymize`'s rule: a value its attribute can hold (SetValues).
    public static let attributeValues = EditValueRules(problem: { text, vr, vm in ValueCheck.problem(text, vr: vr, vm: vm) })
}

/// A data set after edits: what changed, and the warnings (a Specific Character Set changed).
public struct EditedDataset: Sendable {
    public var dataset: Dataset
    public var changes: [ModifyChange]
    public var warnings: [String]
}

/// Edits applied to a data set outside `modify`'s file handling: the one path parser and value
/// encoder of the project, for anyone who builds a data set from `PATH=VALUE` text (a C-FIND
/// identifier is an empty data set edited).
public enum DatasetEditing {
    /// `operations` applied in order to `dataset`. When a value cannot be written in the
    /// character set in force, the whole data set moves to ISO_IR 192 (its text re-encoded to the
    /// same characters, a warning says so) and the edits run again on that.
    public static func apply(_ operations: [EditOperation], to dataset: Dataset,
                             rules: EditValueRules = .attributeValues) throws(DicomError) -> EditedDataset {
        let (ds, session, warnings) = try run(operations, on: dataset, rules: rules)
        return EditedDataset(dataset: ds, changes: session.changes, warnings: warnings)
    }

    /// `apply`, returning the session (`Modifier` goes on with it to renew UIDs).
    static func run(_ operations: [EditOperation], on original: Dataset,
                    rules: EditValueRules) throws(DicomError) -> (Dataset, EditSession, [String]) {
        var session = EditSession(rules: rules)
        var ds = original
        do {
            for op in operations { try session.apply(op, to: &ds) }
            return (ds, session, [])
        } catch {
            guard session.needsUnicode else { throw error }
            session = EditSession(rules: rules)
            ds = original
            let before = TextReencoding.describe(ds.characterSet)
            let n = try TextReencoding.reencode(&ds, to: TextReencoding.unicode, targetTerms: ["ISO_IR 192"],
                                                intoItemsWithOwnSet: true, at: "")
            ds.set(TextReencoding.characterSetElement(["ISO_IR 192"]))
            session.changes.append(ModifyChange(action: "charset", path: Tag.specificCharacterSet.description, keyword: "SpecificCharacterSet",
                                                oldValue: before, newValue: "ISO_IR 192 (\(n) existing value\(n == 1 ? "" : "s") re-encoded)"))
            let warning = "Specific Character Set changed from \(before) to ISO_IR 192: \(error.message)"
            for op in operations { try session.apply(op, to: &ds) }
            return (ds, session, [warning])
        }
    }
}
