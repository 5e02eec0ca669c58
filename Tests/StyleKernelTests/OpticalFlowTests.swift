import XCTest

@testable import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

/// OpticalFlow: DIS on frames with a known motion, the warp, and Ruder et al.'s weights.
final class OpticalFlowTests: XCTestCase {
    /// A pure translation, recovered to a fraction of a pixel away from the edges.
    func testTranslationIsRecovered() throws {
        let texture = WaveTexture(seed: 1, shortest: 6, longest: 80)
        let motion = Motion.translation(3.5, -2)
        let flow = try OpticalFlow.dis(
            from: texture.frame(width: 320, height: 240), to: texture.frame(width: 320, height: 240, motion: motion))
        XCTAssertEqual(flow.width, 320)
        XCTAssertEqual(flow.height, 240)
        // Measured: 0.026 px; the mean vector (3.474, −1.998).
        XCTAssertLessThan(endPointError(flow, motion, margin: 16), 0.1)
        let interior = interiorIndices(width: 320, height: 240, margin: 16)
        XCTAssertEqual(mean(interior.map { flow.u[$0] }), 3.5, accuracy: 0.06)
        XCTAssertEqual(mean(interior.map { flow.v[$0] }), -2, accuracy: 0.06)
    }

    /// A rotation by 2° and a zoom by 3 % about the centre (up to 9 px at the corners).
    func testRotationAndZoomAreRecovered() throws {
        let texture = WaveTexture(seed: 3, shortest: 6, longest: 80)
        let motion = Motion.rotationZoom(degrees: 2, zoom: 1.03, width: 320, height: 240)
        let flow = try OpticalFlow.dis(
            from: texture.frame(width: 320, height: 240), to: texture.frame(width: 320, height: 240, motion: motion))
        XCTAssertLessThan(endPointError(flow, motion, margin: 16), 0.15)  // measured: 0.050 px
    }

    /// Frames larger than the working size: the field is computed reduced, then enlarged to the
    /// frames' size with its vectors scaled (7 px here is 2.8 px at the working size).
    func testReducedFlowIsEnlargedAndScaled() throws {
        let texture = WaveTexture(seed: 5, shortest: 12, longest: 160)
        let motion = Motion.translation(7, -4)
        let flow = try OpticalFlow.dis(
            from: texture.frame(width: 640, height: 200), to: texture.frame(width: 640, height: 200, motion: motion),
            longestSide: 256)
        XCTAssertEqual(flow.width, 640)
        XCTAssertEqual(flow.height, 200)
        XCTAssertLessThan(endPointError(flow, motion, margin: 24), 0.2)  // measured: 0.057 px
        let interior = interiorIndices(width: 640, height: 200, margin: 24)
        XCTAssertEqual(mean(interior.map { flow.u[$0] }), 7, accuracy: 0.1)  // measured: 7.013
        XCTAssertEqual(mean(interior.map { flow.v[$0] }), -4, accuracy: 0.1)  // measured: −3.955
    }

    /// Frames smaller than DIS handles (32 px) are padded; the field has the frames' size.
    func testSmallFramesArePadded() throws {
        let texture = WaveTexture(seed: 7, shortest: 4, longest: 16)
        for (w, h) in [(20, 12), (1, 1), (200, 9)] {
            let flow = try OpticalFlow.dis(
                from: texture.frame(width: w, height: h),
                to: texture.frame(width: w, height: h, motion: .translation(1, 0)))
            XCTAssertEqual(flow.width, w)
            XCTAssertEqual(flow.height, h)
            XCTAssertEqual(flow.u.count, w * h)
            XCTAssertTrue(flow.u.allSatisfy(\.isFinite) && flow.v.allSatisfy(\.isFinite), "\(w)×\(h)")
        }
        // Wide enough to measure: the shift is found, roughly, in the middle.
        let flow = try OpticalFlow.dis(
            from: texture.frame(width: 200, height: 9),
            to: texture.frame(width: 200, height: 9, motion: .translation(1, 0)))
        XCTAssertEqual(mean(Array(flow.u[(4 * 200 + 40)..<(4 * 200 + 160)])), 1, accuracy: 0.1)  // measured: 0.996
    }

    /// An integer shift copies pixels exactly; beyond the edge, the edge pixel.
    func testWarpIsExactOnIntegerShift() throws {
        let (w, h) = (37, 23)
        let image = randomImage(width: w, height: h, seed: 11)
        let warped = try OpticalFlow.warp(image, by: uniformFlow(width: w, height: h, u: 3, v: -2))
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w {
                    let sx = min(x + 3, w - 1), sy = max(y - 2, 0)
                    XCTAssertEqual(warped.pixels[(c * h + y) * w + x], image.pixels[(c * h + sy) * w + sx])
                }
            }
        }
    }

    /// Catmull–Rom (Keys, a = −½): a linear ramp is reproduced exactly between the frame's
    /// second and second-last samples (the kernel reproduces linear functions), and any field
    /// matches a direct reference in Double, with samples and taps beyond the frame clamped to its
    /// edge and values to 0…1.
    func testWarpIsCatmullRom() throws {
        let (w, h) = (29, 17)
        let n = w * h
        let ramp = try PlanarImage(
            width: w, height: h,
            pixels: (0..<3 * n).map { i in Float(0.1) + 0.01 * Float(i % w) + 0.02 * Float((i % n) / w) })
        var rng = TestRandom(seed: 14)
        let shifts = FlowField(width: w, height: h, u: rng.array(n, -0.9, 0.9), v: rng.array(n, -0.9, 0.9))
        let moved = try OpticalFlow.warp(ramp, by: shifts)
        for y in 2..<(h - 2) {
            for x in 2..<(w - 2) {
                let i = y * w + x
                let expected = 0.1 + 0.01 * (Float(x) + shifts.u[i]) + 0.02 * (Float(y) + shifts.v[i])
                XCTAssertEqual(moved.pixels[i], expected, accuracy: 1e-5)
            }
        }
        let image = randomImage(width: w, height: h, seed: 12)
        let p = image.pixels
        let flow = FlowField(width: w, height: h, u: rng.array(n, -40, 40), v: rng.array(n, -25, 25))
        let warped = try OpticalFlow.warp(image, by: flow)
        func keys(_ t: Double) -> [Double] {
            let t2 = t * t, t3 = t2 * t
            return [(-t3 + 2 * t2 - t) / 2, (3 * t3 - 5 * t2 + 2) / 2, (-3 * t3 + 4 * t2 + t) / 2, (t3 - t2) / 2]
        }
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    let sx = min(max(Double(x) + Double(flow.u[i]), 0), Double(w - 1))
                    let sy = min(max(Double(y) + Double(flow.v[i]), 0), Double(h - 1))
                    let x0 = Int(sx), y0 = Int(sy)
                    let wx = keys(sx - Double(x0)), wy = keys(sy - Double(y0))
                    var value = 0.0
                    for (j, dy) in (-1...2).enumerated() {
                        for (k, dx) in (-1...2).enumerated() {
                            let xx = min(max(x0 + dx, 0), w - 1), yy = min(max(y0 + dy, 0), h - 1)
                            value += wy[j] * wx[k] * Double(p[c * n + yy * w + xx])
                        }
                    }
                    XCTAssertEqual(Double(warped.pixels[c * n + i]), min(max(value, 0), 1), accuracy: 1e-5)
                }
            }
        }
    }

    /// A square moving 8 px right over a still background. Weights for the second frame (its flow
    /// back to the first, checked with the forward flow): the background the square uncovers has
    /// no match and is 0, the square and the rest of the background 1. With the exact fields,
    /// exactly; with DIS's, mostly.
    func testReliabilityMarksTheUncoveredStrip() throws {
        let (w, h) = (192, 144)
        let square = (x: 60, y: 48, size: 48, step: 8)
        let background = WaveTexture(seed: 21, shortest: 6, longest: 60).frame(width: w, height: h)
        let patch = WaveTexture(seed: 22, shortest: 5, longest: 30).frame(width: square.size, height: square.size)
        func frame(squareAt left: Int) throws -> PlanarImage {
            var p = background.pixels
            for c in 0..<3 {
                for y in 0..<square.size {
                    for x in 0..<square.size {
                        p[(c * h + square.y + y) * w + left + x] =
                            0.8 * patch.pixels[(c * square.size + y) * square.size + x]
                    }
                }
            }
            return try PlanarImage(width: w, height: h, pixels: p)
        }
        let first = try frame(squareAt: square.x), second = try frame(squareAt: square.x + square.step)
        func inSquare(_ x: Int, _ y: Int, left: Int) -> Bool {
            x >= left && x < left + square.size && y >= square.y && y < square.y + square.size
        }
        func exact(_ shift: Int, squareAt left: Int) -> FlowField {
            var u = [Float](repeating: 0, count: w * h)
            for y in 0..<h { for x in 0..<w where inSquare(x, y, left: left) { u[y * w + x] = Float(shift) } }
            return FlowField(width: w, height: h, u: u, v: [Float](repeating: 0, count: w * h))
        }
        // In the second frame: the uncovered strip, the square's inside, the background away from both.
        let strip = (0..<(w * h)).filter {
            let (x, y) = ($0 % w, $0 / w)
            return x >= square.x && x < square.x + square.step - 1 && y > square.y && y < square.y + square.size - 1
        }
        let inside = (0..<(w * h)).filter {
            let (x, y) = ($0 % w, $0 / w)
            return x >= square.x + square.step + 2 && x < square.x + square.step + square.size - 2
                && y >= square.y + 2 && y < square.y + square.size - 2
        }
        func away(_ margin: Int) -> [Int] {
            (0..<(w * h)).filter {
                let (x, y) = ($0 % w, $0 / w)
                return x < square.x - margin || x >= square.x + square.step + square.size + margin
                    || y < square.y - margin || y >= square.y + square.size + margin
            }
        }

        let backward = exact(-square.step, squareAt: square.x + square.step)
        let forward = exact(square.step, squareAt: square.x)
        let weights = try OpticalFlow.reliability(flow: backward, reverse: forward)
        XCTAssertEqual(strip.map { weights[$0] }.reduce(0, +), 0)
        XCTAssertEqual(inside.map { weights[$0] }.reduce(0, +), Float(inside.count))
        let far = away(2)
        XCTAssertEqual(far.map { weights[$0] }.reduce(0, +), Float(far.count))

        let measured = try OpticalFlow.reliability(
            flow: OpticalFlow.dis(from: second, to: first), reverse: OpticalFlow.dis(from: first, to: second))
        let stripZeros = strip.filter { measured[$0] == 0 }.count
        let distant = away(12)
        let backgroundOnes = distant.filter { measured[$0] == 1 }.count
        XCTAssertGreaterThan(Double(stripZeros) / Double(strip.count), 0.85)  // measured: 0.960
        XCTAssertGreaterThan(Double(backgroundOnes) / Double(distant.count), 0.95)  // measured: 0.985
    }

    /// A step in the flow is a motion boundary: the two columns beside it are 0, even though the
    /// reverse flow agrees everywhere.
    func testReliabilityMarksMotionBoundaries() throws {
        let (w, h) = (40, 30)
        let step = 20
        // 0 left of the step, 0.2 px right of it: |∇u|² = 0.1² beside it > 0.01 · 0.2² + 0.002.
        let u = (0..<(w * h)).map { $0 % w >= step ? Float(0.2) : 0 }
        let flow = FlowField(width: w, height: h, u: u, v: [Float](repeating: 0, count: w * h))
        let reverse = FlowField(width: w, height: h, u: u.map { -$0 }, v: flow.v)
        let weights = try OpticalFlow.reliability(flow: flow, reverse: reverse)
        for y in 0..<h {
            for x in 0..<w {
                let expected: Float = x == step - 1 || x == step ? 0 : x == w - 1 ? 0 : 1
                XCTAssertEqual(weights[y * w + x], expected, "(\(x), \(y))")
            }
        }
    }

    /// Samples that land outside the frame are 0, also where the flows agree.
    func testReliabilityMarksSamplesOutsideTheFrame() throws {
        let (w, h) = (50, 20)
        let weights = try OpticalFlow.reliability(
            flow: uniformFlow(width: w, height: h, u: 5, v: 0), reverse: uniformFlow(width: w, height: h, u: -5, v: 0))
        for y in 0..<h {
            for x in 0..<w { XCTAssertEqual(weights[y * w + x], x + 5 <= w - 1 ? 1 : 0, "(\(x), \(y))") }
        }
        let up = try OpticalFlow.reliability(
            flow: uniformFlow(width: w, height: h, u: 0, v: -2.5),
            reverse: uniformFlow(width: w, height: h, u: 0, v: 2.5))
        XCTAssertEqual(up.reduce(0, +), Float(w * (h - 3)))  // rows 0…2 land above the frame
        // A non-finite flow is never trusted (and does not trap).
        var broken = uniformFlow(width: w, height: h, u: 0, v: 0)
        broken.u[7] = .nan
        broken.v[9] = .infinity
        let checked = try OpticalFlow.reliability(flow: broken, reverse: uniformFlow(width: w, height: h, u: 0, v: 0))
        XCTAssertEqual(checked[7], 0)
        XCTAssertEqual(checked[9], 0)
        XCTAssertNoThrow(try OpticalFlow.warp(randomImage(width: w, height: h, seed: 1), by: broken))
    }

    func testSizeMismatchesThrow() throws {
        let a = randomImage(width: 64, height: 48, seed: 1), b = randomImage(width: 64, height: 50, seed: 2)
        XCTAssertThrowsError(try OpticalFlow.dis(from: a, to: b)) { error in
            guard case StyleError.invalidArgument = error else { return XCTFail("\(error)") }
        }
        let flow = uniformFlow(width: 64, height: 50, u: 0, v: 0)
        XCTAssertThrowsError(try OpticalFlow.warp(a, by: flow)) { error in
            guard case StyleError.invalidArgument = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(
            try OpticalFlow.reliability(flow: flow, reverse: uniformFlow(width: 64, height: 48, u: 0, v: 0))
        ) { error in
            guard case StyleError.invalidArgument = error else { return XCTFail("\(error)") }
        }
        var short = uniformFlow(width: 64, height: 48, u: 0, v: 0)
        short.v.removeLast()
        XCTAssertThrowsError(try OpticalFlow.warp(a, by: short))
        XCTAssertThrowsError(try OpticalFlow.reliability(flow: short, reverse: short))
        XCTAssertThrowsError(try OpticalFlow.dis(from: a, to: a, longestSide: 0))
    }

    /// The figures behind `OpticalFlow.longestSide` (not a check; STYLEFILTER_FLOW_FIGURES=1): DIS's
    /// mean end-point error and time at 512×384 and 4000×3000 for pans, zooms and rotations of two
    /// textures, one with detail down to 5 px at any size and one scaled with the frame.
    func testAccuracyFigures() throws {
        guard getenv("STYLEFILTER_FLOW_FIGURES") != nil else {
            throw XCTSkip("figures only: set STYLEFILTER_FLOW_FIGURES=1")
        }
        // OpenCV loaded before anything is timed.
        _ = try OpticalFlow.dis(
            from: randomImage(width: 64, height: 64, seed: 1), to: randomImage(width: 64, height: 64, seed: 2))
        for (w, h, caps) in [(512, 384, [512]), (4000, 3000, [4000, 2048, 1024, 512])] {
            let motions: [(String, Motion)] = [
                // Not whole pixels at either size (a whole-pixel shift of 8-bit frames is too easy).
                ("pan", .translation(0.0101 * Double(w), -0.0063 * Double(w))),
                ("zoom+rotate", .rotationZoom(degrees: 1, zoom: 1.02, width: w, height: h)),
                (
                    "pan+zoom+rotate",
                    .rotationZoom(
                        degrees: -0.7, zoom: 0.985, width: w, height: h, shift: (0.006 * Double(w), 0.004 * Double(w)))
                )
            ]
            for (textureName, shortest) in [("fine", 5.0), ("scaled", Double(w) / 100)] {
                let texture = WaveTexture(seed: 31, shortest: shortest, longest: Double(w) / 4, count: 64)
                let first = texture.frame(width: w, height: h)
                for (name, motion) in motions {
                    let second = texture.frame(width: w, height: h, motion: motion)
                    for cap in caps {
                        // The fastest of three: the machine may be busy with other work.
                        var seconds = Double.infinity
                        var flow = uniformFlow(width: 1, height: 1, u: 0, v: 0)
                        for _ in 0..<3 {
                            let start = ContinuousClock.now
                            flow = try OpticalFlow.dis(from: first, to: second, longestSide: cap)
                            seconds = min(seconds, Self.seconds(ContinuousClock.now - start))
                        }
                        let error = endPointError(flow, motion, margin: w / 20)
                        print(
                            "flow figures: \(w)×\(h) \(textureName) \(name) at \(cap): mean EPE "
                                + "\(fixed(error, 3)) px, \(fixed(seconds, 2)) s")
                    }
                    if textureName == "fine" && name == "pan" {
                        // What the temporal loss adds per frame besides the two fields.
                        let flow = try OpticalFlow.dis(from: first, to: second)
                        let reverse = try OpticalFlow.dis(from: second, to: first)
                        var warp = Double.infinity, weights = Double.infinity
                        for _ in 0..<3 {
                            var start = ContinuousClock.now
                            _ = try OpticalFlow.warp(second, by: flow)
                            warp = min(warp, Self.seconds(ContinuousClock.now - start))
                            start = ContinuousClock.now
                            _ = try OpticalFlow.reliability(flow: flow, reverse: reverse)
                            weights = min(weights, Self.seconds(ContinuousClock.now - start))
                        }
                        print("flow figures: \(w)×\(h) warp \(fixed(warp, 3)) s, reliability \(fixed(weights, 3)) s")
                    }
                }
            }
        }
    }
}

extension OpticalFlowTests {
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

// MARK: - Synthetic frames with known motion

/// y = c + A (x − c) + t: a motion of the plane about the centre c, and its exact flow.
private struct Motion {
    var a = 1.0, b = 0.0, c = 0.0, d = 1.0  // A = [a b; c d]
    var tx = 0.0, ty = 0.0
    var cx = 0.0, cy = 0.0

    static func translation(_ tx: Double, _ ty: Double) -> Motion { Motion(tx: tx, ty: ty) }

    static func rotationZoom(
        degrees: Double, zoom: Double, width: Int, height: Int, shift: (Double, Double) = (0, 0)
    ) -> Motion {
        let r = degrees * .pi / 180
        return Motion(
            a: zoom * cos(r), b: -zoom * sin(r), c: zoom * sin(r), d: zoom * cos(r), tx: shift.0, ty: shift.1,
            cx: Double(width - 1) / 2, cy: Double(height - 1) / 2)
    }

    /// Where the point (x, y) of the first frame is in the second.
    func apply(_ x: Double, _ y: Double) -> (Double, Double) {
        let (px, py) = (x - cx, y - cy)
        return (cx + a * px + b * py + tx, cy + c * px + d * py + ty)
    }
}

/// A smooth random texture: a sum of plane waves of wavelengths spread evenly in log between
/// `shortest` and `longest`. Any affine motion of it is again a sum of plane waves, so each frame
/// is computed exactly (nothing interpolated) and its flow is known.
private struct WaveTexture {
    struct Wave {
        var kx: Double, ky: Double, phase: Double, amplitude: Double
    }
    let waves: [Wave]
    let scale: Double

    init(seed: UInt64, shortest: Double, longest: Double, count: Int = 48) {
        var rng = TestRandom(seed: seed)
        waves = (0..<count).map { _ in
            let wavelength = shortest * pow(longest / shortest, Double(rng.uniform(0, 1)))
            let angle = Double(rng.uniform(0, 2 * .pi))
            let k = 2 * .pi / wavelength
            // Coarser waves stronger (amplitude ∝ √wavelength), as in photographs.
            return Wave(
                kx: k * cos(angle), ky: k * sin(angle), phase: Double(rng.uniform(0, 2 * .pi)),
                amplitude: wavelength.squareRoot())
        }
        // A standard deviation of 0.16 about 0.5.
        scale = 0.16 / (waves.reduce(0) { $0 + $1.amplitude * $1.amplitude } / 2).squareRoot()
    }

    /// The texture seen after `motion`: frame(y) = texture(motion⁻¹(y)), grey in 0…1.
    func frame(width: Int, height: Int, motion: Motion = Motion()) -> PlanarImage {
        // texture(c + A⁻¹(y − c − t)): each wave k·x + φ becomes k′·y + φ′ with k′ = A⁻ᵀk.
        let det = motion.a * motion.d - motion.b * motion.c
        let moved = waves.map { w -> Wave in
            let kx = (motion.d * w.kx - motion.c * w.ky) / det
            let ky = (-motion.b * w.kx + motion.a * w.ky) / det
            let phase =
                w.phase + w.kx * motion.cx + w.ky * motion.cy
                - kx * (motion.cx + motion.tx) - ky * (motion.cy + motion.ty)
            return Wave(kx: kx, ky: ky, phase: phase, amplitude: w.amplitude * scale)
        }
        // sin(kx x + φ + ky y) = sin(kx x + φ) cos(ky y) + cos(kx x + φ) sin(ky y): tables per wave.
        let m = moved.count
        var rowSin = [Float](repeating: 0, count: m * width), rowCos = rowSin
        var colSin = [Float](repeating: 0, count: m * height), colCos = colSin
        for (j, w) in moved.enumerated() {
            for x in 0..<width {
                rowSin[j * width + x] = Float(sin(w.kx * Double(x) + w.phase))
                rowCos[j * width + x] = Float(cos(w.kx * Double(x) + w.phase))
            }
            for y in 0..<height {
                colSin[j * height + y] = Float(w.amplitude * sin(w.ky * Double(y)))
                colCos[j * height + y] = Float(w.amplitude * cos(w.ky * Double(y)))
            }
        }
        let n = width * height
        var pixels = [Float](repeating: 0, count: 3 * n)
        pixels.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            rowSin.withUnsafeBufferPointer { rs in
                rowCos.withUnsafeBufferPointer { rc in
                    Parallel(threads: Parallel.availableCores).forEachPiece(height, piece: 16) { rows in
                        for y in rows {
                            let row = o + y * width
                            for j in 0..<m {
                                let cosY = colCos[j * height + y], sinY = colSin[j * height + y]
                                let sinX = rs.baseAddress! + j * width, cosX = rc.baseAddress! + j * width
                                for x in 0..<width { row[x] += sinX[x] * cosY + cosX[x] * sinY }
                            }
                            for x in 0..<width {
                                let value = min(max(0.5 + row[x], 0), 1)
                                row[x] = value
                                row[n + x] = value
                                row[2 * n + x] = value
                            }
                        }
                    }
                }
            }
        }
        return try! PlanarImage(width: width, height: height, pixels: pixels)
    }
}

/// Mean end-point error against `motion`'s exact flow, over the points at least `margin` inside
/// the frame whose match is too (elsewhere the match is outside the second frame).
private func endPointError(_ flow: FlowField, _ motion: Motion, margin: Int) -> Double {
    var sum = 0.0
    var count = 0
    let (w, h) = (flow.width, flow.height)
    for y in margin..<(h - margin) {
        for x in margin..<(w - margin) {
            let (mx, my) = motion.apply(Double(x), Double(y))
            guard mx >= Double(margin), mx < Double(w - margin), my >= Double(margin), my < Double(h - margin)
            else { continue }
            let i = y * w + x
            let (eu, ev) = (Double(flow.u[i]) - (mx - Double(x)), Double(flow.v[i]) - (my - Double(y)))
            sum += (eu * eu + ev * ev).squareRoot()
            count += 1
        }
    }
    return count > 0 ? sum / Double(count) : .nan
}

private func interiorIndices(width: Int, height: Int, margin: Int) -> [Int] {
    (margin..<(height - margin)).flatMap { y in (margin..<(width - margin)).map { y * width + $0 } }
}

private func uniformFlow(width: Int, height: Int, u: Float, v: Float) -> FlowField {
    FlowField(
        width: width, height: height, u: [Float](repeating: u, count: width * height),
        v: [Float](repeating: v, count: width * height))
}

private func mean(_ values: [Float]) -> Float {
    values.isEmpty ? .nan : Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
}

/// `value` with `digits` decimals.
private func fixed(_ value: Double, _ digits: Int) -> String {
    let scale = pow(10, Double(digits))
    let whole = Int((abs(value) * scale).rounded())
    let text = String(whole).leftPadded(to: digits + 1)
    return (value < 0 ? "-" : "") + text.dropLast(digits) + "." + text.suffix(digits)
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
