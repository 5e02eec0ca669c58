/// The loss terms of one evaluation, unweighted as the objective computes them, and their
/// weighted sum: total = contentWeight·content + styleWeight·style + tvWeight·tv
/// (+ temporalWeight·temporal for a frame of a sequence after the first).
public struct LossTerms: Sendable, Equatable {
    public var content: Double
    public var style: Double
    public var tv: Double
    /// The temporal term (`TemporalTerm`); 0 outside sequences.
    public var temporal: Double
    public var total: Double
    public init(content: Double = 0, style: Double = 0, tv: Double = 0, temporal: Double = 0, total: Double = 0) {
        self.content = content
        self.style = style
        self.tv = tv
        self.temporal = temporal
        self.total = total
    }
}
