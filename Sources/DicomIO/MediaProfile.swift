import DicomCore

/// The General Purpose application profiles of PS3.11 that `dicomdir` builds file-sets for: each
/// allows a set of transfer syntaxes (PS3.11 annexes D, the DVD, BD and USB/Flash annexes); every
/// one of them limits File IDs to the rules of PS3.10 8.5 and PS3.12 (see `FileID`).
public enum MediaProfile: String, Sendable, CaseIterable {
    case cd = "STD-GEN-CD"
    case dvdJPEG = "STD-GEN-DVD-JPEG", dvdJ2K = "STD-GEN-DVD-J2K"
    case bdJPEG = "STD-GEN-BD-JPEG", bdJ2K = "STD-GEN-BD-J2K"
    case usbJPEG = "STD-GEN-USB-JPEG", usbJ2K = "STD-GEN-USB-J2K"
    case mime = "STD-GEN-MIME"

    /// The transfer syntaxes a file may be in; nil: any (STD-GEN-MIME).
    public var transferSyntaxes: Set<String>? {
        let explicit = "1.2.840.10008.1.2.1"
        switch self {
        case .cd: return [explicit]
        // Explicit VR Little Endian, JPEG Lossless SV1, JPEG Baseline, JPEG Extended (12-bit).
        case .dvdJPEG, .bdJPEG, .usbJPEG:
            return [explicit, "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"]
        // Explicit VR Little Endian, JPEG 2000 lossless only and JPEG 2000.
        case .dvdJ2K, .bdJ2K, .usbJ2K: return [explicit, "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"]
        case .mime: return nil
        }
    }

    public func allows(transferSyntax uid: String) -> Bool { transferSyntaxes?.contains(uid) ?? true }

    /// The names of the syntaxes it allows, for messages.
    public var syntaxNames: String {
        guard let uids = transferSyntaxes else { return "any transfer syntax" }
        return uids.sorted().map { UIDDictionary.entry(for: $0)?.keyword ?? $0 }.joined(separator: ", ")
    }
}

/// File IDs (PS3.10 8.5, PS3.12 for the general purpose media): at most 8 components, each 1 to 8
/// characters of A-Z, 0-9 and _.
public enum FileID {
    public static let maxComponents = 8, maxLength = 8

    public static func isValidComponent(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.count <= maxLength
            && text.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    /// Why `components` is not a File ID, or nil when it is one.
    public static func problem(_ components: [String]) -> String? {
        if components.count > maxComponents { return "\(components.count) components (at most \(maxComponents))" }
        if let bad = components.first(where: { !isValidComponent($0) }) {
            return "'\(bad)' is not 1 to 8 characters of A-Z, 0-9 and _"
        }
        return nil
    }

    /// A conforming component made from `name`: its extension dropped, upper case, every other
    /// character _, cut to 8 characters; "_" for a name with nothing left.
    public static func conforming(_ name: String) -> String {
        var base = Substring(name)
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { base = base[..<dot] }
        var out = ""
        for scalar in base.unicodeScalars {
            let c = Character(scalar)
            if ("a"..."z").contains(c) { out.append(Character(String(c).uppercased())) }
            else if ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" { out.append(c) }
            else { out.append("_") }
            if out.count == maxLength { break }
        }
        return out.isEmpty ? "_" : out
    }

    /// `preferred` when it is not taken in `taken`, else the first of its variants ending in a
    /// number (MR_SMAL1, MR_SMA12 ...) that is not; inserted into `taken`.
    public static func unique(_ preferred: String, in taken: inout Set<String>) -> String {
        if taken.insert(preferred).inserted { return preferred }
        var n = 1
        while true {
            let suffix = String(n)
            let candidate = String(preferred.prefix(maxLength - suffix.count)) + suffix
            if taken.insert(candidate).inserted { return candidate }
            n += 1
        }
    }
}
