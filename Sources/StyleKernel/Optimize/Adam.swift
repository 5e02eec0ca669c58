#if canImport(Glibc)
    import Glibc
#endif

/// Adam (Kingma & Ba 2015, Algorithm 1) with β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, pixels projected
/// into their valid box after each step. The learning rate is in the model's pixel units.
final class Adam {
    let count: Int
    let learningRate: Float
    let parallel: Parallel
    private let m: FloatBuffer
    private let v: FloatBuffer
    private let gradient: FloatBuffer

    /// Floats an optimiser for `count` unknowns holds.
    static func floatCount(count: Int) -> Int { 3 * count }

    init(count: Int, learningRate: Float, parallel: Parallel) throws {
        self.count = count
        self.learningRate = learningRate
        self.parallel = parallel
        m = try FloatBuffer(checkedCount: count)
        v = try FloatBuffer(checkedCount: count)
        gradient = try FloatBuffer(checkedCount: count)
    }

    /// Runs `iterations` steps from x (updated in place); `onStep(i, loss)` reports the loss
    /// evaluated at the start of step i. Returns the last evaluated loss.
    /// `stepWeights` (one per unknown in 0…1, see `PixelOptimizer`) scale each unknown's step.
    func minimize(
        _ x: FloatBuffer, iterations: Int, bounds: Bounds, stepWeights: FloatBuffer?,
        evaluate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> LossTerms,
        onStep: (Int, LossTerms) throws -> Void
    ) throws -> LossTerms {
        precondition(stepWeights == nil || stepWeights!.count == count)
        let w = stepWeights.map { UnsafePointer($0.pointer) }
        let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        var loss = LossTerms()
        for t in 1...iterations {
            loss = try evaluate(x.pointer, gradient.pointer)
            bounds.constrain(gradient: gradient.pointer)
            let c1 = 1 - powf(b1, Float(t)), c2 = 1 - powf(b2, Float(t))
            let step = learningRate / c1
            let xp = x.pointer, g = gradient.pointer, mp = m.pointer, vp = v.pointer
            let rootC2 = c2.squareRoot()
            parallel.forEach(count, minimumPerThread: 1 << 15) { r in
                for i in r {
                    mp[i] = b1 * mp[i] + (1 - b1) * g[i]
                    vp[i] = b2 * vp[i] + (1 - b2) * g[i] * g[i]
                    let move = step * mp[i] / (vp[i].squareRoot() / rootC2 + eps)
                    xp[i] -= w == nil ? move : w![i] * move
                }
            }
            bounds.project(xp)
            try onStep(t, loss)
        }
        return loss
    }
}
