extension StringProtocol {
    /// The text without leading and trailing spaces and tabs — for model metadata and message
    /// text. Not for option values, which must be exact (`OptionText`). Other white space (line
    /// breaks) is content, not padding, and stays.
    public func trimmingSpaces() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }),
            let last = lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(self[first...last])
    }
}
