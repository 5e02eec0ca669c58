import StyleKernel

/// `--style-blend 0.7,0.3`: one weight per style image, which only the command knows the count
/// of (the engine's own list options are OptionTable rows). Throws a one-line `CommandFailure`
/// naming the option and the offending entry.
enum OptionLists {
    /// Comma-separated entries as the option table's lists take them (`OptionText.entries`:
    /// spaces may follow a comma); empty entries (`a,,b`, a trailing comma, an empty list) are errors.
    static func entries(_ text: String, option: String) throws -> [String] {
        let parts = OptionText.entries(text).map(String.init)
        if let i = parts.firstIndex(where: \.isEmpty) {
            throw CommandFailure("\(option): entry \(i + 1) of '\(text)' is empty")
        }
        return parts
    }

    /// A finite number ≥ 0, written exactly as the option table's numbers (`OptionText.isDecimal`).
    static func weight(_ text: String, option: String) throws -> Float {
        guard OptionText.isDecimal(text), let value = Float(text) else {
            throw CommandFailure("\(option): '\(text)' is not a number")
        }
        guard value.isFinite else { throw CommandFailure("\(option): \(value) is not a finite number") }
        guard value >= 0 else { throw CommandFailure("\(option): \(value) must not be negative") }
        return value
    }

    /// `w1,w2,…`: one weight per style image, ≥ 0, not all 0.
    static func styleBlend(_ text: String, styleCount: Int) throws -> [Float] {
        let option = "--style-blend"
        let weights = try entries(text, option: option).map { try weight($0, option: option) }
        guard weights.count == styleCount else {
            throw CommandFailure(
                "\(option): \(weights.count) weight\(weights.count == 1 ? "" : "s") for \(styleCount) style image\(styleCount == 1 ? "" : "s")"
            )
        }
        guard weights.contains(where: { $0 > 0 }) else {
            throw CommandFailure("\(option): at least one weight must be above 0")
        }
        return weights
    }
}
