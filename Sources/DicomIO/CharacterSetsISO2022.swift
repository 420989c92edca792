// ISO 2022 code extension as DICOM uses it (PS3.5 6.1.2.5): 7-bit G0 in 0x21...0x7E,
// 8-bit G1 in 0xA0...0xFF, designations by escape sequence, reset at delimiters.

private let replacementCharacter: UInt32 = 0xFFFD

/// Decodes one value. A fresh decoder per value: the state never outlives the value.
struct ISO2022Decoder {
    private let initial: DesignationState
    private let delimiters: Delimiters
    private var state: DesignationState
    private var isInitial = true
    // The tables of the sets in force, looked up once per designation rather than per byte.
    private var g0Table: [UInt32]
    private var g1Table: [UInt32]
    private let initialG0Table: [UInt32]
    private let initialG1Table: [UInt32]
    private var output: [UInt8] = []

    init(initial: DesignationState, delimiters: Delimiters) {
        self.initial = initial
        self.delimiters = delimiters
        self.state = initial
        initialG0Table = Self.table(for: initial.g0)
        initialG1Table = Self.table(for: initial.g1)
        g0Table = initialG0Table
        g1Table = initialG1Table
    }

    private static func table(for g0: DesignationState.G0Set) -> [UInt32] {
        if case .doubleByte(let set) = g0 { return set.table }
        return []
    }

    private static func table(for g1: DesignationState.G1Set) -> [UInt32] {
        switch g1 {
        case .singleByte(let set): return set.upperHalf
        case .doubleByte(let set): return set.table
        case .none, .jisKatakana: return []
        }
    }

    @inline(__always)
    private mutating func resetToInitial() {
        guard !isInitial else { return }
        state = initial
        g0Table = initialG0Table
        g1Table = initialG1Table
        isInitial = true
    }

    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        output.reserveCapacity(bytes.count * 3)
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x1B {
                index = designate(bytes, escapeAt: index)
                continue
            }
            if byte < 0x20 || byte == 0x7F {
                append(UInt32(widening: byte))
                if byte != 0x7F { resetToInitial() }  // CR, LF, FF, TAB and other controls reset
                index += 1
                continue
            }
            if byte < 0x80 {
                index = decodeG0(bytes, at: index)
            } else {
                index = decodeG1(bytes, at: index)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Reads the escape sequence at `index`, applies it, returns the index after it.
    private mutating func designate(_ bytes: UnsafeBufferPointer<UInt8>, escapeAt index: Int) -> Int {
        // ESC, intermediate bytes 0x20...0x2F, one final byte 0x30...0x7E (ISO 2022 / ECMA-35).
        var end = index + 1
        while end < bytes.count, bytes[end] >= 0x20, bytes[end] <= 0x2F { end += 1 }
        guard end < bytes.count, end > index + 1, bytes[end] >= 0x30, bytes[end] <= 0x7E else {
            // Not a complete sequence: the ESC alone is undecodable; go on with what follows.
            append(replacementCharacter)
            return index + 1
        }
        // At most 3 bytes after ESC matter (ESC $ ( D is the longest DICOM uses).
        var packed: UInt32 = 0
        if end - index <= 3 {
            for position in (index + 1)...end { packed = packed << 8 | UInt32(widening: bytes[position]) }
        }
        if let designation = DesignationState.designation(packed: packed) {
            if let g0 = designation.g0, g0 != state.g0 {
                state.g0 = g0
                g0Table = Self.table(for: g0)
                isInitial = state == initial
            }
            if let g1 = designation.g1, g1 != state.g1 {
                state.g1 = g1
                g1Table = Self.table(for: g1)
                isInitial = state == initial
            }
        } else {
            append(replacementCharacter)
        }
        return end + 1
    }

    private mutating func decodeG0(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = bytes[index]
        switch state.g0 {
        case .ascii, .jisRoman:
            append(UInt32(widening: byte))
            if delimiters.resets(byte) { resetToInitial() }
            return index + 1
        case .doubleByte:
            if byte == 0x20 {
                append(0x20)
                return index + 1
            }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            guard next >= 0x21, next <= 0x7E else {
                append(replacementCharacter)
                return index + 1
            }
            appendDoubleByte(g0Table, first: byte, second: next)
            return index + 2
        }
    }

    private mutating func decodeG1(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = bytes[index]
        switch state.g1 {
        case .none:
            append(UInt32(widening: byte))  // ISO 8859-1, as pydicom reads the default repertoire
            return index + 1
        case .singleByte:
            let scalar = g1Table[Int(widening: byte) - 0x80]
            append(scalar == 0 ? replacementCharacter : scalar)
            return index + 1
        case .jisKatakana:
            // JIS X 0201 katakana 0xA1...0xDF are U+FF61...U+FF9F.
            append(byte >= 0xA1 && byte <= 0xDF ? 0xFF61 + UInt32(widening: byte - 0xA1) : replacementCharacter)
            return index + 1
        case .doubleByte:
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            guard byte >= 0xA1, byte <= 0xFE, next >= 0xA1, next <= 0xFE else {
                append(replacementCharacter)
                return index + 1
            }
            appendDoubleByte(g1Table, first: byte & 0x7F, second: next & 0x7F)
            return index + 2
        }
    }

    private mutating func appendDoubleByte(_ table: [UInt32], first: UInt8, second: UInt8) {
        let index = Int(widening: first - 0x21) * 94 + Int(widening: second - 0x21)
        let scalar = index < table.count ? table[index] : 0
        append(scalar == 0 ? replacementCharacter : scalar)
    }

    @inline(__always)
    private mutating func append(_ scalar: UInt32) { output.appendUTF8(scalar) }
}

/// Encodes one value: each character goes into the code element in force if it can, else into
/// the first declared one that can (written with its escape sequence when extensions are on).
struct ISO2022Encoder {
    private let initial: DesignationState
    private let available: Available
    private let delimiters: Delimiters
    private var state: DesignationState
    private var output: [UInt8] = []

    init(initial: DesignationState, available: Available, delimiters: Delimiters) {
        self.initial = initial
        self.available = available
        self.delimiters = delimiters
        self.state = initial
    }

    mutating func encode(_ string: String) -> [UInt8]? {
        output.reserveCapacity(string.utf8.count + 8)
        for scalar in string.unicodeScalars {
            let value = scalar.value
            if value < 0x80, value == 0x1B { return nil }  // a raw ESC would forge a designation
            if value < 0x80, value < 0x20 || delimiters.resets(UInt8(value)) {  // conversion: value < 0x80
                returnToInitial()
                output.append(UInt8(value))  // conversion: value < 0x80
                continue
            }
            guard encodeInCurrentState(value) || switchAndEncode(value) else { return nil }
        }
        returnToInitial()
        return output
    }

    private mutating func encodeInCurrentState(_ value: UInt32) -> Bool {
        if let bytes = Self.bytes(for: value, g0: state.g0) {
            output.append(contentsOf: bytes)
            return true
        }
        if let bytes = Self.bytes(for: value, g1: state.g1) {
            output.append(contentsOf: bytes)
            return true
        }
        return false
    }

    private mutating func switchAndEncode(_ value: UInt32) -> Bool {
        guard available.allowsExtensions else { return false }
        // ASCII is always reachable in G0 (ISO 2022 IR 6 is implied by every extension).
        let g0Candidates = [initial.g0] + available.g0 + [.ascii]
        for g0 in g0Candidates where g0 != state.g0 {
            if let bytes = Self.bytes(for: value, g0: g0) {
                output.append(contentsOf: g0.escape)
                state.g0 = g0
                output.append(contentsOf: bytes)
                return true
            }
        }
        for g1 in [initial.g1] + available.g1 where g1 != state.g1 {
            if let escape = g1.escape, let bytes = Self.bytes(for: value, g1: g1) {
                output.append(contentsOf: escape)
                state.g1 = g1
                output.append(contentsOf: bytes)
                return true
            }
        }
        return false
    }

    private mutating func returnToInitial() {
        if state.g0 != initial.g0 { output.append(contentsOf: initial.g0.escape) }
        if state.g1 != initial.g1, let escape = initial.g1.escape { output.append(contentsOf: escape) }
        state = initial
    }

    private static func bytes(for value: UInt32, g0: DesignationState.G0Set) -> [UInt8]? {
        switch g0 {
        case .ascii, .jisRoman:
            return value >= 0x20 && value < 0x7F ? [UInt8(value)] : nil  // conversion: 0x20...0x7E
        case .doubleByte(let set):
            // A space is written after switching G0 back, as the PS3.5 Annex H examples do.
            guard value != 0x20, let (first, second) = set.encode(value) else { return nil }
            return [first, second]
        }
    }

    private static func bytes(for value: UInt32, g1: DesignationState.G1Set) -> [UInt8]? {
        switch g1 {
        case .none:
            return nil  // the default repertoire is ASCII only when writing
        case .singleByte(let set):
            return value >= 0xA0 ? set.encode(value).map { [$0] } : nil
        case .jisKatakana:
            return value >= 0xFF61 && value <= 0xFF9F ? [UInt8(value - 0xFF61 + 0xA1)] : nil  // conversion: 0xA1...0xDF
        case .doubleByte(let set):
            guard let (first, second) = set.encode(value) else { return nil }
            return [first | 0x80, second | 0x80]
        }
    }
}
