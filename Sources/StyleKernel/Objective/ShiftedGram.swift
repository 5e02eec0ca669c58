import COpenBLAS

/// Gram matrices of a feature map against itself shifted by (dx, dy) positions (Berger &
/// Memisevic 2016, "Incorporating long-range consistency in CNN-based texture generation"):
/// G^δ = Σ_p f(p)·f(p + δ)ᵀ / (number of pairs), over the positions p with p and p + δ both in
/// the window. A plain Gram says which features occur together at one place; G^δ says which occur
/// δ apart, so it describes how strokes continue and curve across a painting, which the plain
/// Gram leaves free.
enum ShiftedGram {
    /// Copies the pairs' two ends into `a` and `b` (C × pairs each): a[c, i] = f[c, p_i],
    /// b[c, i] = f[c, p_i + δ], for p_i over the window [x0, x0 + w − dx) × [y0, y0 + h − dy).
    static func pack(
        _ f: UnsafePointer<Float>, shape: Shape3, x0: Int, y0: Int, width w: Int, height h: Int,
        dx: Int, dy: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, parallel: Parallel
    ) -> Int {
        let pw = w - dx, ph = h - dy
        guard pw > 0, ph > 0 else { return 0 }
        let n = pw * ph
        parallel.forEach(shape.channels, minimumPerThread: 8) { channels in
            for c in channels {
                for y in 0..<ph {
                    let src = f + c * shape.plane + (y0 + y) * shape.width + x0
                    (a + c * n + y * pw).update(from: src, count: pw)
                    (b + c * n + y * pw).update(from: src + dy * shape.width + dx, count: pw)
                }
            }
        }
        return n
    }

    /// gram (C × C) = scale · a · bᵀ.
    static func product(
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, channels c: Int, pairs n: Int, scale: Float,
        gram: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        let rowBlock = 32
        let blocks = (c + rowBlock - 1) / rowBlock
        let run = { (k: Int) in
            let r0 = k * rowBlock, r1 = min(c, r0 + rowBlock)
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r1 - r0), Int32(c), Int32(n),
                scale, a + r0 * n, Int32(n), b, Int32(n), 0, gram + r0 * c, Int32(c))
        }
        if Conv3x3.splitsGEMMs(parallel) {
            parallel.forEachPiece(blocks) { range in for k in range { run(k) } }
        } else {
            for k in 0..<blocks { run(k) }
        }
    }

    /// out (C × pairs) = scale · d · m, with d C × C (transposed when `transposed`).
    static func backProduct(
        d: UnsafePointer<Float>, transposed: Bool, m: UnsafePointer<Float>, channels c: Int, pairs n: Int,
        scale: Float, out: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        Conv3x3.forEachColumnPiece(n, split: Conv3x3.splitsGEMMs(parallel), parallel: parallel) { cols in
            cblas_sgemm(
                CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, CblasNoTrans,
                Int32(c), Int32(cols.count), Int32(c), scale, d, Int32(c), m + cols.lowerBound, Int32(n),
                0, out + cols.lowerBound, Int32(n))
        }
    }

    /// The normalised shifted Gram of a window of a feature map (the style's targets).
    static func window(
        _ f: UnsafePointer<Float>, shape: Shape3, x0: Int, y0: Int, width w: Int, height h: Int,
        dx: Int, dy: Int, parallel: Parallel
    ) throws -> [Float] {
        let c = shape.channels
        let n = max(0, w - dx) * max(0, h - dy)
        var g = [Float](repeating: 0, count: c * c)
        guard n > 0 else { return g }
        var a = try CheckedMemory.floats(c * n, what: "a shifted Gram's features")
        var b = try CheckedMemory.floats(c * n, what: "a shifted Gram's features")
        a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                _ = pack(
                    f, shape: shape, x0: x0, y0: y0, width: w, height: h, dx: dx, dy: dy,
                    a: ap.baseAddress!, b: bp.baseAddress!, parallel: parallel)
                g.withUnsafeMutableBufferPointer { gp in
                    product(
                        a: ap.baseAddress!, b: bp.baseAddress!, channels: c, pairs: n, scale: 1 / Float(n),
                        gram: gp.baseAddress!, parallel: parallel)
                }
            }
        }
        return g
    }

    /// One shifted-Gram term of the objective.
    struct Spec: Equatable {
        let layer: String
        let dx: Int
        let dy: Int
        let weight: Float
        var key: String { "\(layer)@\(dx),\(dy)" }
    }

    /// The layer and distance of the long-range terms (`StyleOptions.longRangeWeight`): conv4_1,
    /// 4 positions (32 px at its stride of 8) across and down. Measured on seven pairs at 512 px
    /// (docs/quality.md, "Long-range terms").
    static let layer = "conv4_1"
    static let shift = 4

    /// The shifted-Gram terms a run with these options has: none with the tutorial objective,
    /// a zero weight, or without `layer` among the style layers.
    static func specs(for options: StyleOptions) -> [Spec] {
        guard options.objective == .standard, options.longRangeWeight > 0,
            options.styleLayers.contains(where: { $0.name == layer && $0.weight > 0 })
        else { return [] }
        return [
            Spec(layer: layer, dx: shift, dy: 0, weight: options.longRangeWeight),
            Spec(layer: layer, dx: 0, dy: shift, weight: options.longRangeWeight)
        ]
    }
}

/// A shifted-Gram term on the result: its target, its buffers and its last G − A.
final class ShiftedGramTerm: @unchecked Sendable {
    let spec: ShiftedGram.Spec
    let shape: Shape3
    let target: FloatBuffer
    let norm: Float
    /// The interior (with a border): the pairs are taken within it.
    let window: (x0: Int, y0: Int, width: Int, height: Int)
    let pairs: Int
    let a: FloatBuffer
    let b: FloatBuffer
    let back: FloatBuffer
    let difference: FloatBuffer

    init(
        spec: ShiftedGram.Spec, shape: Shape3, target: [Float], norm: Float,
        window: (x0: Int, y0: Int, width: Int, height: Int)
    ) throws {
        self.spec = spec
        self.shape = shape
        self.window = window
        pairs = max(0, window.width - spec.dx) * max(0, window.height - spec.dy)
        self.target = try FloatBuffer(checkedValues: target)
        self.norm = norm
        a = try FloatBuffer(checkedCount: max(1, shape.channels * pairs))
        b = try FloatBuffer(checkedCount: max(1, shape.channels * pairs))
        back = try FloatBuffer(checkedCount: max(1, shape.channels * pairs))
        difference = try FloatBuffer(checkedCount: shape.channels * shape.channels)
    }

    /// norm · ‖G^δ − A^δ‖² at the features f; keeps G − A and the packed features.
    func evaluate(_ f: UnsafePointer<Float>, parallel: Parallel) -> Double {
        guard pairs > 0 else { return 0 }
        let c = shape.channels
        _ = ShiftedGram.pack(
            f, shape: shape, x0: window.x0, y0: window.y0, width: window.width, height: window.height,
            dx: spec.dx, dy: spec.dy, a: a.pointer, b: b.pointer, parallel: parallel)
        ShiftedGram.product(
            a: a.pointer, b: b.pointer, channels: c, pairs: pairs, scale: 1 / Float(pairs),
            gram: difference.pointer, parallel: parallel)
        var sum = 0.0
        for i in 0..<(c * c) {
            difference.pointer[i] -= target.pointer[i]
            sum += Double(difference.pointer[i]) * Double(difference.pointer[i])
        }
        return Double(norm) * sum
    }

    /// grad += k · d(norm·‖G − A‖²)/dF, after `evaluate` (k: the style weight).
    func backward(into grad: UnsafeMutablePointer<Float>, weight k: Float, parallel: Parallel) {
        guard pairs > 0 else { return }
        let c = shape.channels
        let scale = 2 * k * norm / Float(pairs)
        let pw = window.width - spec.dx, ph = window.height - spec.dy
        // d/da = scale · D · b, at the pairs' first ends.
        ShiftedGram.backProduct(
            d: difference.pointer, transposed: false, m: b.pointer, channels: c, pairs: pairs, scale: scale,
            out: back.pointer, parallel: parallel)
        scatter(back.pointer, into: grad, offsetX: 0, offsetY: 0, pw: pw, ph: ph, parallel: parallel)
        // d/db = scale · Dᵀ · a, at the second ends.
        ShiftedGram.backProduct(
            d: difference.pointer, transposed: true, m: a.pointer, channels: c, pairs: pairs, scale: scale,
            out: back.pointer, parallel: parallel)
        scatter(back.pointer, into: grad, offsetX: spec.dx, offsetY: spec.dy, pw: pw, ph: ph, parallel: parallel)
    }

    private func scatter(
        _ src: UnsafePointer<Float>, into grad: UnsafeMutablePointer<Float>, offsetX: Int, offsetY: Int,
        pw: Int, ph: Int, parallel: Parallel
    ) {
        let shape = self.shape, window = self.window, n = pairs
        parallel.forEach(shape.channels, minimumPerThread: 8) { channels in
            for c in channels {
                for y in 0..<ph {
                    let dst = grad + c * shape.plane + (window.y0 + offsetY + y) * shape.width + window.x0 + offsetX
                    let s = src + c * n + y * pw
                    for x in 0..<pw { dst[x] += s[x] }
                }
            }
        }
    }
}
