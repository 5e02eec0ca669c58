extension StringProtocol {
    /// The text without leading and trailing spaces and tabs — the blanks that may surround the
    /// entries of the lists users type (`conv1_1:1, conv2_1`) and model metadata. Other white
    /// space (line breaks) is content, not padding, and stays.
    public func trimmingSpaces() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }),
              let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }
}
