/// Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4,
/// the two-loop recursion) with the pixels projected into their valid box after each step.
///
/// Step rule: try t = 1 along the quasi-Newton direction; on the first iteration, where there is
/// no curvature yet, steepest descent sized to move pixels by `firstStepFraction` of their range
/// (root mean square). (Torch's optim.lbfgs, which jcjohnson/neural-style uses, takes
/// t = min(1, 1/‖g‖₁) there; on a 512 px image that moves a pixel by ~10⁻⁶ of 255, below float
/// resolution, so the first curvature pair is rounding noise and misleads the next steps — we saw
/// 9-evaluation line searches right after each scale change.) Accept if the Armijo condition
/// f(x⁺) ≤ f(x) + 10⁻⁴·gᵀ(x⁺ − x) holds, otherwise backtrack to the minimiser of the quadratic
/// through f(x), the slope and f(x⁺) (Nocedal & Wright §3.5), kept within [t/100, t/2] — halving
/// alone cannot recover when the curvature estimate is off by orders of magnitude (badly scaled
/// objectives such as the tutorial one in Caffe units), up to 10 times. A pair (s, y) enters the history only if sᵀy > 0 (curvature condition), so
/// the implied Hessian stays positive definite despite the projection.
///
/// Step weights (optional, one per unknown in 0…1) say how far each unknown may move relative to
/// a free one: the initial inverse Hessian is γ·diag(w) instead of γ·I, with γ = sᵀy / yᵀdiag(w)y
/// — exactly L-BFGS in the variables z = x / √w (Nocedal & Wright §7.2 on scaling), so an unknown
/// of weight 0 never moves and one of weight 1 moves as without weights. Tiled stages use them to
/// share each overlap between its two tiles (`TiledStage.stepWeights`).
///
/// A whole image's stage may instead give a `MultiscalePreconditioner` M: H₀ = (sᵀy / yᵀMy)·M,
/// and −M·g without history, so that large regions move as fast as fine detail.
final class LBFGS {
    let count: Int
    let history: Int
    let parallel: Parallel
    private var s: [FloatBuffer] = []
    private var y: [FloatBuffer] = []
    private var rho: [Double] = []
    private let direction: FloatBuffer
    private let candidate: FloatBuffer
    private let candidateGradient: FloatBuffer
    private let gradient: FloatBuffer
    private var alpha: [Double]
    /// The step weights of the current `minimize` (nil: all 1).
    private var weights: UnsafePointer<Float>?
    private let preconditioner: MultiscalePreconditioner?

    /// First step's root-mean-square pixel change, as a fraction of the pixel range (measured:
    /// 0.01 reached a lower loss than 0.003 and 0.001 on the benchmark images).
    static let firstStepFraction = 0.01

    /// Floats an optimiser for `count` unknowns holds once its history is full.
    static func floatCount(count: Int, history: Int = 10) -> Int { (4 + 2 * history) * count }

    init(count: Int, history: Int = 10, preconditioner: MultiscalePreconditioner? = nil, parallel: Parallel) throws {
        precondition(preconditioner == nil || 3 * preconditioner!.width * preconditioner!.height == count)
        self.count = count
        self.history = history
        self.preconditioner = preconditioner
        self.parallel = parallel
        direction = try FloatBuffer(checkedCount: count)
        candidate = try FloatBuffer(checkedCount: count)
        candidateGradient = try FloatBuffer(checkedCount: count)
        gradient = try FloatBuffer(checkedCount: count)
        alpha = [Double](repeating: 0, count: history)
    }

    /// Minimises from `x` (updated in place) for `iterations` steps. `evaluate(x, g)` returns the
    /// loss and writes its gradient; `onStep(i, loss)` runs after each step and may throw to stop.
    /// Returns the loss at the final x.
    func minimize(
        _ x: FloatBuffer, iterations: Int, bounds: Bounds, stepWeights: FloatBuffer?,
        evaluate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> LossTerms,
        onStep: (Int, LossTerms) throws -> Void
    ) throws -> LossTerms {
        precondition(stepWeights == nil || stepWeights!.count == count)
        precondition(stepWeights == nil || preconditioner == nil, "step weights and a preconditioner do not combine")
        weights = stepWeights.map { UnsafePointer($0.pointer) }
        defer { weights = nil }
        var loss = try evaluate(x.pointer, gradient.pointer)
        bounds.constrain(gradient: gradient.pointer)
        let firstStepRMS = Self.firstStepFraction * bounds.meanRange
        /// Steepest descent (the direction without history) sized so that pixels move by
        /// `firstStepRMS` (root mean square).
        func firstStep() -> Double {
            let d2 = Reductions.sumSquares(direction.pointer, count: count, parallel: parallel)
            return firstStepRMS / max((d2 / Double(count)).squareRoot(), 1e-30)
        }
        for iteration in 1...iterations {
            var t = 1.0
            computeDirection()
            if s.isEmpty { t = firstStep() }
            var slope = Reductions.dot(gradient.pointer, direction.pointer, count: count, parallel: parallel)
            if !(slope < 0) {  // not a descent direction: forget the history, go downhill
                reset()
                computeDirection()
                slope = Reductions.dot(gradient.pointer, direction.pointer, count: count, parallel: parallel)
                t = firstStep()
            }
            var accepted: LossTerms?
            for _ in 0..<11 {
                let xp = x.pointer, dp = direction.pointer, cp = candidate.pointer
                let tf = Float(t)
                for i in 0..<count { cp[i] = xp[i] + tf * dp[i] }
                bounds.project(cp)
                let trial = try evaluate(cp, candidateGradient.pointer)
                bounds.constrain(gradient: candidateGradient.pointer)
                // gᵀ(x⁺ − x), the predicted decrease of the projected step
                var predicted: Double = 0
                predicted = Reductions.dotDifference(
                    gradient.pointer, cp, xp, count: count,
                    parallel: parallel)
                // A strict decrease too: near a minimum (a sequence's frame starting from the one
                // before) backtracking ends at steps that change nothing, and accepting one would
                // repeat the same search every iteration (its pair never enters the history).
                if trial.total.isFinite && trial.total <= loss.total + 1e-4 * min(predicted, 0)
                    && trial.total < loss.total
                {
                    accepted = trial
                    break
                }
                // Quadratic model along the step: f(τ) ≈ f + slope·τ + c·τ²; its minimiser.
                let fTrial = trial.total.isFinite ? trial.total : Double.greatestFiniteMagnitude
                let curvature = (fTrial - loss.total - slope * t) / (t * t)
                let tq = curvature > 0 ? -slope / (2 * curvature) : 0.5 * t
                t = min(0.5 * t, max(0.01 * t, tq))
            }
            guard let newLoss = accepted else {
                // No decrease along this direction even for tiny steps: converged (or stuck).
                // Without history that is final: the remaining iterations would change nothing,
                // so they are reported done at once (progress reaches its end, and the caller
                // may still cancel).
                guard !s.isEmpty else {
                    for rest in iteration...iterations { try onStep(rest, loss) }
                    return loss
                }
                try onStep(iteration, loss)
                reset()
                continue
            }
            try remember(from: x.pointer, to: candidate.pointer)
            x.copy(from: candidate)
            gradient.copy(from: candidateGradient)
            loss = newLoss
            try onStep(iteration, loss)
        }
        return loss
    }

    private func reset() {
        s.removeAll()
        y.removeAll()
        rho.removeAll()
    }

    /// Stores s = x⁺ − x, y = g⁺ − g if the curvature sᵀy is positive.
    private func remember(from x: UnsafePointer<Float>, to xp: UnsafePointer<Float>) throws {
        let sv = s.count == history ? s.removeFirst() : try FloatBuffer(checkedCount: count)
        let yv = y.count == history ? y.removeFirst() : try FloatBuffer(checkedCount: count)
        if rho.count == history { rho.removeFirst() }
        let g = gradient.pointer, gp = candidateGradient.pointer
        for i in 0..<count {
            sv.pointer[i] = xp[i] - x[i]
            yv.pointer[i] = gp[i] - g[i]
        }
        let sy = Reductions.dot(sv.pointer, yv.pointer, count: count, parallel: parallel)
        let yy = Reductions.dot(yv.pointer, yv.pointer, count: count, parallel: parallel)
        let ss = Reductions.dot(sv.pointer, sv.pointer, count: count, parallel: parallel)
        // Curvature condition, scale-free: the angle between s and y is below 90° by a margin.
        // (An absolute test such as sᵀy > 10⁻¹⁰·yᵀy rejects every pair of a steep objective,
        // whose curvature exceeds 10¹⁰ — e.g. the tutorial objective in Caffe units — and then
        // L-BFGS never leaves its tiny first step.)
        guard sy > 1e-10 * (ss * yy).squareRoot(), sy > 0 else { return }
        s.append(sv)
        y.append(yv)
        rho.append(1 / sy)
    }

    /// direction = −H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I — with step weights w,
    /// H₀ = (sᵀy / yᵀdiag(w)y)·diag(w), and −diag(w)·g without history; with a preconditioner M,
    /// H₀ = (sᵀy / yᵀMy)·M, and −M·g without history.
    private func computeDirection() {
        let d = direction.pointer
        let g = gradient.pointer
        for i in 0..<count { d[i] = -g[i] }
        guard !s.isEmpty else {
            if let w = weights { for i in 0..<count { d[i] *= w[i] } }
            preconditioner?.apply(d)
            return
        }
        for k in stride(from: s.count - 1, through: 0, by: -1) {
            let a = rho[k] * Reductions.dot(s[k].pointer, d, count: count, parallel: parallel)
            alpha[k] = a
            axpy(Float(-a), y[k].pointer, d)
        }
        let last = s.count - 1
        if let w = weights {
            let yp = y[last].pointer
            let ywy = Reductions.weightedSumSquares(yp, weights: w, count: count, parallel: parallel)
            let gamma = Float(1 / (rho[last] * ywy))
            for i in 0..<count { d[i] *= gamma * w[i] }
        } else if let m = preconditioner {
            let gamma = Float(1 / (rho[last] * m.quadratic(y[last].pointer)))
            for i in 0..<count { d[i] *= gamma }
            m.apply(d)
        } else {
            let yy = Reductions.dot(y[last].pointer, y[last].pointer, count: count, parallel: parallel)
            let gamma = Float(1 / (rho[last] * yy))
            for i in 0..<count { d[i] *= gamma }
        }
        for k in 0..<s.count {
            let b = rho[k] * Reductions.dot(y[k].pointer, d, count: count, parallel: parallel)
            axpy(Float(alpha[k] - b), s[k].pointer, d)
        }
    }

    private func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        parallel.forEach(count, minimumPerThread: 1 << 16) { r in
            for i in r { y[i] += a * x[i] }
        }
    }
}
