/// An optimiser over the pixels of one image (or tile): L-BFGS or Adam behind one interface, so
/// the scale loop — whole image or tile by tile — does not depend on which one runs.
protocol PixelOptimizer {
    /// Minimises from `x` (updated in place) for `iterations` steps, keeping x inside `bounds`.
    /// `stepWeights` (nil, or one per unknown in 0…1) say how far each unknown may move relative
    /// to a free one: 0 holds it, 1 leaves it free. `evaluate(x, g)` returns the loss and writes
    /// its gradient; `onStep(i, loss)` runs after each step and may throw to stop. Returns the
    /// last loss.
    func minimize(_ x: FloatBuffer, iterations: Int, bounds: Bounds, stepWeights: FloatBuffer?,
                  evaluate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> LossTerms,
                  onStep: (Int, LossTerms) throws -> Void) throws -> LossTerms
}

extension LBFGS: PixelOptimizer {}
extension Adam: PixelOptimizer {}

enum PixelOptimizers {
    /// The optimiser `options` asks for, over `count` unknowns.
    static func make(_ options: StyleOptions, count: Int, parallel: Parallel) throws -> any PixelOptimizer {
        switch options.optimizer {
        case .lbfgs: return try LBFGS(count: count, parallel: parallel)
        case .adam: return try Adam(count: count, learningRate: options.learningRate, parallel: parallel)
        }
    }

    /// Floats that optimiser holds at most.
    static func floatCount(_ optimizer: StyleOptions.Optimizer, count: Int) -> Int {
        optimizer == .lbfgs ? LBFGS.floatCount(count: count) : Adam.floatCount(count: count)
    }
}
