import XCTest

@testable import StyleKernel

/// The multiscale preconditioner: symmetric positive definite (as L-BFGS's H₀ must be), its
/// quadratic form agrees with applying it, it lifts smooth changes far above fine ones, and
/// L-BFGS with it solves a problem whose smooth part plain steps barely move.
final class PreconditionerTests: XCTestCase {
    // Odd sizes, smaller than the coarsest tent, so the borders and short lines are exercised.
    let (width, height) = (37, 23)
    var count: Int { 3 * width * height }

    func randomVector(seed: UInt64) -> [Float] {
        var rng = SplitMix64(state: seed)
        return (0..<count).map { _ in rng.unit() * 2 - 1 }
    }

    func applied(_ m: MultiscalePreconditioner, _ v: [Float]) -> [Float] {
        var out = v
        out.withUnsafeMutableBufferPointer { m.apply($0.baseAddress!) }
        return out
    }

    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    func testSymmetricPositiveDefiniteAndItsQuadraticFormAgrees() throws {
        let m = try MultiscalePreconditioner(width: width, height: height, parallel: Parallel(threads: 2))
        let u = randomVector(seed: 1), v = randomVector(seed: 2)
        let uMv = dot(u, applied(m, v)), vMu = dot(v, applied(m, u))
        XCTAssertEqual(uMv, vMu, accuracy: 1e-4 * abs(uMv) + 1e-3, "uᵀMv must equal vᵀMu")
        for w in [u, v] {
            let direct = dot(w, applied(m, w))
            XCTAssertGreaterThanOrEqual(direct, dot(w, w), "M = I + a positive semidefinite sum")
            let q = w.withUnsafeBufferPointer { m.quadratic($0.baseAddress!) }
            XCTAssertEqual(q, direct, accuracy: 1e-4 * direct)
        }
    }

    /// M·v by the definition, one running sum per row and per column, as plainly as it can be
    /// written: the preconditioner lays its sums out for speed (rows eight at a time, columns all
    /// at once) but must give these bits exactly.
    func reference(_ v: [Float], width w: Int, height h: Int) -> [Float] {
        let plane = w * h
        func box(_ a: inout [Float], _ base: Int, _ r: Int) {
            let scale = 1 / Float(2 * r + 1)
            func line(_ at: (Int) -> Int, _ n: Int) {
                var running: Float = 0, out = [Float](repeating: 0, count: n)
                for i in 0..<min(r, n) { running += a[at(i)] }
                for i in 0..<n {
                    if i + r < n { running += a[at(i + r)] }
                    if i - r - 1 >= 0 { running -= a[at(i - r - 1)] }
                    out[i] = running * scale
                }
                for i in 0..<n { a[at(i)] = out[i] }
            }
            for y in 0..<h { line({ base + y * w + $0 }, w) }
            for x in 0..<w { line({ base + $0 * w + x }, h) }
        }
        var out = v
        for c in 0..<3 {
            var sum = Array(v[c * plane..<(c + 1) * plane])
            for (k, weight) in MultiscalePreconditioner.weights.enumerated() {
                var tent = Array(v[c * plane..<(c + 1) * plane])
                box(&tent, 0, 1 << k)
                box(&tent, 0, 1 << k)
                for i in 0..<plane { sum[i] += weight * tent[i] }
            }
            for i in 0..<plane { out[c * plane + i] = sum[i] }
        }
        return out
    }

    func testAppliesTheTentsBitForBitAsPlainRunningSums() throws {
        // Heights that leave rows over the groups of eight; a width below the largest radius.
        for (w, h) in [(37, 23), (64, 40), (9, 70), (1, 1), (120, 17)] {
            var rng = SplitMix64(state: UInt64(w * 1000 + h))
            let v = (0..<3 * w * h).map { _ in rng.unit() * 2 - 1 }
            for threads in [1, 2] {
                let m = try MultiscalePreconditioner(width: w, height: h, parallel: Parallel(threads: threads))
                XCTAssertEqual(applied(m, v), reference(v, width: w, height: h), "\(w)×\(h), \(threads) threads")
            }
        }
    }

    func testLiftsSmoothChangesAndLeavesFineOnesNearlyAlone() throws {
        let (w, h) = (160, 160)
        let m = try MultiscalePreconditioner(width: w, height: h, parallel: Parallel(threads: 1))
        let plane = w * h
        let flat = [Float](repeating: 1, count: 3 * plane)
        let checker = (0..<3 * plane).map { i in Float(((i % plane) % w + (i % plane) / w) % 2 == 0 ? 1 : -1) }
        let centre = (h / 2) * w + w / 2
        // Far from the borders a constant passes every tent unchanged: 1 + 2 + 4 + … + 32.
        XCTAssertEqual(applied(m, flat)[centre], 63, accuracy: 1e-3)
        // Pixel-level alternation: the tents nearly cancel it.
        XCTAssertEqual(applied(m, checker)[centre], 1, accuracy: 0.2)
    }

    /// f(x) = ½·Σ over neighbours ((xᵢ − xⱼ) − (tᵢ − tⱼ))² + ½·ε·Σ (xᵢ − tᵢ)²: fitting the target's
    /// differences, whose smooth part has almost no curvature — the regime of a sky that should
    /// turn into the painting's colour. Preconditioned L-BFGS gets far closer in the same steps.
    func testLBFGSWithItSolvesASmoothProblemFasterThanPlainSteps() throws {
        let (w, h) = (48, 48)
        let plane = w * h, n = 3 * plane
        let target: [Float] = (0..<n).map { i in
            let (x, y) = (Float((i % plane) % w), Float((i % plane) / w))
            return 0.3 * sin(x / 9) * cos(y / 13)  // a change larger than the finest tent
        }
        func evaluate(_ x: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>) -> LossTerms {
            let epsilon: Float = 1e-3
            var f = 0.0
            for i in 0..<n {
                let d = x[i] - target[i]
                g[i] = epsilon * d
                f += Double(0.5 * epsilon * d * d)
            }
            for c in 0..<3 {
                for y in 0..<h {
                    for x0 in 0..<w {
                        let i = c * plane + y * w + x0
                        for j in [x0 + 1 < w ? i + 1 : -1, y + 1 < h ? i + w : -1] where j >= 0 {
                            let r = (x[i] - x[j]) - (target[i] - target[j])
                            f += Double(0.5 * r * r)
                            g[i] += r
                            g[j] -= r
                        }
                    }
                }
            }
            return LossTerms(total: f)
        }
        func solve(_ m: MultiscalePreconditioner?) throws -> Double {
            // Torchvision units with a wide box, so the bounds never bind.
            let x = try FloatBuffer(checkedValues: [Float](repeating: 0, count: n))
            let optimizer = try LBFGS(count: n, preconditioner: m, parallel: Parallel(threads: 1))
            return try optimizer.minimize(
                x, iterations: 15, bounds: Bounds(convention: .torchvision, plane: plane),
                stepWeights: nil, evaluate: evaluate, onStep: { _, _ in }
            ).total
        }
        let plain = try solve(nil)
        let multiscale = try solve(try MultiscalePreconditioner(width: w, height: h, parallel: Parallel(threads: 1)))
        XCTAssertLessThan(multiscale, 0.5 * plain, "plain \(plain), multiscale \(multiscale)")
    }
}

extension PreconditionerTests {
    /// With region masks the tents stay inside the covered pixels: a step in the styled half
    /// does not spread into the half that keeps the photo, and M stays symmetric.
    func testCoverageKeepsTheLiftInsideTheMasks() throws {
        let (w, h) = (64, 32)
        let plane = w * h
        let left = (0..<plane).map { Float($0 % w < w / 2 ? 1 : 0) }
        let m = try MultiscalePreconditioner(width: w, height: h, coverage: left, parallel: Parallel(threads: 2))
        var step = [Float](repeating: 0, count: 3 * plane)
        for y in 0..<h { for x in 0..<w / 2 { step[y * w + x] = 1 } }  // red, left half
        let lifted = applied(m, step)
        for y in 0..<h {
            for x in w / 2..<w { XCTAssertEqual(lifted[y * w + x], 0, "pixel (\(x), \(y)) outside the mask moved") }
        }
        XCTAssertGreaterThan(lifted[(h / 2) * w + w / 4], 10, "inside the mask the smooth step is lifted")
        let u = (0..<3 * plane).map { Float(sin(Double($0) * 0.37)) },
            v = (0..<3 * plane).map { Float(cos(Double($0) * 0.11)) }
        XCTAssertEqual(dot(u, applied(m, v)), dot(v, applied(m, u)), accuracy: 1e-3 * abs(dot(u, applied(m, v))) + 1e-3)
        let q = v.withUnsafeBufferPointer { m.quadratic($0.baseAddress!) }
        XCTAssertEqual(q, dot(v, applied(m, v)), accuracy: 1e-4 * q)
    }
}
