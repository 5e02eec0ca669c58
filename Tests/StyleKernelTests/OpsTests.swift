import XCTest

@testable import StyleKernel

/// Convolution, ReLU and pooling against naive references and finite differences.
final class OpsTests: XCTestCase {
    let parallel = Parallel(threads: 2)

    func runConv(_ conv: Conv3x3, _ input: [Float], h: Int, w: Int) -> [Float] {
        var out = [Float](repeating: 0, count: conv.outChannels * h * w)
        var ws = [Float](repeating: 0, count: conv.workspaceCount(height: h, width: w))
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                ws.withUnsafeMutableBufferPointer { s in
                    conv.apply(
                        input: i.baseAddress!, height: h, width: w, output: o.baseAddress!,
                        workspace: s.baseAddress!, parallel: parallel)
                }
            }
        }
        return out
    }

    func testConvolutionMatchesNaiveReference() {
        var rng = TestRandom(seed: 7)
        for (cin, cout, h, w) in [(3, 5, 7, 9), (8, 4, 1, 1), (2, 3, 1, 6), (16, 16, 12, 5)] {
            let input = rng.array(cin * h * w)
            let weights = rng.array(cout * cin * 9)
            let bias = rng.array(cout)
            let conv = Conv3x3(inChannels: cin, outChannels: cout, weights: weights, bias: bias)
            let got = runConv(conv, input, h: h, w: w)
            let want = naiveConv(input, cin: cin, cout: cout, h: h, w: w, weights: weights, bias: bias)
            XCTAssertLessThan(maxRelativeError(got, want), 1e-5, "\(cin)→\(cout) at \(h)×\(w)")
        }
    }

    func testTapPlanesConvolutionMatchesNaiveReference() {
        var rng = TestRandom(seed: 17)
        // (64, 3, 200, 700): several bands of rows (the planes hold ~1 M floats).
        for (cin, cout, h, w) in [(64, 3, 9, 13), (5, 1, 1, 1), (3, 4, 1, 7), (7, 2, 6, 1), (64, 3, 200, 700)] {
            let input = rng.array(cin * h * w)
            let weights = rng.array(cout * cin * 9), bias = rng.array(cout)
            let conv = Conv3x3(inChannels: cin, outChannels: cout, weights: weights, bias: bias)
            XCTAssertEqual(conv.algorithm(height: h, width: w), .tapPlanes)
            if h == 200 { XCTAssertLessThan(conv.tapPlanesBandRows(height: h, width: w), h / 2) }
            var got = [Float](repeating: .nan, count: cout * h * w)
            var workspace = [Float](repeating: .nan, count: conv.workspaceCount(height: h, width: w))
            input.withUnsafeBufferPointer { i in
                got.withUnsafeMutableBufferPointer { o in
                    workspace.withUnsafeMutableBufferPointer { ws in
                        conv.apply(
                            input: i.baseAddress!, height: h, width: w, output: o.baseAddress!,
                            workspace: ws.baseAddress!, parallel: parallel, algorithm: .tapPlanes)
                    }
                }
            }
            let want = naiveConv(input, cin: cin, cout: cout, h: h, w: w, weights: weights, bias: bias)
            XCTAssertLessThan(maxRelativeError(got, want), 1e-5, "\(cin)→\(cout) at \(h)×\(w)")
        }
        // The input gradient of VGG's conv1_1 (64 → 3) takes the tap-planes path, with its copy of
        // the weights; the forward conv1_1 (3 → 64) does not keep one.
        let conv11 = Conv3x3(inChannels: 3, outChannels: 64, weights: rng.array(64 * 27), bias: nil)
        XCTAssertEqual(conv11.inputGradient().algorithm(height: 512, width: 512), .tapPlanes)
        XCTAssertNotNil(conv11.inputGradient().tapMatrix)
        XCTAssertNil(conv11.tapMatrix)
    }

    func testConvolutionBandsCoverTallImages() {
        // Enough channels that the column buffer holds fewer rows than the image has.
        var rng = TestRandom(seed: 8)
        let cin = 512, cout = 2, h = 11, w = 120
        let conv = Conv3x3(inChannels: cin, outChannels: cout, weights: rng.array(cout * cin * 9), bias: nil)
        XCTAssertLessThan(conv.bandRows(height: h, width: w), h)
        let input = rng.array(cin * h * w)
        let got = runConv(conv, input, h: h, w: w)
        let want = naiveConv(input, cin: cin, cout: cout, h: h, w: w, weights: conv.weights, bias: nil)
        XCTAssertLessThan(maxRelativeError(got, want), 1e-5)
    }

    /// The input-gradient convolution is the adjoint: ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ for all x, y.
    func testInputGradientIsTheAdjoint() {
        var rng = TestRandom(seed: 9)
        let cin = 5, cout = 7, h = 6, w = 8
        let conv = Conv3x3(inChannels: cin, outChannels: cout, weights: rng.array(cout * cin * 9), bias: nil)
        let back = conv.inputGradient()
        let x = rng.array(cin * h * w), y = rng.array(cout * h * w)
        let cx = runConv(conv, x, h: h, w: w)
        let ty = runConv(back, y, h: h, w: w)
        let lhs = zip(cx, y).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(x, ty).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * abs(lhs))
    }

    func testReLUForwardAndBackward() {
        var x: [Float] = [-2, -0.0, 0, 0.5, 3, -1e-9]
        var g: [Float] = [1, 2, 3, 4, 5, 6]
        x.withUnsafeMutableBufferPointer { ReLU.forward($0.baseAddress!, count: 6, parallel: parallel) }
        XCTAssertEqual(x, [0, 0, 0, 0.5, 3, 0])
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeMutableBufferPointer {
                ReLU.backward(output: xp.baseAddress!, gradient: $0.baseAddress!, count: 6, parallel: parallel)
            }
        }
        XCTAssertEqual(g, [0, 0, 0, 4, 5, 0])
    }

    /// Pooling gradients against central finite differences of L = Σ r · pool(x).
    func testPoolingGradientsMatchFiniteDifferences() {
        var rng = TestRandom(seed: 10)
        // Odd height (the last row is dropped), and sides of 1 (kept as 1: a thin image's layers
        // never become empty).
        for (h, w) in [(7, 6), (1, 5), (4, 1), (1, 1), (3, 1)] {
            let c = 2
            let (oh, ow) = Pool2x2.outputSize(height: h, width: w)
            XCTAssert(oh >= 1 && ow >= 1, "\(h)×\(w) pools to \(oh)×\(ow)")
            for kind in [Pool2x2.Kind.max, .average] {
                let x = rng.array(c * h * w)
                let r = rng.array(c * oh * ow)
                func loss(_ x: [Float]) -> Double {
                    var out = [Float](repeating: 0, count: c * oh * ow)
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer {
                            Pool2x2.forward(
                                kind, input: xp.baseAddress!, channels: c, height: h, width: w, output: $0.baseAddress!,
                                parallel: parallel)
                        }
                    }
                    return zip(out, r).reduce(0.0) { $0 + Double($1.0 * $1.1) }
                }
                var grad = [Float](repeating: 0, count: c * h * w)
                x.withUnsafeBufferPointer { xp in
                    r.withUnsafeBufferPointer { rp in
                        grad.withUnsafeMutableBufferPointer {
                            Pool2x2.backward(
                                kind, input: xp.baseAddress!, channels: c, height: h, width: w,
                                outputGradient: rp.baseAddress!, inputGradient: $0.baseAddress!, parallel: parallel)
                        }
                    }
                }
                for i in 0..<x.count {
                    var xp = x, xm = x
                    xp[i] += 1e-3
                    xm[i] -= 1e-3
                    let fd = (loss(xp) - loss(xm)) / 2e-3
                    XCTAssertEqual(Double(grad[i]), fd, accuracy: 1e-3, "\(kind) \(h)×\(w) at \(i)")
                }
            }
        }
    }

    /// Max pooling's backward, eight windows at a time in vectors and the rest one by one, against
    /// the rule written out per window (the gradient to the first maximal value), at widths
    /// around the vector's eight windows and with many ties (values from a few levels, and ReLU
    /// zeros): every element equal.
    func testMaxPoolingBackwardSendsEachGradientToTheFirstMaximum() {
        var rng = TestRandom(seed: 12)
        for (h, w) in [(4, 16), (5, 17), (6, 33), (2, 15), (3, 50)] {
            let c = 3
            let (oh, ow) = Pool2x2.outputSize(height: h, width: w)
            let x = rng.array(c * h * w).map { max(0, ($0 * 4).rounded() / 4 - 0.25) }
            let g = rng.array(c * oh * ow)
            var want = [Float](repeating: 0, count: c * h * w)
            for ch in 0..<c {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let cells = [(2 * y, 2 * xo), (2 * y, 2 * xo + 1), (2 * y + 1, 2 * xo), (2 * y + 1, 2 * xo + 1)]
                            .map { (ch * h + $0.0) * w + $0.1 }
                        let m = cells.map { x[$0] }.max()!
                        want[cells.first { x[$0] == m }!] = g[(ch * oh + y) * ow + xo]
                    }
                }
            }
            var got = [Float](repeating: .nan, count: c * h * w)
            x.withUnsafeBufferPointer { xp in
                g.withUnsafeBufferPointer { gp in
                    got.withUnsafeMutableBufferPointer {
                        Pool2x2.backward(
                            .max, input: xp.baseAddress!, channels: c, height: h, width: w,
                            outputGradient: gp.baseAddress!, inputGradient: $0.baseAddress!, parallel: parallel)
                    }
                }
            }
            XCTAssertEqual(got, want, "\(h)×\(w)")
        }
    }

    func testTotalVariationGradientMatchesFiniteDifferences() {
        var rng = TestRandom(seed: 11)
        let shape = Shape3(3, 5, 4)
        let x = rng.array(shape.count)
        var grad = [Float](repeating: 0, count: shape.count)
        func tv(_ x: [Float]) -> Double {
            x.withUnsafeBufferPointer {
                TotalVariation.evaluate($0.baseAddress!, shape: shape, weight: 0, gradient: nil, parallel: parallel)
            }
        }
        x.withUnsafeBufferPointer { xp in
            grad.withUnsafeMutableBufferPointer {
                _ = TotalVariation.evaluate(
                    xp.baseAddress!, shape: shape, weight: 1, gradient: $0.baseAddress!, parallel: parallel)
            }
        }
        for i in 0..<x.count {
            var xp = x, xm = x
            xp[i] += 1e-2
            xm[i] -= 1e-2
            XCTAssertEqual(Double(grad[i]), (tv(xp) - tv(xm)) / 2e-2, accuracy: 1e-3)
        }
        // Hand-computed value: a single step of height 1 between two columns of a 1×2×2 image.
        let step: [Float] = [0, 1, 0, 1]
        let value = step.withUnsafeBufferPointer {
            TotalVariation.evaluate(
                $0.baseAddress!, shape: Shape3(1, 2, 2), weight: 0, gradient: nil, parallel: parallel)
        }
        XCTAssertEqual(value, 2)
    }

    /// Gram backward against finite differences of L = Σ D ⊙ G(F) for a symmetric D.
    func testGramGradientMatchesFiniteDifferences() {
        var rng = TestRandom(seed: 12)
        let c = 3, n = 10
        let f = rng.array(c * n)
        var d = rng.array(c * c)
        for i in 0..<c { for j in 0..<i { d[i * c + j] = d[j * c + i] } }
        let scale: Float = 0.1
        func loss(_ f: [Float]) -> Double {
            var g = [Float](repeating: 0, count: c * c)
            f.withUnsafeBufferPointer { fp in
                g.withUnsafeMutableBufferPointer {
                    Gram.compute(
                        features: fp.baseAddress!, channels: c, positions: n, scale: scale, gram: $0.baseAddress!)
                }
            }
            return zip(g, d).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        var grad = [Float](repeating: 0, count: c * n)
        d.withUnsafeBufferPointer { dp in
            f.withUnsafeBufferPointer { fp in
                grad.withUnsafeMutableBufferPointer {
                    Gram.backward(
                        dLossdGram: dp.baseAddress!, features: fp.baseAddress!, channels: c, positions: n, scale: scale,
                        gradient: $0.baseAddress!)
                }
            }
        }
        for i in 0..<f.count {
            var fp = f, fm = f
            fp[i] += 1e-2
            fm[i] -= 1e-2
            XCTAssertEqual(Double(grad[i]), (loss(fp) - loss(fm)) / 2e-2, accuracy: 1e-3)
        }
    }

    func testResampleKeepsConstantsAndAverages() throws {
        let grey = try! PlanarImage(width: 9, height: 5, red: 0.25, green: 0.5, blue: 0.75)
        for (w, h) in [(4, 2), (18, 10), (9, 5), (1, 1)] {
            let r = try Resample.resize(grey, width: w, height: h)
            XCTAssertEqual(r.pixels.count, 3 * w * h)
            XCTAssertEqual(r.pixels[0], 0.25, accuracy: 1e-6)
            XCTAssertEqual(r.pixels[w * h], 0.5, accuracy: 1e-6)
            XCTAssertEqual(r.pixels.last!, 0.75, accuracy: 1e-6)
        }
        XCTAssertEqual(Resample.fit(width: 1024, height: 768, longest: 512).height, 384)
        XCTAssertEqual(Resample.fit(width: 300, height: 600, longest: 100).width, 50)
    }
}
