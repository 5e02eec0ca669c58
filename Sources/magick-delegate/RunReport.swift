import StyleKernel

/// `--report FILE`: the run's numbers as JSON, written atomically:
/// `{"loss": {"content": …, "style": …, "tv": …, "total": …}, "iterations": …, "seconds": …,
///   "seconds_per_iteration": …, "model": …, "width": …, "height": …}`
struct RunReport {
    var loss: LossTerms
    var iterations: Int
    var seconds: Double
    var model: String
    var width: Int
    var height: Int

    init(result: StylizeResult, model: String) {
        loss = result.loss; iterations = result.iterations; seconds = result.seconds
        self.model = model; width = result.image.width; height = result.image.height
    }

    var json: String {
        let perIteration = iterations > 0 ? seconds / Double(iterations) : 0
        return """
            {
              "loss": {"content": \(Self.number(loss.content)), "style": \(Self.number(loss.style)), \
            "tv": \(Self.number(loss.tv)), "total": \(Self.number(loss.total))},
              "iterations": \(iterations),
              "seconds": \(Self.number(seconds)),
              "seconds_per_iteration": \(Self.number(perIteration)),
              "model": \(MiniJSON.quote(model)),
              "width": \(width),
              "height": \(height)
            }

            """
    }

    func write(to path: String) throws {
        try AtomicFile.write(Array(json.utf8), to: path)
    }

    /// JSON has no NaN or infinity: those become null.
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}
