import XCTest

@testable import StyleKernel

/// The optimisers' step weights, on a separable quadratic f(x) = Σ aᵢ (xᵢ − cᵢ)² whose minimiser
/// is known: an unknown of weight 0 never moves, the others still reach the minimum, and weights
/// of 1 change nothing.
final class OptimizerTests: XCTestCase {
    let plane = 8
    var count: Int { 3 * plane }
    /// 0…1 pixels in model units, as the engine's tiles have them.
    var bounds: Bounds { Bounds(convention: .torchvision, plane: plane) }
    var curvatures: [Double] { (0..<count).map { 1 + Double($0 % 5) * 2.5 } }
    var targets: [Float] {
        (0..<count).map { i in
            let c = i / plane
            let pixel = Float(0.2 + 0.6 * Double(i % plane) / Double(plane))
            return (pixel - InputConvention.torchvision.mean[c]) / InputConvention.torchvision.std[c]
        }
    }
    var start: [Float] {
        (0..<count).map { i in
            (0.5 - InputConvention.torchvision.mean[i / plane]) / InputConvention.torchvision.std[i / plane]
        }
    }

    func evaluate(_ x: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>) -> LossTerms {
        var f = 0.0
        for i in 0..<count {
            let d = Double(x[i] - targets[i])
            f += curvatures[i] * d * d
            g[i] = Float(2 * curvatures[i] * d)
        }
        return LossTerms(total: f)
    }

    func run(_ optimizer: any PixelOptimizer, weights: [Float]?, iterations: Int) throws -> [Float] {
        let x = try FloatBuffer(checkedValues: start)
        _ = try optimizer.minimize(
            x, iterations: iterations, bounds: bounds,
            stepWeights: try weights.map { try FloatBuffer(checkedValues: $0) },
            evaluate: evaluate, onStep: { _, _ in })
        return Array(UnsafeBufferPointer(start: x.pointer, count: count))
    }

    func weights() -> [Float] { (0..<count).map { i in [0, 0.05, 0.5, 1][i % 4] } }

    func testLBFGSHoldsUnknownsOfWeightZeroAndSolvesTheRest() throws {
        let parallel = Parallel(threads: 1)
        let w = weights()
        let x = try run(try LBFGS(count: count, parallel: parallel), weights: w, iterations: 40)
        for i in 0..<count {
            if w[i] == 0 {
                XCTAssertEqual(x[i], start[i], "unknown \(i) of weight 0 moved")
            } else {
                XCTAssertEqual(x[i], targets[i], accuracy: 1e-3, "unknown \(i) of weight \(w[i])")
            }
        }
        let free = try run(try LBFGS(count: count, parallel: parallel), weights: nil, iterations: 5)
        let ones = try run(
            try LBFGS(count: count, parallel: parallel), weights: [Float](repeating: 1, count: count), iterations: 5)
        for i in 0..<count { XCTAssertEqual(free[i], ones[i], accuracy: 1e-5 * max(1, abs(free[i]))) }
    }

    func testAdamHoldsUnknownsOfWeightZeroAndScalesTheOthersSteps() throws {
        let parallel = Parallel(threads: 1)
        let w = weights()
        let x = try run(try Adam(count: count, learningRate: 0.01, parallel: parallel), weights: w, iterations: 3)
        let free = try run(try Adam(count: count, learningRate: 0.01, parallel: parallel), weights: nil, iterations: 1)
        let one = try run(try Adam(count: count, learningRate: 0.01, parallel: parallel), weights: w, iterations: 1)
        for i in 0..<count {
            if w[i] == 0 { XCTAssertEqual(x[i], start[i], "unknown \(i) of weight 0 moved") }
            XCTAssertEqual(one[i] - start[i], w[i] * (free[i] - start[i]), accuracy: 1e-6, "first step of unknown \(i)")
        }
    }

    /// With grey bounds (every style grey) the start is made grey, L-BFGS restricts the gradient
    /// to grey pixels and moves along them only, and it reaches the quadratic's minimum over them: per pixel, the grey v
    /// minimising Σ_c a_c (v·k_c + l_c − t_c)², v = Σ a_c k_c (t_c − l_c) / Σ a_c k_c².
    func testGreyBoundsSolveTheProblemOverGreyPixels() throws {
        let grey = Bounds(convention: .torchvision, plane: plane, grey: true)
        let k = grey.greyAxis!, l = grey.lower
        let x = try FloatBuffer(checkedValues: targets)  // a colour start
        grey.project(x.pointer)
        let optimizer = try LBFGS(count: count, parallel: Parallel(threads: 1))
        _ = try optimizer.minimize(
            x, iterations: 40, bounds: grey, stepWeights: nil, evaluate: evaluate, onStep: { _, _ in })
        let a = curvatures, t = targets
        for i in 0..<plane {
            var num = 0.0, den = 0.0
            for c in 0..<3 {
                num += a[c * plane + i] * Double(k[c]) * Double(t[c * plane + i] - l[c])
                den += a[c * plane + i] * Double(k[c] * k[c])
            }
            let v = Float(num / den)
            for c in 0..<3 {
                XCTAssertEqual(x.pointer[c * plane + i], v * k[c] + l[c], accuracy: 1e-3, "pixel \(i), channel \(c)")
            }
        }
    }
}
