/// The exact forms an option's value may take, for every parser of the option table (so for the
/// C API's `sf_options_set`, the `stylize` command's long options and `-process key=value`) and
/// for `ByteSize`. Nothing is trimmed or read leniently:
/// - no white space before or after a value (`OptionSpec.set` refuses it for every option);
/// - a count is ASCII digits only: no sign, no blanks, no fraction (`24`, not `+24` or ` 24`);
/// - a number is plain decimal: digits with an optional fraction and exponent (`2`, `0.5`, `.5`,
///   `1e3`, `2.5E-1`), a leading `-` only so that a negative value reads as out of range; no `+`,
///   hexadecimal, `inf` or `nan`;
/// - a list's entries are separated by commas, each comma optionally followed by spaces or tabs
///   (`conv1_1:0.2, conv2_1:0.5`); nothing else inside a list is padded.
public enum OptionText {
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// White space or a control character at either end of `text`.
    public static func hasPadding(_ text: some StringProtocol) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        return first.isWhitespace || last.isWhitespace
    }

    /// A count: one or more ASCII digits, nothing else; nil when it is not one or does not fit in
    /// `T` (see `isNegativeCount` and `isCount` to say which).
    public static func count<T: FixedWidthInteger>(_ text: some StringProtocol, as: T.Type = T.self) -> T? {
        guard isCount(text) else { return nil }
        return T(text, radix: 10)
    }

    /// Digits only (however many).
    public static func isCount(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isDigit)
    }

    /// `-` followed by digits: a whole number below every count's range.
    public static func isNegativeCount(_ text: some StringProtocol) -> Bool {
        text.first == "-" && isCount(text.dropFirst())
    }

    /// A plain decimal number (see the type's description); `exponent: false` refuses `e`/`E`
    /// and `signed: false` the leading `-`. The caller converts it (`Float(text)`, `Double(text)`)
    /// and checks the range (`1e60` becomes a Float's infinity).
    public static func isDecimal(_ text: some StringProtocol, signed: Bool = true, exponent: Bool = true) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        if signed, i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        let integerStart = i
        while i < b.count, isDigit(b[i]) { i += 1 }
        var digits = i - integerStart
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > fractionStart else { return false }  // "1." is not written
            digits += i - fractionStart
        }
        guard digits > 0 else { return false }
        if exponent, i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            let exponentStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > exponentStart else { return false }
        }
        return i == b.count
    }

    /// A list's entries: split at commas, the spaces and tabs after each comma dropped. Empty
    /// entries stay (as ""), for the caller to refuse with their position.
    public static func entries(_ text: some StringProtocol) -> [Substring] {
        let whole = Substring(text)
        return whole.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { k, part in
            k == 0 ? part : part.drop(while: { $0 == " " || $0 == "\t" })
        }
    }
}
