import XCTest

@testable import StyleKernel

/// The whole objective (network forward, losses, backward to the pixels) against central finite
/// differences, on a VGG16 with random weights at a small size.
final class ObjectiveTests: XCTestCase {
    func makeObjective(
        _ kind: StyleOptions.Objective, model: StyleModel,
        pooling: Pool2x2.Kind = .average,
        size: (w: Int, h: Int) = (20, 18), masked: Bool = false,
        bordered: Bool = false, longRange: Float = 0, temporal: Bool = false
    ) throws -> (StyleObjective, [Float]) {
        var options = StyleOptions()
        options.temporalWeight = 5000
        options.objective = kind
        options.longRangeWeight = longRange
        options.tvWeight = 5
        options.styleWeight = 3
        options.contentLayers = ["conv2_2", "conv4_2"]
        let parallel = Parallel(threads: 2)
        let network = VGGNetwork(model: model, pooling: pooling)
        let border = bordered ? ReflectedBorder(imageWidth: size.w, imageHeight: size.h) : nil
        let ws = try NetworkWorkspace(
            network: network, height: border?.paddedHeight ?? size.h,
            width: border?.paddedWidth ?? size.w,
            depth: options.deepestLayer(in: network), parallel: parallel)
        let image = try model.convention.toModel(randomImage(width: size.w, height: size.h, seed: 2))
        let content = try border?.padded(image, channels: 3) ?? image
        let style = try model.convention.toModel(randomImage(width: size.w, height: size.h, seed: 3))
        var features: [String: [Float]] = [:], grams: [String: [Float]] = [:]
        ws.forward(content)
        for name in options.contentLayers {
            features[name] = Array(UnsafeBufferPointer(start: ws.output(of: name)!, count: ws.shape(of: name)!.count))
        }
        let styleWorkspace = try NetworkWorkspace(
            network: network, height: size.h, width: size.w,
            depth: options.deepestLayer(in: network), parallel: parallel)
        styleWorkspace.forward(style)
        for (name, _) in options.styleLayers {
            let ws = styleWorkspace
            let shape = ws.shape(of: name)!
            var g = [Float](repeating: 0, count: shape.channels * shape.channels)
            g.withUnsafeMutableBufferPointer {
                Gram.compute(
                    features: ws.output(of: name)!, channels: shape.channels, positions: shape.plane,
                    scale: StyleObjective.gramScale(objective: kind, shape: shape), gram: $0.baseAddress!)
            }
            grams[name] = g
            for spec in ShiftedGram.specs(for: options) where spec.layer == name {
                grams[spec.key] = try ShiftedGram.window(
                    ws.output(of: name)!, shape: shape, x0: 0, y0: 0, width: shape.width, height: shape.height,
                    dx: spec.dx, dy: spec.dy, parallel: parallel)
            }
        }
        var targets = [StyleObjective.StyleTarget(grams: grams)]
        if masked {
            // Two regions: a soft left-to-right ramp, and random values (with the other Grams).
            let ramp = (0..<size.w * size.h).map { Float($0 % size.w) / Float(size.w - 1) }
            let other = grams.mapValues { $0.map { $0 * 0.5 } }
            var rng = TestRandom(seed: 9)
            targets = [
                StyleObjective.StyleTarget(grams: grams, weight: 1.5, mask: ramp),
                StyleObjective.StyleTarget(
                    grams: other, weight: 0.5,
                    mask: rng.array(size.w * size.h, 0, 1))
            ]
        }
        let objective = try StyleObjective(
            workspace: ws, options: options, convention: model.convention,
            contentFeatures: features, styleTargets: targets, border: border,
            temporal: temporal ? try temporalGuide(width: size.w, height: size.h) : nil)
        let x = try model.convention.toModel(randomImage(width: size.w, height: size.h, seed: 4))
        return (objective, x)
    }

    func checkGradient(
        _ kind: StyleOptions.Objective, relativeTolerance: Double, masked: Bool = false,
        balanced: Bool = false, bordered: Bool = false, longRange: Float = 0, temporal: Bool = false
    ) throws {
        let model = try randomModel(seed: 5)
        let (objective, x) = try makeObjective(
            kind, model: model, size: longRange > 0 ? (56, 48) : (20, 18), masked: masked, bordered: bordered,
            longRange: longRange, temporal: temporal)
        if longRange > 0 { XCTAssertEqual(objective.shiftTerms.count, 2) }
        if balanced { try x.withUnsafeBufferPointer { try objective.balanceLayerGradients(at: $0.baseAddress!) } }
        var grad = [Float](repeating: 0, count: x.count)
        let base = x.withUnsafeBufferPointer { xp in
            grad.withUnsafeMutableBufferPointer { objective.evaluate(xp.baseAddress!, gradient: $0.baseAddress!) }
        }
        XCTAssertGreaterThan(base.content, 0)
        XCTAssertGreaterThan(base.style, 0)
        XCTAssertGreaterThan(base.tv, 0)
        if temporal { XCTAssertGreaterThan(base.temporal, 0) }
        func total(_ x: [Float]) -> Double {
            x.withUnsafeBufferPointer { objective.evaluate($0.baseAddress!, gradient: nil).total }
        }
        // Check along the gradient and along random directions: directional derivatives are
        // better conditioned in float32 than single-coordinate differences.
        var rng = TestRandom(seed: 6)
        let gnorm = grad.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        var directions = [grad.map { $0 / Float(gnorm) }]
        for _ in 0..<3 {
            let r = rng.array(x.count)
            let n = r.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
            directions.append(r.map { $0 / Float(n) })
        }
        for (k, d) in directions.enumerated() {
            let h: Float = 0.5  // model units (0…255 scale)
            let fd = (total(zip(x, d).map { $0 + h * $1 }) - total(zip(x, d).map { $0 - h * $1 })) / Double(2 * h)
            let analytic = zip(grad, d).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            XCTAssertEqual(
                analytic, fd, accuracy: relativeTolerance * max(abs(fd), gnorm * 1e-3),
                "\(kind) direction \(k)")
        }
        // A few single pixels too.
        // (21: row 1, column 1 of the 20 px wide image, which a border mirrors three times.)
        for i in [0, 21, 37, x.count / 2, x.count - 1] {
            var xp = x, xm = x
            xp[i] += 0.5
            xm[i] -= 0.5
            let fd = (total(xp) - total(xm)) / 1.0
            XCTAssertEqual(
                Double(grad[i]), fd, accuracy: 0.05 * max(abs(fd), gnorm / Double(x.count).squareRoot()),
                "\(kind) pixel \(i)")
        }
    }

    func testStandardObjectiveGradient() throws { try checkGradient(.standard, relativeTolerance: 0.02) }

    /// `--normalize-gradients`: after balancing, each style layer's gradient (w.r.t. its features)
    /// has its weight's share of the style term's unchanged total; the content layer keeps its
    /// own; the balanced objective is still exactly differentiated (finite differences).
    func testBalancedLayerGradients() throws {
        let model = try randomModel(seed: 5)
        let (objective, x) = try makeObjective(.standard, model: model)
        let (contentBefore, before) = try x.withUnsafeBufferPointer {
            try objective.layerGradientNorms(at: $0.baseAddress!)
        }
        XCTAssertGreaterThan(before.max()! / before.min()!, 2, "unbalanced to begin with: \(before)")
        try x.withUnsafeBufferPointer { try objective.balanceLayerGradients(at: $0.baseAddress!) }
        let (contentAfter, after) = try x.withUnsafeBufferPointer {
            try objective.layerGradientNorms(at: $0.baseAddress!)
        }
        let shares = objective.styleLayers.map { Double($0.share) }
        XCTAssertEqual(after.reduce(0, +), before.reduce(0, +), accuracy: 1e-4 * before.reduce(0, +))
        for (a, share) in zip(after, shares) {
            XCTAssertEqual(a / after.reduce(0, +), share / shares.reduce(0, +), accuracy: 1e-4)
        }
        // Two content layers: balanced between themselves the same way (equal shares).
        XCTAssertEqual(
            contentAfter.reduce(0, +), contentBefore.reduce(0, +), accuracy: 1e-4 * contentBefore.reduce(0, +))
        XCTAssertEqual(contentAfter[0], contentAfter[1], accuracy: 1e-4 * contentAfter[0])
        // The balanced objective (masked too) is one function, differentiated exactly.
        try checkGradient(.standard, relativeTolerance: 0.04, masked: true, balanced: true)
    }

    /// Region masks' guided Grams (two styles, soft and random masks). 4 %: along random
    /// directions the derivative is small and float32 differences scatter by a few percent (the
    /// unmasked objective fails 2 % too with h = 0.125); a mask applied once instead of squared
    /// in the gradient is off by far more.
    func testMaskedObjectiveGradient() throws {
        try checkGradient(.standard, relativeTolerance: 0.04, masked: true)
    }
    func testTutorialObjectiveGradient() throws { try checkGradient(.tutorial, relativeTolerance: 0.02) }

    /// The long-range terms (shifted Grams at conv4_1, 4 positions across and down), on an image
    /// large enough to have pairs at that distance: with and without the mirrored border. Weight
    /// 20, so that they dominate the gradient (at 2, one random direction's derivative is 10⁻⁴ of
    /// the gradient's norm and its float32 differences scatter by 9 %).
    /// A frame of a sequence: the temporal term's gradient (with partial weights, and with the
    /// mirrored border).
    func testTemporalObjectiveGradient() throws {
        try checkGradient(.standard, relativeTolerance: 0.04, temporal: true)
        try checkGradient(.standard, relativeTolerance: 0.08, bordered: true, temporal: true)
    }

    /// The temporal term against its definition: the mean over the image's values of
    /// c·(x − ω)² in 0…1 units, weighted in the total by `temporalWeight`.
    func testTemporalTermDefinition() throws {
        let model = try randomModel(seed: 5)
        let (objective, x) = try makeObjective(.standard, model: model, temporal: true)
        let guide = try temporalGuide(width: 20, height: 18)
        let image = try model.convention.toImage(x, width: 20, height: 18)
        let n = 20 * 18
        var sum = 0.0
        for c in 0..<3 {
            for i in 0..<n {
                let d = Double(image.pixels[c * n + i]) - Double(guide.target.pixels[c * n + i])
                sum += Double(guide.weights[i]) * d * d
            }
        }
        let terms = x.withUnsafeBufferPointer { objective.evaluate($0.baseAddress!, gradient: nil) }
        XCTAssertEqual(terms.temporal, sum / Double(3 * n), accuracy: 1e-4 * sum / Double(3 * n))
        let others =
            Double(objective.options.contentWeight) * terms.content
            + Double(objective.options.styleWeight) * terms.style + Double(objective.options.tvWeight) * terms.tv
        XCTAssertEqual(
            terms.total, others + Double(objective.options.temporalWeight) * terms.temporal,
            accuracy: 1e-9 * terms.total)
    }

    /// A guide of random target colours, weights 0, 1 and in between.
    func temporalGuide(width: Int, height: Int) throws -> TemporalGuide {
        var rng = TestRandom(seed: 12)
        let weights = (0..<width * height).map { i in i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : Float(0.5) }
        return try TemporalGuide(
            target: PlanarImage(width: width, height: height, pixels: rng.array(3 * width * height, 0, 1)),
            weights: weights)
    }

    func testLongRangeObjectiveGradient() throws {
        try checkGradient(.standard, relativeTolerance: 0.04, longRange: 20)
        try checkGradient(.standard, relativeTolerance: 0.08, bordered: true, longRange: 20)
    }

    /// A shifted Gram against its definition: Σ_p f(p)·f(p + δ)ᵀ over the pairs in the window,
    /// divided by their number.
    func testShiftedGramDefinition() throws {
        var rng = TestRandom(seed: 11)
        let shape = Shape3(5, 7, 9)
        let f = rng.array(shape.count)
        for (dx, dy, x0, y0, w, h) in [(2, 0, 0, 0, 9, 7), (0, 3, 1, 1, 7, 5), (1, 1, 2, 0, 6, 7)] {
            let g = try f.withUnsafeBufferPointer {
                try ShiftedGram.window(
                    $0.baseAddress!, shape: shape, x0: x0, y0: y0, width: w, height: h, dx: dx, dy: dy,
                    parallel: Parallel(threads: 2))
            }
            let pairs = (w - dx) * (h - dy)
            for i in 0..<shape.channels {
                for j in 0..<shape.channels {
                    var sum = 0.0
                    for y in y0..<(y0 + h - dy) {
                        for x in x0..<(x0 + w - dx) {
                            sum +=
                                Double(f[i * shape.plane + y * shape.width + x])
                                * Double(f[j * shape.plane + (y + dy) * shape.width + x + dx])
                        }
                    }
                    XCTAssertEqual(Double(g[i * shape.channels + j]), sum / Double(pairs), accuracy: 1e-5)
                }
            }
        }
    }

    /// With the mirrored border: the network sees the padded image, the gradient of every mirrored
    /// pixel is folded back onto the pixel it copies (the pixel next to a corner has three copies
    /// in the border), with and without region masks. 8 %: along one random direction the
    /// derivative is 3·10⁻⁴ of the gradient's norm, and its central differences scatter from
    /// −6.6·10⁻⁴ to −7.7·10⁻⁴ as h goes from 0.25 to 4 (analytic −7.5·10⁻⁴); along the gradient
    /// they agree to 10⁻⁴.
    func testBorderedObjectiveGradient() throws {
        try checkGradient(.standard, relativeTolerance: 0.08, bordered: true)
        try checkGradient(.standard, relativeTolerance: 0.08, masked: true, bordered: true)
    }

    /// With the mirrored border, the terms are those of the image's own positions: the content
    /// term only over the interior, each Gram a mean over the interior; computed here directly from
    /// the padded image's features. And moving a pixel of the image changes the loss as its copies
    /// in the border do too (the objective is a function of the image alone).
    func testBorderedObjectiveValues() throws {
        let model = try randomModel(seed: 5)
        let size = (w: 20, h: 18)
        let (objective, x) = try makeObjective(.standard, model: model, size: size, bordered: true)
        let border = try XCTUnwrap(objective.border)
        XCTAssertEqual(objective.workspace.inputShape.width, size.w + 2 * ReflectedBorder.defaultWidth)
        let terms = x.withUnsafeBufferPointer { objective.evaluate($0.baseAddress!, gradient: nil) }
        let ws = objective.workspace
        // The interior of a layer of stride s: [16/s, 16/s + n/s) on each axis (16 is a
        // multiple of every stride up to conv4's 8).
        func inside(_ layerWidth: Int, _ i: Int, imageSide: Int, paddedSide: Int) -> Bool {
            let s = paddedSide / layerWidth
            return i >= border.width / s && i < (border.width + imageSide) / s
        }
        var content = 0.0
        for layer in objective.contentLayers {
            let f = ws.output(of: layer.name)!, p = layer.target.pointer
            var d2 = 0.0, p2 = 0.0
            for c in 0..<layer.shape.channels {
                for y in 0..<layer.shape.height
                where inside(layer.shape.height, y, imageSide: size.h, paddedSide: border.paddedHeight) {
                    for xx in 0..<layer.shape.width
                    where inside(layer.shape.width, xx, imageSide: size.w, paddedSide: border.paddedWidth) {
                        let i = (c * layer.shape.height + y) * layer.shape.width + xx
                        d2 += Double(f[i] - p[i]) * Double(f[i] - p[i])
                        p2 += Double(p[i]) * Double(p[i])
                    }
                }
            }
            content += d2 / p2 / Double(objective.contentLayers.count)
        }
        XCTAssertEqual(terms.content, content, accuracy: 1e-3 * content)
        var style = 0.0
        let weightSum = objective.options.styleLayers.reduce(0.0) { $0 + Double($1.weight) }
        for (layer, (_, weight)) in zip(objective.styleLayers, objective.options.styleLayers) {
            let f = ws.output(of: layer.name)!
            let (c, w, h) = (layer.shape.channels, layer.shape.width, layer.shape.height)
            var positions: [Int] = []
            for y in 0..<h where inside(h, y, imageSide: size.h, paddedSide: border.paddedHeight) {
                for xx in 0..<w where inside(w, xx, imageSide: size.w, paddedSide: border.paddedWidth) {
                    positions.append(y * w + xx)
                }
            }
            var d2 = 0.0, a2 = 0.0
            for i in 0..<c {
                for j in 0..<c {
                    var g = 0.0
                    for q in positions { g += Double(f[i * w * h + q]) * Double(f[j * w * h + q]) }
                    let a = Double(layer.target.pointer[i * c + j])
                    d2 += (g / Double(positions.count) - a) * (g / Double(positions.count) - a)
                    a2 += a * a
                }
            }
            style += Double(weight) / weightSum * d2 / a2
        }
        XCTAssertEqual(terms.style, style, accuracy: 1e-3 * style)
    }

    /// The tutorial objective's value by its definition in docs/objective.md, computed independently.
    func testTutorialObjectiveValues() throws {
        let model = try randomModel(seed: 5)
        let (objective, x) = try makeObjective(.tutorial, model: model, size: (w: 16, h: 16))
        let terms = x.withUnsafeBufferPointer { objective.evaluate($0.baseAddress!, gradient: nil) }
        let ws = objective.workspace
        // content: Σ_l mean((F − P)²)
        var content = 0.0
        for layer in objective.contentLayers {
            let f = ws.output(of: layer.name)!
            var s = 0.0
            for i in 0..<layer.shape.count {
                let d = Double(f[i] - layer.target.pointer[i])
                s += d * d
            }
            content += s / Double(layer.shape.count)
        }
        XCTAssertEqual(terms.content, content, accuracy: 1e-4 * content)
        // style: Σ_l w_l · mean((FFᵀ − A)²) / (C·H·W)
        var style = 0.0
        for (layer, (_, weight)) in zip(objective.styleLayers, objective.options.styleLayers) {
            let f = ws.output(of: layer.name)!
            let c = layer.shape.channels, n = layer.shape.plane
            var s = 0.0
            for i in 0..<c {
                for j in 0..<c {
                    var g = 0.0
                    for p in 0..<n { g += Double(f[i * n + p]) * Double(f[j * n + p]) }
                    let d = g - Double(layer.target.pointer[i * c + j])
                    s += d * d
                }
            }
            style += Double(weight) * s / Double(c * c) / Double(c * n)
        }
        XCTAssertEqual(terms.style, style, accuracy: 1e-3 * style)
        // tv: plain sum of squared neighbour differences in model units
        let w = 16, h = 16
        var tv = 0.0
        for c in 0..<3 {
            for y in 0..<h {
                for xx in 0..<w {
                    let v = Double(x[(c * h + y) * w + xx])
                    if xx + 1 < w {
                        let d = Double(x[(c * h + y) * w + xx + 1]) - v
                        tv += d * d
                    }
                    if y + 1 < h {
                        let d = Double(x[(c * h + y + 1) * w + xx]) - v
                        tv += d * d
                    }
                }
            }
        }
        XCTAssertEqual(terms.tv, tv, accuracy: 1e-4 * tv)
        XCTAssertEqual(terms.total, 1 * terms.content + 3 * terms.style + 5 * terms.tv, accuracy: 1e-9 * terms.total)
    }
}
