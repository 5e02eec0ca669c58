/// An optimiser over the pixels of one image (or tile): L-BFGS or Adam behind one interface, so
/// the scale loop — whole image or tile by tile — does not depend on which one runs.
protocol PixelOptimizer {
    /// Minimises from `x` (updated in place) for `iterations` steps, keeping x inside `bounds`
    /// (with grey bounds, each gradient is restricted to grey pixels before it is used).
    /// `stepWeights` (nil, or one per unknown in 0…1) say how far each unknown may move relative
    /// to a free one: 0 holds it, 1 leaves it free. `evaluate(x, g)` returns the loss and writes
    /// its gradient; `onStep(i, loss)` runs after each step and may throw to stop. Returns the
    /// last loss.
    func minimize(
        _ x: FloatBuffer, iterations: Int, bounds: Bounds, stepWeights: FloatBuffer?,
        evaluate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> LossTerms,
        onStep: (Int, LossTerms) throws -> Void
    ) throws -> LossTerms
}

extension LBFGS: PixelOptimizer {}
extension Adam: PixelOptimizer {}

enum PixelOptimizers {
    /// The optimiser `options` asks for, over `count` unknowns: the pixels of a whole image of
    /// `image`'s size (L-BFGS then takes the preconditioner `options` asks for, kept inside the
    /// region masks' `coverage` if given), or of a tile (nil).
    static func make(
        _ options: StyleOptions, count: Int, image: (width: Int, height: Int)?,
        coverage: [Float]? = nil, parallel: Parallel
    ) throws -> any PixelOptimizer {
        switch options.optimizer {
        case .lbfgs:
            let preconditioner = try preconditioned(options, image: image).map {
                try MultiscalePreconditioner(width: $0.width, height: $0.height, coverage: coverage, parallel: parallel)
            }
            return try LBFGS(count: count, preconditioner: preconditioner, parallel: parallel)
        case .adam: return try Adam(count: count, learningRate: options.learningRate, parallel: parallel)
        }
    }

    /// Floats that optimiser holds at most.
    static func floatCount(_ options: StyleOptions, count: Int, image: (width: Int, height: Int)?) -> Int {
        guard options.optimizer == .lbfgs else { return Adam.floatCount(count: count) }
        return LBFGS.floatCount(count: count)
            + (preconditioned(options, image: image).map {
                MultiscalePreconditioner.floatCount(width: $0.width, height: $0.height)
            } ?? 0)
    }

    /// The image size to precondition over, if any.
    private static func preconditioned(_ options: StyleOptions, image: (width: Int, height: Int)?) -> (
        width: Int, height: Int
    )? {
        options.preconditioner == .multiscale ? image : nil
    }
}
