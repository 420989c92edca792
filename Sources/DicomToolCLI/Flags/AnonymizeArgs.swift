import DicomCore
import DicomAnonymize

/// `dicomtool anonymize`, checked.
public struct AnonymizeArgs: CommandArgs, Equatable {
    public enum Layout: String, Sendable { case mirror, uid }

    public var retainSafePrivate = false, retainUIDs = false, retainDeviceIdentity = false
    public var retainInstitutionIdentity = false, retainPatientCharacteristics = false
    public var retainLongFullDates = false, retainLongModifiedDates = false
    public var cleanDescriptors = false, cleanStructuredContent = false, cleanGraphics = false
    public var keep: [String] = [], remove: [String] = []
    public var set: [String] = []
    public var secretFile: String?
    public var burnedIn: BurnedInPolicy = .refuse
    public var layout: Layout = .mirror
    public var mapOut: String?
    public var check = false
    public var plan = false
    public var output: String?
    public var sync = false

    public init() {}

    public init(_ low: LowArgs) throws(DicomError) {
        retainSafePrivate = low.isOn(.retainSafePrivate)
        retainUIDs = low.isOn(.retainUIDs)
        retainDeviceIdentity = low.isOn(.retainDeviceIdentity)
        retainInstitutionIdentity = low.isOn(.retainInstitutionIdentity)
        retainPatientCharacteristics = low.isOn(.retainPatientCharacteristics)
        retainLongFullDates = low.isOn(.retainLongFullDates)
        retainLongModifiedDates = low.isOn(.retainLongModifiedDates)
        if retainLongFullDates, retainLongModifiedDates {
            throw DicomError(.usage, "--retain-long-full-dates and --retain-long-modified-dates cannot be combined: keep dates or shift them")
        }
        cleanDescriptors = low.isOn(.cleanDescriptors)
        cleanStructuredContent = low.isOn(.cleanStructuredContent)
        cleanGraphics = low.isOn(.cleanGraphics)
        keep = low.texts(.keep)
        remove = low.texts(.remove)
        for t in keep + remove { try TagPath.check(t) }
        set = low.texts(.set)
        for s in set {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw DicomError(.usage, "--set expects TAG=VALUE, e.g. PatientID=SUBJECT-01, not '\(s)'")
            }
            try TagPath.check(String(s[..<eq]))
        }
        secretFile = low.text(.secretFile)
        if let text = low.text(.burnedIn) {
            guard let p = BurnedInPolicy(rawValue: text) else { throw GlobalArgs.badChoice(text, for: .burnedIn, spelling: low.spelling(.burnedIn)) }
            burnedIn = p
        }
        if let text = low.text(.layout) {
            guard let l = Layout(rawValue: text) else { throw GlobalArgs.badChoice(text, for: .layout, spelling: low.spelling(.layout)) }
            layout = l
        }
        mapOut = low.text(.mapOut)
        check = low.isOn(.check)
        plan = low.isOn(.plan)
        output = low.text(.output)
        sync = low.isOn(.sync)
        if check {
            guard output == nil, !plan else { throw DicomError(.usage, "--check writes nothing: it takes no -o and no --plan") }
            guard low.positionals.count == 2 else {
                throw DicomError(.usage, "--check takes exactly two inputs: ORIGINAL ANONYMIZED")
            }
        } else if output == nil, !plan {
            throw DicomError(.usage, "an output is required: -o FILE or -o DIRECTORY (or --plan to write nothing)")
        } else if output != nil, plan {
            throw DicomError(.usage, "--plan writes nothing, so -o/--output cannot be given with it")
        }
        if output == "-", layout == .uid { throw DicomError(.usage, "--layout uid needs an output directory, not '-'") }
    }

    public func run(global: GlobalArgs) -> ExitStatus { AnonymizeCommand.run(self, global: global) }
}
