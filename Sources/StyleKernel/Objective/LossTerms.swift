/// The loss terms of one evaluation, unweighted as the objective computes them, and their
/// weighted sum: total = contentWeight·content + styleWeight·style + tvWeight·tv.
public struct LossTerms: Sendable, Equatable {
    public var content: Double
    public var style: Double
    public var tv: Double
    public var total: Double
    public init(content: Double = 0, style: Double = 0, tv: Double = 0, total: Double = 0) {
        self.content = content
        self.style = style
        self.tv = tv
        self.total = total
    }
}
