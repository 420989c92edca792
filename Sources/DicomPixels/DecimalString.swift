import DicomCore

/// Decimal String (DS) text for computed numbers: at most 16 characters (PS3.5 6.2), fixed-point
/// while that fits, exponent form beyond. One formatter, two styles: a measured ratio keeps a
/// fixed number of decimals ("12.500", as the lossy history has always recorded it); a geometric
/// value (spacing, position, window) is as precise as 16 characters allow, trailing zeros dropped.
public enum DecimalString {
    public struct Style: Sendable {
        /// Decimals tried, most first, until the text fits 16 characters.
        var fractionDigits: ClosedRange<Int>
        /// Trailing zeros (and a bare point) dropped: "2.5", not "2.5000000000".
        var dropsTrailingZeros: Bool
        /// Significant digits of the exponent form used when no fixed-point text fits.
        var exponentSignificantDigits: Int

        /// Lossy Image Compression Ratio and the ratio quoted in Derivation Description.
        public static let ratio = Style(fractionDigits: 0...3, dropsTrailingZeros: false, exponentSignificantDigits: 10)
        /// Pixel Spacing, Image Position (Patient), Grid Frame Offset Vector, window values.
        public static let measurement = Style(fractionDigits: 1...10, dropsTrailingZeros: true, exponentSignificantDigits: 6)
    }

    public static let maximumLength = 16

    public static func format(_ v: Double, _ style: Style) -> String {
        for digits in style.fractionDigits.reversed() {
            var s = NumberText.fixed(v, digits: digits)
            if style.dropsTrailingZeros, s.contains(".") {
                while s.hasSuffix("0") { s.removeLast() }
                if s.hasSuffix(".") { s.removeLast() }
            }
            if s.count <= maximumLength { return s == "-0" ? "0" : s }
        }
        return NumberText.general(v, significant: style.exponentSignificantDigits)
    }
}
