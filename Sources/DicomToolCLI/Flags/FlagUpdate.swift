import DicomCore

/// How one flag sets one typed field of `Root` (a command's options or args), from what was typed:
/// the flag's entry in `FlagTable` carries it, so its names, docs and effect are one declaration.
/// Stage two runs the updates of every flag given (`LowArgs.update`) once, in table order; an
/// update may also refuse a value given what the flags before it in the table set (`then`), and the
/// command's args check afterwards what only the whole command line can tell.
public struct FlagUpdate<Root>: Sendable {
    public typealias Check = @Sendable (Root, LowArgs, FlagID) throws(DicomError) -> Void
    let apply: @Sendable (inout Root, LowArgs, FlagID) throws(DicomError) -> Void

    /// Any reading of what was typed (`low`) for the flag `id`.
    public init(_ apply: @escaping @Sendable (inout Root, _ low: LowArgs, _ id: FlagID) throws(DicomError) -> Void) {
        self.apply = apply
    }

    /// This update, then `check` on the result.
    func then(_ check: Check?) -> FlagUpdate {
        guard let check else { return self }
        return FlagUpdate { root, low, id throws(DicomError) in
            try apply(&root, low, id)
            try check(root, low, id)
        }
    }

    /// A custom reading of the flag's last value: `read` gets the text and the spelling typed.
    public static func custom(_ read: @escaping @Sendable (inout Root, _ text: String, _ spelling: String) throws(DicomError) -> Void)
        -> FlagUpdate {
        FlagUpdate { root, low, id throws(DicomError) in
            guard let text = low.text(id) else { return }
            try read(&root, text, low.spelling(id))
        }
    }

    /// A custom reading of every value of a repeatable flag, in order.
    public static func each(_ read: @escaping @Sendable (inout Root, _ text: String, _ spelling: String) throws(DicomError) -> Void)
        -> FlagUpdate {
        FlagUpdate { root, low, id throws(DicomError) in
            for occurrence in low.occurrences where occurrence.flag == id {
                guard case .text(let text) = occurrence.value else { continue }
                try read(&root, text, occurrence.spelling)
            }
        }
    }

    /// A switch: on, or off when its last occurrence is `--no-x`.
    public static func toggle(_ field: WritableKeyPath<Root, Bool> & Sendable, then check: Check? = nil) -> FlagUpdate {
        FlagUpdate { root, low, id in root[keyPath: field] = low.isOn(id) }.then(check)
    }

    /// A switch whose absence means "decide later" (nil).
    public static func toggle(_ field: WritableKeyPath<Root, Bool?> & Sendable) -> FlagUpdate {
        FlagUpdate { root, low, id in root[keyPath: field] = low.toggle(id) }
    }

    /// The last value as typed.
    public static func text(_ field: WritableKeyPath<Root, String?> & Sendable) -> FlagUpdate {
        FlagUpdate { root, low, id in root[keyPath: field] = low.text(id) }
    }

    /// Every value of a repeatable flag, in order.
    public static func texts(_ field: WritableKeyPath<Root, [String]> & Sendable) -> FlagUpdate {
        FlagUpdate { root, low, id in root[keyPath: field] = low.texts(id) }
    }

    /// An integer in `range`.
    public static func integer(_ field: WritableKeyPath<Root, Int> & Sendable, in range: ClosedRange<Int>) -> FlagUpdate {
        FlagUpdate { root, low, id throws(DicomError) in
            if let value = try low.integer(id, in: range) { root[keyPath: field] = value }
        }
    }

    public static func integer(_ field: WritableKeyPath<Root, Int?> & Sendable, in range: ClosedRange<Int>,
                               then check: Check? = nil) -> FlagUpdate {
        FlagUpdate { root, low, id throws(DicomError) in
            if let value = try low.integer(id, in: range) { root[keyPath: field] = value }
        }.then(check)
    }

    /// A finite number above `minimum`.
    public static func decimal(_ field: WritableKeyPath<Root, Double?> & Sendable, above minimum: Double) -> FlagUpdate {
        FlagUpdate { root, low, id throws(DicomError) in
            if let value = try low.decimal(id, above: minimum) { root[keyPath: field] = value }
        }
    }

    /// One of the flag's declared choices, as the domain type whose raw values they are.
    public static func choice<Value: RawRepresentable<String>>(_ field: WritableKeyPath<Root, Value> & Sendable,
                                                               then check: Check? = nil) -> FlagUpdate {
        FlagUpdate { root, low, id throws(DicomError) in
            guard let text = low.text(id) else { return }
            guard FlagTable.flag(id).choices.contains(text), let value = Value(rawValue: text) else {
                throw GlobalArgs.badChoice(text, for: id, spelling: low.spelling(id))
            }
            root[keyPath: field] = value
        }.then(check)
    }
}

extension LowArgs {
    /// Runs the update of every flag given that sets a field of `Root`, in table order.
    public func update<Root>(_ root: inout Root) throws(DicomError) {
        for flag in FlagTable.all where isGiven(flag.id) {
            for case let update as FlagUpdate<Root> in flag.updates { try update.apply(&root, self, flag.id) }
        }
    }
}
